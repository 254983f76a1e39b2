//! Changes to a line's markers waiting for the other side: a boundary
//! officer of one side proposes adding, moving or retiring a marker; it is
//! applied only when an officer of the other side confirms it.

use super::StoreResult;
use crate::model::{MarkerAction, MarkerKind, SignOff, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

/// A signature: who signed for which side, when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Signature {
    /// The account.
    pub account: i64,
    /// The token it signed with.
    pub token: i64,
    /// The side (division code) it signed for.
    pub side: String,
    /// When.
    pub at: Timestamp,
}

/// A proposed change to a marker.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarkerChangeRow {
    /// Id.
    pub id: i64,
    /// The line.
    pub line_code: String,
    /// Add, move or retire.
    pub action: MarkerAction,
    /// The marker's number (for an addition, the number it will get).
    pub number: String,
    /// Its type.
    pub kind: MarkerKind,
    /// The new position (add, move).
    pub lon: Option<f64>,
    /// The new position (add, move).
    pub lat: Option<f64>,
    /// Why, in the proposer's words.
    pub reason: String,
    /// Where it stands.
    pub state: SignOff,
    /// The proposing side's signature.
    pub proposed: Signature,
    /// The other side's answer, once given.
    pub decided: Option<Signature>,
    /// The other side's note with its answer.
    pub note: Option<String>,
}

const COLUMNS: &str = "id, line_code, action, number, kind, lon, lat, reason, state, proposed_by, proposed_token, \
                       proposed_side, proposed_at, decided_by, decided_token, decided_side, decided_at, note";

fn from_row(r: &Row) -> rusqlite::Result<MarkerChangeRow> {
    let decided = match (r.get::<_, Option<i64>>(13)?, r.get::<_, Option<i64>>(14)?) {
        (Some(account), Some(token)) => Some(Signature { account, token, side: r.get(15)?, at: r.get(16)? }),
        _ => None,
    };
    Ok(MarkerChangeRow {
        id: r.get(0)?,
        line_code: r.get(1)?,
        action: r.get(2)?,
        number: r.get(3)?,
        kind: r.get(4)?,
        lon: r.get(5)?,
        lat: r.get(6)?,
        reason: r.get(7)?,
        state: r.get(8)?,
        proposed: Signature { account: r.get(9)?, token: r.get(10)?, side: r.get(11)?, at: r.get(12)? },
        decided,
        note: r.get(17)?,
    })
}

impl MarkerChangeRow {
    /// Inserts a pending change; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO marker_changes (line_code, action, number, kind, lon, lat, reason, state, proposed_by, \
               proposed_token, proposed_side, proposed_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        )?
        .execute(params![
            self.line_code,
            self.action,
            self.number,
            self.kind,
            self.lon,
            self.lat,
            self.reason,
            self.state,
            self.proposed.account,
            self.proposed.token,
            self.proposed.side,
            self.proposed.at,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// Records the other side's answer (or the proposer's withdrawal).
    pub fn decide(
        tx: &Transaction,
        id: i64,
        state: SignOff,
        by: &Signature,
        note: Option<&str>,
    ) -> StoreResult<()> {
        tx.prepare_cached(
            "UPDATE marker_changes SET state = ?2, decided_by = ?3, decided_token = ?4, decided_side = ?5, \
               decided_at = ?6, note = ?7 WHERE id = ?1",
        )?
        .execute(params![id, state, by.account, by.token, by.side, by.at, note])?;
        Ok(())
    }

    /// One change.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<MarkerChangeRow>> {
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM marker_changes WHERE id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }

    /// The changes of a line (pending ones only, or all), newest first.
    pub fn of_line(conn: &Connection, line: &str, pending_only: bool) -> StoreResult<Vec<MarkerChangeRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM marker_changes WHERE line_code = ?1 AND (?2 = 0 OR state = 'pending') ORDER BY id DESC"
        ))?;
        let rows = stmt.query_map(params![line, pending_only], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Pending changes of every line with a side inside `prefix` (all
    /// lines for an empty prefix), oldest first.
    pub fn pending(conn: &Connection, prefix: &str) -> StoreResult<Vec<MarkerChangeRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM marker_changes c WHERE state = 'pending' AND EXISTS (SELECT 1 FROM boundary_lines l \
               WHERE l.code = c.line_code AND (l.left_code LIKE ?1 || '%' OR l.right_code LIKE ?1 || '%')) ORDER BY id"
        ))?;
        let rows = stmt.query_map([prefix], from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
