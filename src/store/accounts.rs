//! Accounts and the roles granted to them (`accounts`, `account_roles`).
//! A role is granted once per account; revoking it keeps the row (with
//! `revoked_at`), granting it again lifts the revocation.

use super::StoreResult;
use crate::model::{Account, AccountId, Role, Timestamp};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

const SELECT: &str = "SELECT id, name, department, divisions, created_at, disabled_at, \
     (SELECT group_concat(role, ',') FROM (SELECT role FROM account_roles r \
        WHERE r.account = accounts.id AND r.revoked_at IS NULL ORDER BY role)) FROM accounts";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Account> {
    let divisions: String = r.get(3)?;
    let roles: Option<String> = r.get(6)?;
    Ok(Account {
        id: AccountId(r.get(0)?),
        name: r.get(1)?,
        department: r.get(2)?,
        divisions: divisions.split(',').filter(|d| !d.is_empty()).map(String::from).collect(),
        roles: roles.unwrap_or_default().split(',').filter_map(Role::parse).collect(),
        created_at: r.get(4)?,
        disabled_at: r.get(5)?,
    })
}

/// Account rows.
pub struct AccountRow;

impl AccountRow {
    /// Creates an account; returns its id.
    pub fn insert(
        tx: &Transaction,
        name: &str,
        department: &str,
        divisions: &[String],
    ) -> StoreResult<AccountId> {
        tx.execute(
            "INSERT INTO accounts (name, department, divisions) VALUES (?1, ?2, ?3)",
            params![name, department, divisions.join(",")],
        )?;
        Ok(AccountId(tx.last_insert_rowid()))
    }

    /// One account with its live roles.
    pub fn get(conn: &Connection, id: AccountId) -> StoreResult<Option<Account>> {
        Ok(conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?.query_row([id.0], from_row).optional()?)
    }

    /// Every account.
    pub fn list(conn: &Connection) -> StoreResult<Vec<Account>> {
        let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY id"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Grants `role`; returns whether the account did not hold it.
    pub fn grant(tx: &Transaction, id: AccountId, role: Role, by: &str) -> StoreResult<bool> {
        let held: Option<Option<String>> = tx
            .query_row(
                "SELECT revoked_at FROM account_roles WHERE account = ?1 AND role = ?2",
                params![id.0, role],
                |r| r.get(0),
            )
            .optional()?;
        match held {
            Some(None) => Ok(false),
            Some(Some(_)) => {
                tx.execute(
                    "UPDATE account_roles SET revoked_at = NULL, granted_by = ?3, \
                     granted_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE account = ?1 AND role = ?2",
                    params![id.0, role, by],
                )?;
                Ok(true)
            }
            None => {
                tx.execute(
                    "INSERT INTO account_roles (account, role, granted_by) VALUES (?1, ?2, ?3)",
                    params![id.0, role, by],
                )?;
                Ok(true)
            }
        }
    }

    /// Revokes `role`; returns whether the account held it.
    pub fn revoke_role(tx: &Transaction, id: AccountId, role: Role) -> StoreResult<bool> {
        let n = tx.execute(
            "UPDATE account_roles SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') \
             WHERE account = ?1 AND role = ?2 AND revoked_at IS NULL",
            params![id.0, role],
        )?;
        Ok(n == 1)
    }

    /// Disables the account (its tokens stop working); returns whether it
    /// was live.
    pub fn disable(tx: &Transaction, id: AccountId) -> StoreResult<bool> {
        let n = tx.execute(
            "UPDATE accounts SET disabled_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') \
             WHERE id = ?1 AND disabled_at IS NULL",
            [id.0],
        )?;
        Ok(n == 1)
    }
}

/// Migration step (schema 6): an account for each token made before
/// accounts, holding that token's role. The tokens' rows change (they
/// name their account), so each is resealed, but only if its seal held:
/// a token edited behind the service stays reported.
pub fn accounts_for_tokens(tx: &Transaction) -> rusqlite::Result<()> {
    let to_sql = |e: super::StoreError| match e {
        super::StoreError::Sqlite(e) => e,
        other => rusqlite::Error::ToSqlConversionFailure(Box::new(other)),
    };
    let tokens: Vec<(i64, String, String, Timestamp)> = tx
        .prepare("SELECT fid, name, role, created_at FROM api_tokens ORDER BY fid")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let (mut accounts, mut grants, mut resealed) = (Vec::new(), Vec::new(), Vec::new());
    for (fid, name, role, created) in &tokens {
        let intact = super::seals::intact(tx, "api_tokens", *fid).map_err(to_sql)?;
        tx.execute("INSERT INTO accounts (name, created_at) VALUES (?1, ?2)", params![name, created])?;
        let account = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO account_roles (account, role, granted_by, granted_at) VALUES (?1, ?2, 'fangyu', ?3)",
            params![account, role, created],
        )?;
        grants.push(tx.last_insert_rowid());
        accounts.push(account);
        tx.execute("UPDATE api_tokens SET account = ?1 WHERE fid = ?2", params![account, fid])?;
        if intact {
            resealed.push(*fid);
        }
    }
    if tokens.is_empty() {
        return Ok(());
    }
    super::seals::reseal(tx, "accounts", &accounts).map_err(to_sql)?;
    super::seals::reseal(tx, "account_roles", &grants).map_err(to_sql)?;
    super::seals::reseal(tx, "api_tokens", &resealed).map_err(to_sql)?;
    let entry = super::ChangeEntry {
        actor: "fangyu",
        entity: "account",
        entity_key: "*",
        action: "migrate",
        detail: serde_json::json!({"accounts": accounts.len(), "tokens": tokens.len()}),
        summary: Some("为既有令牌各建一个账户"),
        ..Default::default()
    };
    super::append_change(tx, &entry).map_err(to_sql)?;
    Ok(())
}
