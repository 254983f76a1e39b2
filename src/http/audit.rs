//! `/audit/checkpoints`: the signed checkpoints of the change log, with the
//! public key that checks them, for other agencies to keep copies of.

use super::error::ApiResult;
use super::params;
use super::state::AppState;
use crate::store::checkpoints::CheckpointRow;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
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
