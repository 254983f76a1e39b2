//! Accounts, their roles and their tokens, all logged: an admin creates an
//! account for a person and grants it roles (never to their own account);
//! a token acts in one role its account holds and expires; rotating a
//! token replaces its secret; revoking a role or disabling the account
//! stops its tokens at once.

use super::Service;
use crate::model::{Account, AccountId, Role, Timestamp, TokenId};
use crate::review::token::{hash_secret, new_secret};
use crate::store::{AccountRow, ChangeEntry, StoreError, TokenRow, append_change};
use rusqlite::Transaction;
use serde_json::json;

/// Who asks: a request's account and token, or the command line.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The name the log records.
    pub name: &'a str,
    /// The account and token (none for the command line).
    pub by: Option<(i64, i64)>,
}

impl Caller<'static> {
    /// The command line: whoever can run it owns the store.
    pub const CLI: Caller<'static> = Caller { name: "cli", by: None };
}

/// A new account.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    /// The person's name.
    pub name: String,
    /// Their unit.
    pub department: String,
    /// Division codes in scope (empty: all).
    pub divisions: Vec<String>,
    /// Roles granted with it.
    pub roles: Vec<Role>,
}

/// Why an account operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// No such account or token (404).
    #[error("{0} {1} 不存在")]
    NotFound(&'static str, String),
    /// A field is wrong (400).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// Not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// An admin acting on their own account's roles (403).
    #[error("{0}")]
    OwnAccount(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A token just issued, with its secret (shown this once).
#[derive(Debug, Clone)]
pub struct Issued {
    /// The stored token.
    pub token: TokenRow,
    /// The secret.
    pub secret: String,
}

fn log(
    tx: &Transaction,
    who: Caller,
    entity: &str,
    key: &str,
    action: &str,
    detail: serde_json::Value,
) -> Result<i64, StoreError> {
    let entry = ChangeEntry {
        actor: who.name,
        entity,
        entity_key: key,
        action,
        detail,
        by: who.by,
        ..Default::default()
    };
    append_change(tx, &entry)
}

fn account_in(tx: &Transaction, id: AccountId) -> Result<Account, AccountError> {
    AccountRow::get(tx, id)?.ok_or_else(|| AccountError::NotFound("账户", id.to_string()))
}

fn no_self_grant(who: Caller, account: AccountId) -> Result<(), AccountError> {
    match who.by {
        Some((own, _)) if own == account.0 => {
            Err(AccountError::OwnAccount("不能为自己的账户授予或撤销角色".into()))
        }
        _ => Ok(()),
    }
}

impl Service {
    /// Creates an account with its first roles; returns it.
    pub fn create_account(&self, new: &NewAccount, who: Caller) -> Result<Account, AccountError> {
        let out = self.store.write(|tx| insert_account(tx, new, who))?;
        self.committed();
        Ok(out)
    }

    /// Grants `role` to `account` (not the caller's own); returns the
    /// account after.
    pub fn grant_role(&self, account: AccountId, role: Role, who: Caller) -> Result<Account, AccountError> {
        no_self_grant(who, account)?;
        let out = self.store.write(|tx| {
            let before = account_in(tx, account)?;
            if before.disabled_at.is_some() {
                return Err(AccountError::Forbidden(format!("账户 {account} 已停用")));
            }
            if AccountRow::grant(tx, account, role, who.name)? {
                log(tx, who, "account", &account.to_string(), "grant", json!({"role": role}))?;
            }
            account_in(tx, account)
        })?;
        self.committed();
        Ok(out)
    }

    /// Revokes `role` from `account` (its tokens in that role stop);
    /// returns the account after.
    pub fn revoke_role(&self, account: AccountId, role: Role, who: Caller) -> Result<Account, AccountError> {
        no_self_grant(who, account)?;
        let out = self.store.write(|tx| {
            account_in(tx, account)?;
            if AccountRow::revoke_role(tx, account, role)? {
                log(tx, who, "account", &account.to_string(), "revoke_role", json!({"role": role}))?;
            }
            account_in(tx, account)
        })?;
        self.committed();
        Ok(out)
    }

    /// Disables `account` (every token of it stops); returns whether it
    /// was live.
    pub fn disable_account(&self, account: AccountId, who: Caller) -> Result<bool, AccountError> {
        if who.by.is_some_and(|(own, _)| own == account.0) {
            return Err(AccountError::OwnAccount("不能停用自己的账户".into()));
        }
        let out = self.store.write(|tx| {
            account_in(tx, account)?;
            let done = AccountRow::disable(tx, account)?;
            if done {
                log(tx, who, "account", &account.to_string(), "disable", json!({}))?;
            }
            Ok::<_, AccountError>(done)
        })?;
        self.committed();
        Ok(out)
    }

    /// Issues a token of `account` acting in `role` (one it holds), living
    /// `days` ([`lifetime`]).
    pub fn create_token(
        &self,
        account: AccountId,
        role: Role,
        days: u32,
        who: Caller,
    ) -> Result<Issued, AccountError> {
        let out = self.store.write(|tx| {
            let a = account_in(tx, account)?;
            if a.disabled_at.is_some() {
                return Err(AccountError::Forbidden(format!("账户 {account} 已停用")));
            }
            if !a.roles.contains(&role) {
                return Err(AccountError::Invalid {
                    field: "role",
                    reason: format!("账户“{}”未被授予{}角色", a.name, role.label()),
                });
            }
            issue(tx, &a, role, days, who, None)
        })?;
        self.committed();
        Ok(out)
    }

    /// Replaces token `id` with a new one of the same account and role
    /// living `days`; the old secret stops at once.
    pub fn rotate_token(&self, id: TokenId, days: u32, who: Caller) -> Result<Issued, AccountError> {
        let out = self.store.write(|tx| {
            let old = TokenRow::get(tx, id)?
                .filter(|t| t.revoked_at.is_none())
                .ok_or_else(|| AccountError::NotFound("令牌", id.to_string()))?;
            let a = account_in(tx, old.account)?;
            if a.disabled_at.is_some() || !a.roles.contains(&old.role) {
                return Err(AccountError::Forbidden("该令牌的账户已停用或已不再持有其角色".into()));
            }
            TokenRow::revoke(tx, id)?;
            issue(tx, &a, old.role, days, who, Some(id))
        })?;
        self.committed();
        Ok(out)
    }

    /// Revokes a token; returns whether a live one was revoked.
    pub fn revoke_token(&self, id: impl Into<TokenId>, who: Caller) -> Result<bool, StoreError> {
        let id = id.into();
        let out = self.store.write(|tx| {
            let done = TokenRow::revoke(tx, id)?;
            if done {
                log(tx, who, "api_token", &id.to_string(), "revoke", json!({}))?;
            }
            Ok::<_, StoreError>(done)
        })?;
        self.committed();
        Ok(out)
    }

    /// Creates an account named `name` holding `role` and a token for it
    /// (the command line's bootstrap and `POST /tokens` with a name).
    /// One transaction: both are there or neither.
    pub fn account_with_token(
        &self,
        new: &NewAccount,
        role: Role,
        days: u32,
        who: Caller,
    ) -> Result<(Account, Issued), AccountError> {
        let mut new = new.clone();
        if !new.roles.contains(&role) {
            new.roles.push(role);
        }
        let out = self.store.write(|tx| {
            let account = insert_account(tx, &new, who)?;
            let issued = issue(tx, &account, role, days, who, None)?;
            Ok::<_, AccountError>((account, issued))
        })?;
        self.committed();
        Ok(out)
    }
}

/// The days a new token lives: those asked for, at most the settings'
/// `token_days` (all of them when none are asked for).
pub fn lifetime(settings: &crate::config::AccessSettings, days: Option<u64>) -> Result<u32, AccountError> {
    let max = settings.token_days.max(1);
    match days {
        None => Ok(max),
        Some(d) if d >= 1 && d <= max as u64 => Ok(d as u32),
        Some(_) => {
            Err(AccountError::Invalid { field: "days", reason: format!("有效期须为 1 到 {max} 天") })
        }
    }
}

fn insert_account(tx: &Transaction, new: &NewAccount, who: Caller) -> Result<Account, AccountError> {
    let id = AccountRow::insert(tx, &new.name, &new.department, &new.divisions)?;
    for role in &new.roles {
        AccountRow::grant(tx, id, *role, who.name)?;
    }
    let detail = json!({"name": new.name, "department": new.department,
        "divisions": new.divisions, "roles": new.roles});
    log(tx, who, "account", &id.to_string(), "insert", detail)?;
    account_in(tx, id)
}

/// Stores a new token and logs it (with the token it replaces, when
/// rotated).
fn issue(
    tx: &Transaction,
    a: &Account,
    role: Role,
    days: u32,
    who: Caller,
    replaces: Option<TokenId>,
) -> Result<Issued, AccountError> {
    let secret = new_secret();
    let expires: Timestamp = (chrono::Utc::now() + chrono::Duration::days(days as i64)).into();
    let id = TokenRow::insert(tx, a.id, &a.name, role, &hash_secret(&secret), Some(expires))?;
    let detail = json!({"account": a.id, "name": a.name, "role": role.as_str(), "expires_at": expires,
        "replaces": replaces});
    let action = if replaces.is_some() { "rotate" } else { "insert" };
    log(tx, who, "api_token", &id.to_string(), action, detail)?;
    let token = TokenRow::get(tx, id)?.ok_or_else(|| AccountError::NotFound("令牌", id.to_string()))?;
    Ok(Issued { token, secret })
}
