//! Division changes as requests (proposed, approved by an administrator,
//! scheduled for their effective day, applied), and the aliases that keep
//! the address codes a change re-coded resolving.

use super::StoreResult;
use crate::model::{AddressCode, Timestamp};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

pub(super) fn schema_v9() -> String {
    r#"
CREATE TABLE division_change_requests (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  label TEXT NOT NULL,
  effective_on TEXT NOT NULL,
  doc_no TEXT,
  reason TEXT NOT NULL,
  input TEXT NOT NULL,
  plan TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'proposed'
    CHECK (state IN ('proposed','scheduled','applied','rejected','cancelled','failed')),
  proposed_by INTEGER NOT NULL REFERENCES accounts(id),
  proposed_token INTEGER NOT NULL,
  proposed_at TEXT NOT NULL,
  decided_by INTEGER REFERENCES accounts(id),
  decided_token INTEGER,
  decided_at TEXT,
  applied_at TEXT,
  outcome TEXT,
  note TEXT,
  row_hash BLOB);
CREATE INDEX division_change_requests_state ON division_change_requests(state, effective_on);
CREATE TABLE address_aliases (
  old_code TEXT PRIMARY KEY,
  new_code TEXT NOT NULL,
  change_id INTEGER REFERENCES division_change_requests(id),
  since TEXT NOT NULL,
  row_hash BLOB);
CREATE INDEX address_aliases_new ON address_aliases(new_code);
ALTER TABLE division_changes ADD COLUMN change_id INTEGER;
"#
    .to_string()
        + &super::gpkg::register_sql("division_change_requests", "行政区划变更申请", None)
        + &super::gpkg::register_sql("address_aliases", "地址旧编码", None)
}

/// Where a division change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for an administrator.
    Proposed,
    /// Approved, waiting for its effective day.
    Scheduled,
    /// In force.
    Applied,
    /// Refused by an administrator.
    Rejected,
    /// Withdrawn before it applied.
    Cancelled,
    /// Could no longer be applied on its day (the divisions changed since).
    Failed,
}

impl RequestState {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Proposed => "proposed",
            RequestState::Scheduled => "scheduled",
            RequestState::Applied => "applied",
            RequestState::Rejected => "rejected",
            RequestState::Cancelled => "cancelled",
            RequestState::Failed => "failed",
        }
    }

    /// Parses the stored word.
    pub fn parse(s: &str) -> Option<RequestState> {
        [
            RequestState::Proposed,
            RequestState::Scheduled,
            RequestState::Applied,
            RequestState::Rejected,
            RequestState::Cancelled,
            RequestState::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// In Chinese.
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Proposed => "待批准",
            RequestState::Scheduled => "已批准，待生效",
            RequestState::Applied => "已生效",
            RequestState::Rejected => "未批准",
            RequestState::Cancelled => "已撤回",
            RequestState::Failed => "生效失败",
        }
    }
}

/// A division change request.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRequestRow {
    /// Id.
    pub id: i64,
    /// `rename`, `reclassify`, `merge`, `split`, `create`, `adjust_boundary`.
    pub kind: String,
    /// What the change is called (撤县设区, 更名, 合并 …).
    pub label: String,
    /// The day it takes effect.
    pub effective_on: NaiveDate,
    /// The approval document (国函〔2026〕12号).
    pub doc_no: Option<String>,
    /// Why, in the proposer's words.
    pub reason: String,
    /// The request as given.
    pub input: serde_json::Value,
    /// What it does: the versions that end and start, the codes given.
    pub plan: serde_json::Value,
    /// Where it stands.
    pub state: RequestState,
    /// The proposer's account and token.
    pub proposed_by: (i64, i64),
    /// When it was proposed.
    pub proposed_at: Timestamp,
    /// The deciding administrator's account and token.
    pub decided_by: Option<(i64, i64)>,
    /// When it was decided.
    pub decided_at: Option<Timestamp>,
    /// When it was applied.
    pub applied_at: Option<Timestamp>,
    /// What applying it changed (counts), or why it failed.
    pub outcome: Option<serde_json::Value>,
    /// The decider's note.
    pub note: Option<String>,
}

const COLUMNS: &str = "id, kind, label, effective_on, doc_no, reason, input, plan, state, proposed_by, \
    proposed_token, proposed_at, decided_by, decided_token, decided_at, applied_at, outcome, note";

