//! In-memory indices built from the store at start-up: the division tree
//! with its point-in-polygon grid, door plates, roads, places and names.
//! They are read-only snapshots; a writer rebuilds and swaps them.

pub mod cell_grid;
pub mod divisions;
pub mod markers;
pub mod metric;
pub mod names;
pub mod occupancy;
pub mod pip_grid;
pub mod places;
pub mod plates;
pub mod roads;
pub mod streets;

pub use divisions::{Division, DivisionIndex};
pub use markers::MarkerIndex;
pub use names::{MatchKind, NameIndex, NameIndexBuilder, NameMatch, NameRef};
pub use places::{Place, PlaceIndex};
pub use plates::{Plate, PlateIndex};
pub use roads::{Road, RoadIndex};
pub use streets::{Street, StreetIndex};

use crate::model::{COLLOQUIAL_NAMES, PlaceClass, everyday_names};
use crate::store::{AddressRow, AliasRow, ChangeRow, DivisionRow, MarkerRow, PlaceRow, Store, StoreResult};
use geo::{Coord, Geometry, LineString};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Every index, built together from one consistent read of the store.
pub struct Gazetteer {
    /// Divisions and point-in-polygon.
    pub divisions: DivisionIndex,
    /// Places.
    pub places: PlaceIndex,
    /// Door plates (not rooms); shared with the tile set.
    pub plates: Arc<PlateIndex>,
    /// Roads.
    pub roads: RoadIndex,
    /// Streets (roads, compounds, villages) and their plates by number.
    pub streets: StreetIndex,
    /// Names of divisions and places.
    pub names: NameIndex,
    /// Boundary markers.
    pub markers: MarkerIndex,
    /// How long each step of the build took.
    pub timings: Vec<(&'static str, Duration)>,
    /// The change log's head when the store was read: the indices reflect
    /// every change up to and including it.
    pub seq: i64,
}

impl Gazetteer {
    /// Reads the store (one snapshot) and builds every index.
    pub fn load(store: &Store) -> StoreResult<Gazetteer> {
        store.read_snapshot(Gazetteer::load_from)
    }

    fn load_from(c: &rusqlite::Connection) -> StoreResult<Gazetteer> {
        let mut timings = Vec::new();
        let mut t = Instant::now();
        let mut lap = |name: &'static str, t: &mut Instant| {
            timings.push((name, t.elapsed()));
            *t = Instant::now();
        };
        let (div_rows, changes, aliases, place_rows, marker_rows) = (
            DivisionRow::load_all(c, true)?,
            ChangeRow::load_all(c)?,
            AliasRow::load_all(c)?,
            PlaceRow::load_all(c, true)?,
            MarkerRow::load_all(c)?,
        );
        let seq = crate::store::feed::head(c)?;
        lap("read divisions and places", &mut t);
        let divisions = DivisionIndex::build(div_rows, &changes);
        lap("division index", &mut t);

        // Every name with what it names; the name index is built from them on
        // another thread while this one reads the door plates.
        // (name, what it names, whether it is its own name)
        let mut named: Vec<(String, NameRef, bool)> = Vec::new();
        for (i, d) in divisions.all().iter().enumerate() {
            named.push((d.name.clone(), NameRef::Division(i as u32), true));
            if let Some(s) = &d.short_name {
                named.push((s.clone(), NameRef::Division(i as u32), false));
            }
            for e in everyday_names(&d.name) {
                named.push((e, NameRef::Division(i as u32), false));
            }
        }
        for (abbr, code) in COLLOQUIAL_NAMES {
            if let Some(i) = divisions.by_code(code, None) {
                named.push((abbr.to_string(), NameRef::Division(i), false));
            }
        }
        for a in &aliases {
            if let Some(i) = divisions.by_code(&a.code, None) {
                named.push((a.alias.clone(), NameRef::Division(i), false));
            }
        }

