//! One part of the plate index: the plates whose codes share a province
//! prefix. A base built once (or when the part is compacted), the ids no
//! longer live, and tiers of plates added since, numbered after the
//! base's; the base and each tier find a plate by its code and by its
//! street and label.

use super::{LEVELS, Plate, fine_cell};
use crate::index::cell_grid::NearGrid;
use crate::index::dead::DeadSet;
use crate::index::occupancy::Occupancy;
use geo::Coord;
use hashbrown::HashTable;
use std::sync::Arc;

/// The plates of one province: ids are local to the part.
#[derive(Clone, Default)]
pub(super) struct PlatePart {
    pub(super) base: Arc<PlateBase>,
    /// Plates that are no longer live (retired, moved, relabelled).
    pub(super) dead: DeadSet,
    /// Plates added since the base, oldest tier first; ids follow the
    /// base's.
    pub(super) tiers: Vec<Arc<PlateTier>>,
    /// Live plates.
    pub(super) live: usize,
    /// A box around every plate the part has held.
    pub(super) extent: Extent,
}

/// A lon/lat box, empty to begin with.
#[derive(Clone, Copy, Debug)]
pub(super) struct Extent {
    lo: Coord<f64>,
    hi: Coord<f64>,
}

impl Default for Extent {
    fn default() -> Self {
        Extent { lo: Coord { x: f64::MAX, y: f64::MAX }, hi: Coord { x: f64::MIN, y: f64::MIN } }
    }
}

impl Extent {
    /// The box grown to hold `points`.
    pub(super) fn with<'a>(mut self, points: impl Iterator<Item = &'a [f64; 2]>) -> Extent {
        for p in points {
            self.lo = Coord { x: self.lo.x.min(p[0]), y: self.lo.y.min(p[1]) };
            self.hi = Coord { x: self.hi.x.max(p[0]), y: self.hi.y.max(p[1]) };
        }
        self
    }

    /// Whether the box meets the square of half-side `r` degrees around
    /// `c`.
    pub(super) fn meets(&self, c: Coord<f64>, r: f64) -> bool {
        c.x + r >= self.lo.x && c.x - r <= self.hi.x && c.y + r >= self.lo.y && c.y - r <= self.hi.y
    }
}

/// Plates added together (or merged), ids `first..first + plates.len()`.
pub(super) struct PlateTier {
    pub(super) first: u32,
    pub(super) plates: Vec<([f64; 2], Plate)>,
    /// The plates live when the tier was built, on cell grids of their own.
    pub(super) grid: Option<NearGrid<u32>>,
    /// The ids of `plates` by plate code ([`code_hash`]).
    pub(super) by_code: HashTable<u32>,
    /// The ids of `plates` by street and label ([`street_hash`]).
    pub(super) by_street: HashTable<u32>,
}

/// What a part is built from.
#[derive(Default)]
pub(super) struct PlateBase {
    pub(super) plates: Vec<Plate>,
    /// Plate locations, in the order of `plates`.
    pub(super) points: Vec<[f64; 2]>,
    /// Plates by cell: the finest level answers box queries, all levels
    /// "nearest".
    pub(super) grid: Option<NearGrid<u32>>,
    pub(super) occupied: Occupancy,
    /// Plate ids in code order, to find a plate by its code.
    pub(super) by_code: Vec<u32>,
    /// Plate ids by street and label ([`street_hash`]).
    pub(super) by_street: HashTable<u32>,
}

impl PlatePart {
    /// Builds a part from `(lon, lat, plate)` triples. Plates are kept in
    /// fine-cell order (then by code), so that the plates of neighbouring
    /// cells lie next to each other in memory and two snapshots can be
    /// compared in one pass.
    pub(super) fn build(mut items: Vec<([f64; 2], Plate)>) -> PlatePart {
        use rayon::slice::ParallelSliceMut;
        items.par_sort_unstable_by_key(|(p, plate)| (fine_cell(*p), plate.code));
        let mut plates = Vec::with_capacity(items.len());
        let mut points = Vec::with_capacity(items.len());
        for (p, plate) in items {
            plates.push(plate);
            points.push(p);
        }
        let entries = || {
            points.iter().enumerate().map(|(i, p)| {
                let c = Coord { x: p[0], y: p[1] };
                (c, c, i as u32)
            })
        };
        let ((grid, occupied), (by_code, by_street)) = rayon::join(
            || {
                rayon::join(
                    || {
                        let entries: Vec<_> = entries().collect();
                        (!entries.is_empty()).then(|| NearGrid::build(&entries, &LEVELS))
                    },
                    || Occupancy::build(entries().map(|(a, b, _)| (a, b))),
                )
            },
            || {
                rayon::join(
                    || {
                        let mut by_code: Vec<u32> = (0..plates.len() as u32).collect();
                        by_code.par_sort_unstable_by_key(|&i| plates[i as usize].code);
                        by_code
                    },
                    || street_table(0..plates.len() as u32, |i| &plates[i as usize]),
                )
            },
        );
        let live = plates.len();
        let extent = Extent::default().with(points.iter());
        let base = PlateBase { plates, points, grid, occupied, by_code, by_street };
        PlatePart { base: Arc::new(base), dead: DeadSet::default(), tiers: Vec::new(), live, extent }
    }

