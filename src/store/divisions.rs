use super::{StoreResult, geom_blob, geom_col};
use crate::model::{DivisionCode, Level};
use chrono::NaiveDate;
use geo::{Geometry, MultiPolygon};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

/// A division version as stored. A division whose code or name changed has
/// one row per version, each with its validity period.
#[derive(Debug, Clone)]
pub struct DivisionRow {
    /// Row id.
    pub fid: i64,
    /// Division code (6, 9 or 12 digits).
    pub code: DivisionCode,
    /// Full name (鄞州区).
    pub name: String,
    /// Short name (鄞州), if it differs.
    pub short_name: Option<String>,
    /// Province … village (stored as 1 … 5).
    pub level: Level,
    /// Parent division code.
    pub parent_code: Option<DivisionCode>,
    /// Romanised name.
    pub pinyin: Option<String>,
    /// First day valid, if known.
    pub valid_from: Option<NaiveDate>,
    /// Day it ceased; `None` while current.
    pub valid_to: Option<NaiveDate>,
    /// Seat (政府驻地), lon/lat CGCS2000.
    pub seat: Option<(f64, f64)>,
    /// Where the record comes from.
    pub source: String,
    /// Boundary, lon/lat CGCS2000.
    pub geom: Option<MultiPolygon<f64>>,
}

const COLUMNS: &str = "fid, code, name, short_name, level, parent_code, pinyin, valid_from, \
                       valid_to, seat_lon, seat_lat, source";

fn from_row(r: &Row, with_geom: bool) -> StoreResult<DivisionRow> {
    let seat = match (r.get::<_, Option<f64>>(9)?, r.get::<_, Option<f64>>(10)?) {
        (Some(x), Some(y)) => Some((x, y)),
        _ => None,
    };
    let geom = if with_geom {
        match geom_col(r.get(12)?)? {
            Some(Geometry::MultiPolygon(mp)) => Some(mp),
            Some(Geometry::Polygon(p)) => Some(MultiPolygon(vec![p])),
            _ => None,
        }
    } else {
        None
    };
    Ok(DivisionRow {
        fid: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        short_name: r.get(3)?,
        level: r.get(4)?,
        // A parent that is not a code links to no division, as before.
        parent_code: r.get_ref(5)?.as_str_or_null()?.and_then(|p| DivisionCode::parse(p).ok()),
        pinyin: r.get(6)?,
        valid_from: r.get(7)?,
        valid_to: r.get(8)?,
        seat,
        source: r.get(11)?,
        geom,
    })
}

impl DivisionRow {
    /// A current division `code` at `level`, with every other field empty,
    /// for the caller to fill in.
    pub fn new(code: DivisionCode, level: Level) -> DivisionRow {
        DivisionRow {
            fid: 0,
            code,
            name: String::new(),
            short_name: None,
            level,
            parent_code: None,
            pinyin: None,
            valid_from: None,
            valid_to: None,
            seat: None,
            source: String::new(),
            geom: None,
        }
    }

