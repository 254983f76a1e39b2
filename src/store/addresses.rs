use super::{StoreResult, geom_blob};
use crate::model::{AddressCode, AddressKind, DivisionCode, PlaceStatus};
use geo::{Geometry, Point};
use rusqlite::{Connection, Row, Transaction, params};

/// An address whose street was renamed: its code, division and new
/// standard form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenamedAddress {
    /// Address code.
    pub code: AddressCode,
    /// Division code.
    pub division_code: DivisionCode,
    /// The standard address after the rename.
    pub standard_address: String,
}

/// A standard address (door plate, building, room or rural plate).
#[derive(Debug, Clone)]
pub struct AddressRow {
    /// Row id.
    pub fid: i64,
    /// Unique 18-digit address code.
    pub code: AddressCode,
    /// `road_plate`, `building`, `room` or `rural_plate`.
    pub kind: AddressKind,
    /// The village (12 digits) or township (9 digits) it lies in.
    pub division_code: DivisionCode,
    /// The road, compound or village place the address hangs off.
    pub place_fid: Option<i64>,
    /// The road, compound or village name as written in the address.
    pub street: String,
    /// Plate text (`88-1号`).
    pub number: Option<String>,
    /// Plate prefix (甲).
    pub number_prefix: Option<String>,
    /// Main plate number.
    pub number_main: Option<i64>,
    /// Sub-number (附号).
    pub number_sub: Option<i64>,
    /// Village group (组) for rural plates.
    pub group_no: Option<i64>,
    /// Building (幢) inside a compound.
    pub building: Option<String>,
    /// Unit (单元).
    pub unit: Option<String>,
    /// Room (室).
    pub room: Option<String>,
    /// The full standard address text.
    pub standard_address: String,
    /// `current`, `historical` or `retired`.
    pub status: PlaceStatus,
    /// Longitude, CGCS2000.
    pub lon: f64,
    /// Latitude, CGCS2000.
    pub lat: f64,
    /// Provenance.
    pub source: String,
    /// The address that replaced this one (renumbered or retired).
    pub superseded_by: Option<AddressCode>,
    /// Since when it is no longer current.
    pub superseded_on: Option<String>,
    /// Why it was renumbered or retired.
    pub history_note: Option<String>,
}

const COLUMNS: &str = "fid, code, kind, division_code, place_fid, street, number, number_prefix, \
    number_main, number_sub, group_no, building, unit, room, standard_address, status, lon, lat, source, \
    superseded_by, superseded_on, history_note";

fn from_row(r: &Row) -> rusqlite::Result<AddressRow> {
    Ok(AddressRow {
        fid: r.get(0)?,
        code: r.get(1)?,
        kind: r.get(2)?,
        division_code: r.get(3)?,
        place_fid: r.get(4)?,
        street: r.get(5)?,
        number: r.get(6)?,
        number_prefix: r.get(7)?,
        number_main: r.get(8)?,
        number_sub: r.get(9)?,
        group_no: r.get(10)?,
        building: r.get(11)?,
        unit: r.get(12)?,
        room: r.get(13)?,
        standard_address: r.get(14)?,
        status: r.get(15)?,
        lon: r.get(16)?,
        lat: r.get(17)?,
        source: r.get(18)?,
        superseded_by: r.get(19)?,
        superseded_on: r.get(20)?,
        history_note: r.get(21)?,
    })
}

impl AddressRow {
    /// A current address of `kind` with `code` in `division_code`, at
    /// (0, 0), with every other field empty, for the caller to fill in.
    pub fn new(code: AddressCode, kind: AddressKind, division_code: DivisionCode) -> AddressRow {
        AddressRow {
            fid: 0,
            code,
            kind,
            division_code,
            place_fid: None,
            street: String::new(),
            number: None,
            number_prefix: None,
            number_main: None,
            number_sub: None,
            group_no: None,
            building: None,
            unit: None,
            room: None,
            standard_address: String::new(),
            status: PlaceStatus::Current,
            lon: 0.0,
            lat: 0.0,
            source: String::new(),
            superseded_by: None,
            superseded_on: None,
            history_note: None,
        }
    }

