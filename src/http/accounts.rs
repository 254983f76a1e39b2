//! `/accounts`: the people who hold tokens. Admins create accounts, grant
//! and revoke their roles (never their own) and disable them; everyone can
//! read their own account (`/accounts/me`) and what it did
//! (`/accounts/{id}/activity`).

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use super::tokens::{caller, role_param};
use crate::model::{Account, AccountId, DivisionCode};
use crate::review::{Actor, Role};
use crate::service::accounts::NewAccount;
use crate::store::{AccountRow, TokenRow};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use rusqlite::OptionalExtension;
use serde::Deserialize;
use serde_json::{Value, json};

/// Body of `POST /accounts`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountInput {
    name: Option<String>,
    department: Option<String>,
    divisions: Option<Vec<String>>,
    roles: Option<Vec<String>>,
}

/// A new account as a request describes it, checked: a name of 1 to 100
/// characters, a department of at most 100, divisions that exist.
pub(super) async fn new_account(
    s: &AppState,
    name: Option<&str>,
    department: Option<&str>,
    divisions: Vec<String>,
    roles: Vec<Role>,
) -> ApiResult<NewAccount> {
    let name = name.map(str::trim).filter(|n| !n.is_empty() && n.chars().count() <= 100);
    let name = name.ok_or_else(|| ApiError::invalid("name", "须给出 1 到 100 个字的姓名或系统名称"))?;
    let department = department.unwrap_or("").trim();
    if department.chars().count() > 100 {
        return Err(ApiError::invalid("department", "单位名称不得超过 100 个字"));
    }
    if divisions.len() > 100 {
        return Err(ApiError::invalid("divisions", "管辖区划不得超过 100 个"));
    }
    let mut codes = Vec::new();
    for d in &divisions {
        let code = DivisionCode::parse(d.trim())
            .map_err(|e| ApiError::invalid("divisions", format!("“{d}” 不是区划代码：{e}")))?;
        codes.push(code.as_str().to_string());
    }
    let wanted = codes.clone();
    let missing = s
        .query(move |c| {
            let mut stmt = c.prepare_cached("SELECT 1 FROM divisions WHERE code = ?1")?;
            for code in &wanted {
                if stmt.query_row([code], |_| Ok(())).optional()?.is_none() {
                    return Ok(Some(code.clone()));
                }
            }
            Ok(None)
        })
        .await?;
    if let Some(code) = missing {
        return Err(ApiError::invalid("divisions", format!("区划 {code} 不存在")));
    }
    Ok(NewAccount { name: name.to_string(), department: department.to_string(), divisions: codes, roles })
}

