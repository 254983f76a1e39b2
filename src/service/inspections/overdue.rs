//! Markers past the inspection cycle or their repair's due day.

use super::*;

/// Why a marker is overdue.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum OverdueReason {
    /// Not inspected within the cycle (never, or last on `last`).
    NotInspected {
        /// The last joint inspection both sides signed.
        last: Option<NaiveDate>,
        /// The day the next was due.
        due: Option<NaiveDate>,
    },
    /// Found damaged or missing and not repaired by the due day.
    RepairOverdue {
        /// The repair task.
        repair: i64,
        /// Its round.
        round: i64,
        /// What was found.
        finding: FindingKind,
        /// The due day.
        due: NaiveDate,
        /// The task.
        task: String,
    },
}

/// An overdue marker.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    /// The marker.
    pub marker: MarkerRow,
    /// Why.
    pub reasons: Vec<OverdueReason>,
}

/// The markers overdue on `today` among live markers whose line has a side
/// inside `prefix` (all for an empty one), by number.
pub fn overdue(c: &Connection, today: NaiveDate, years: u32, prefix: &str) -> StoreResult<Vec<Overdue>> {
    let cutoff =
        today.with_year(today.year() - years as i32).unwrap_or(today - chrono::Days::new(365 * years as u64));
    let lines: BTreeSet<String> = {
        let mut stmt = c.prepare_cached(
            "SELECT code FROM boundary_lines WHERE retired_on IS NULL AND (left_code LIKE ?1 || '%' OR right_code LIKE ?1 || '%')",
        )?;
        let rows = stmt.query_map([prefix], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out: BTreeMap<String, Overdue> = BTreeMap::new();
    for m in MarkerRow::load_all(c)? {
        if !lines.contains(&m.line_code) {
            continue;
        }
        let last = m.inspected_on;
        let since = last.or(m.installed_on);
        if since.is_none_or(|d| d < cutoff) {
            let due = since.and_then(|d| d.with_year(d.year() + years as i32));
            let number = m.number.clone();
            out.insert(
                number,
                Overdue { marker: m, reasons: vec![OverdueReason::NotInspected { last, due }] },
            );
        } else {
            out.insert(m.number.clone(), Overdue { marker: m, reasons: Vec::new() });
        }
    }
    for (repair, finding) in RepairRow::overdue(c, today)? {
        let Some(entry) = finding.marker.as_ref().and_then(|n| out.get_mut(n)) else { continue };
        entry.reasons.push(OverdueReason::RepairOverdue {
            repair: repair.id,
            round: finding.round_id,
            finding: finding.kind,
            due: repair.due_on,
            task: repair.task,
        });
    }
    Ok(out.into_values().filter(|o| !o.reasons.is_empty()).collect())
}