    /// Inserts the address, or updates the one with the same code: its
    /// kind, division, street, plate text, standard address, position and
    /// source. Columns an import does not carry (the place link, building,
    /// unit, room, group, number parts, status) are kept. Returns whether
    /// it updated an existing address.
    pub fn upsert(&self, tx: &Transaction) -> StoreResult<bool> {
        let existed = tx.prepare_cached("SELECT 1 FROM addresses WHERE code = ?1")?.exists([self.code])?;
        if !existed {
            self.insert(tx)?;
            return Ok(false);
        }
        let geom = Geometry::Point(Point::new(self.lon, self.lat));
        tx.prepare_cached(
            "UPDATE addresses SET kind=?2, division_code=?3, street=?4, number=?5, standard_address=?6, \
             lon=?7, lat=?8, source=?9, geom=?10 WHERE code=?1",
        )?
        .execute(params![
            self.code,
            self.kind,
            self.division_code,
            self.street,
            self.number,
            self.standard_address,
            self.lon,
            self.lat,
            self.source,
            geom_blob(Some(&geom))?,
        ])?;
        Ok(true)
    }

    /// Moves the addresses of place `from` (named `old`) to place `to`
    /// under the name `new`, rewriting their standard addresses (a road or
    /// compound renamed). Returns the addresses moved.
    pub fn rename_street(
        tx: &Transaction,
        from: i64,
        to: i64,
        old: &str,
        new: &str,
    ) -> StoreResult<Vec<RenamedAddress>> {
        let mut stmt = tx.prepare_cached(
            "UPDATE addresses SET place_fid = ?2, street = ?4, standard_address = \
             substr(standard_address, 1, instr(standard_address, ?3) - 1) || ?4 || \
             substr(standard_address, instr(standard_address, ?3) + length(?3)) \
             WHERE place_fid = ?1 AND street = ?3 RETURNING code, division_code, standard_address",
        )?;
        let rows = stmt.query_map(params![from, to, old, new], |r| {
            Ok(RenamedAddress { code: r.get(0)?, division_code: r.get(1)?, standard_address: r.get(2)? })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Inserts a new address (fails on a duplicate code).
    pub fn insert(&self, tx: &Transaction) -> StoreResult<()> {
        let geom = Geometry::Point(Point::new(self.lon, self.lat));
        tx.prepare_cached(
            "INSERT INTO addresses (code, kind, division_code, place_fid, street, number, \
             number_prefix, number_main, number_sub, group_no, building, unit, room, \
             standard_address, status, lon, lat, source, geom) \
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19)",
        )?
        .execute(params![
            self.code,
            self.kind,
            self.division_code,
            self.place_fid,
            self.street,
            self.number,
            self.number_prefix,
            self.number_main,
            self.number_sub,
            self.group_no,
            self.building,
            self.unit,
            self.room,
            self.standard_address,
            self.status,
            self.lon,
            self.lat,
            self.source,
            geom_blob(Some(&geom))?,
        ])?;
        Ok(())
    }

    /// The current road plates of a place (a road): text, main number,
    /// sub-number (or the prefix's place among 甲乙丙…, from 1), position.
    #[allow(clippy::type_complexity)]
    pub fn plates_on(
        conn: &Connection,
        place: i64,
    ) -> StoreResult<Vec<(String, i64, Option<i64>, Option<String>, f64, f64)>> {
        let mut stmt = conn.prepare_cached(
            "SELECT number, number_main, number_sub, number_prefix, lon, lat FROM addresses \
             WHERE place_fid = ?1 AND kind = 'road_plate' AND status = 'current' AND number_main IS NOT NULL",
        )?;
        let rows = stmt.query_map([place], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The next free code in `division` (a township's padded to 12
    /// digits): after every code its addresses, and the old codes of
    /// re-coded ones, ever used; `None` once the serials run out.
    pub fn next_code(conn: &Connection, division: &DivisionCode) -> StoreResult<Option<AddressCode>> {
        let head = format!("{:0<12}", division.as_str());
        let (lo, hi) = (format!("{head}000000"), format!("{head}999999"));
        let max: Option<String> = conn.query_row(
            "SELECT MAX(m) FROM (SELECT MAX(code) AS m FROM addresses WHERE code BETWEEN ?1 AND ?2 \
             UNION ALL SELECT MAX(old_code) FROM address_aliases WHERE old_code BETWEEN ?1 AND ?2)",
            params![lo, hi],
            |r| r.get(0),
        )?;
        let next = max.and_then(|m| m.get(12..)?.parse::<u32>().ok()).map_or(1, |s| s + 1);
        Ok(AddressCode::new(&head, next))
    }

    /// The current buildings and rooms of a compound (place id).
    pub fn in_compound(conn: &Connection, place: i64) -> StoreResult<Vec<AddressRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM addresses WHERE place_fid = ?1 AND kind IN ('building','room') \
             AND status = 'current'"
        ))?;
        Ok(stmt.query_map([place], from_row)?.collect::<Result<_, _>>()?)
    }

    /// The current addresses of a road, street or compound (place id), in
    /// code order.
    pub fn current_on(conn: &Connection, place: i64) -> StoreResult<Vec<AddressRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM addresses WHERE place_fid = ?1 AND status = 'current' ORDER BY code"
        ))?;
        Ok(stmt.query_map([place], from_row)?.collect::<Result<_, _>>()?)
    }

