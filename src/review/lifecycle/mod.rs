//! A proposal's life, as the operations the API offers: create, revise,
//! take an action, list overdue duties. Each operation reads, decides and
//! writes inside one store transaction, so two actors changing the same
//! proposal are serialised and the second sees the first's result (or a
//! version conflict when it sent `If-Match`). Every change is appended to
//! the hash-chained change log in the same transaction.
//!
//! One file per part of that life: the request bodies and their validation
//! ([`input`]), drafting (create and revise, [`draft`]), the workflow's
//! actions ([`action`]), publication into the gazetteer ([`publication`])
//! and the filing and announcement deadlines ([`deadline`]).

mod action;
mod deadline;
mod draft;
mod input;
mod publication;

pub use action::{act, facts, next_actions};
pub use deadline::{Overdue, overdue};
pub use draft::{create, revise};
pub use input::{ActionInput, ProposalInput, geometry};

use super::workflow::{Refusal, Role};
use crate::model::{AccountId, Proposal, ProposalId, TokenId};
use crate::store::{ChangeEntry, ProposalRow, Store, StoreError, append_change};
use geo::Geometry;
use rusqlite::Transaction;

/// Who is acting: a person's account, through one of its tokens.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Token id.
    pub id: TokenId,
    /// The account the token belongs to.
    pub account: AccountId,
    /// The account's name.
    pub name: String,
    /// The role the token acts in.
    pub role: Role,
    /// The account's department.
    pub department: String,
    /// The divisions the account acts in (empty: all).
    pub divisions: Vec<String>,
}

impl Actor {
    /// The account and token, as the change log records them.
    pub fn by(&self) -> Option<(i64, i64)> {
        Some((self.account.0, self.id.0))
    }

    /// Whether division `code` is in the account's scope.
    pub fn covers(&self, code: &str) -> bool {
        crate::model::in_scope(&self.divisions, code)
    }
}

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A field of the request is wrong (400).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// No such proposal (404).
    #[error("申请 {0} 不存在")]
    NotFound(ProposalId),
    /// The workflow refuses (403 for roles, 409 otherwise).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// `If-Match` names an older version (409).
    #[error("申请已被他人修改（当前版本 {current}），请重新读取后再操作")]
    Conflict {
        /// The current ETag.
        current: String,
    },
    /// A revision without `If-Match` (428).
    #[error("修改申请须带 If-Match 请求头（申请的 ETag）")]
    PreconditionRequired,
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(super) fn invalid(field: &str, reason: impl Into<String>) -> ReviewError {
    ReviewError::Invalid { field: field.into(), reason: reason.into() }
}

pub(super) fn log(
    tx: &Transaction,
    actor: &Actor,
    p: &Proposal,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ReviewError> {
    let summary = format!("{}申请“{}”：{}", p.kind.label(), p.name, p.state.label());
    append_change(
        tx,
        &ChangeEntry {
            actor: &actor.name,
            entity: "proposal",
            entity_key: &p.id.to_string(),
            action,
            detail,
            division: Some(&p.division),
            summary: Some(&summary),
            by: actor.by(),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// Reads one proposal and its geometry.
pub fn get(store: &Store, id: ProposalId) -> Result<(Proposal, Option<Geometry<f64>>), ReviewError> {
    store.read(|c| ProposalRow::get(c, id))?.ok_or(ReviewError::NotFound(id))
}

pub(super) fn check_version(p: &Proposal, if_match: Option<&str>) -> Result<(), ReviewError> {
    match if_match {
        Some(tag) if tag.trim() != "*" && tag.split(',').all(|t| t.trim() != p.etag()) => {
            Err(ReviewError::Conflict { current: p.etag() })
        }
        _ => Ok(()),
    }
}
