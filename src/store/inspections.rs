//! Joint inspection rounds: the round (its lines, year, the two sides'
//! teams and signatures), its findings, their photos (kept in the store)
//! and the repair tasks set for them.

use super::{Signature, StoreResult};
use crate::model::{FindingKind, RoundState, Timestamp};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

/// The tables of schema version 8.
pub(super) fn schema_v8() -> String {
    r#"
ALTER TABLE boundary_markers ADD COLUMN inspected_on TEXT;
CREATE TABLE inspection_rounds (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  year INTEGER NOT NULL,
  title TEXT NOT NULL,
  side_a TEXT NOT NULL, side_b TEXT NOT NULL,
  team_a TEXT NOT NULL, team_b TEXT NOT NULL,
  lines TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','signing','closed')),
  created_by INTEGER NOT NULL REFERENCES accounts(id),
  created_token INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  signed_a_by INTEGER, signed_a_token INTEGER, signed_a_at TEXT,
  signed_b_by INTEGER, signed_b_token INTEGER, signed_b_at TEXT,
  closed_on TEXT,
  row_hash BLOB);
CREATE TABLE inspection_findings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  round_id INTEGER NOT NULL REFERENCES inspection_rounds(id),
  line_code TEXT NOT NULL REFERENCES boundary_lines(code),
  marker_number TEXT,
  kind TEXT NOT NULL,
  from_m REAL, to_m REAL,
  lon REAL, lat REAL,
  note TEXT,
  recorded_by INTEGER NOT NULL, recorded_token INTEGER NOT NULL, recorded_side TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  row_hash BLOB);
CREATE INDEX inspection_findings_round ON inspection_findings(round_id);
CREATE INDEX inspection_findings_marker ON inspection_findings(marker_number);
CREATE TABLE inspection_photos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  finding_id INTEGER NOT NULL REFERENCES inspection_findings(id),
  file_name TEXT NOT NULL, content_type TEXT NOT NULL,
  bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, data BLOB NOT NULL,
  added_by INTEGER NOT NULL, added_at TEXT NOT NULL,
  row_hash BLOB);
CREATE INDEX inspection_photos_finding ON inspection_photos(finding_id);
CREATE TABLE inspection_repairs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  finding_id INTEGER NOT NULL REFERENCES inspection_findings(id),
  task TEXT NOT NULL, due_on TEXT NOT NULL,
  created_by INTEGER NOT NULL, created_at TEXT NOT NULL,
  done_on TEXT, done_note TEXT, done_by INTEGER,
  row_hash BLOB);
CREATE INDEX inspection_repairs_finding ON inspection_repairs(finding_id);
"#
    .to_string()
        + &super::gpkg::register_sql("inspection_rounds", "界线联合检查轮次", None)
        + &super::gpkg::register_sql("inspection_findings", "界线联合检查记录", None)
        + &super::gpkg::register_sql("inspection_photos", "界线联合检查照片", None)
        + &super::gpkg::register_sql("inspection_repairs", "界桩维修任务", None)
}

/// A joint inspection round of some lines between the same two sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundRow {
    /// Id.
    pub id: i64,
    /// The inspection year.
    pub year: i32,
    /// Title.
    pub title: String,
    /// The two sides' codes, smaller first.
    pub sides: [String; 2],
    /// Each side's team (names), in the order of `sides`.
    pub teams: [Vec<String>; 2],
    /// The lines inspected.
    pub lines: Vec<String>,
    /// Where the round stands.
    pub state: RoundState,
    /// Who opened it (side: the side they belong to, or the first).
    pub created: Signature,
    /// Each side's signature, in the order of `sides`.
    pub signatures: [Option<Signature>; 2],
    /// The day the second side signed.
    pub closed_on: Option<NaiveDate>,
}

const ROUND_COLUMNS: &str = "id, year, title, side_a, side_b, team_a, team_b, lines, state, created_by, \
    created_token, created_at, signed_a_by, signed_a_token, signed_a_at, signed_b_by, signed_b_token, signed_b_at, \
    closed_on";

fn json_list(r: &Row, i: usize) -> rusqlite::Result<Vec<String>> {
    let s: String = r.get(i)?;
    serde_json::from_str(&s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into()))
}

