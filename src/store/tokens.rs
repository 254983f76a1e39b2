use super::StoreResult;
use crate::model::{Role, Timestamp, TokenId};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// An API token as stored: only the SHA-256 of the secret is kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenRow {
    /// Id.
    pub id: TokenId,
    /// Who holds it (a person or a system).
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When created.
    pub created_at: Timestamp,
    /// When revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        created_at: r.get(3)?,
        revoked_at: r.get(4)?,
    })
}

impl TokenRow {
    /// Stores a token by the hash of its secret; returns its id.
    pub fn insert(tx: &Transaction, name: &str, role: Role, secret_hash: &str) -> StoreResult<TokenId> {
        tx.execute(
            "INSERT INTO api_tokens (name, role, token_hash) VALUES (?1, ?2, ?3)",
            params![name, role, secret_hash],
        )?;
        Ok(TokenId(tx.last_insert_rowid()))
    }

    /// The live (not revoked) token whose secret hashes to `secret_hash`.
    pub fn by_hash(conn: &Connection, secret_hash: &str) -> StoreResult<Option<TokenRow>> {
        Ok(conn
            .prepare_cached(
                "SELECT fid, name, role, created_at, revoked_at FROM api_tokens \
                 WHERE token_hash = ?1 AND revoked_at IS NULL",
            )?
            .query_row([secret_hash], from_row)
            .optional()?)
    }

    /// Every token.
    pub fn list(conn: &Connection) -> StoreResult<Vec<TokenRow>> {
        let mut stmt =
            conn.prepare("SELECT fid, name, role, created_at, revoked_at FROM api_tokens ORDER BY fid")?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes a token; returns whether a live one was revoked.
    pub fn revoke(tx: &Transaction, id: TokenId) -> StoreResult<bool> {
        let n = tx.execute(
            "UPDATE api_tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') \
             WHERE fid = ?1 AND revoked_at IS NULL",
            [id],
        )?;
        Ok(n == 1)
    }
}
