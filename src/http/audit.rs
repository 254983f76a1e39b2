//! `/audit/checkpoints`: the signed checkpoints of the change log, with the
//! public key that checks them, for other agencies to keep copies of;
//! `/audit/verify` (admin): the chain, the checkpoints and the records'
//! seals checked.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::review::{Actor, Role};
use crate::store::checkpoints::CheckpointRow;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

/// Query of `/audit/checkpoints`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointsQuery {
    /// Checkpoints of entries after this sequence number (default 0).
    pub since: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<String>,
}

/// A page of checkpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointsPage {
    /// The id of the key that signs them (none when this server signs no
    /// checkpoints).
    pub key_id: Option<String>,
    /// That key's public half (PEM, Ed25519).
    pub public_key: Option<String>,
    /// The checkpoints, oldest first.
    pub checkpoints: Vec<CheckpointRow>,
    /// Pass this as `since` to read on.
    pub next: i64,
}

/// The signed checkpoints of the change log's head, oldest first. A
/// checkpoint signs `fangyu audit checkpoint v1\n{seq}\n{head}\n{at}\n`.
#[utoipa::path(get, path = "/audit/checkpoints", tag = "security", params(CheckpointsQuery),
    responses((status = 200, body = CheckpointsPage), (status = 400, body = super::error::Problem)))]
pub async fn checkpoints(
    State(s): State<AppState>,
    Query(q): Query<CheckpointsQuery>,
) -> ApiResult<Json<CheckpointsPage>> {
    let since = params::whole("since", q.since.as_deref(), 0, i64::MAX)?;
    let limit = params::limit(q.limit.as_deref(), 100, 1000)?;
    let checkpoints = s.query(move |c| CheckpointRow::after(c, since, limit)).await?;
    let key = s.checkpointer.as_ref().map(|c| c.public_key());
    let next = checkpoints.last().map_or(since, |c| c.seq);
    Ok(Json(CheckpointsPage {
        key_id: key.as_ref().map(|k| k.id()),
        public_key: key.as_ref().map(|k| k.pem()),
        checkpoints,
        next,
    }))
}

/// Recomputes the change log's hash chain and, when this server signs
/// checkpoints, checks it against every checkpoint it knows of.
#[utoipa::path(get, path = "/audit/verify", tag = "security",
    responses((status = 200, description = "`{intact, entries, head, broken, checkpoints, records}`; `broken` is null when the chain and checkpoints hold; `checkpoints` is `{checked, latest}` when this server signs checkpoints; `records` lists the records that differ from their seals"),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)),
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