/// Creates an account with its first roles.
#[utoipa::path(post, path = "/accounts", tag = "security",
    request_body(content = Object, description = "`{\"name\":\"张三\",\"department\":\"鄞州区民政局\",\"divisions\":[\"330212\"],\"roles\":[\"reviewer\"]}`", content_type = "application/json"),
    responses((status = 201, description = "The account: `{id, name, department, divisions, roles, created_at}`"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Account>)> {
    require(&actor, "create_account", &[Role::Admin])?;
    let input: AccountInput = params::json_body(&headers, &body)?;
    let mut roles = Vec::new();
    for r in input.roles.unwrap_or_default() {
        let role = role_param("roles", &r)?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    let new = new_account(
        &s,
        input.name.as_deref(),
        input.department.as_deref(),
        input.divisions.unwrap_or_default(),
        roles,
    )
    .await?;
    let account = s.write(move |svc, _| svc.create_account(&new, caller(&actor))).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// Every account.
#[utoipa::path(get, path = "/accounts", tag = "security",
    responses((status = 200, description = "`{accounts: [...]}`"), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<Value>> {
    require(&actor, "list_accounts", &[Role::Admin])?;
    let accounts = s.query(AccountRow::list).await?;
    Ok(Json(json!({"accounts": accounts})))
}

/// The account `id` names (`me`: the caller's), if the caller may read it.
async fn readable(s: &AppState, actor: &Actor, id: &str) -> ApiResult<Account> {
    let id = if id == "me" {
        actor.account
    } else {
        AccountId(id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是账户编号")))?)
    };
    if id != actor.account && actor.role != Role::Admin {
        return Err(ApiError::forbidden("只能查看本人的账户"));
    }
    s.query(move |c| AccountRow::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("账户", &id.to_string()))
}

/// One account with its tokens; `me` is the caller's own, with the token
/// in use.
#[utoipa::path(get, path = "/accounts/{id}", tag = "security",
    params(("id" = String, Path, description = "Account id, or `me`", pattern = r"^([0-9]+|me)$")),
    responses((status = 200, description = "`{account, tokens, token}`: `token` is the token of this request when it is the caller's account"),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn one(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let account = readable(&s, &actor, &id).await?;
    let of = account.id;
    let tokens = s.query(move |c| TokenRow::list(c, Some(of))).await?;
    let current = (of == actor.account).then(|| tokens.iter().find(|t| t.id == actor.id).cloned()).flatten();
    Ok(Json(json!({"account": account, "tokens": tokens, "token": current})))
}

/// Query of `/accounts/{id}/activity`.
#[derive(Debug, Default, Deserialize)]
pub struct ActivityQuery {
    before: Option<String>,
    limit: Option<String>,
}

/// What an account did: the change-log entries its tokens made, newest
/// first.
#[utoipa::path(get, path = "/accounts/{id}/activity", tag = "security",
    params(("id" = String, Path, description = "Account id, or `me`", pattern = r"^([0-9]+|me)$"),
        ("before" = Option<i64>, Query, description = "Entries before this sequence number"),
        ("limit" = Option<i64>, Query, description = "At most this many (1–1000, default 100)")),
    responses((status = 200, description = "`{account, entries: [{seq, at, token, entity, key, action, summary}]}`"),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn activity(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<ActivityQuery>,
) -> ApiResult<Json<Value>> {
    let account = readable(&s, &actor, &id).await?;
    let before = params::whole("before", q.before.as_deref(), i64::MAX, i64::MAX)?;
    let limit = params::limit(q.limit.as_deref(), 100, 1000)?;
    let of = account.id.0;
    let entries = s
        .query(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, at, token, entity, entity_key, action, summary FROM change_log \
                 WHERE account = ?1 AND seq < ?2 ORDER BY seq DESC LIMIT ?3",
            )?;
            let rows = stmt.query_map(rusqlite::params![of, before, limit as i64], |r| {
                Ok(json!({"seq": r.get::<_, i64>(0)?, "at": r.get::<_, String>(1)?, "token": r.get::<_, i64>(2)?,
                    "entity": r.get::<_, String>(3)?, "key": r.get::<_, String>(4)?,
                    "action": r.get::<_, String>(5)?, "summary": r.get::<_, Option<String>>(6)?}))
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    Ok(Json(json!({"account": account.id, "entries": entries})))
}

fn account_id(id: &str) -> ApiResult<AccountId> {
    Ok(AccountId(id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是账户编号")))?))
}

/// Grants a role (an admin, to another account than their own).
#[utoipa::path(put, path = "/accounts/{id}/roles/{role}", tag = "security",
    params(("id" = i64, Path, description = "Account id"), ("role" = String, Path, description = "Role", pattern = r"^(applicant|reviewer|expert|committee|approver|admin|subscriber|boundary)$")),
    responses((status = 200, description = "The account after"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn grant(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, role)): Path<(String, String)>,
) -> ApiResult<Json<Account>> {
    require(&actor, "grant_role", &[Role::Admin])?;
    let (id, role) = (account_id(&id)?, role_param("role", &role)?);
    Ok(Json(s.write(move |svc, _| svc.grant_role(id, role, caller(&actor))).await?))
}

/// Revokes a role: the account's tokens in it stop at once.
#[utoipa::path(delete, path = "/accounts/{id}/roles/{role}", tag = "security",
    params(("id" = i64, Path, description = "Account id"), ("role" = String, Path, description = "Role", pattern = r"^(applicant|reviewer|expert|committee|approver|admin|subscriber|boundary)$")),
    responses((status = 200, description = "The account after"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn revoke_role(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, role)): Path<(String, String)>,
) -> ApiResult<Json<Account>> {
    require(&actor, "revoke_role", &[Role::Admin])?;
    let (id, role) = (account_id(&id)?, role_param("role", &role)?);
    Ok(Json(s.write(move |svc, _| svc.revoke_role(id, role, caller(&actor))).await?))
}

/// Disables an account: every token of it stops at once.
#[utoipa::path(delete, path = "/accounts/{id}", tag = "security",
    params(("id" = i64, Path, description = "Account id")),
    responses((status = 204, description = "Disabled"), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn disable(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    require(&actor, "disable_account", &[Role::Admin])?;
    let id = account_id(&id)?;
    s.write(move |svc, _| svc.disable_account(id, caller(&actor))).await?;
    Ok(StatusCode::NO_CONTENT)
}
