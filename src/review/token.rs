//! API tokens: a random secret shown once, stored only as its SHA-256.

use crate::model::{Role, TokenId};
use crate::store::{ChangeEntry, Store, StoreError, TokenRow, append_change, changelog_hex};
use rand::RngExt;
use sha2::{Digest, Sha256};

/// A new random secret (`fy_` and 64 hex digits: 256 bits).
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("fy_{}", changelog_hex(&bytes))
}

/// The stored form of a secret.
pub fn hash_secret(secret: &str) -> String {
    changelog_hex(&Sha256::digest(secret.as_bytes()))
}

/// Appends a change to token `id` to the change log.
fn log(
    tx: &rusqlite::Transaction,
    actor: &str,
    id: TokenId,
    action: &str,
    detail: serde_json::Value,
) -> Result<i64, StoreError> {
    append_change(
        tx,
        &ChangeEntry {
            actor,
            entity: "api_token",
            entity_key: &id.to_string(),
            action,
            detail,
            ..Default::default()
        },
    )
}

/// Creates a token for `name` with `role`; returns its id and the secret
/// (which is not stored and cannot be shown again).
pub fn create(store: &Store, name: &str, role: Role, actor: &str) -> Result<(TokenId, String), StoreError> {
    let secret = new_secret();
    let id = store.write(|tx| {
        let id = TokenRow::insert(tx, name, role, &hash_secret(&secret))?;
        log(tx, actor, id, "insert", serde_json::json!({"name": name, "role": role.as_str()}))?;
        Ok::<_, StoreError>(id)
    })?;
    Ok((id, secret))
}

/// Revokes token `id`; returns whether a live token was revoked.
pub fn revoke(store: &Store, id: TokenId, actor: &str) -> Result<bool, StoreError> {
    store.write(|tx| {
        let done = TokenRow::revoke(tx, id)?;
        if done {
            log(tx, actor, id, "revoke", serde_json::json!({}))?;
        }
        Ok::<_, StoreError>(done)
    })
}
