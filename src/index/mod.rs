//! In-memory indices built from the store at start-up: the division tree
//! with its point-in-polygon grid, door plates, roads, places and names.
//! They are read-only snapshots; a writer rebuilds and swaps them.

pub mod cell_grid;
pub mod dead;
pub mod divisions;
pub mod id;
pub mod markers;
pub mod metric;
pub mod names;
pub mod occupancy;
pub mod pip_grid;
pub mod places;
pub mod plates;
pub mod roads;
pub mod streets;
pub mod superseded;
pub mod tiers;
pub mod update;

pub use divisions::{Division, DivisionIndex};
pub use id::OptId;
pub use markers::MarkerIndex;
pub use names::{MatchKind, NameIndex, NameIndexBuilder, NameMatch, NameRef, Names};
pub use places::{Place, PlaceIndex};
pub use plates::{Plate, PlateIndex};
pub use roads::{Road, RoadIndex};
pub use streets::{Street, StreetIndex};

use crate::model::{COLLOQUIAL_NAMES, PlaceStatus, everyday_names};
use crate::store::{AddressRow, AliasRow, ChangeRow, DivisionRow, MarkerRow, PlaceRow, Store, StoreResult};
use geo::{Geometry, LineString};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use superseded::Superseded;

/// Every index, built together from one consistent read of the store.
/// Each part is shared: a change builds a new snapshot that reuses every
/// part it does not touch ([`update`]).
#[derive(Clone)]
pub struct Gazetteer {
    /// Divisions and point-in-polygon.
    pub divisions: Arc<DivisionIndex>,
    /// Places.
    pub places: Arc<PlaceIndex>,
    /// Door plates (not rooms); shared with the tile set.
    pub plates: Arc<PlateIndex>,
    /// Roads.
    pub roads: Arc<RoadIndex>,
    /// Streets (roads, compounds, villages) and their plates by number.
    pub streets: StreetIndex,
    /// Names of divisions and places.
    pub names: Names,
    /// Boundary markers.
    pub markers: Arc<MarkerIndex>,
    /// Plates a renumbering replaced, by their old labels.
    pub superseded: Arc<Superseded>,
    /// How long each step of the build took.
    pub timings: Vec<(&'static str, Duration)>,
    /// The change log's head when the store was read: the indices reflect
    /// every change up to and including it.
    pub seq: i64,
}

/// The names of every division (own names, short forms, everyday forms,
/// colloquial names, aliases).
fn division_names(divisions: &DivisionIndex, aliases: &[AliasRow]) -> NameIndex {
    let mut b = NameIndexBuilder::default();
    for (i, d) in divisions.all().iter().enumerate() {
        let r = NameRef::Division(i as u32);
        b.add_name(&d.name, r);
        if let Some(s) = &d.short_name {
            b.add_alias(s, r);
        }
        for e in everyday_names(&d.name) {
            b.add_alias(&e, r);
        }
    }
    for (abbr, code) in COLLOQUIAL_NAMES {
        if let Some(i) = divisions.by_code(code, None) {
            b.add_alias(abbr, NameRef::Division(i));
        }
    }
    for a in aliases {
        if let Some(i) = divisions.by_code(a.code.as_str(), None) {
            b.add_alias(&a.alias, NameRef::Division(i));
        }
    }
    b.build()
}

/// The place index, the road index and the place names, from every place
/// row (in id order, so a place keeps its index as places are added).
fn place_indices(rows: Vec<PlaceRow>) -> (PlaceIndex, RoadIndex, NameIndexBuilder) {
    let mut names = NameIndexBuilder::default();
    let mut road_items = Vec::new();
    let mut place_items = Vec::with_capacity(rows.len());
    for (i, p) in rows.into_iter().enumerate() {
        names.add_name(&p.name, NameRef::Place(i as u32));
        road_items.extend(road_of(&p));
        place_items.push(place_of(p));
    }
    (PlaceIndex::build(place_items), RoadIndex::build(road_items), names)
}

/// A place row as the place index keeps it, and its geometry.
pub(crate) fn place_of(p: PlaceRow) -> (Place, Option<Geometry<f64>>) {
    (
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
    )
}

/// The road a current thoroughfare place is, with its centrelines.
pub(crate) fn road_of(p: &PlaceRow) -> Option<(Road, Vec<LineString<f64>>)> {
    let is_road = p.status == PlaceStatus::Current && p.class.is_thoroughfare();
    if !is_road {
        return None;
    }
    let lines: Vec<LineString<f64>> = match &p.geom {
        Some(Geometry::LineString(l)) => vec![l.clone()],
        Some(Geometry::MultiLineString(m)) => m.0.clone(),
        _ => vec![],
    };
    Some((Road { place_fid: p.fid, name: p.name.clone().into() }, lines))
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
        let (places, roads, place_names) = place_indices(place_rows);
        lap("places and roads", &mut t);
        // The division names are built on another thread while this one
        // reads the door plates.
        let (div_ref, alias_ref, places_ref) = (&divisions, &aliases, &places);
        let built = std::thread::scope(|scope| {
            let names = scope.spawn(move || division_names(div_ref, alias_ref));
            let rest = Gazetteer::load_plates(c, div_ref, places_ref, &mut timings);
            let names = names.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            rest.map(|r| (r, names))
        });
        let ((plates, streets), names) = built?;
        let markers = MarkerIndex::build(marker_rows);
        let superseded = Arc::new(Superseded::read(c)?);
        Ok(Gazetteer {
            superseded,
            divisions: Arc::new(divisions),
            places: Arc::new(places),
            plates,
            roads: Arc::new(roads),
            streets,
            names: Names::with_places(Arc::new(names), place_names),
            markers: Arc::new(markers),
            timings,
            seq,
        })
    }

