//! Bearer tokens: `Authorization: Bearer TOKEN` names a live API token;
//! its role decides what the request may do. Reads of published data need
//! no token; everything in the naming workflow does.

use super::error::ApiError;
use super::state::AppState;
use crate::review::workflow::Refusal;
use crate::review::{Actor, Role, token};
use crate::store::{Credential, TokenRow};
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
        let secret = bearer_secret(header)
            .ok_or_else(|| ApiError::unauthorized("Authorization 须为 “Bearer 令牌” 格式"))?;
        let hash = token::hash_secret(secret);
        let c = s
            .query(move |c| TokenRow::credential(c, &hash))
            .await?
            .ok_or_else(|| ApiError::unauthorized("令牌无效或已吊销"))?;
        if let Some(why) = refusal(&c) {
            return Err(ApiError::unauthorized(why));
        }
        // Every request a token makes is attributable: its account and
        // token go into the request's trace.
        tracing::Span::current().record("account", c.token.account.0).record("token", c.token.id.0);
        Ok(Actor {
            id: c.token.id,
            account: c.token.account,
            name: c.account_name,
            role: c.token.role,
            department: c.department,
            divisions: c.divisions.split(',').filter(|d| !d.is_empty()).map(String::from).collect(),
        })
    }
}

/// The secret of an `Authorization: Bearer …` header, when it is one.
pub fn bearer_secret(header: &header::HeaderValue) -> Option<&str> {
    header.to_str().ok()?.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty() && t.len() <= 200)
}

/// Why a found token may not act now: expired, its account disabled, or
/// its role no longer held.
pub fn refusal(c: &Credential) -> Option<&'static str> {
    if c.token.expires_at.is_some_and(|t| t.as_datetime() <= chrono::Utc::now()) {
        Some("令牌已过期，请轮换或另行申领")
    } else if c.disabled {
        Some("令牌所属账户已停用")
    } else if !c.role_held {
        Some("令牌所属账户已不再持有该令牌的角色")
    } else {
        None
    }
}

/// Refuses `action` unless the actor has one of `roles`.
pub fn require(actor: &Actor, action: &'static str, roles: &[Role]) -> Result<(), ApiError> {
    if roles.contains(&actor.role) {
        return Ok(());
    }
    Err(ApiError::forbidden(&Refusal::role(actor.role, action, roles).to_string()))
}
