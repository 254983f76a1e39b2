//! Applications for a door plate (门牌申请): a department applies for a
//! plate on a road at a building's door; the regulation's checks are
//! recorded; civil-affairs staff issue the address or return it.

use super::StoreResult;
use crate::model::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

pub(super) fn schema_v10() -> String {
    r#"
CREATE TABLE address_applications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  department TEXT NOT NULL,
  place_fid INTEGER NOT NULL REFERENCES places(fid),
  lon REAL NOT NULL, lat REAL NOT NULL,
  purpose TEXT NOT NULL,
  number TEXT,
  checks TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'submitted' CHECK (state IN ('submitted','issued','returned')),
  applied_by INTEGER NOT NULL REFERENCES accounts(id),
  applied_token INTEGER NOT NULL,
  applied_at TEXT NOT NULL,
  decided_by INTEGER REFERENCES accounts(id),
  decided_token INTEGER,
  decided_at TEXT,
  note TEXT,
  address_code TEXT,
  row_hash BLOB);
CREATE INDEX address_applications_state ON address_applications(state);
"#
    .to_string()
        + &super::gpkg::register_sql("address_applications", "门牌申请", None)
}

/// An application for a door plate.
#[derive(Debug, Clone, Serialize)]
pub struct ApplicationRow {
    /// Id.
    pub id: i64,
    /// The applying department (公安户籍, 不动产登记 …).
    pub department: String,
    /// The road (place id).
    pub road: i64,
    /// The door, lon/lat CGCS2000.
    pub lon: f64,
    /// The door, lon/lat CGCS2000.
    pub lat: f64,
    /// What the address is for.
    pub purpose: String,
    /// The number asked for, or the one the rule gives.
    pub number: Option<String>,
    /// The building's footprint (GeoJSON Polygon), if given.
    pub footprint: Option<serde_json::Value>,
    /// The regulation's checks as last run.
    pub checks: serde_json::Value,
    /// `submitted`, `issued` or `returned`.
    pub state: String,
    /// The applicant's account and token.
    pub applied_by: (i64, i64),
    /// When.
    pub applied_at: Timestamp,
    /// Who issued or returned it.
    pub decided_by: Option<(i64, i64)>,
    /// When.
    pub decided_at: Option<Timestamp>,
    /// Why it was returned, or a note.
    pub note: Option<String>,
    /// The address issued.
    pub address_code: Option<String>,
}

const COLUMNS: &str = "id, department, place_fid, lon, lat, purpose, number, checks, state, applied_by, applied_token, \
    applied_at, decided_by, decided_token, decided_at, note, address_code, footprint";

fn from_row(r: &Row) -> rusqlite::Result<ApplicationRow> {
    let checks: String = r.get(7)?;
    Ok(ApplicationRow {
        id: r.get(0)?,
        department: r.get(1)?,
        road: r.get(2)?,
        lon: r.get(3)?,
        lat: r.get(4)?,
        purpose: r.get(5)?,
        number: r.get(6)?,
        checks: serde_json::from_str(&checks).unwrap_or(serde_json::Value::Null),
        state: r.get(8)?,
        applied_by: (r.get(9)?, r.get(10)?),
        applied_at: r.get(11)?,
        decided_by: match (r.get::<_, Option<i64>>(12)?, r.get::<_, Option<i64>>(13)?) {
            (Some(a), Some(t)) => Some((a, t)),
            _ => None,
        },
        decided_at: r.get(14)?,
        note: r.get(15)?,
        address_code: r.get(16)?,
        footprint: r.get::<_, Option<String>>(17)?.and_then(|f| serde_json::from_str(&f).ok()),
    })
}

impl ApplicationRow {
    /// Inserts a submitted application; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO address_applications (department, place_fid, lon, lat, purpose, number, checks, state, \
               applied_by, applied_token, applied_at, footprint) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        )?
        .execute(params![
            self.department,
            self.road,
            self.lon,
            self.lat,
            self.purpose,
            self.number,
            self.checks.to_string(),
            self.state,
            self.applied_by.0,
            self.applied_by.1,
            self.applied_at,
            self.footprint.as_ref().map(|f| f.to_string()),
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// Records the decision: `issued` with the address code, or `returned`.
    pub fn decide(
        tx: &Transaction,
        id: i64,
        state: &str,
        by: (i64, i64),
        checks: &serde_json::Value,
        note: Option<&str>,
        address_code: Option<&str>,
    ) -> StoreResult<()> {
        tx.prepare_cached(
            "UPDATE address_applications SET state = ?2, decided_by = ?3, decided_token = ?4, decided_at = ?5, \
               checks = ?6, note = ?7, address_code = ?8 WHERE id = ?1",
        )?
        .execute(params![id, state, by.0, by.1, Timestamp::now(), checks.to_string(), note, address_code])?;
        Ok(())
    }

    /// One application.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<ApplicationRow>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM address_applications WHERE id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }
}