    /// Ends address `code`: `historical` when `by` replaces it (a
    /// renumbering), else `retired`; since `on`, for `note`.
    pub fn supersede(
        tx: &Transaction,
        code: AddressCode,
        by: Option<AddressCode>,
        on: &str,
        note: &str,
    ) -> StoreResult<()> {
        let status = if by.is_some() { PlaceStatus::Historical } else { PlaceStatus::Retired };
        tx.prepare_cached(
            "UPDATE addresses SET status = ?2, superseded_by = ?3, superseded_on = ?4, history_note = ?5 \
             WHERE code = ?1",
        )?
        .execute(params![code, status, by, on, note])?;
        Ok(())
    }

    /// The addresses `code` replaced, directly or through others (the
    /// oldest last).
    pub fn predecessors(conn: &Connection, code: AddressCode) -> StoreResult<Vec<AddressRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "WITH RECURSIVE p(c, depth) AS (SELECT ?1, 0 UNION ALL \
               SELECT a.code, p.depth + 1 FROM addresses a JOIN p ON a.superseded_by = p.c WHERE p.depth < 50) \
             SELECT {COLUMNS} FROM addresses WHERE code IN (SELECT c FROM p WHERE depth > 0) \
             ORDER BY superseded_on DESC, code"
        ))?;
        Ok(stmt.query_map([code], from_row)?.collect::<Result<_, _>>()?)
    }

    /// The address that holds `code`'s place now: `code` itself when it is
    /// current, else the end of its chain of successors (`None` when the
    /// chain ends in a retirement without successor).
    pub fn current_successor(conn: &Connection, code: AddressCode) -> StoreResult<Option<AddressRow>> {
        let mut at = code;
        for _ in 0..50 {
            let Some(a) = AddressRow::by_code(conn, at)? else { return Ok(None) };
            match a.superseded_by {
                Some(next) if a.status != PlaceStatus::Current => at = next,
                _ => return Ok((a.status == PlaceStatus::Current).then_some(a)),
            }
        }
        Ok(None)
    }

    /// The plates (every kind but rooms) a renumbering replaced.
    pub fn superseded_plates(conn: &Connection) -> StoreResult<Vec<AddressRow>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM addresses WHERE superseded_by IS NOT NULL AND kind <> 'room'"
        ))?;
        Ok(stmt.query_map([], from_row)?.collect::<Result<_, _>>()?)
    }

    /// One address by code.
    pub fn by_code(conn: &Connection, code: AddressCode) -> StoreResult<Option<AddressRow>> {
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM addresses WHERE code = ?1"))?;
        let mut rows = stmt.query([code])?;
        Ok(rows.next()?.map(from_row).transpose()?)
    }

    /// Calls `f` for every current plate (every kind but rooms) with just
    /// what the in-memory plate index keeps, without collecting them (the
    /// division code is borrowed text: no allocation per row).
    pub fn for_each_plate(conn: &Connection, mut f: impl FnMut(PlateRow<'_>)) -> StoreResult<()> {
        let mut stmt = conn.prepare(
            "SELECT code, lon, lat, division_code, street, number, group_no, building, place_fid \
             FROM addresses WHERE kind <> 'room' AND status = 'current' ORDER BY fid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            // A row whose code is not an address code is no plate (skipped, as
            // the index always did).
            let Some(code) = AddressCode::parse(r.get_ref(0)?.as_str()?) else { continue };
            f(PlateRow {
                code,
                lon: r.get(1)?,
                lat: r.get(2)?,
                division_code: r.get_ref(3)?.as_str()?,
                street: r.get_ref(4)?.as_str()?,
                number: r.get_ref(5)?.as_str_or_null()?,
                group_no: r.get(6)?,
                building: r.get_ref(7)?.as_str_or_null()?,
                place_fid: r.get(8)?,
            });
        }
        Ok(())
    }
}

