//! The store's copy of the signed checkpoints of the change log, and the
//! entries a checkpoint is checked against.

use super::StoreResult;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

/// A signed checkpoint of the change log's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckpointRow {
    /// The sequence number of the last entry it covers.
    pub seq: i64,
    /// That entry's hash (hex SHA-256).
    pub head: String,
    /// When it was signed (RFC 3339, UTC).
    pub at: String,
    /// The signing key's id: the first 16 hex digits of the SHA-256 of its
    /// public key.
    pub key_id: String,
    /// The Ed25519 signature (hex) of the checkpoint's message.
    pub signature: String,
}

impl CheckpointRow {
    /// Records a checkpoint (a second one for the same entry is ignored).
    pub fn insert(tx: &Transaction, c: &CheckpointRow) -> StoreResult<()> {
        tx.execute(
            "INSERT OR IGNORE INTO audit_checkpoints (seq, head, at, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![c.seq, c.head, c.at, c.key_id, c.signature],
        )?;
        Ok(())
    }

    /// The checkpoints after entry `since`, oldest first, at most `limit`.
    pub fn after(conn: &Connection, since: i64, limit: usize) -> StoreResult<Vec<CheckpointRow>> {
        let mut stmt = conn.prepare_cached(
            "SELECT seq, head, at, key_id, signature FROM audit_checkpoints WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![since, limit as i64], |r| {
            Ok(CheckpointRow {
                seq: r.get(0)?,
                head: r.get(1)?,
                at: r.get(2)?,
                key_id: r.get(3)?,
                signature: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest checkpoint's sequence number, if any.
    pub fn last_seq(conn: &Connection) -> StoreResult<Option<i64>> {
        Ok(conn.query_row("SELECT MAX(seq) FROM audit_checkpoints", [], |r| r.get(0))?)
    }
}

/// The last entry of the change log: its sequence number and hash (0 and
/// the genesis hash when the log is empty).
pub fn log_head(conn: &Connection) -> StoreResult<(i64, String)> {
    let head = conn
        .query_row("SELECT seq, hash FROM change_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(head.unwrap_or((0, super::changelog::GENESIS.to_string())))
}

/// The hash the log holds for entry `seq`, if it holds that entry.
pub fn entry_hash(conn: &Connection, seq: i64) -> StoreResult<Option<String>> {
    Ok(conn.query_row("SELECT hash FROM change_log WHERE seq = ?1", [seq], |r| r.get(0)).optional()?)
}