    /// The part rebuilt from its live plates: what is no longer live
    /// dropped, the tiers folded into a new base (ids are numbered afresh).
    pub(super) fn compacted(&self) -> PlatePart {
        let items: Vec<([f64; 2], Plate)> = self
            .ids()
            .map(|i| {
                let c = self.point(i);
                ([c.x, c.y], self.get(i).clone())
            })
            .collect();
        PlatePart::build(items)
    }

    /// Whether plate `i` is live (not retired, moved or relabelled since).
    pub(super) fn is_live(&self, i: u32) -> bool {
        !self.dead.contains(i)
    }

    /// How many ids there are, live or not.
    pub(super) fn id_count(&self) -> usize {
        self.tiers.last().map_or(self.base.plates.len(), |t| t.first as usize + t.plates.len())
    }

    /// Every live plate id.
    pub(super) fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.id_count() as u32).filter(|&i| self.is_live(i))
    }

    /// The tier entry of an id after the base.
    fn added(&self, i: u32) -> &([f64; 2], Plate) {
        let t = &self.tiers[self.tiers.partition_point(|t| t.first <= i) - 1];
        &t.plates[(i - t.first) as usize]
    }

    /// One plate (live or not).
    pub(super) fn get(&self, i: u32) -> &Plate {
        match self.base.plates.get(i as usize) {
            Some(p) => p,
            None => &self.added(i).1,
        }
    }

    /// Where plate `i` is.
    pub(super) fn point(&self, i: u32) -> Coord<f64> {
        let p = match self.base.points.get(i as usize) {
            Some(p) => *p,
            None => self.added(i).0,
        };
        Coord { x: p[0], y: p[1] }
    }

    /// The live plate of street `street` labelled `label`: of one filed
    /// again after a change, the newest.
    pub(super) fn on_street(&self, street: u32, label: &str) -> Option<u32> {
        let h = street_hash(street, label);
        let is = |i: u32| {
            let p = self.get(i);
            p.street.get() == Some(street) && &*p.label == label && self.is_live(i)
        };
        let added =
            self.tiers.iter().rev().find_map(|t| t.by_street.iter_hash(h).copied().filter(|&i| is(i)).max());
        added.or_else(|| self.base.by_street.iter_hash(h).copied().filter(|&i| is(i)).min())
    }
}

impl PlateTier {
    pub(super) fn build(first: u32, plates: Vec<([f64; 2], Plate)>, dead: &DeadSet) -> PlateTier {
        let entries: Vec<(Coord<f64>, Coord<f64>, u32)> = plates
            .iter()
            .enumerate()
            .map(|(k, (p, _))| (first + k as u32, Coord { x: p[0], y: p[1] }))
            .filter(|&(i, _)| !dead.contains(i))
            .map(|(i, c)| (c, c, i))
            .collect();
        let grid = (!entries.is_empty()).then(|| NearGrid::build(&entries, &LEVELS));
        let mut by_code = HashTable::with_capacity(plates.len());
        for (k, (_, p)) in plates.iter().enumerate() {
            let code_of = |&i: &u32| code_hash(plates[(i - first) as usize].1.code);
            by_code.insert_unique(code_hash(p.code), first + k as u32, code_of);
        }
        let by_street = street_table(first..first + plates.len() as u32, |i| &plates[(i - first) as usize].1);
        PlateTier { first, plates, grid, by_code, by_street }
    }
}

/// The ids `ids` of the plates with a street (`get` gives the plate of an
/// id), filed by [`street_hash`].
fn street_table<'a>(ids: std::ops::Range<u32>, get: impl Fn(u32) -> &'a Plate) -> HashTable<u32> {
    let hash = |p: &Plate| p.street.get().map(|s| street_hash(s, &p.label));
    let mut table = HashTable::with_capacity(ids.len());
    for i in ids {
        if let Some(h) = hash(get(i)) {
            table.insert_unique(h, i, |&j| hash(get(j)).unwrap_or_default());
        }
    }
    table
}

/// The hash a plate code is filed under in a tier's table of codes.
pub(super) fn code_hash(code: u64) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(code)
}

/// The hash a plate is filed under by its street and label.
pub(super) fn street_hash(street: u32, label: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one((street, label))
}
