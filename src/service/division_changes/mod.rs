//! Division changes: rename, 撤县设区 / 撤县设市 and other changes of
//! class, merge, split, new divisions and boundary adjustments. A reviewer
//! or administrator proposes one with its effective day and approval
//! document; another administrator approves it. On its day (at once, if
//! the day has come) it is applied in one transaction: the old versions
//! end and the new ones start, the change history links old codes to new,
//! the divisions below follow their parent (new codes where the parent's
//! changed), addresses re-coded keep their old codes as aliases, places and
//! boundary lines follow, and every change is in the change log, so the
//! indices, the tiles and the change feed follow too.

use super::Service;
use crate::model::{DivisionCode, Level, Role};
use crate::review::lifecycle::Actor;
use crate::store::{ChangeEntry, ChangeRequestRow, DivisionRow, RequestState, StoreError, append_change};
use chrono::NaiveDate;
use geo::MultiPolygon;
use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

mod apply;
mod around;
mod input;
mod plan;
mod records;

pub use apply::Applied;
pub use input::{ChangeInput, ChangeKind, PartInput};
pub use plan::{Plan, Start, plan};

/// Why a division change was refused.
#[derive(Debug, thiserror::Error)]
pub enum DivisionChangeError {
    /// No such request (404).
    #[error("区划变更 {0} 不存在")]
    NotFound(String),
    /// A field is wrong (400).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why, in Chinese.
        reason: String,
    },
    /// The new boundaries would overlap, leave a gap or reach outside the
    /// parent (422).
    #[error("geometry: {}", .0.join("；"))]
    Geometry(Vec<String>),
    /// The caller may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The same person proposed it (403).
    #[error("{0}")]
    SamePerson(String),
    /// The request or the divisions are not in a state that allows it (409).
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<rusqlite::Error> for DivisionChangeError {
    fn from(e: rusqlite::Error) -> Self {
        DivisionChangeError::Store(StoreError::from(e))
    }
}

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> DivisionChangeError {
    DivisionChangeError::Invalid { field, reason: reason.into() }
}

/// Wakes the thread that applies due changes (an approval of a change
/// whose day has come).
#[derive(Default)]
pub struct DueSignal {
    woken: std::sync::Mutex<bool>,
    cv: std::sync::Condvar,
}

impl DueSignal {
    fn wake(&self) {
        *self.woken.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.cv.notify_all();
    }

    /// Waits until woken or `most` has passed.
    fn wait(&self, most: std::time::Duration) {
        let guard = self.woken.lock().unwrap_or_else(|e| e.into_inner());
        let (mut woken, _) =
            self.cv.wait_timeout_while(guard, most, |w| !*w).unwrap_or_else(|e| e.into_inner());
        *woken = false;
    }
}

/// An administrator's decision on a proposed change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeDecision {
    /// Approve: applied at once if its day has come, else scheduled.
    Approve,
    /// Refuse (a note says why).
    Reject,
    /// Withdraw (the proposer or an administrator), before it applies.
    Cancel,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn log_request(
    tx: &Transaction,
    row: &ChangeRequestRow,
    action: &str,
    summary: &str,
    by: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    let division = row.plan["parent"].as_str().map(str::to_string);
    append_change(
        tx,
        &ChangeEntry {
            actor: "division_change",
            entity: "division_change",
            entity_key: &row.id.to_string(),
            action,
            detail: json!({"kind": row.kind, "label": row.label, "effective_on": row.effective_on,
                "doc_no": row.doc_no, "plan": row.plan, "state": row.state}),
            code: None,
            division: division.as_deref(),
            summary: Some(summary),
            by,
        },
    )?;
    Ok(())
}