    /// A snapshot with the parts that carry overlays (places, roads, door
    /// plates, streets and place names) rebuilt from the store, sharing the
    /// division tree, its names and the markers with `self`: what a
    /// compaction needs, at a fraction of a whole load's time and memory.
    /// Division changes take a whole load instead.
    pub fn reload_overlaid(&self, store: &Store) -> StoreResult<Gazetteer> {
        store.read_snapshot(|c| {
            let mut timings = Vec::new();
            let place_rows = PlaceRow::load_all(c, true)?;
            let seq = crate::store::feed::head(c)?;
            let (places, roads, place_names) = place_indices(place_rows);
            let (plates, streets) = Gazetteer::load_plates(c, &self.divisions, &places, &mut timings)?;
            Ok(Gazetteer {
                superseded: Arc::new(Superseded::read(c)?),
                divisions: self.divisions.clone(),
                places: Arc::new(places),
                plates,
                roads: Arc::new(roads),
                streets,
                names: Names::with_places(self.names.divisions.clone(), place_names),
                markers: self.markers.clone(),
                timings,
                seq,
            })
        })
    }

    /// Reads the door plates and builds the plate grid and the street index
    /// (the part of loading that needs the store connection).
    fn load_plates(
        c: &rusqlite::Connection,
        divisions: &DivisionIndex,
        places: &PlaceIndex,
        timings: &mut Vec<(&'static str, Duration)>,
    ) -> StoreResult<(Arc<PlateIndex>, StreetIndex)> {
        let mut t = Instant::now();
        let mut lap = |name: &'static str, t: &mut Instant| {
            timings.push((name, t.elapsed()));
            *t = Instant::now();
        };

        let mut plate_items = Vec::new();
        let mut streets = StreetIndex::default();
        let mut at = DivisionCache::default();
        AddressRow::for_each_plate(c, |a| {
            let plate = update::plate_of(&a, a.code.0, divisions, places, &mut streets, &mut at);
            plate_items.push(([a.lon, a.lat], plate));
        })?;
        lap("read door plates", &mut t);
        let plates = PlateIndex::build(plate_items);
        AddressRow::for_each_room(c, |r| update::file_room(&r, divisions, &plates, &mut streets, &mut at))?;
        streets.link_places(places, divisions);
        lap("door plate grid, street numbers and rooms", &mut t);
        Ok((Arc::new(plates), streets))
    }
}

/// Division code → (division, its county), remembered: plates come in
/// runs of the same few divisions.
#[derive(Default)]
pub struct DivisionCache(HashMap<String, (Option<u32>, Option<u32>)>);

impl DivisionCache {
    /// The division of `code` today and its county.
    pub fn get(&mut self, divisions: &DivisionIndex, code: &str) -> (Option<u32>, Option<u32>) {
        if let Some(&d) = self.0.get(code) {
            return d;
        }
        let d = divisions.by_code(code, None);
        let county = d.and_then(|d| divisions.county_of(d));
        self.0.insert(code.to_string(), (d, county));
        (d, county)
    }
}
