use super::{StoreResult, geom_blob, geom_col};
use crate::model::{DivisionCode, Level, MarkerCondition, MarkerKind};
use chrono::NaiveDate;
use geo::{Geometry, MultiLineString, Point};
use rusqlite::{Connection, Transaction, params};

/// A boundary line between two divisions.
#[derive(Debug, Clone)]
pub struct BoundaryLineRow {
    /// Line number (a prefecture's digits and a sequence: not a division
    /// code).
    pub code: String,
    /// Name (鄞奉线).
    pub name: String,
    /// Level of the divisions it separates.
    pub level: Level,
    /// Division with the smaller code.
    pub left_code: DivisionCode,
    /// The other division.
    pub right_code: DivisionCode,
    /// Geometry, lon/lat CGCS2000.
    pub geom: Option<MultiLineString<f64>>,
}

impl BoundaryLineRow {
    /// Inserts the line.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        let geom = self.geom.clone().map(Geometry::MultiLineString);
        tx.prepare_cached(
            "INSERT INTO boundary_lines (code, name, level, left_code, right_code, geom) VALUES (?1,?2,?3,?4,?5,?6)",
        )?
        .execute(params![
            self.code,
            self.name,
            self.level,
            self.left_code,
            self.right_code,
            geom_blob(geom.as_ref())?
        ])?;
        Ok(())
    }

    /// Every line, with geometry.
    pub fn load_all(conn: &Connection) -> StoreResult<Vec<BoundaryLineRow>> {
        let mut stmt =
            conn.prepare("SELECT code, name, level, left_code, right_code, geom FROM boundary_lines")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(BoundaryLineRow {
                code: r.get(0)?,
                name: r.get(1)?,
                level: r.get(2)?,
                left_code: r.get(3)?,
                right_code: r.get(4)?,
                geom: match geom_col(r.get(5)?)? {
                    Some(Geometry::MultiLineString(m)) => Some(m),
                    Some(Geometry::LineString(l)) => Some(MultiLineString(vec![l])),
                    _ => None,
                },
            });
        }
        Ok(out)
    }
}

/// A boundary marker (界桩).
#[derive(Debug, Clone)]
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
}

impl MarkerRow {
    /// Inserts the marker.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        let geom = Geometry::Point(Point::new(self.lon, self.lat));
        tx.prepare_cached(
            "INSERT INTO boundary_markers (number, line_code, kind, condition, installed_on, lon, lat, geom) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
        )?
        .execute(params![
            self.number,
            self.line_code,
            self.kind,
            self.condition,
            self.installed_on,
            self.lon,
            self.lat,
            geom_blob(Some(&geom))?
        ])?;
        Ok(())
    }

    /// Every marker.
    pub fn load_all(conn: &Connection) -> StoreResult<Vec<MarkerRow>> {
        let mut stmt = conn.prepare(
            "SELECT number, line_code, kind, condition, installed_on, lon, lat FROM boundary_markers ORDER BY number",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(MarkerRow {
                number: r.get(0)?,
                line_code: r.get(1)?,
                kind: r.get(2)?,
                condition: r.get(3)?,
                installed_on: r.get(4)?,
                lon: r.get(5)?,
                lat: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