fn json_col(r: &Row, i: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn from_row(r: &Row) -> rusqlite::Result<ChangeRequestRow> {
    let state: String = r.get(8)?;
    let outcome: Option<String> = r.get(16)?;
    Ok(ChangeRequestRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        label: r.get(2)?,
        effective_on: r.get(3)?,
        doc_no: r.get(4)?,
        reason: r.get(5)?,
        input: json_col(r, 6)?,
        plan: json_col(r, 7)?,
        state: RequestState::parse(&state).unwrap_or(RequestState::Failed),
        proposed_by: (r.get(9)?, r.get(10)?),
        proposed_at: r.get(11)?,
        decided_by: match (r.get::<_, Option<i64>>(12)?, r.get::<_, Option<i64>>(13)?) {
            (Some(a), Some(t)) => Some((a, t)),
            _ => None,
        },
        decided_at: r.get(14)?,
        applied_at: r.get(15)?,
        outcome: outcome.and_then(|o| serde_json::from_str(&o).ok()),
        note: r.get(17)?,
    })
}

impl ChangeRequestRow {
    /// Inserts a proposed request; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO division_change_requests (kind, label, effective_on, doc_no, reason, input, plan, state, \
               proposed_by, proposed_token, proposed_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
        )?
        .execute(params![
            self.kind,
            self.label,
            self.effective_on,
            self.doc_no,
            self.reason,
            self.input.to_string(),
            self.plan.to_string(),
            self.state.as_str(),
            self.proposed_by.0,
            self.proposed_by.1,
            self.proposed_at,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// Records a decision (approve, reject, cancel).
    pub fn decide(
        tx: &Transaction,
        id: i64,
        state: RequestState,
        by: (i64, i64),
        note: Option<&str>,
    ) -> StoreResult<()> {
        tx.prepare_cached(
            "UPDATE division_change_requests SET state = ?2, decided_by = ?3, decided_token = ?4, decided_at = ?5, \
               note = ?6 WHERE id = ?1",
        )?
        .execute(params![id, state.as_str(), by.0, by.1, Timestamp::now(), note])?;
        Ok(())
    }

    /// Records that the request was applied (or failed), with its outcome
    /// and the plan it was applied with.
    pub fn finish(
        tx: &Transaction,
        id: i64,
        state: RequestState,
        plan: Option<&serde_json::Value>,
        outcome: &serde_json::Value,
    ) -> StoreResult<()> {
        tx.prepare_cached(
            "UPDATE division_change_requests SET state = ?2, applied_at = ?3, outcome = ?4, \
               plan = COALESCE(?5, plan) WHERE id = ?1",
        )?
        .execute(params![
            id,
            state.as_str(),
            Timestamp::now(),
            outcome.to_string(),
            plan.map(|p| p.to_string())
        ])?;
        Ok(())
    }

    /// One request.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<ChangeRequestRow>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM division_change_requests WHERE id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }

    /// Requests in a state (all for `None`), newest first.
    pub fn list(
        conn: &Connection,
        state: Option<RequestState>,
        limit: usize,
    ) -> StoreResult<Vec<ChangeRequestRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM division_change_requests WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![state.map(|s| s.as_str()), limit as i64], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Scheduled requests whose day has come, oldest day first.
    pub fn due(conn: &Connection, today: NaiveDate) -> StoreResult<Vec<ChangeRequestRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM division_change_requests WHERE state = 'scheduled' AND effective_on <= ?1 \
             ORDER BY effective_on, id"
        ))?;
        let rows = stmt.query_map([today], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// An address code a division change replaced, and the code it has now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressAlias {
    /// The code before.
    pub old_code: AddressCode,
    /// The code after.
    pub new_code: AddressCode,
    /// The change request.
    pub change_id: Option<i64>,
    /// The day the new code took over.
    pub since: NaiveDate,
}

impl AddressAlias {
    /// Records the alias; an alias of an alias is pointed straight at the
    /// newest code.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        tx.prepare_cached("UPDATE address_aliases SET new_code = ?2 WHERE new_code = ?1 AND old_code <> ?2")?
            .execute(params![self.old_code, self.new_code])?;
        tx.prepare_cached(
            "INSERT INTO address_aliases (old_code, new_code, change_id, since) VALUES (?1,?2,?3,?4)",
        )?
        .execute(params![self.old_code, self.new_code, self.change_id, self.since])?;
        Ok(())
    }

    /// The alias of an old code.
    pub fn of(conn: &Connection, old: AddressCode) -> StoreResult<Option<AddressAlias>> {
        let mut stmt = conn.prepare_cached(
            "SELECT old_code, new_code, change_id, since FROM address_aliases WHERE old_code = ?1",
        )?;
        Ok(stmt
            .query_row([old], |r| {
                Ok(AddressAlias {
                    old_code: r.get(0)?,
                    new_code: r.get(1)?,
                    change_id: r.get(2)?,
                    since: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// The old codes of a current code.
    pub fn former(conn: &Connection, new: AddressCode) -> StoreResult<Vec<AddressCode>> {
        let mut stmt = conn.prepare_cached(
            "SELECT old_code FROM address_aliases WHERE new_code = ?1 ORDER BY since, old_code",
        )?;
        let rows = stmt.query_map([new], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