impl AddressRow {
    /// The columns the plate index keeps (for every kind but rooms).
    pub fn plate_row(&self) -> PlateRow<'_> {
        PlateRow {
            code: self.code,
            lon: self.lon,
            lat: self.lat,
            division_code: self.division_code.as_str(),
            street: &self.street,
            number: self.number.as_deref(),
            group_no: self.group_no,
            building: self.building.as_deref(),
            place_fid: self.place_fid,
        }
    }

    /// Unit and room text (`2单元501室`).
    pub fn unit_room(&self) -> String {
        format!("{}{}", self.unit.as_deref().unwrap_or(""), self.room.as_deref().unwrap_or(""))
    }

    /// The columns the room index keeps, for a room that names its
    /// building; `unit_room` is [`AddressRow::unit_room`].
    pub fn room_row<'a>(&'a self, unit_room: &'a str) -> Option<RoomRow<'a>> {
        Some(RoomRow {
            code: self.code,
            division_code: self.division_code.as_str(),
            street: &self.street,
            building: self.building.as_deref()?,
            unit_room,
        })
    }
}

/// A room (室) of a compound building, as the geocoder files it under its
/// building's plate.
#[derive(Debug, Clone, Copy)]
pub struct RoomRow<'a> {
    /// Address code.
    pub code: AddressCode,
    /// Division code.
    pub division_code: &'a str,
    /// Compound name.
    pub street: &'a str,
    /// Building (`3幢`).
    pub building: &'a str,
    /// Unit and room (`2单元501室`).
    pub unit_room: &'a str,
}

impl AddressRow {
    /// Calls `f` for every current room that names its building.
    pub fn for_each_room(conn: &Connection, mut f: impl FnMut(RoomRow<'_>)) -> StoreResult<()> {
        let mut stmt = conn.prepare(
            "SELECT code, division_code, street, building, COALESCE(unit, '') || COALESCE(room, '') \
             FROM addresses WHERE kind = 'room' AND status = 'current' AND building IS NOT NULL ORDER BY fid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(code) = AddressCode::parse(r.get_ref(0)?.as_str()?) else { continue };
            f(RoomRow {
                code,
                division_code: r.get_ref(1)?.as_str()?,
                street: r.get_ref(2)?.as_str()?,
                building: r.get_ref(3)?.as_str()?,
                unit_room: r.get_ref(4)?.as_str()?,
            });
        }
        Ok(())
    }
}

/// The columns of a plate the in-memory index needs, borrowed from the row.
#[derive(Debug, Clone, Copy)]
pub struct PlateRow<'a> {
    /// Address code.
    pub code: AddressCode,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Division code.
    pub division_code: &'a str,
    /// Road, compound or village name.
    pub street: &'a str,
    /// Plate text.
    pub number: Option<&'a str>,
    /// Village group.
    pub group_no: Option<i64>,
    /// Building.
    pub building: Option<&'a str>,
    /// The road, compound or village place it hangs off.
    pub place_fid: Option<i64>,
}

impl PlateRow<'_> {
    /// The part of the standard address after the division chain.
    pub fn label(&self) -> String {
        let mut s = String::with_capacity(48);
        s.push_str(self.street);
        if let Some(g) = self.group_no {
            s.push_str(&g.to_string());
            s.push('组');
        }
        if let Some(n) = self.number {
            s.push_str(n);
        }
        if let Some(b) = self.building {
            s.push_str(b);
        }
        s
    }
}