fn round_from(r: &Row) -> rusqlite::Result<RoundRow> {
    let sides: [String; 2] = [r.get(3)?, r.get(4)?];
    let signature = |at: usize, side: &str| -> rusqlite::Result<Option<Signature>> {
        Ok(match (r.get::<_, Option<i64>>(at)?, r.get::<_, Option<i64>>(at + 1)?) {
            (Some(account), Some(token)) => {
                Some(Signature { account, token, side: side.to_string(), at: r.get(at + 2)? })
            }
            _ => None,
        })
    };
    Ok(RoundRow {
        id: r.get(0)?,
        year: r.get(1)?,
        title: r.get(2)?,
        teams: [json_list(r, 5)?, json_list(r, 6)?],
        lines: json_list(r, 7)?,
        state: r.get(8)?,
        created: Signature { account: r.get(9)?, token: r.get(10)?, side: sides[0].clone(), at: r.get(11)? },
        signatures: [signature(12, &sides[0])?, signature(15, &sides[1])?],
        closed_on: r.get(18)?,
        sides,
    })
}

impl RoundRow {
    /// Inserts the round; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO inspection_rounds (year, title, side_a, side_b, team_a, team_b, lines, state, created_by, \
               created_token, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
        )?
        .execute(params![
            self.year,
            self.title,
            self.sides[0],
            self.sides[1],
            serde_json::to_string(&self.teams[0]).unwrap_or_default(),
            serde_json::to_string(&self.teams[1]).unwrap_or_default(),
            serde_json::to_string(&self.lines).unwrap_or_default(),
            self.state,
            self.created.account,
            self.created.token,
            self.created.at,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// Records side `slot`'s signature (0 or 1) and the round's new state.
    pub fn sign(
        tx: &Transaction,
        id: i64,
        slot: usize,
        by: &Signature,
        state: RoundState,
    ) -> StoreResult<()> {
        let sql = if slot == 0 {
            "UPDATE inspection_rounds SET signed_a_by = ?2, signed_a_token = ?3, signed_a_at = ?4, state = ?5 WHERE id = ?1"
        } else {
            "UPDATE inspection_rounds SET signed_b_by = ?2, signed_b_token = ?3, signed_b_at = ?4, state = ?5 WHERE id = ?1"
        };
        tx.prepare_cached(sql)?.execute(params![id, by.account, by.token, by.at, state])?;
        Ok(())
    }

    /// Closes the round on `day`.
    pub fn close(tx: &Transaction, id: i64, day: NaiveDate) -> StoreResult<()> {
        tx.prepare_cached("UPDATE inspection_rounds SET state = 'closed', closed_on = ?2 WHERE id = ?1")?
            .execute(params![id, day])?;
        Ok(())
    }

    /// One round.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<RoundRow>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {ROUND_COLUMNS} FROM inspection_rounds WHERE id = ?1"))?;
        Ok(stmt.query_row([id], round_from).optional()?)
    }

    /// Rounds with a side inside `prefix` (every round for an empty one),
    /// newest first, at most `limit` from before id `before`.
    pub fn list(
        conn: &Connection,
        prefix: &str,
        limit: usize,
        before: Option<i64>,
    ) -> StoreResult<Vec<RoundRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ROUND_COLUMNS} FROM inspection_rounds WHERE (side_a LIKE ?1 || '%' OR side_b LIKE ?1 || '%') \
               AND id < ?2 ORDER BY id DESC LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![prefix, before.unwrap_or(i64::MAX), limit as i64], round_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The last day a line was jointly inspected (its latest closed round).
    pub fn last_inspected(conn: &Connection, line: &str) -> StoreResult<Option<NaiveDate>> {
        let mut stmt = conn.prepare_cached(
            "SELECT MAX(closed_on) FROM inspection_rounds r, json_each(r.lines) l \
               WHERE r.state = 'closed' AND l.value = ?1",
        )?;
        Ok(stmt.query_row([line], |r| r.get(0))?)
    }
}

/// What one side's team recorded at a marker or along a line section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindingRow {
    /// Id.
    pub id: i64,
    /// Its round.
    pub round_id: i64,
    /// The line.
    pub line_code: String,
    /// The marker, for a marker finding.
    pub marker: Option<String>,
    /// What was found.
    pub kind: FindingKind,
    /// The section, metres along the line from its start, for a line
    /// finding.
    pub section_m: Option<(f64, f64)>,
    /// Where (for a moved marker: where it stands now).
    pub at: Option<(f64, f64)>,
    /// Remarks.
    pub note: Option<String>,
    /// Who recorded it, for which side.
    pub recorded: Signature,
}

