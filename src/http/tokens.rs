//! `/tokens` (admin): issue, list and revoke API tokens; `/audit` (admin):
//! verify the hash chain of the change log.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::review::{Actor, Role};
use crate::store::TokenRow;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

/// Body of `POST /tokens`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    name: Option<String>,
    role: Option<String>,
}

/// Issues a token; the secret is in this answer only.
#[utoipa::path(post, path = "/tokens", tag = "security",
    request_body(content = String, description = "`{\"name\":\"张三（鄞州区民政局）\",\"role\":\"reviewer\"}`", content_type = "application/json"),
    responses((status = 201, description = "`{id, name, role, token}`"), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "create_token", &[Role::Admin])?;
    let input: NewToken = params::json_body(&headers, &body)?;
    let name = input.name.as_deref().map(str::trim).filter(|n| !n.is_empty() && n.chars().count() <= 100);
    let name = name.ok_or_else(|| ApiError::invalid("name", "须给出 1 到 100 个字的持有人名称"))?;
    let role = input.role.as_deref().unwrap_or("");
    let role = Role::parse(role).ok_or_else(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        ApiError::invalid("role", format!("未知角色“{role}”，可用：{}", all.join("、")))
    })?;
    let (holder, by) = (name.to_string(), actor.name.clone());
    let (id, secret) = s.write(move |svc, _| svc.create_token(&holder, role, &by)).await?;
    Ok((StatusCode::CREATED, Json(json!({"id": id, "name": name, "role": role, "token": secret}))))
}

/// Every token (never the secrets).
#[utoipa::path(get, path = "/tokens", tag = "security",
    responses((status = 200, description = "Tokens"), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<Value>> {
    require(&actor, "list_tokens", &[Role::Admin])?;
    let rows = s.query(TokenRow::list).await?;
    Ok(Json(json!({"tokens": rows})))
}

/// Revokes a token.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "security",
    params(("id" = i64, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    require(&actor, "revoke_token", &[Role::Admin])?;
    let n: i64 = id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是令牌编号")))?;
    let by = actor.name.clone();
    if s.write(move |svc, _| svc.revoke_token(n, &by)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("令牌", &id))
    }
}

/// Recomputes the change log's hash chain and, when this server signs
/// checkpoints, checks it against every checkpoint it knows of.
#[utoipa::path(get, path = "/audit/verify", tag = "security",
    responses((status = 200, description = "`{intact, entries, head, broken, checkpoints, records}`; `broken` is null when the chain and checkpoints hold; `checkpoints` is `{checked, latest}` when this server signs checkpoints; `records` lists the records that differ from their seals"), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn verify(State(s): State<AppState>, actor: Actor) -> ApiResult<Json<Value>> {
    require(&actor, "audit_verify", &[Role::Admin])?;
    let shared = s.clone();
    let outcome = tokio::task::spawn_blocking(move || match &shared.checkpointer {
        Some(c) => c.audit(),
        None => crate::service::audit::audit(&shared.store, None, &[]),
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let broken =
        outcome.chain.broken.clone().or_else(|| outcome.checkpoints.as_ref().and_then(|c| c.broken.clone()));
    let records = outcome.records.as_ref();
    Ok(Json(json!({"intact": broken.is_none() && records.is_some_and(|r| r.count == 0),
        "entries": outcome.chain.entries, "head": outcome.chain.head,
        "broken": broken.map(|(seq, why)| json!({"seq": seq, "reason": why})),
        "checkpoints": outcome.checkpoints.map(|c| json!({"checked": c.checked, "latest": c.latest})),
        "records": records})))
}
