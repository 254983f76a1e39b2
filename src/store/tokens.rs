use super::StoreResult;
use crate::model::{AccountId, Role, Timestamp, TokenId};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// An API token as stored: only the SHA-256 of the secret is kept.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenRow {
    /// Id.
    pub id: TokenId,
    /// The account it belongs to.
    pub account: AccountId,
    /// Who holds it (the account's name when it was issued).
    pub name: String,
    /// The role it acts in (one its account holds).
    pub role: Role,
    /// When created.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Option<Timestamp>,
    /// When revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

const COLUMNS: &str = "fid, account, name, role, created_at, expires_at, revoked_at";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        account: AccountId(r.get(1)?),
        name: r.get(2)?,
        role: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

/// What a bearer token stands for, as the request's actor needs it.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The token.
    pub token: TokenRow,
    /// Its account's name, department and divisions in scope.
    pub account_name: String,
    /// The account's department.
    pub department: String,
    /// The account's divisions (comma-separated codes; empty: all).
    pub divisions: String,
    /// The account is disabled.
    pub disabled: bool,
    /// The account still holds the token's role.
    pub role_held: bool,
}

impl TokenRow {
    /// Stores a token by the hash of its secret; returns its id.
    pub fn insert(
        tx: &Transaction,
        account: AccountId,
        name: &str,
        role: Role,
        secret_hash: &str,
        expires_at: Option<Timestamp>,
    ) -> StoreResult<TokenId> {
        tx.execute(
            "INSERT INTO api_tokens (account, name, role, token_hash, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account.0, name, role, secret_hash, expires_at],
        )?;
        Ok(TokenId(tx.last_insert_rowid()))
    }

    /// One token.
    pub fn get(conn: &Connection, id: TokenId) -> StoreResult<Option<TokenRow>> {
        Ok(conn
            .prepare_cached(&format!("SELECT {COLUMNS} FROM api_tokens WHERE fid = ?1"))?
            .query_row([id], from_row)
            .optional()?)
    }

    /// The live (not revoked) token whose secret hashes to `secret_hash`,
    /// with what its account allows.
    pub fn credential(conn: &Connection, secret_hash: &str) -> StoreResult<Option<Credential>> {
        Ok(conn
            .prepare_cached(
                "SELECT t.fid, t.account, t.name, t.role, t.created_at, t.expires_at, t.revoked_at, \
                        a.name, a.department, a.divisions, a.disabled_at IS NOT NULL, \
                        EXISTS (SELECT 1 FROM account_roles r WHERE r.account = a.id AND r.role = t.role \
                                AND r.revoked_at IS NULL) \
                 FROM api_tokens t JOIN accounts a ON a.id = t.account \
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL",
            )?
            .query_row([secret_hash], |r| {
                Ok(Credential {
                    token: from_row(r)?,
                    account_name: r.get(7)?,
                    department: r.get(8)?,
                    divisions: r.get(9)?,
                    disabled: r.get(10)?,
                    role_held: r.get(11)?,
                })
            })
            .optional()?)
    }

    /// Every token, or those of one account.
    pub fn list(conn: &Connection, account: Option<AccountId>) -> StoreResult<Vec<TokenRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE ?1 IS NULL OR account = ?1 ORDER BY fid"
        ))?;
        let rows = stmt.query_map([account.map(|a| a.0)], from_row)?;
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