const FINDING_COLUMNS: &str = "id, round_id, line_code, marker_number, kind, from_m, to_m, lon, lat, note, \
    recorded_by, recorded_token, recorded_side, recorded_at";

fn finding_from(r: &Row) -> rusqlite::Result<FindingRow> {
    finding_at(r, 0)
}

/// A finding read from column `b` on (`b` > 0 in a join).
fn finding_at(r: &Row, b: usize) -> rusqlite::Result<FindingRow> {
    let pair = |a: usize| -> rusqlite::Result<Option<(f64, f64)>> {
        Ok(r.get::<_, Option<f64>>(b + a)?.zip(r.get::<_, Option<f64>>(b + a + 1)?))
    };
    Ok(FindingRow {
        id: r.get(b)?,
        round_id: r.get(b + 1)?,
        line_code: r.get(b + 2)?,
        marker: r.get(b + 3)?,
        kind: r.get(b + 4)?,
        section_m: pair(5)?,
        at: pair(7)?,
        note: r.get(b + 9)?,
        recorded: Signature {
            account: r.get(b + 10)?,
            token: r.get(b + 11)?,
            side: r.get(b + 12)?,
            at: r.get(b + 13)?,
        },
    })
}

impl FindingRow {
    /// Inserts the finding; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO inspection_findings (round_id, line_code, marker_number, kind, from_m, to_m, lon, lat, note, \
               recorded_by, recorded_token, recorded_side, recorded_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
        )?
        .execute(params![
            self.round_id,
            self.line_code,
            self.marker,
            self.kind,
            self.section_m.map(|s| s.0),
            self.section_m.map(|s| s.1),
            self.at.map(|a| a.0),
            self.at.map(|a| a.1),
            self.note,
            self.recorded.account,
            self.recorded.token,
            self.recorded.side,
            self.recorded.at,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// One finding.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<FindingRow>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {FINDING_COLUMNS} FROM inspection_findings WHERE id = ?1"))?;
        Ok(stmt.query_row([id], finding_from).optional()?)
    }

    /// The findings of a round, in the order recorded.
    pub fn of_round(conn: &Connection, round: i64) -> StoreResult<Vec<FindingRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {FINDING_COLUMNS} FROM inspection_findings WHERE round_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([round], finding_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A photo attached to a finding (its bytes are read on their own).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoRow {
    /// Id.
    pub id: i64,
    /// Its finding.
    pub finding_id: i64,
    /// The file name it was sent with.
    pub file_name: String,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
    /// Size.
    pub bytes: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// Who added it.
    pub added_by: i64,
    /// When.
    pub added_at: Timestamp,
}

const PHOTO_COLUMNS: &str = "id, finding_id, file_name, content_type, bytes, sha256, added_by, added_at";

fn photo_from(r: &Row) -> rusqlite::Result<PhotoRow> {
    Ok(PhotoRow {
        id: r.get(0)?,
        finding_id: r.get(1)?,
        file_name: r.get(2)?,
        content_type: r.get(3)?,
        bytes: r.get(4)?,
        sha256: r.get(5)?,
        added_by: r.get(6)?,
        added_at: r.get(7)?,
    })
}

impl PhotoRow {
    /// Inserts the photo with its bytes; returns its id.
    pub fn insert(&self, tx: &Transaction, data: &[u8]) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO inspection_photos (finding_id, file_name, content_type, bytes, sha256, data, added_by, added_at) \
               VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        )?
        .execute(params![
            self.finding_id,
            self.file_name,
            self.content_type,
            self.bytes,
            self.sha256,
            data,
            self.added_by,
            self.added_at
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// The photos of a round's findings, without their bytes.
    pub fn of_round(conn: &Connection, round: i64) -> StoreResult<Vec<PhotoRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {PHOTO_COLUMNS} FROM inspection_photos WHERE finding_id IN \
               (SELECT id FROM inspection_findings WHERE round_id = ?1) ORDER BY id"
        ))?;
        let rows = stmt.query_map([round], photo_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The photos of a round's findings with their bytes.
    pub fn with_data_of_round(conn: &Connection, round: i64) -> StoreResult<Vec<(PhotoRow, Vec<u8>)>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {PHOTO_COLUMNS}, data FROM inspection_photos WHERE finding_id IN \
               (SELECT id FROM inspection_findings WHERE round_id = ?1) ORDER BY id"
        ))?;
        let rows = stmt.query_map([round], |r| Ok((photo_from(r)?, r.get::<_, Vec<u8>>(8)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many photos a finding has.
    pub fn count_of(conn: &Connection, finding: i64) -> StoreResult<usize> {
        let n: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM inspection_photos WHERE finding_id = ?1")?
            .query_row([finding], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// One photo with its bytes.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<(PhotoRow, Vec<u8>)>> {
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {PHOTO_COLUMNS}, data FROM inspection_photos WHERE id = ?1"))?;
        Ok(stmt.query_row([id], |r| Ok((photo_from(r)?, r.get::<_, Vec<u8>>(8)?))).optional()?)
    }
}

/// A repair set for a finding, and its completion.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairRow {
    /// Id.
    pub id: i64,
    /// The finding it answers.
    pub finding_id: i64,
    /// What is to be done.
    pub task: String,
    /// By when.
    pub due_on: NaiveDate,
    /// Who set it.
    pub created_by: i64,
    /// When.
    pub created_at: Timestamp,
    /// The day it was done.
    pub done_on: Option<NaiveDate>,
    /// What was done.
    pub done_note: Option<String>,
    /// Who recorded it done.
    pub done_by: Option<i64>,
}

const REPAIR_COLUMNS: &str =
    "id, finding_id, task, due_on, created_by, created_at, done_on, done_note, done_by";

fn repair_from(r: &Row) -> rusqlite::Result<RepairRow> {
    Ok(RepairRow {
        id: r.get(0)?,
        finding_id: r.get(1)?,
        task: r.get(2)?,
        due_on: r.get(3)?,
        created_by: r.get(4)?,
        created_at: r.get(5)?,
        done_on: r.get(6)?,
        done_note: r.get(7)?,
        done_by: r.get(8)?,
    })
}

impl RepairRow {
    /// Inserts the task; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO inspection_repairs (finding_id, task, due_on, created_by, created_at) VALUES (?1,?2,?3,?4,?5)",
        )?
        .execute(params![self.finding_id, self.task, self.due_on, self.created_by, self.created_at])?;
        Ok(tx.last_insert_rowid())
    }

    /// Records the task done on `day`.
    pub fn complete(tx: &Transaction, id: i64, day: NaiveDate, note: &str, by: i64) -> StoreResult<()> {
        tx.prepare_cached(
            "UPDATE inspection_repairs SET done_on = ?2, done_note = ?3, done_by = ?4 WHERE id = ?1",
        )?
        .execute(params![id, day, note, by])?;
        Ok(())
    }

    /// One task.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<RepairRow>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {REPAIR_COLUMNS} FROM inspection_repairs WHERE id = ?1"))?;
        Ok(stmt.query_row([id], repair_from).optional()?)
    }

    /// The tasks of a round's findings.
    pub fn of_round(conn: &Connection, round: i64) -> StoreResult<Vec<RepairRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {REPAIR_COLUMNS} FROM inspection_repairs WHERE finding_id IN \
               (SELECT id FROM inspection_findings WHERE round_id = ?1) ORDER BY id"
        ))?;
        let rows = stmt.query_map([round], repair_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Open tasks for markers due before `day`, with their findings.
    pub fn overdue(conn: &Connection, day: NaiveDate) -> StoreResult<Vec<(RepairRow, FindingRow)>> {
        let cols: String =
            REPAIR_COLUMNS.split(", ").map(|c| format!("r.{c}")).collect::<Vec<_>>().join(", ");
        let fcols: String =
            FINDING_COLUMNS.split(", ").map(|c| format!("f.{c}")).collect::<Vec<_>>().join(", ");
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {cols}, {fcols} FROM inspection_repairs r JOIN inspection_findings f ON f.id = r.finding_id \
               WHERE r.done_on IS NULL AND r.due_on < ?1 AND f.marker_number IS NOT NULL ORDER BY r.due_on, r.id"
        ))?;
        let n = REPAIR_COLUMNS.split(", ").count();
        let rows = stmt.query_map([day], |r| Ok((repair_from(r)?, finding_at(r, n)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
