//! Boundary lines and their markers (界桩). Neither is ever deleted: a
//! line no longer derived from the polygons, and a marker removed with
//! both sides' agreement, get a `retired_on` date.

use super::{StoreResult, geom_blob, geom_col};
use crate::model::{DivisionCode, Level, MarkerCondition, MarkerKind};
use chrono::NaiveDate;
use geo::{BoundingRect, Geometry, MultiLineString, Point};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

/// A boundary line between two divisions.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundaryLineRow {
    /// Line number (made from the two sides' codes; not a division code).
    pub code: String,
    /// Name (鄞奉线).
    pub name: String,
    /// The level it is managed at.
    pub level: Level,
    /// Division with the smaller code.
    pub left_code: DivisionCode,
    /// The other division.
    pub right_code: DivisionCode,
    /// Geometry, lon/lat CGCS2000.
    pub geom: Option<MultiLineString<f64>>,
    /// Geodesic length, metres (unknown for lines stored before it was).
    pub length_m: Option<f64>,
    /// The day it stopped being a line between the two (a division change
    /// or a new derivation), if it has.
    pub retired_on: Option<NaiveDate>,
}

const LINE_COLUMNS: &str = "code, name, level, left_code, right_code, length_m, retired_on, geom";

fn line_from(r: &Row, with_geom: bool) -> StoreResult<BoundaryLineRow> {
    Ok(BoundaryLineRow {
        code: r.get(0)?,
        name: r.get(1)?,
        level: r.get(2)?,
        left_code: r.get(3)?,
        right_code: r.get(4)?,
        length_m: r.get(5)?,
        retired_on: r.get(6)?,
        geom: if with_geom {
            match geom_col(r.get(7)?)? {
                Some(Geometry::MultiLineString(m)) => Some(m),
                Some(Geometry::LineString(l)) => Some(MultiLineString(vec![l])),
                _ => None,
            }
        } else {
            None
        },
    })
}

/// Which lines to list.
#[derive(Debug, Clone, Default)]
pub struct LineFilter<'a> {
    /// Only lines with a side inside the division of this code prefix
    /// (`33`, `3302`, `330203`).
    pub division_prefix: Option<&'a str>,
    /// Only lines of this level.
    pub level: Option<Level>,
    /// Only lines whose box meets `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
    /// Retired lines too.
    pub with_retired: bool,
    /// At most this many, by line number.
    pub limit: usize,
    /// Lines after this number (paging).
    pub after: Option<&'a str>,
}

impl BoundaryLineRow {
    /// Inserts the line, or brings the stored line of its number to it
    /// (live again if it was retired); returns whether anything changed.
    pub fn upsert(&self, tx: &Transaction) -> StoreResult<bool> {
        let current = Self::get(tx, &self.code)?;
        if current.as_ref().is_some_and(|c| c == self) {
            return Ok(false);
        }
        let geom = self.geom.clone().map(Geometry::MultiLineString);
        let bbox = self.geom.as_ref().and_then(|g| g.bounding_rect());
        tx.prepare_cached(
            "INSERT INTO boundary_lines (code, name, level, left_code, right_code, length_m, retired_on, geom, \
               min_lon, min_lat, max_lon, max_lat) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, \
               left_code = excluded.left_code, right_code = excluded.right_code, length_m = excluded.length_m, \
               retired_on = excluded.retired_on, geom = excluded.geom, min_lon = excluded.min_lon, \
               min_lat = excluded.min_lat, max_lon = excluded.max_lon, max_lat = excluded.max_lat",
        )?
        .execute(params![
            self.code,
            self.name,
            self.level,
            self.left_code,
            self.right_code,
            self.length_m,
            self.retired_on,
            geom_blob(geom.as_ref())?,
            bbox.map(|b| b.min().x),
            bbox.map(|b| b.min().y),
            bbox.map(|b| b.max().x),
            bbox.map(|b| b.max().y),
        ])?;
        Ok(true)
    }