    /// Inserts a new version row; returns its fid.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        let geom = self.geom.clone().map(Geometry::MultiPolygon);
        tx.prepare_cached(
            "INSERT INTO divisions (code, name, short_name, level, parent_code, pinyin, valid_from, \
             valid_to, seat_lon, seat_lat, source, geom) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        )?
        .execute(params![
            self.code,
            self.name,
            self.short_name,
            self.level,
            self.parent_code,
            self.pinyin,
            self.valid_from,
            self.valid_to,
            self.seat.map(|s| s.0),
            self.seat.map(|s| s.1),
            self.source,
            geom_blob(geom.as_ref())?,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// Inserts, or updates the current version with the same code in place.
    /// Returns the fid and whether a row was updated.
    pub fn upsert_current(&self, tx: &Transaction) -> StoreResult<(i64, bool)> {
        let existing: Option<i64> = tx
            .query_row("SELECT fid FROM divisions WHERE code = ?1 AND valid_to IS NULL", [&self.code], |r| {
                r.get(0)
            })
            .optional()?;
        match existing {
            None => Ok((self.insert(tx)?, false)),
            Some(fid) => {
                let geom = self.geom.clone().map(Geometry::MultiPolygon);
                tx.execute(
                    "UPDATE divisions SET name=?2, short_name=?3, level=?4, parent_code=?5, pinyin=?6, \
                     seat_lon=?7, seat_lat=?8, source=?9, geom=COALESCE(?10, geom) WHERE fid=?1",
                    params![
                        fid,
                        self.name,
                        self.short_name,
                        self.level,
                        self.parent_code,
                        self.pinyin,
                        self.seat.map(|s| s.0),
                        self.seat.map(|s| s.1),
                        self.source,
                        geom_blob(geom.as_ref())?,
                    ],
                )?;
                Ok((fid, true))
            }
        }
    }

    /// Every division version, with or without geometry, in code order.
    pub fn load_all(conn: &Connection, with_geom: bool) -> StoreResult<Vec<DivisionRow>> {
        let sql = if with_geom {
            format!("SELECT {COLUMNS}, geom FROM divisions ORDER BY code, valid_from")
        } else {
            format!("SELECT {COLUMNS} FROM divisions ORDER BY code, valid_from")
        };
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(from_row(r, with_geom)?);
        }
        Ok(out)
    }

    /// The current version of `code`, with geometry.
    pub fn current(conn: &Connection, code: &DivisionCode) -> StoreResult<Option<DivisionRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, geom FROM divisions WHERE code = ?1 AND valid_to IS NULL ORDER BY fid DESC LIMIT 1"
        ))?;
        let mut rows = stmt.query([code])?;
        rows.next()?.map(|r| from_row(r, true)).transpose()
    }

    /// The current children of `parent`, with geometry, in code order.
    pub fn current_children(conn: &Connection, parent: &DivisionCode) -> StoreResult<Vec<DivisionRow>> {
        Self::current_where(conn, "parent_code = ?1", parent.as_str())
    }

    /// Every current division below `ancestor` (by code), with geometry,
    /// in code order.
    pub fn current_descendants(conn: &Connection, ancestor: &DivisionCode) -> StoreResult<Vec<DivisionRow>> {
        let rows = Self::current_where(conn, "code LIKE ?1 || '%'", ancestor.prefix())?;
        Ok(rows.into_iter().filter(|r| r.code != *ancestor).collect())
    }

    fn current_where(conn: &Connection, filter: &str, arg: &str) -> StoreResult<Vec<DivisionRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, geom FROM divisions WHERE {filter} AND valid_to IS NULL ORDER BY code"
        ))?;
        let mut rows = stmt.query([arg])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(from_row(r, true)?);
        }
        Ok(out)
    }

    /// Every code any version ever had (a code is never reissued).
    pub fn all_codes(conn: &Connection) -> StoreResult<Vec<DivisionCode>> {
        let mut stmt = conn.prepare_cached("SELECT DISTINCT code FROM divisions")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut out = Vec::new();
        for r in rows {
            if let Ok(c) = DivisionCode::parse(&r?) {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// Ends version `fid` on `day` (the last day it stood is the day
    /// before); returns whether a current version was ended.
    pub fn end(tx: &Transaction, fid: i64, day: NaiveDate) -> StoreResult<bool> {
        let n = tx
            .prepare_cached("UPDATE divisions SET valid_to = ?2 WHERE fid = ?1 AND valid_to IS NULL")?
            .execute(params![fid, day])?;
        Ok(n == 1)
    }

    /// The boundary of one division version.
    pub fn geometry(conn: &Connection, fid: i64) -> StoreResult<Option<MultiPolygon<f64>>> {
        let blob: Option<Vec<u8>> = conn
            .query_row("SELECT geom FROM divisions WHERE fid = ?1", [fid], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(match geom_col(blob)? {
            Some(Geometry::MultiPolygon(mp)) => Some(mp),
            Some(Geometry::Polygon(p)) => Some(MultiPolygon(vec![p])),
            _ => None,
        })
    }
}

/// An alias of a division (short form, old name, landmark, abbreviation).
#[derive(Debug, Clone)]
pub struct AliasRow {
    /// The division's code.
    pub code: DivisionCode,
    /// The alias text.
    pub alias: String,
    /// `short`, `historical`, `abbreviation`, `landmark` …
    pub kind: String,
    /// Provenance.
    pub source: Option<String>,
}

impl AliasRow {
    /// Inserts, ignoring an alias the division already has.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO division_aliases (code, alias, kind, source) VALUES (?1,?2,?3,?4)",
        )?
        .execute(params![self.code, self.alias, self.kind, self.source])?;
        Ok(())
    }

    /// The aliases of one division.
    pub fn of(conn: &Connection, code: &DivisionCode) -> StoreResult<Vec<AliasRow>> {
        let mut stmt =
            conn.prepare_cached("SELECT code, alias, kind, source FROM division_aliases WHERE code = ?1")?;
        let rows = stmt.query_map([code], |r| {
            Ok(AliasRow { code: r.get(0)?, alias: r.get(1)?, kind: r.get(2)?, source: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every alias.
    pub fn load_all(conn: &Connection) -> StoreResult<Vec<AliasRow>> {
        let mut stmt = conn.prepare("SELECT code, alias, kind, source FROM division_aliases")?;
        let rows = stmt.query_map([], |r| {
            Ok(AliasRow { code: r.get(0)?, alias: r.get(1)?, kind: r.get(2)?, source: r.get(3)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A division change event: the link from an old code/name to its
/// successor.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangeRow {
    /// Effective date (`YYYY-MM-DD` in JSON).
    pub date: NaiveDate,
    /// Kind of change (撤县设区, 更名 …).
    pub kind: String,
    /// The old code.
    pub old_code: Option<DivisionCode>,
    /// The old name.
    pub old_name: Option<String>,
    /// The new code.
    pub new_code: Option<DivisionCode>,
    /// The new name.
    pub new_name: Option<String>,
    /// Approval document number.
    pub doc_no: Option<String>,
    /// Provenance.
    pub source: Option<String>,
    /// The division change request that made it, if one did.
    pub change_id: Option<i64>,
}

impl ChangeRow {
    /// Inserts the event.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        tx.prepare_cached(
            "INSERT INTO division_changes (date, kind, old_code, old_name, new_code, new_name, doc_no, source, \
             change_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
        )?
        .execute(params![
            self.date,
            self.kind,
            self.old_code,
            self.old_name,
            self.new_code,
            self.new_name,
            self.doc_no,
            self.source,
            self.change_id
        ])?;
        Ok(())
    }

    /// Every event, by date.
    pub fn load_all(conn: &Connection) -> StoreResult<Vec<ChangeRow>> {
        Self::query(conn, "?1 = ''", "")
    }

    /// Events where `code` is the old or the new side, by date.
    pub fn involving(conn: &Connection, code: &DivisionCode) -> StoreResult<Vec<ChangeRow>> {
        Self::query(conn, "old_code = ?1 OR new_code = ?1", code.as_str())
    }

    fn query(conn: &Connection, filter: &str, arg: &str) -> StoreResult<Vec<ChangeRow>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT date, kind, old_code, old_name, new_code, new_name, doc_no, source, change_id \
             FROM division_changes WHERE {filter} ORDER BY date"
        ))?;
        let rows = stmt.query_map([arg], |r| {
            Ok(ChangeRow {
                date: r.get(0)?,
                kind: r.get(1)?,
                old_code: r.get(2)?,
                old_name: r.get(3)?,
                new_code: r.get(4)?,
                new_name: r.get(5)?,
                doc_no: r.get(6)?,
                source: r.get(7)?,
                change_id: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
