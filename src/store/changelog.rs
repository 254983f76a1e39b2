use super::StoreResult;
use rusqlite::{Transaction, params};
use serde::Serialize;

/// One entry of the append-only change log.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeEntry<'a> {
    /// Who made the change (a user, `import:FILE`, `demo`).
    pub actor: &'a str,
    /// The table or entity kind (`division`, `place`, `address`).
    pub entity: &'a str,
    /// The entity's key (code or id).
    pub entity_key: &'a str,
    /// `insert`, `update`, `retire`, `bulk_load` …
    pub action: &'a str,
    /// What changed, as JSON.
    pub detail: serde_json::Value,
}

/// Appends an entry in the caller's transaction.
pub fn append_change(tx: &Transaction, e: &ChangeEntry) -> StoreResult<i64> {
    tx.execute(
        "INSERT INTO change_log (actor, entity, entity_key, action, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![e.actor, e.entity, e.entity_key, e.action, e.detail.to_string()],
    )?;
    Ok(tx.last_insert_rowid())
}
