use super::{StoreResult, geom_blob, geom_col};
use crate::model::{DivisionCode, PlaceClass, PlaceStatus};
use chrono::NaiveDate;
use geo::{Geometry, InteriorPoint, Point};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

/// A standard place name as stored.
#[derive(Debug, Clone)]
pub struct PlaceRow {
    /// Row id; the public place id.
    pub fid: i64,
    /// Class (`road`, `compound` …).
    pub class: PlaceClass,
    /// Full name.
    pub name: String,
    /// 专名.
    pub specific: String,
    /// 通名.
    pub generic: String,
    /// Romanised spelling.
    pub pinyin: String,
    /// The division it lies in (township or county code).
    pub division_code: DivisionCode,
    /// `current`, `historical` or `retired`.
    pub status: PlaceStatus,
    /// 含义: what the name means.
    pub meaning: Option<String>,
    /// 沿革: its history.
    pub history: Option<String>,
    /// 曾用名.
    pub former_names: Vec<String>,
    /// Approving body.
    pub approved_by: Option<String>,
    /// Approval document number.
    pub approval_doc: Option<String>,
    /// Approval date.
    pub approval_date: Option<NaiveDate>,
    /// First day valid.
    pub valid_from: Option<NaiveDate>,
    /// Last day valid, for historical names.
    pub valid_to: Option<NaiveDate>,
    /// Provenance (`demo`, `import:…`).
    pub source: String,
    /// The place that carries its name on (for a renamed place).
    pub replaced_by: Option<i64>,
    /// Point, line or polygon, lon/lat CGCS2000.
    pub geom: Option<Geometry<f64>>,
}

const COLUMNS: &str = "fid, class, name, specific, generic, pinyin, division_code, status, meaning, \
    history, former_names, approved_by, approval_doc, approval_date, valid_from, valid_to, source, replaced_by";

fn from_row(r: &Row, with_geom: bool) -> StoreResult<PlaceRow> {
    let former: String = r.get(10)?;
    Ok(PlaceRow {
        fid: r.get(0)?,
        class: r.get(1)?,
        name: r.get(2)?,
        specific: r.get(3)?,
        generic: r.get(4)?,
        pinyin: r.get(5)?,
        division_code: r.get(6)?,
        status: r.get(7)?,
        meaning: r.get(8)?,
        history: r.get(9)?,
        former_names: serde_json::from_str(&former)?,
        approved_by: r.get(11)?,
        approval_doc: r.get(12)?,
        approval_date: r.get(13)?,
        valid_from: r.get(14)?,
        valid_to: r.get(15)?,
        source: r.get(16)?,
        replaced_by: r.get(17)?,
        geom: if with_geom { geom_col(r.get(18)?)? } else { None },
    })
}

impl PlaceRow {
    /// A current place of `class` in `division_code` with every other
    /// field empty, for the caller to fill in.
    pub fn new(class: PlaceClass, division_code: DivisionCode) -> PlaceRow {
        PlaceRow {
            fid: 0,
            class,
            name: String::new(),
            specific: String::new(),
            generic: String::new(),
            pinyin: String::new(),
            division_code,
            status: PlaceStatus::Current,
            meaning: None,
            history: None,
            former_names: Vec::new(),
            approved_by: None,
            approval_doc: None,
            approval_date: None,
            valid_from: None,
            valid_to: None,
            source: String::new(),
            replaced_by: None,
            geom: None,
        }
    }

    /// Inserts the place; returns its fid.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO places (class, name, specific, generic, pinyin, division_code, status, meaning, \
             history, former_names, approved_by, approval_doc, approval_date, valid_from, valid_to, \
             source, geom, replaced_by) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
        )?
        .execute(params![
            self.class,
            self.name,
            self.specific,
            self.generic,
            self.pinyin,
            self.division_code,
            self.status,
            self.meaning,
            self.history,
            serde_json::to_string(&self.former_names)?,
            self.approved_by,
            self.approval_doc,
            self.approval_date,
            self.valid_from,
            self.valid_to,
            self.source,
            geom_blob(self.geom.as_ref())?,
            self.replaced_by,
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// Inserts, or updates the current place of the same class and name in
    /// the same division. Returns the fid and whether it was an update.
    pub fn upsert(&self, tx: &Transaction) -> StoreResult<(i64, bool)> {
        let existing: Option<i64> = tx
            .query_row(
                // By name (`+`: the class or division index would scan every
                // road of the division for each row an import upserts).
                "SELECT fid FROM places WHERE +class=?1 AND name=?2 AND +division_code=?3 AND status='current'",
                params![self.class, self.name, self.division_code],
                |r| r.get(0),
            )
            .optional()?;
        let Some(fid) = existing else {
            return Ok((self.insert(tx)?, false));
        };
        tx.execute(
            "UPDATE places SET specific=?2, generic=?3, pinyin=?4, meaning=?5, history=?6, \
             source=?7, geom=COALESCE(?8, geom) WHERE fid=?1",
            params![
                fid,
                self.specific,
                self.generic,
                self.pinyin,
                self.meaning,
                self.history,
                self.source,
                geom_blob(self.geom.as_ref())?,
            ],
        )?;
        Ok((fid, true))
    }

    /// Every place, optionally with geometry.
    pub fn load_all(conn: &Connection, with_geom: bool) -> StoreResult<Vec<PlaceRow>> {
        let sql = if with_geom {
            format!("SELECT {COLUMNS}, geom FROM places ORDER BY fid")
        } else {
            format!("SELECT {COLUMNS} FROM places ORDER BY fid")
        };
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(from_row(r, with_geom)?);
        }
        Ok(out)
    }

    /// Ends a current name: `historical` (renamed; `replaced_by` carries it
    /// on) or `retired`, valid until `valid_to`. Returns whether a current
    /// place was changed.
    pub fn end(
        tx: &Transaction,
        fid: i64,
        status: PlaceStatus,
        valid_to: NaiveDate,
        replaced_by: Option<i64>,
    ) -> StoreResult<bool> {
        let n = tx.execute(
            "UPDATE places SET status=?2, valid_to=?3, replaced_by=?4 WHERE fid=?1 AND status='current'",
            params![fid, status, valid_to, replaced_by],
        )?;
        Ok(n == 1)
    }

    /// The current places of a division with a point of each (inside
    /// its polygon, on its line, or the point itself).
    pub fn positions_in(
        conn: &Connection,
        division: &DivisionCode,
    ) -> StoreResult<Vec<(i64, Option<Point<f64>>)>> {
        let mut stmt = conn.prepare_cached(
            "SELECT fid, geom FROM places WHERE division_code = ?1 AND status = 'current' ORDER BY fid",
        )?;
        let mut rows = stmt.query([division])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let at = geom_col(r.get(1)?)?.and_then(|g| g.interior_point());
            out.push((r.get(0)?, at));
        }
        Ok(out)
    }

    /// Moves a place to another division.
    pub fn move_division(tx: &Transaction, fid: i64, division: &DivisionCode) -> StoreResult<()> {
        tx.prepare_cached("UPDATE places SET division_code = ?2 WHERE fid = ?1")?
            .execute(params![fid, division])?;
        Ok(())
    }

    /// One place with its geometry.
    pub fn get(conn: &Connection, fid: i64) -> StoreResult<Option<PlaceRow>> {
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS}, geom FROM places WHERE fid = ?1"))?;
        let mut rows = stmt.query([fid])?;
        rows.next()?.map(|r| from_row(r, true)).transpose()
    }
}