        let mut road_items = Vec::new();
        let mut place_items = Vec::with_capacity(place_rows.len());
        for (i, p) in place_rows.into_iter().enumerate() {
            named.push((p.name.clone(), NameRef::Place(i as u32), true));
            let is_road =
                p.status == "current" && PlaceClass::parse(&p.class).is_some_and(PlaceClass::is_thoroughfare);
            if is_road {
                let lines: Vec<LineString<f64>> = match &p.geom {
                    Some(Geometry::LineString(l)) => vec![l.clone()],
                    Some(Geometry::MultiLineString(m)) => m.0.clone(),
                    _ => vec![],
                };
                road_items.push((Road { place_fid: p.fid, name: p.name.clone().into() }, lines));
            }
            place_items.push((
                Place {
                    fid: p.fid,
                    class: p.class,
                    name: p.name,
                    pinyin: p.pinyin,
                    division_code: p.division_code,
                    status: p.status,
                    point: None,
                    bbox: None,
                    replaced_by: p.replaced_by,
                    successor: None,
                },
                p.geom,
            ));
        }
        let places = PlaceIndex::build(place_items);
        let roads = RoadIndex::build(road_items);
        lap("places and roads", &mut t);
        std::thread::scope(|scope| {
            let names = scope.spawn(move || {
                let mut b = NameIndexBuilder::default();
                for (name, target, own) in &named {
                    if *own { b.add_name(name, *target) } else { b.add_alias(name, *target) }
                }
                b.build()
            });
            let rest = Gazetteer::load_plates(c, divisions, places, roads, &mut timings);
            let names = names.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            let (divisions, places, roads, plates, streets) = rest?;
            let markers = MarkerIndex::build(marker_rows);
            Ok(Gazetteer { divisions, places, plates, roads, streets, names, markers, timings, seq })
        })
    }

    /// Reads the door plates and builds the plate grid and the street index
    /// (the part of loading that needs the store connection).
    #[allow(clippy::type_complexity)]
    fn load_plates(
        c: &rusqlite::Connection,
        divisions: DivisionIndex,
        places: PlaceIndex,
        roads: RoadIndex,
        timings: &mut Vec<(&'static str, Duration)>,
    ) -> StoreResult<(DivisionIndex, PlaceIndex, RoadIndex, Arc<PlateIndex>, StreetIndex)> {
        let mut t = Instant::now();
        let mut lap = |name: &'static str, t: &mut Instant| {
            timings.push((name, t.elapsed()));
            *t = Instant::now();
        };

        let place_by_fid: HashMap<i64, u32> = places.ids().map(|i| (places.get(i).fid, i)).collect();
        let mut plate_items = Vec::new();
        let mut streets = StreetIndex::default();
        // division code → (division, its county)
        let mut div_cache: HashMap<String, (u32, u32)> = HashMap::new();
        AddressRow::for_each_plate(c, |a| {
            let (division, county) = match div_cache.get(a.division_code) {
                Some(&d) => d,
                None => {
                    let d = divisions.by_code(a.division_code, None).unwrap_or(u32::MAX);
                    let county =
                        if d == u32::MAX { u32::MAX } else { divisions.county_of(d).unwrap_or(u32::MAX) };
                    div_cache.insert(a.division_code.to_string(), (d, county));
                    (d, county)
                }
            };
            let Ok(code) = a.code.parse::<u64>() else { return };
            let street = if county == u32::MAX || a.street.is_empty() {
                u32::MAX
            } else {
                let place = a.place_fid.and_then(|f| place_by_fid.get(&f).copied());
                // Road and compound names are unique within a county; village
                // names are not (two 东村 in two towns), so rural plates are
                // filed under their village.
                let scope = if a.group_no.is_some() { division } else { county };
                streets.intern(a.street, scope, || Street {
                    name: a.street.into(),
                    scope,
                    place,
                    division,
                    at: place.and_then(|p| places.get(p).point).unwrap_or(Coord { x: a.lon, y: a.lat }),
                })
            };
            plate_items.push(([a.lon, a.lat], Plate { code, label: a.label().into(), division, street }));
        })?;
        lap("read door plates", &mut t);
        let plates = PlateIndex::build(plate_items);
        for i in 0..plates.len() as u32 {
            let p = plates.get(i);
            if p.street != u32::MAX {
                let name_len = streets.get(p.street).name.len();
                streets.add_plate(p.street, &p.label[name_len..], i);
            }
        }
        AddressRow::for_each_room(c, |r| {
            let Some(&(_, county)) = div_cache.get(r.division_code) else { return };
            let (Some(sid), Ok(code)) = (streets.find(r.street, county), r.code.parse::<u64>()) else {
                return;
            };
            let name_len = streets.get(sid).name.len();
            let building = streets.plate(sid, r.building, |p| &plates.get(p).label[name_len..] == r.building);
            if let Some(b) = building {
                streets.add_room(b, r.unit_room, code);
            }
        })?;
        streets.link_places(&places, &divisions);
        lap("door plate grid, street numbers and rooms", &mut t);
        Ok((divisions, places, roads, Arc::new(plates), streets))
    }
}
