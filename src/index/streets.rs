//! Streets for forward geocoding: every road, compound or village that door
//! plates hang off, one per name and county (per village for rural
//! plates), and the rooms of each building; a street's plates are found in
//! the plate index by the street and the text after its name (`88-1号`,
//! `3幢`, `4组6号`).

use super::{DivisionIndex, OptId, PlaceIndex, PlateIndex};
use crate::model::PlaceStatus;
use geo::Coord;
use hashbrown::HashTable;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A street: a name plates are numbered along within one county.
#[derive(Debug, Clone)]
pub struct Street {
    /// Name as written in addresses (中山东路, 阳光花园, 岐阳村).
    pub name: Box<str>,
    /// The division its name is unique in (index): the county for roads
    /// and compounds, the village itself for rural plates.
    pub scope: u32,
    /// The place it stands for, if the store links one (place index).
    pub place: Option<u32>,
    /// A division one of its plates lies in (its chain heads answers at
    /// street level).
    pub division: u32,
    /// A representative point: the place's centroid, else its first plate.
    pub at: Coord<f64>,
    /// The province its plates are filed under in the plate index (the
    /// first two digits of their codes).
    pub province: u8,
}

/// Streets and the plates on them: tables built once from the store, then
/// tiers of tables of what changed since (see `tiers.rs`), then the tables
/// the change being applied writes, which [`StreetIndex::seal`] makes a
/// tier. Newer tables are read first for plates and rooms; a change copies
/// only what it adds.
#[derive(Default, Clone)]
pub struct StreetIndex {
    base: Arc<Tables>,
    tiers: Vec<Arc<Tables>>,
    over: Tables,
    /// Rooms no longer current (their codes), which older tables still file.
    gone_rooms: imbl::HashSet<u64>,
    /// The street each place stands for, by place index: set once the
    /// streets are known ([`StreetIndex::link_places`]).
    by_place: Vec<OptId>,
}

/// Streets, their plates and rooms; the streets of a tier are numbered
/// from `first`, after those of the tables before it.
#[derive(Default, Clone)]
struct Tables {
    first: u32,
    streets: Vec<Street>,
    /// hash(name, scope) → street; verified on lookup.
    by_key: HashedIds,
    /// hash(building plate's code, unit and room text) → rooms (code,
    /// text).
    rooms: FxHashMap<u64, Vec<(u64, Box<str>)>>,
}

/// Ids filed by a 64-bit hash of what they are filed under, for the
/// caller to verify on lookup (two keys may share a hash): one table of
/// `(hash, id)`.
#[derive(Default, Clone)]
struct HashedIds(HashTable<(u64, u32)>);

