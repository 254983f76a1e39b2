//! The sign inventory: every road-name sign, place-name sign and door
//! plate on the street, what it says, where it stands, and its history
//! (installed, inspected, repaired, replaced); and what the public reports.

use super::{StoreResult, geom_blob};
use crate::model::{SignKind, SignState, Timestamp};
use geo::{Geometry, Point};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

/// A sign.
#[derive(Debug, Clone, Serialize)]
pub struct SignRow {
    /// Id.
    pub id: i64,
    /// Road-name, place-name or door plate.
    pub kind: SignKind,
    /// The standard name (or address) it shows.
    pub name: String,
    /// Its pinyin as the sign writes it.
    pub pinyin: String,
    /// What else GB 17733 has it show: direction arrows and number ranges
    /// of a road sign, the address of a door plate.
    pub content: serde_json::Value,
    /// The road, village or compound place it names (id).
    pub place_id: Option<i64>,
    /// The address of a door plate.
    pub address_code: Option<String>,
    /// The division it stands in.
    pub division_code: String,
    /// Longitude (CGCS2000).
    pub lon: f64,
    /// Latitude (CGCS2000).
    pub lat: f64,
    /// When it was put up.
    pub installed_on: String,
    /// 铝板反光膜, 搪瓷, 不锈钢 …
    pub material: String,
    /// Its state.
    pub state: SignState,
    /// Since when.
    pub state_on: String,
    /// The sign it replaced.
    pub replaces: Option<i64>,
    /// Provenance.
    pub source: String,
}

const COLUMNS: &str = "id, kind, name, pinyin, content, place_fid, address_code, division_code, lon, lat, \
    installed_on, material, state, state_on, replaces, source";

fn from_row(r: &Row) -> rusqlite::Result<SignRow> {
    let content: String = r.get(4)?;
    Ok(SignRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        pinyin: r.get(3)?,
        content: serde_json::from_str(&content).unwrap_or(serde_json::Value::Null),
        place_id: r.get(5)?,
        address_code: r.get(6)?,
        division_code: r.get(7)?,
        lon: r.get(8)?,
        lat: r.get(9)?,
        installed_on: r.get(10)?,
        material: r.get(11)?,
        state: r.get(12)?,
        state_on: r.get(13)?,
        replaces: r.get(14)?,
        source: r.get(15)?,
    })
}

/// A filter of `/signs`.
#[derive(Debug, Clone, Default)]
pub struct SignFilter {
    /// Division code prefix.
    pub division: Option<String>,
    /// The place (road) it names.
    pub place: Option<i64>,
    /// Kind.
    pub kind: Option<SignKind>,
    /// State.
    pub state: Option<SignState>,
    /// Box: min lon, min lat, max lon, max lat.
    pub bbox: Option<[f64; 4]>,
    /// Most rows.
    pub limit: usize,
    /// Rows skipped.
    pub offset: usize,
}

/// One event of a sign's history.
#[derive(Debug, Clone, Serialize)]
pub struct SignEvent {
    /// Id.
    pub id: i64,
    /// The sign.
    pub sign_id: i64,
    /// The day it happened.
    pub on_date: String,
    /// `install`, `inspect`, `repair`, `replace`.
    pub action: String,
    /// The state found or left.
    pub state: SignState,
    /// A note.
    pub note: Option<String>,
    /// The account and token that recorded it (none for the demo).
    #[serde(skip)]
    pub by: Option<(i64, i64)>,
    /// When it was recorded.
    pub recorded_at: Timestamp,
}

/// Counts of one kind of sign in a year.
#[derive(Debug, Clone, Default, Serialize)]
pub struct KindCounts {
    /// Kind.
    pub kind: &'static str,
    /// In words.
    pub label: &'static str,
    /// Put up that year (new and replacements).
    pub installed: i64,
    /// Replaced that year.
    pub replaced: i64,
    /// Found damaged that year.
    pub damaged: i64,
    /// Found missing that year.
    pub missing: i64,
    /// Standing at the end of the year (not replaced by then).
    pub standing: i64,
}