    /// Inserts the line (a new store).
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        self.upsert(tx).map(|_| ())
    }

    /// Retires the line on `day`, if it is live.
    pub fn retire(tx: &Transaction, code: &str, day: NaiveDate) -> StoreResult<bool> {
        let n = tx
            .prepare_cached(
                "UPDATE boundary_lines SET retired_on = ?2 WHERE code = ?1 AND retired_on IS NULL",
            )?
            .execute(params![code, day])?;
        Ok(n > 0)
    }

    /// Puts `new` for the side `old` in the live lines that have it (the
    /// smaller code stays on the left); returns the lines changed.
    pub fn recode_side(tx: &Transaction, old: &DivisionCode, new: &DivisionCode) -> StoreResult<Vec<String>> {
        let codes: Vec<String> = {
            let mut stmt = tx.prepare_cached(
                "UPDATE boundary_lines SET \
                   left_code = CASE WHEN left_code = ?1 THEN ?2 ELSE left_code END, \
                   right_code = CASE WHEN right_code = ?1 THEN ?2 ELSE right_code END \
                 WHERE (left_code = ?1 OR right_code = ?1) AND retired_on IS NULL RETURNING code",
            )?;
            stmt.query_map(params![old, new], |r| r.get(0))?.collect::<Result<_, _>>()?
        };
        tx.prepare_cached(
            "UPDATE boundary_lines SET left_code = right_code, right_code = left_code \
             WHERE left_code > right_code AND retired_on IS NULL",
        )?
        .execute([])?;
        Ok(codes)
    }

    /// The line of a number, with geometry.
    pub fn get(conn: &Connection, code: &str) -> StoreResult<Option<BoundaryLineRow>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {LINE_COLUMNS} FROM boundary_lines WHERE code = ?1"))?;
        let row = stmt.query_row([code], |r| Ok(line_from(r, true))).optional()?;
        row.transpose()
    }

    /// The lines `f` selects, by number, with geometry when `with_geom`.
    pub fn list(conn: &Connection, f: &LineFilter, with_geom: bool) -> StoreResult<Vec<BoundaryLineRow>> {
        let mut sql = format!("SELECT {LINE_COLUMNS} FROM boundary_lines WHERE code > ?1");
        if !f.with_retired {
            sql.push_str(" AND retired_on IS NULL");
        }
        if f.division_prefix.is_some() {
            sql.push_str(" AND (left_code LIKE ?2 || '%' OR right_code LIKE ?2 || '%')");
        }
        if f.level.is_some() {
            sql.push_str(" AND level = ?3");
        }
        if f.bbox.is_some() {
            sql.push_str(" AND max_lon >= ?4 AND min_lon <= ?6 AND max_lat >= ?5 AND min_lat <= ?7");
        }
        sql.push_str(" ORDER BY code LIMIT ?8");
        let b = f.bbox.unwrap_or_default();
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params![
            f.after.unwrap_or(""),
            f.division_prefix,
            f.level,
            b[0],
            b[1],
            b[2],
            b[3],
            f.limit as i64
        ])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(line_from(r, with_geom)?);
        }
        Ok(out)
    }

    /// Every line, with geometry.
    pub fn load_all(conn: &Connection) -> StoreResult<Vec<BoundaryLineRow>> {
        Self::list(
            conn,
            &LineFilter { with_retired: true, limit: i64::MAX as usize, ..Default::default() },
            true,
        )
    }
}

/// A boundary marker (界桩).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MarkerRow {
    /// Number: line + 3-digit sequence + type (GB/T 17796).
    pub number: String,
    /// Its line.
    pub line_code: String,
    /// Q single; A/B pair; C/D/E triple.
    pub kind: MarkerKind,
    /// intact, damaged, lost, moved.
    pub condition: MarkerCondition,
    /// Installation date.
    pub installed_on: Option<NaiveDate>,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// The day it was removed with both sides' agreement, if it was.
    pub retired_on: Option<NaiveDate>,
    /// The day both sides last signed an inspection of it.
    pub inspected_on: Option<NaiveDate>,
}

