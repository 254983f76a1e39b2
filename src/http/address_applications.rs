//! `/address-applications`: a department applies for a door plate
//! (`POST`, 201, with the regulation's checks and the number the rule
//! gives); civil-affairs staff issue it (`POST …/{id}/issue`: the address,
//! its code and the plate record at once) or return it with reasons.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::review::{Actor, Role};
use crate::service::address_applications::{AddressError, ApplicationInput};
use crate::store::ApplicationRow;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::Value;

const READERS: &[Role] = &[Role::Applicant, Role::Reviewer, Role::Admin];

impl From<AddressError> for ApiError {
    fn from(e: AddressError) -> Self {
        match e {
            AddressError::NotFound(what, id) => ApiError::not_found(what, &id),
            AddressError::Invalid { field, reason } => ApiError::invalid(field, reason),
            AddressError::Unprocessable { field, reason } => ApiError::unprocessable(field, reason),
            AddressError::Field { field, reason, status: 422 } => ApiError::unprocessable(&field, reason),
            AddressError::Field { field, reason, .. } => ApiError::invalid(&field, reason),
            AddressError::Forbidden(why) => ApiError::forbidden(&why),
            AddressError::SamePerson(why) => ApiError::separation_of_duties(&why),
            AddressError::Conflict(why) => ApiError::invalid_transition(&why),
            AddressError::Checks(failing) => ApiError::workflow_condition(&failing.join("；")),
            AddressError::Store(e) => ApiError::from(e),
        }
    }
}

fn json_of(r: &ApplicationRow) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

/// Applies for a door plate on a road at a building's door: the checks of
/// the regulation are run and recorded (the road's name is a current
/// standard name; the door lies on the road and inside its division; the
/// number asked for is free and follows the numbering rule, or the rule
/// gives one).
#[utoipa::path(post, path = "/address-applications", tag = "addresses", request_body = ApplicationInput,
    responses((status = 201, description = "The application with its checks"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "apply_for_address", READERS)?;
    let input: ApplicationInput = params::json_body(&headers, &body)?;
    let (g, plates) = (s.gazetteer_arc(), s.settings.plates.clone());
    let row = s.write(move |svc, _| svc.apply_for_address(&actor, &input, &g, &plates)).await?;
    Ok((StatusCode::CREATED, Json(json_of(&row))))
}

fn id_param(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是申请编号")))
}

/// One application: its checks, state and, once issued, its address code.
#[utoipa::path(get, path = "/address-applications/{id}", tag = "addresses",
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, description = "The application"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn one(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require(&actor, "read_address_applications", READERS)?;
    let id = id_param(&id)?;
    let row = s.query(move |c| ApplicationRow::get(c, id)).await?;
    row.map(|r| Json(json_of(&r))).ok_or_else(|| ApiError::not_found("门牌申请", &id.to_string()))
}

/// Body of a decision.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationDecision {
    /// A note (required to return).
    #[serde(default)]
    pub note: Option<String>,
}

/// Civil-affairs staff (not the applicant) issue the address — every check
/// run again; a failing one is a 409 and nothing is written — or return
/// the application with reasons.
#[utoipa::path(post, path = "/address-applications/{id}/{action}", tag = "addresses", request_body = ApplicationDecision,
    params(("id" = i64, Path, description = "Application id"),
        ("action" = String, Path, description = "`issue` or `return`", pattern = r"^(issue|return)$")),
    responses((status = 200, description = "The application as decided, with the address code issued"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let issue = match action.as_str() {
        "issue" => true,
        "return" => false,
        other => return Err(ApiError::not_found("操作", other)),
    };
    let id = id_param(&id)?;
    require(&actor, "issue_address", &[Role::Reviewer, Role::Admin])?;
    let input: ApplicationDecision =
        if body.is_empty() { ApplicationDecision::default() } else { params::json_body(&headers, &body)? };
    let (g, plates) = (s.gazetteer_arc(), s.settings.plates.clone());
    let row = s
        .write(move |svc, _| {
            svc.decide_address_application(&actor, id, issue, input.note.as_deref(), &g, &plates)
        })
        .await?;
    Ok(Json(json_of(&row)))
}