impl SignRow {
    /// Inserts the sign; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        let geom = Geometry::Point(Point::new(self.lon, self.lat));
        tx.prepare_cached(
            "INSERT INTO signs (kind, name, pinyin, content, place_fid, address_code, division_code, lon, lat, \
             installed_on, material, state, state_on, replaces, source, geom) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
        )?
        .execute(params![
            self.kind,
            self.name,
            self.pinyin,
            self.content.to_string(),
            self.place_id,
            self.address_code,
            self.division_code,
            self.lon,
            self.lat,
            self.installed_on,
            self.material,
            self.state,
            self.state_on,
            self.replaces,
            self.source,
            geom_blob(Some(&geom))?,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// Sets a sign's state since `on`.
    pub fn set_state(tx: &Transaction, id: i64, state: SignState, on: &str) -> StoreResult<()> {
        tx.prepare_cached("UPDATE signs SET state = ?2, state_on = ?3 WHERE id = ?1")?
            .execute(params![id, state, on])?;
        Ok(())
    }

    /// One sign.
    pub fn get(conn: &Connection, id: i64) -> StoreResult<Option<SignRow>> {
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM signs WHERE id = ?1"))?;
        Ok(stmt.query_row([id], from_row).optional()?)
    }

    /// The signs `f` selects, by id; and how many it selects in all.
    pub fn list(conn: &Connection, f: &SignFilter) -> StoreResult<(Vec<SignRow>, i64)> {
        let mut wh = vec!["1 = 1".to_string()];
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut arg = |v: rusqlite::types::Value| {
            args.push(v);
            format!("?{}", args.len())
        };
        if let Some(d) = &f.division {
            wh.push(format!("division_code LIKE {} || '%'", arg(d.clone().into())));
        }
        if let Some(p) = f.place {
            wh.push(format!("place_fid = {}", arg(p.into())));
        }
        if let Some(k) = f.kind {
            wh.push(format!("kind = {}", arg(k.as_str().to_string().into())));
        }
        if let Some(s) = f.state {
            wh.push(format!("state = {}", arg(s.as_str().to_string().into())));
        }
        if let Some([x0, y0, x1, y1]) = f.bbox {
            let (a, b, c, d) = (arg(x0.into()), arg(x1.into()), arg(y0.into()), arg(y1.into()));
            wh.push(format!("lon BETWEEN {a} AND {b} AND lat BETWEEN {c} AND {d}"));
        }
        let wh = wh.join(" AND ");
        let total: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM signs WHERE {wh}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM signs WHERE {wh} ORDER BY id LIMIT {} OFFSET {}",
            f.limit, f.offset
        ))?;
        let rows =
            stmt.query_map(rusqlite::params_from_iter(args.iter()), from_row)?.collect::<Result<_, _>>()?;
        Ok((rows, total))
    }

