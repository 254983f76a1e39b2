//! `/tokens`: issue, list, rotate and revoke API tokens. A token belongs to
//! one account and acts in one role the account holds; admins issue them,
//! and a token's own account may rotate or revoke it.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::model::{AccountId, TokenId};
use crate::review::{Actor, Role};
use crate::service::accounts::{Caller, Issued, lifetime};
use crate::store::TokenRow;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// Body of `POST /tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    /// The account the token is for; without it, a new account named
    /// `name` is created holding `role`.
    account: Option<i64>,
    name: Option<String>,
    department: Option<String>,
    divisions: Option<Vec<String>>,
    role: Option<String>,
    days: Option<u64>,
}

/// A role by its identifier, or why not.
pub fn role_param(field: &str, v: &str) -> ApiResult<Role> {
    Role::parse(v).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        ApiError::invalid(field, format!("未知角色“{v}”，可用：{}", all.join("、")))
    })
}

/// The caller as the service records it.
pub fn caller(actor: &Actor) -> Caller<'_> {
    Caller { name: &actor.name, by: actor.by() }
}

fn issued_json(i: &Issued) -> Value {
    json!({"id": i.token.id, "account": i.token.account, "name": i.token.name, "role": i.token.role,
        "expires_at": i.token.expires_at, "token": i.secret})
}

/// Issues a token; the secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "security",
    request_body(content = Object, description = "`{\"account\":12,\"role\":\"reviewer\",\"days\":90}` for an existing account, or `{\"name\":\"张三\",\"department\":\"鄞州区民政局\",\"divisions\":[\"330212\"],\"role\":\"reviewer\"}` to create the account with it", content_type = "application/json"),
    responses((status = 201, description = "`{id, account, name, role, expires_at, token}`"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "create_token", &[Role::Admin])?;
    let input: NewToken = params::json_body(&headers, &body)?;
    let role = role_param("role", input.role.as_deref().unwrap_or(""))?;
    let days = lifetime(&s.settings.access, input.days)?;
    let issued = match input.account {
        Some(account) => {
            if input.name.is_some() || input.department.is_some() || input.divisions.is_some() {
                return Err(ApiError::invalid(
                    "account",
                    "给出 account 时不再给出 name、department、divisions",
                ));
            }
            let account = AccountId(account);
            s.write(move |svc, _| svc.create_token(account, role, days, caller(&actor))).await?
        }
        None => {
            let new = super::accounts::new_account(
                &s,
                input.name.as_deref(),
                input.department.as_deref(),
                input.divisions.unwrap_or_default(),
                vec![role],
            )
            .await?;
            s.write(move |svc, _| svc.account_with_token(&new, role, days, caller(&actor))).await?.1
        }
    };
    Ok((StatusCode::CREATED, Json(issued_json(&issued))))
}

/// Query of `GET /tokens`.
#[derive(Debug, Default, Deserialize)]
pub struct TokensQuery {
    /// Only this account's tokens.
    account: Option<String>,
}

/// Every token (never the secrets), or one account's.
#[utoipa::path(get, path = "/tokens", tag = "security",
    params(("account" = Option<i64>, Query, description = "Only this account's tokens")),
    responses((status = 200, description = "`{tokens: [{id, account, name, role, created_at, expires_at, revoked_at}]}`"),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<TokensQuery>,
) -> ApiResult<Json<Value>> {
    require(&actor, "list_tokens", &[Role::Admin])?;
    let account = match q.account.as_deref() {
        None => None,
        Some(v) => Some(AccountId(params::whole("account", Some(v), 0, i64::MAX)?)),
    };
    let rows = s.query(move |c| TokenRow::list(c, account)).await?;
    Ok(Json(json!({"tokens": rows})))
}

/// The token `id`, if the actor may manage it: admins any, an account
/// its own.
async fn manageable(s: &AppState, actor: &Actor, id: &str) -> ApiResult<TokenId> {
    let n: i64 = id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是令牌编号")))?;
    let id = TokenId(n);
    let row = s.query(move |c| TokenRow::get(c, id)).await?;
    match row {
        Some(t) if actor.role == Role::Admin || t.account == actor.account => Ok(id),
        Some(_) => Err(ApiError::forbidden("只能管理本账户的令牌")),
        None => Err(ApiError::not_found("令牌", &n.to_string())),
    }
}

/// Revokes a token (admins any; an account its own).
#[utoipa::path(delete, path = "/tokens/{id}", tag = "security",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let id = manageable(&s, &actor, &id).await?;
    if s.write(move |svc, _| svc.revoke_token(id, caller(&actor))).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("令牌", &id.to_string()))
    }
}

/// Body of `POST /tokens/{id}/rotate`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotation {
    days: Option<u64>,
}

/// Replaces a token with a new secret of the same account and role (a
/// fresh lifetime); the old secret stops at once. Admins rotate any token,
/// an account its own.
#[utoipa::path(post, path = "/tokens/{id}/rotate", tag = "security",
    params(("id" = i64, Path, description = "Token id")),
    request_body(content = Object, description = "`{\"days\":90}` (optional)", content_type = "application/json"),
    responses((status = 201, description = "The new token: `{id, account, name, role, expires_at, token}`"),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn rotate(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let input: Rotation = params::json_body(&headers, &body)?;
    let days = lifetime(&s.settings.access, input.days)?;
    let id = manageable(&s, &actor, &id).await?;
    let issued = s.write(move |svc, _| svc.rotate_token(id, days, caller(&actor))).await?;
    Ok((StatusCode::CREATED, Json(issued_json(&issued))))
}

impl From<crate::service::accounts::AccountError> for ApiError {
    fn from(e: crate::service::accounts::AccountError) -> Self {
        use crate::service::accounts::AccountError as E;
        match e {
            E::NotFound(what, key) => ApiError::not_found(what, &key),
            E::Invalid { field, reason } => ApiError::invalid(field, reason),
            E::Forbidden(why) => ApiError::forbidden(&why),
            E::OwnAccount(why) => ApiError::separation_of_duties(&why),
            E::Store(s) => ApiError::from(s),
        }
    }
}
