//! `/subscriptions`: webhooks for the change feed. A `subscriber` token
//! manages its own subscriptions; `admin` any.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::review::{Actor, Role};
use crate::service::subscriptions::{SubscriptionError, SubscriptionInput, SubscriptionStatus};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

const ROLES: &[Role] = &[Role::Subscriber, Role::Admin];

impl From<SubscriptionError> for ApiError {
    fn from(e: SubscriptionError) -> Self {
        match e {
            SubscriptionError::Invalid { field: "url", reason } => ApiError::unprocessable("url", reason),
            SubscriptionError::Invalid { field, reason } => ApiError::invalid(field, reason),
            SubscriptionError::Store(e) => ApiError::from(e),
        }
    }
}

fn id_of(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是订阅编号")))
}

/// The subscription, if the actor may see it.
async fn owned(s: &AppState, actor: &Actor, id: &str) -> ApiResult<SubscriptionStatus> {
    let n = id_of(id)?;
    let found = s.read(move |svc| svc.subscription(n)).await?;
    match found {
        Some(st) if st.row.owner == actor.id.0 || actor.role == Role::Admin => Ok(st),
        _ => Err(ApiError::not_found("订阅", id)),
    }
}

/// Subscribes a receiver URL to changes; answers 201 with the id and the
/// signing secret, which is shown only here.
#[utoipa::path(post, path = "/subscriptions", tag = "feed", request_body = SubscriptionInput,
    responses((status = 201, description = "`{id, secret}`"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "subscribe", ROLES)?;
    let input: SubscriptionInput = params::json_body(&headers, &body)?;
    let (by, url) = ((actor.account.0, actor.id.0), input.url.clone());
    let (id, secret) = s.write(move |svc, _| svc.subscribe(by, &input)).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "url": url, "secret": secret}))))
}

/// A subscription: what it receives, the last sequence number delivered,
/// how many changes are pending and the last error.
#[utoipa::path(get, path = "/subscriptions/{id}", tag = "feed",
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 200, description = "The subscription"), (status = 401, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn one(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require(&actor, "read_subscription", ROLES)?;
    let st = owned(&s, &actor, &id).await?;
    let r = st.row;
    let kinds: Vec<&str> = r.kinds.iter().map(|k| k.as_str()).collect();
    Ok(Json(json!({
        "id": r.id, "url": r.url, "kinds": kinds, "division": r.division, "created_at": r.created_at,
        "delivered_seq": r.delivered_seq, "pending": st.pending, "attempts": r.attempts,
        "last_attempt_at": r.last_attempt_at, "next_attempt_at": r.next_attempt_at, "last_error": r.last_error,
    })))
}

/// Ends a subscription.
#[utoipa::path(delete, path = "/subscriptions/{id}", tag = "feed",
    params(("id" = i64, Path, description = "Subscription id")),
    responses((status = 204, description = "Ended"), (status = 401, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn delete(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    require(&actor, "unsubscribe", ROLES)?;
    let n = owned(&s, &actor, &id).await?.row.id;
    let by = (actor.account.0, actor.id.0);
    s.write(move |svc, _| svc.unsubscribe(n, by)).await?;
    Ok(StatusCode::NO_CONTENT)
}
