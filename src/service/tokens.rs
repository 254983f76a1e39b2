//! API tokens: created with a secret shown once, revoked; both logged.

use super::Service;
use crate::model::{Role, TokenId};
use crate::review::token;
use crate::store::StoreError;

impl Service {
    /// Creates a token; returns its id and the secret (shown once).
    pub fn create_token(&self, name: &str, role: Role, actor: &str) -> Result<(TokenId, String), StoreError> {
        let out = token::create(&self.store, name, role, actor)?;
        self.committed();
        Ok(out)
    }

    /// Revokes a token; returns whether a live one was revoked.
    pub fn revoke_token(&self, id: impl Into<TokenId>, actor: &str) -> Result<bool, StoreError> {
        let out = token::revoke(&self.store, id.into(), actor)?;
        self.committed();
        Ok(out)
    }
}