    /// The signs naming a place or showing an address, standing (not
    /// replaced).
    pub fn of_target(
        conn: &Connection,
        place: Option<i64>,
        address: Option<&str>,
    ) -> StoreResult<Vec<SignRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM signs WHERE ((?1 IS NOT NULL AND place_fid = ?1) OR (?2 IS NOT NULL AND address_code = ?2)) \
             AND state <> 'replaced' ORDER BY id LIMIT 50"
        ))?;
        Ok(stmt.query_map(params![place, address], from_row)?.collect::<Result<_, _>>()?)
    }

    /// The standing signs of division `code` itself (a village's
    /// place-name signs: no place, no address).
    pub fn of_division(conn: &Connection, code: &str) -> StoreResult<Vec<SignRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM signs WHERE division_code = ?1 AND place_fid IS NULL AND address_code IS NULL \
             AND state <> 'replaced' ORDER BY id LIMIT 50"
        ))?;
        Ok(stmt.query_map([code], from_row)?.collect::<Result<_, _>>()?)
    }

    /// The year's counts per kind in the divisions under `division`.
    pub fn summary(conn: &Connection, year: i32, division: &str) -> StoreResult<Vec<KindCounts>> {
        let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
        let mut out = Vec::new();
        for kind in SignKind::ALL {
            let count = |sql: &str| -> StoreResult<i64> {
                Ok(conn.query_row(sql, params![kind.as_str(), division, from, to], |r| r.get(0))?)
            };
            let events = |state: &str| {
                format!(
                    "SELECT COUNT(DISTINCT e.sign_id) FROM sign_events e JOIN signs s ON s.id = e.sign_id \
                     WHERE s.kind = ?1 AND s.division_code LIKE ?2 || '%' AND e.on_date BETWEEN ?3 AND ?4 \
                     AND e.action IN ('inspect', 'report') AND e.state = '{state}'"
                )
            };
            out.push(KindCounts {
                kind: kind.as_str(),
                label: kind.label(),
                installed: count(
                    "SELECT COUNT(*) FROM signs WHERE kind = ?1 AND division_code LIKE ?2 || '%' \
                     AND installed_on BETWEEN ?3 AND ?4",
                )?,
                replaced: count(
                    "SELECT COUNT(DISTINCT e.sign_id) FROM sign_events e JOIN signs s ON s.id = e.sign_id \
                     WHERE s.kind = ?1 AND s.division_code LIKE ?2 || '%' AND e.on_date BETWEEN ?3 AND ?4 \
                     AND e.action = 'replace'",
                )?,
                damaged: count(&events("damaged"))?,
                missing: count(&events("missing"))?,
                standing: count(
                    "SELECT COUNT(*) FROM signs s WHERE s.kind = ?1 AND s.division_code LIKE ?2 || '%' \
                     AND s.installed_on <= ?4 AND ?3 = ?3 AND NOT EXISTS (SELECT 1 FROM sign_events e \
                     WHERE e.sign_id = s.id AND e.action = 'replace' AND e.on_date <= ?4)",
                )?,
            });
        }
        Ok(out)
    }
}

impl SignEvent {
    /// Inserts the event; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO sign_events (sign_id, on_date, action, state, note, by_account, by_token, recorded_at) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        )?
        .execute(params![
            self.sign_id,
            self.on_date,
            self.action,
            self.state,
            self.note,
            self.by.map(|b| b.0),
            self.by.map(|b| b.1),
            self.recorded_at
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// A sign's history, oldest first.
    pub fn of(conn: &Connection, sign: i64) -> StoreResult<Vec<SignEvent>> {
        let mut stmt = conn.prepare_cached(
            "SELECT id, sign_id, on_date, action, state, note, by_account, by_token, recorded_at FROM sign_events \
             WHERE sign_id = ?1 ORDER BY on_date, id",
        )?;
        let rows = stmt.query_map([sign], |r| {
            Ok(SignEvent {
                id: r.get(0)?,
                sign_id: r.get(1)?,
                on_date: r.get(2)?,
                action: r.get(3)?,
                state: r.get(4)?,
                note: r.get(5)?,
                by: match (r.get::<_, Option<i64>>(6)?, r.get::<_, Option<i64>>(7)?) {
                    (Some(a), Some(t)) => Some((a, t)),
                    _ => None,
                },
                recorded_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A report from the public (a damaged or missing sign, a wrong name).
#[derive(Debug, Clone, Serialize)]
pub struct PublicReport {
    /// Id.
    pub id: i64,
    /// `address:{code}` or `place:{id}`.
    pub target: String,
    /// The sign, if the report came from one's QR code.
    pub sign_id: Option<i64>,
    /// `damaged`, `missing`, `wrong`, `other`.
    pub kind: String,
    /// What they wrote.
    pub message: String,
    /// How to reach them, if they said.
    #[serde(skip)]
    pub contact: Option<String>,
    /// When it came.
    pub received_at: Timestamp,
}

impl PublicReport {
    /// Inserts the report; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO public_reports (target, sign_id, kind, message, contact, received_at) VALUES (?1,?2,?3,?4,?5,?6)",
        )?
        .execute(params![self.target, self.sign_id, self.kind, self.message, self.contact, self.received_at])?;
        Ok(tx.last_insert_rowid())
    }
}
