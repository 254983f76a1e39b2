//! Bearer tokens: `Authorization: Bearer TOKEN` names a live API token;
//! its role decides what the request may do. Reads of published data need
//! no token; everything in the naming workflow does.

use super::error::ApiError;
use super::state::AppState;
use crate::review::workflow::Refusal;
use crate::review::{Actor, Role, token};
use crate::store::TokenRow;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Actor, ApiError> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("需要 Authorization: Bearer 令牌"))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(|| ApiError::unauthorized("Authorization 须为 “Bearer 令牌” 格式"))?;
        let hash = token::hash_secret(secret);
        let row = s
            .query(move |c| TokenRow::by_hash(c, &hash))
            .await?
            .ok_or_else(|| ApiError::unauthorized("令牌无效或已吊销"))?;
        Ok(Actor { id: row.id, name: row.name, role: row.role })
    }
}

/// Refuses `action` unless the actor has one of `roles`.
pub fn require(actor: &Actor, action: &'static str, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&actor.role) {
        return Ok(());
    }
    Err(ApiError::forbidden(&Refusal::role(actor.role, action, roles).to_string()))
}
