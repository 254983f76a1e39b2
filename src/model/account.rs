//! Accounts: the people (and systems) who hold tokens. Roles are granted
//! to an account by an admin; a token acts in one role its account holds,
//! so revoking the role (or disabling the account) stops every token of
//! it. The workflow's separation of duties counts accounts, not tokens.

use super::{Role, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of an account (the `accounts` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

impl From<i64> for AccountId {
    fn from(id: i64) -> AccountId {
        AccountId(id)
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A person's account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// The person's name (张三) or the system's (公安户籍系统).
    pub name: String,
    /// Their unit (鄞州区民政局).
    pub department: String,
    /// Division codes the account acts in; empty: everywhere.
    pub divisions: Vec<String>,
    /// The roles granted and not revoked.
    pub roles: Vec<Role>,
    /// When created.
    pub created_at: Timestamp,
    /// When disabled, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<Timestamp>,
}

/// Whether a division `code` lies inside one of `scope`'s divisions (an
/// empty scope covers everything). A scope entry is a division code; the
/// codes inside it start with its significant digits (`33` for 330000).
pub fn in_scope(scope: &[String], code: &str) -> bool {
    scope.is_empty() || scope.iter().any(|s| code.starts_with(significant(s)))
}

/// The digits of a division code every division inside it starts with.
pub fn significant(code: &str) -> &str {
    match code.len() {
        6 if code.ends_with("0000") => &code[..2],
        6 if code.ends_with("00") => &code[..4],
        _ => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_the_divisions_inside_them() {
        let scope = vec!["330200".to_string(), "110101".to_string()];
        assert!(in_scope(&scope, "330203"));
        assert!(in_scope(&scope, "330203001"));
        assert!(in_scope(&scope, "110101"));
        assert!(!in_scope(&scope, "110102"));
        assert!(!in_scope(&scope, "330300"));
        assert!(in_scope(&[], "650000"));
        assert!(in_scope(&["330000".to_string()], "331002"));
    }
}