const MARKER_COLUMNS: &str =
    "number, line_code, kind, condition, installed_on, lon, lat, retired_on, inspected_on";

fn marker_from(r: &Row) -> rusqlite::Result<MarkerRow> {
    Ok(MarkerRow {
        number: r.get(0)?,
        line_code: r.get(1)?,
        kind: r.get(2)?,
        condition: r.get(3)?,
        installed_on: r.get(4)?,
        lon: r.get(5)?,
        lat: r.get(6)?,
        retired_on: r.get(7)?,
        inspected_on: r.get(8)?,
    })
}

impl MarkerRow {
    /// Inserts the marker.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        let geom = Geometry::Point(Point::new(self.lon, self.lat));
        tx.prepare_cached(
            "INSERT INTO boundary_markers (number, line_code, kind, condition, installed_on, lon, lat, retired_on, \
               inspected_on, geom) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
        )?
        .execute(params![
            self.number,
            self.line_code,
            self.kind,
            self.condition,
            self.installed_on,
            self.lon,
            self.lat,
            self.retired_on,
            self.inspected_on,
            geom_blob(Some(&geom))?
        ])?;
        Ok(())
    }

    /// Moves the marker to `(lon, lat)`.
    pub fn move_to(tx: &Transaction, number: &str, lon: f64, lat: f64) -> StoreResult<()> {
        let geom = Geometry::Point(Point::new(lon, lat));
        tx.prepare_cached("UPDATE boundary_markers SET lon = ?2, lat = ?3, geom = ?4, condition = 'intact' WHERE number = ?1")?
            .execute(params![number, lon, lat, geom_blob(Some(&geom))?])?;
        Ok(())
    }

    /// Retires the marker on `day`.
    pub fn retire(tx: &Transaction, number: &str, day: NaiveDate) -> StoreResult<()> {
        tx.prepare_cached("UPDATE boundary_markers SET retired_on = ?2 WHERE number = ?1")?
            .execute(params![number, day])?;
        Ok(())
    }

    /// Records the condition a marker was found in by an inspection both
    /// sides signed on `day`.
    pub fn inspected(
        tx: &Transaction,
        number: &str,
        condition: MarkerCondition,
        day: NaiveDate,
    ) -> StoreResult<()> {
        tx.prepare_cached("UPDATE boundary_markers SET condition = ?2, inspected_on = ?3 WHERE number = ?1")?
            .execute(params![number, condition, day])?;
        Ok(())
    }

    /// Records the condition a marker is in after a repair.
    pub fn set_condition(tx: &Transaction, number: &str, condition: MarkerCondition) -> StoreResult<()> {
        tx.prepare_cached("UPDATE boundary_markers SET condition = ?2 WHERE number = ?1")?
            .execute(params![number, condition])?;
        Ok(())
    }

    /// One marker, retired or not.
    pub fn get(conn: &Connection, number: &str) -> StoreResult<Option<MarkerRow>> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {MARKER_COLUMNS} FROM boundary_markers WHERE number = ?1"))?;
        Ok(stmt.query_row([number], marker_from).optional()?)
    }

    /// Every marker of a line, retired ones too, by number.
    pub fn of_line(conn: &Connection, line: &str) -> StoreResult<Vec<MarkerRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {MARKER_COLUMNS} FROM boundary_markers WHERE line_code = ?1 ORDER BY number"
        ))?;
        let rows = stmt.query_map([line], marker_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every live marker.
    pub fn load_all(conn: &Connection) -> StoreResult<Vec<MarkerRow>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT {MARKER_COLUMNS} FROM boundary_markers WHERE retired_on IS NULL ORDER BY number"
        ))?;
        let rows = stmt.query_map([], marker_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