impl Service {
    /// Proposes a division change (reviewer or administrator): checked and
    /// planned against the divisions as they are, stored for approval.
    pub fn propose_division_change(
        &self,
        actor: &Actor,
        input: &ChangeInput,
        tolerance_m: f64,
    ) -> Result<ChangeRequestRow, DivisionChangeError> {
        if !matches!(actor.role, Role::Reviewer | Role::Admin) {
            return Err(DivisionChangeError::Forbidden(format!(
                "区划变更须由民政审核人员（reviewer）或管理员（admin）申报，当前角色为{}",
                actor.role.label()
            )));
        }
        let reason = input.reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(invalid("reason", "须说明变更理由（至多 2000 字）"));
        }
        if input.doc_no.as_deref().is_some_and(|d| d.chars().count() > 200) {
            return Err(invalid("doc_no", "批准文号过长"));
        }
        let out = self.store.write(|tx| {
            let plan = plan(tx, input, tolerance_m)?;
            if let Some(code) = plan.ends.iter().map(|e| e.code.as_str()).find(|c| !actor.covers(c)) {
                return Err(DivisionChangeError::Forbidden(format!("账户的管辖范围不含 {code}")));
            }
            let mut row = ChangeRequestRow {
                id: 0,
                kind: plan.kind.as_str().to_string(),
                label: plan.label.clone(),
                effective_on: input.effective_on,
                doc_no: input.doc_no.clone(),
                reason: reason.to_string(),
                input: serde_json::to_value(input).unwrap_or(Value::Null),
                plan: plan.to_json(),
                state: RequestState::Proposed,
                proposed_by: (actor.account.0, actor.id.0),
                proposed_at: crate::model::Timestamp::now(),
                decided_by: None,
                decided_at: None,
                applied_at: None,
                outcome: None,
                note: None,
            };
            row.id = row.insert(tx)?;
            let summary = format!("申报区划变更：{}，{} 生效，待批准", describe(&plan), row.effective_on);
            log_request(tx, &row, "propose", &summary, actor.by())?;
            Ok::<_, DivisionChangeError>(row)
        })?;
        Ok(out)
    }

    /// An administrator approves or rejects a proposed change, or the
    /// proposer (or an administrator) cancels it before it applies. An
    /// approved change is scheduled (checked again first); one whose day has
    /// come is applied by the server's applier right after (a re-coding of
    /// a county's addresses takes seconds, longer than a request should).
    pub fn decide_division_change(
        &self,
        actor: &Actor,
        id: i64,
        decision: ChangeDecision,
        note: Option<&str>,
        tolerance_m: f64,
    ) -> Result<ChangeRequestRow, DivisionChangeError> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if decision == ChangeDecision::Reject && note.is_none() {
            return Err(invalid("note", "不批准须说明理由"));
        }
        if decision != ChangeDecision::Cancel && actor.role != Role::Admin {
            return Err(DivisionChangeError::Forbidden(format!(
                "区划变更须由管理员（admin）批准，当前角色为{}",
                actor.role.label()
            )));
        }
        let out = self.store.write(|tx| {
            let row = request(tx, id)?;
            let proposer = row.proposed_by.0 == actor.account.0;
            let (state, verb) = match decision {
                ChangeDecision::Approve | ChangeDecision::Reject => {
                    if row.state != RequestState::Proposed {
                        return Err(DivisionChangeError::Conflict(format!(
                            "区划变更 {id} {}，不能再审批",
                            row.state.label()
                        )));
                    }
                    if proposer {
                        return Err(DivisionChangeError::SamePerson(
                            "申报人不能批准自己申报的区划变更".into(),
                        ));
                    }
                    if decision == ChangeDecision::Approve {
                        (RequestState::Scheduled, "批准")
                    } else {
                        (RequestState::Rejected, "不批准")
                    }
                }
                ChangeDecision::Cancel => {
                    if !matches!(row.state, RequestState::Proposed | RequestState::Scheduled) {
                        return Err(DivisionChangeError::Conflict(format!(
                            "区划变更 {id} {}，不能撤回",
                            row.state.label()
                        )));
                    }
                    if !proposer && actor.role != Role::Admin {
                        return Err(DivisionChangeError::Forbidden("只有申报人或管理员可以撤回".into()));
                    }
                    (RequestState::Cancelled, "撤回")
                }
            };
            ChangeRequestRow::decide(tx, id, state, (actor.account.0, actor.id.0), note)?;
            let row = request(tx, id)?;
            let summary = format!("区划变更 {id}（{}）{verb}", row.label);
            log_request(tx, &row, state.as_str(), &summary, actor.by())?;
            if state == RequestState::Scheduled {
                // Checked again against the divisions as they are now, so
                // an approval of what can no longer apply is refused.
                replan(tx, &row, tolerance_m)?;
            }
            Ok::<_, DivisionChangeError>(row)
        })?;
        self.committed();
        if out.state == RequestState::Scheduled && out.effective_on <= today() {
            self.due.wake();
        }
        Ok(out)
    }

    /// Applies every scheduled change whose day has come by `today`, each
    /// in its own transaction; one that can no longer be applied (the
    /// divisions changed since it was approved) is marked failed with the
    /// reason. Returns the requests handled.
    pub fn apply_due_division_changes(
        &self,
        today: NaiveDate,
        tolerance_m: f64,
    ) -> Result<Vec<ChangeRequestRow>, StoreError> {
        let due = self.store.read(|c| ChangeRequestRow::due(c, today))?;
        let mut out = Vec::new();
        for row in due {
            let id = row.id;
            let attempt = self.store.write(|tx| {
                let plan = replan(tx, &row, tolerance_m)?;
                let applied = apply::apply(tx, &row, &plan, None)?;
                ChangeRequestRow::finish(
                    tx,
                    id,
                    RequestState::Applied,
                    Some(&plan.to_json()),
                    &applied.to_json(),
                )?;
                let row = request(tx, id)?;
                log_request(tx, &row, "apply", &format!("区划变更生效：{}", describe(&plan)), None)?;
                Ok::<_, DivisionChangeError>(row)
            });
            let row = match attempt {
                Ok(row) => row,
                Err(DivisionChangeError::Store(e)) => return Err(e),
                Err(why) => self.store.write(|tx| {
                    let reason = why.to_string();
                    tracing::warn!("division change {id} could not be applied: {reason}");
                    ChangeRequestRow::finish(tx, id, RequestState::Failed, None, &json!({"error": reason}))?;
                    let row = ChangeRequestRow::get(tx, id)?
                        .ok_or(StoreError::Sqlite(rusqlite::Error::QueryReturnedNoRows))?;
                    log_request(tx, &row, "fail", &format!("区划变更 {id} 未能生效：{reason}"), None)?;
                    Ok::<_, StoreError>(row)
                })?,
            };
            self.committed();
            out.push(row);
        }
        Ok(out)
    }

    /// Applies due changes now and then every `every`, on a thread of its
    /// own, for as long as the process runs.
    pub fn apply_due_every(self, every: std::time::Duration, tolerance_m: f64) {
        std::thread::Builder::new()
            .name("division-changes".into())
            .spawn(move || {
                loop {
                    if let Err(e) = self.apply_due_division_changes(today(), tolerance_m) {
                        tracing::error!("applying scheduled division changes: {e}");
                    }
                    self.due.wait(every);
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!("starting the division-change thread: {e}"));
    }
}

/// `宁海县（330226）撤县设区，改为宁海区（330214）`.
fn describe(plan: &Plan) -> String {
    let names = |rows: &mut dyn Iterator<Item = &DivisionRow>| {
        rows.map(crate::boundaries::topology_check::label).collect::<Vec<_>>().join("、")
    };
    format!(
        "{}{}，改为{}",
        names(&mut plan.ends.iter()),
        plan.label,
        names(&mut plan.starts.iter().map(|s| &s.row))
    )
}

/// Whether boundary lines are kept between divisions of `level`
/// (province, prefecture, county).
pub(super) fn keeps_lines(level: Level) -> bool {
    level <= Level::County
}

/// Request `id`.
fn request(tx: &Transaction, id: i64) -> Result<ChangeRequestRow, DivisionChangeError> {
    ChangeRequestRow::get(tx, id)?.ok_or_else(|| DivisionChangeError::NotFound(id.to_string()))
}

/// The plan of a stored request against the divisions as they are now.
fn replan(tx: &Transaction, row: &ChangeRequestRow, tolerance_m: f64) -> Result<Plan, DivisionChangeError> {
    let input: ChangeInput = serde_json::from_value(row.input.clone())
        .map_err(|e| DivisionChangeError::Conflict(format!("申请内容无法读取：{e}")))?;
    plan(tx, &input, tolerance_m)
}