impl HashedIds {
    fn insert(&mut self, k: u64, id: u32) {
        self.0.insert_unique(k, (k, id), |e| e.0);
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn extend(&mut self, other: &HashedIds) {
        for &(k, id) in other.0.iter() {
            self.insert(k, id);
        }
    }

    /// The ids filed under `k` that `is` confirms (ids are filed in
    /// increasing order).
    fn confirmed(&self, k: u64, is: impl Fn(u32) -> bool) -> impl Iterator<Item = u32> {
        self.0.iter_hash(k).filter(move |e| e.0 == k && is(e.1)).map(|e| e.1)
    }

    /// The id filed first under `k` that `is` confirms.
    fn find(&self, k: u64, is: impl Fn(u32) -> bool) -> Option<u32> {
        self.confirmed(k, is).min()
    }
}

fn key(n: impl Hash, text: &str) -> u64 {
    let mut h = FxHasher::default();
    n.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

impl Tables {
    fn size(&self) -> usize {
        self.streets.len() + self.by_key.len() + self.rooms.len()
    }

    fn is_empty(&self) -> bool {
        self.size() == 0
    }

    /// `self` followed by `newer`.
    fn merged(&self, newer: Tables) -> Tables {
        let mut t = self.clone();
        t.streets.extend(newer.streets);
        t.by_key.extend(&newer.by_key);
        for (k, rooms) in newer.rooms {
            t.rooms.entry(k).or_default().extend(rooms);
        }
        t
    }
}

impl StreetIndex {
    /// Makes what the change being applied wrote a tier of its own (which
    /// may absorb the newest tiers).
    pub fn seal(&mut self) {
        if self.over.is_empty() {
            return;
        }
        let mut t = std::mem::take(&mut self.over);
        for last in super::tiers::absorbed(&mut self.tiers, t.size(), Tables::size) {
            t = last.merged(t);
        }
        self.tiers.push(Arc::new(t));
        self.over.first = self.len() as u32;
    }

    /// The tables newest first.
    fn newest_first(&self) -> impl Iterator<Item = &Tables> + '_ {
        std::iter::once(&self.over).chain(self.tiers.iter().rev().map(|t| &**t)).chain([&*self.base])
    }

    /// The tables to write: the base while no snapshot shares it (the
    /// first build), the overlay after.
    fn tables(&mut self) -> &mut Tables {
        let len = self.len() as u32;
        if self.over.is_empty()
            && self.tiers.is_empty()
            && let Some(base) = Arc::get_mut(&mut self.base)
        {
            return base;
        }
        if self.over.is_empty() {
            self.over.first = len;
        }
        &mut self.over
    }

    /// The street `name` in `scope`, created on first sight with `make`.
    pub fn intern(&mut self, name: &str, scope: u32, make: impl FnOnce() -> Street) -> u32 {
        if let Some(i) = self.find(name, scope) {
            return i;
        }
        let i = self.len() as u32;
        let t = self.tables();
        t.streets.push(make());
        t.by_key.insert(key(scope, name), i);
        i
    }

    /// Files room `code` (`2单元501室`) under the plate of its building
    /// (the plate's code).
    pub fn add_room(&mut self, building_plate: u64, unit_room: &str, code: u64) {
        self.gone_rooms.remove(&code);
        let t = self.tables();
        t.rooms.entry(key(building_plate, unit_room)).or_default().push((code, unit_room.into()));
    }

    /// Marks room `code` as no longer current.
    pub fn remove_room(&mut self, code: u64) {
        self.gone_rooms.insert(code);
    }

    /// The code of the room `unit_room` of the building with the plate
    /// of code `building_plate`.
    pub fn room(&self, building_plate: u64, unit_room: &str) -> Option<u64> {
        let k = key(building_plate, unit_room);
        let of = |t: &Tables| {
            t.rooms
                .get(&k)?
                .iter()
                .rev()
                .find(|r| &*r.1 == unit_room && !self.gone_rooms.contains(&r.0))
                .map(|r| r.0)
        };
        self.newest_first().find_map(of)
    }

    /// One street.
    pub fn get(&self, i: u32) -> &Street {
        if let Some(s) = self.base.streets.get(i as usize) {
            return s;
        }
        let t = match self.tiers.partition_point(|t| t.first <= i) {
            k if k == self.tiers.len() && i >= self.over.first => &self.over,
            k => &*self.tiers[k - 1],
        };
        &t.streets[(i - t.first) as usize]
    }

    /// Number of streets.
    pub fn len(&self) -> usize {
        if !self.over.streets.is_empty() {
            return self.over.first as usize + self.over.streets.len();
        }
        self.tiers.last().map_or(self.base.streets.len(), |t| t.first as usize + t.streets.len())
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The street of that name in that scope (see [`Street::scope`]).
    pub fn find(&self, name: &str, scope: u32) -> Option<u32> {
        let is = |i: u32| self.get(i).scope == scope && &*self.get(i).name == name;
        let k = key(scope, name);
        self.base.by_key.find(k, is).or_else(|| {
            self.tiers.iter().find_map(|t| t.by_key.find(k, is)).or_else(|| self.over.by_key.find(k, is))
        })
    }

    /// Links every road, lane or compound to the street of its name in its
    /// county, so that the geocoder reads it with no lookup. A current one
    /// with no door plates yet is a street of its own (an address on it is
    /// answered at road level).
    pub fn link_places(&mut self, places: &PlaceIndex, divisions: &DivisionIndex) {
        self.by_place = vec![OptId::NONE; places.len()];
        for i in places.ids() {
            self.link_place(places, divisions, i);
        }
    }

    /// Links the places `changed` (and gives new places their slot).
    pub fn link_changed(&mut self, places: &PlaceIndex, divisions: &DivisionIndex, changed: &[u32]) {
        self.by_place.resize(places.len(), OptId::NONE);
        for &i in changed {
            self.by_place[i as usize] = OptId::NONE;
            self.link_place(places, divisions, i);
        }
    }

    fn link_place(&mut self, places: &PlaceIndex, divisions: &DivisionIndex, i: u32) {
        let p = places.get(i);
        if !places.carries_plates(i) {
            return;
        }
        let Some(division) = divisions.by_code(p.division_code.as_str(), None) else { return };
        let Some(county) = divisions.county_of(division) else { return };
        let street = match self.find(&p.name, county) {
            Some(s) => s,
            None if p.status == PlaceStatus::Current && p.point.is_some() => {
                self.intern(&p.name, county, || Street {
                    name: p.name.as_str().into(),
                    scope: county,
                    place: Some(i),
                    division,
                    at: p.point.unwrap_or_default(),
                    province: super::plates::province_of(p.division_code.as_str()),
                })
            }
            None => return,
        };
        self.by_place[i as usize] = OptId::some(street);
    }

    /// The street place `place` stands for (a road, lane or compound in a
    /// county with door plates on it).
    pub fn of_place(&self, place: u32) -> Option<u32> {
        self.by_place.get(place as usize).and_then(|s| s.get())
    }

    /// The live plate of `street` whose text after the street's name is
    /// `suffix`.
    pub fn live_plate(&self, plates: &PlateIndex, street: u32, suffix: &str) -> Option<u32> {
        let s = self.get(street);
        let mut label = String::with_capacity(s.name.len() + suffix.len());
        label.push_str(&s.name);
        label.push_str(suffix);
        plates.on_street(s.province, street, &label)
    }

    /// Streets, street names and rooms the tiers carry.
    pub fn overlay_len(&self) -> usize {
        self.tiers.iter().map(|t| t.size()).sum::<usize>() + self.over.size() + self.gone_rooms.len()
    }
}
