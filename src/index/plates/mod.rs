//! Door plates in memory: cell grids of plate points at three sizes for
//! "nearest door plate" (the finest also answers "plates in this box"),
//! and just enough per plate to answer without the store, in a part per
//! province. `part.rs` holds a part, `search.rs` the nearest and box
//! searches, `overlay.rs` the changes over shared parts (and finding a
//! plate by its code), and compacting a part.

mod compaction;
mod overlay;
mod part;
mod search;

pub use compaction::CompactedPart;
pub use overlay::PlateChanges;
pub use search::NearestPlate;

use super::OptId;
use geo::Coord;
use part::PlatePart;
use std::sync::Arc;

/// One plate: its code, the text after the division chain
/// (`中山东路88号`, `阳光花园3幢`), and the division it lies in.
#[derive(Debug, Clone)]
pub struct Plate {
    /// 18-digit address code.
    pub code: u64,
    /// Road or compound part plus number (`中山东路88号`).
    pub label: Box<str>,
    /// Index of its division in the division index, if known.
    pub division: OptId,
    /// Its street in the street index, if any.
    pub street: OptId,
}

/// Cell size of the grid that answers "plates in this box" (for tiles),
/// degrees: about 100 m, a few dozen plates a cell in a dense city.
pub(super) const FINE_DEG: f64 = 0.001;

/// Grid levels for "nearest": cell size in degrees and how far each is
/// searched, metres. The finest is the box grid; a plate farther than its
/// reach is looked for in cells four times as wide, and so on.
pub(super) const LEVELS: [(f64, f64); 3] = [(FINE_DEG, 300.0), (0.004, 1200.0), (0.016, f64::INFINITY)];

/// Parts of the index: one per two-digit prefix of the plate codes (the
/// province), so that folding what changed into a new base rebuilds one
/// province, not the country.
const PARTS: usize = 100;

/// Bits of an id that number a plate within its part; the rest name the
/// part.
const LOCAL_BITS: u32 = 25;

/// The plate index: a part per province (see `part.rs`), each a base and
/// an overlay of what changed since (plates no longer live, and plates
/// added or changed, numbered after the base's in tiers with grids of
/// their own: see `tiers.rs`), so that a change costs in proportion to what
/// it adds, not a rebuild of the grids. Ids are the part's number and the
/// plate's id within the part; they hold for one snapshot (a compacted part
/// numbers its plates afresh), so nothing keeps them across changes: the
/// streets and rooms refer to plates by code.
#[derive(Clone)]
pub struct PlateIndex {
    parts: Vec<Option<Arc<PlatePart>>>,
}

/// The part a plate code is filed in: its first two digits.
fn part_of(code: u64) -> usize {
    usize::from(province_of_code(code)) % PARTS
}

/// The first two digits of an 18-digit plate code: its province.
pub fn province_of_code(code: u64) -> u8 {
    (code / 10u64.pow(16)).min(99) as u8
}

/// The id of plate `local` of part `part`.
fn id_of(part: usize, local: u32) -> u32 {
    ((part as u32) << LOCAL_BITS) | local
}

/// The part and local id of id `i`.
fn split(i: u32) -> (usize, u32) {
    ((i >> LOCAL_BITS) as usize, i & ((1 << LOCAL_BITS) - 1))
}

impl PlateIndex {
    /// Builds the index from `(lon, lat, plate)` triples.
    pub fn build(items: Vec<([f64; 2], Plate)>) -> PlateIndex {
        use rayon::prelude::*;
        let mut by_part: Vec<Vec<([f64; 2], Plate)>> = (0..PARTS).map(|_| Vec::new()).collect();
        for item in items {
            by_part[part_of(item.1.code)].push(item);
        }
        let parts = by_part
            .into_par_iter()
            .map(|items| (!items.is_empty()).then(|| Arc::new(PlatePart::build(items))))
            .collect();
        PlateIndex { parts }
    }

    /// Reads every door plate of the store, with no division or street
    /// links (for a tile build, which needs only where plates are and their
    /// labels).
    pub fn read(c: &rusqlite::Connection) -> crate::store::StoreResult<PlateIndex> {
        let mut items = Vec::new();
        crate::store::AddressRow::for_each_plate(c, |a| {
            let plate =
                Plate { code: a.code.0, label: a.label().into(), division: OptId::NONE, street: OptId::NONE };
            items.push(([a.lon, a.lat], plate));
        })?;
        Ok(PlateIndex::build(items))
    }

    /// The parts there are, with their numbers.
    fn parts(&self) -> impl Iterator<Item = (usize, &PlatePart)> + '_ {
        self.parts.iter().enumerate().filter_map(|(k, p)| Some((k, &**p.as_ref()?)))
    }

    /// The part of id `i` and its local id.
    fn part(&self, i: u32) -> (&PlatePart, u32) {
        let (k, local) = split(i);
        match self.parts.get(k) {
            Some(Some(p)) => (p, local),
            _ => panic!("plate id {i} names no part of the index"),
        }
    }

    /// Whether plate `i` is live (not retired, moved or relabelled since).
    pub fn is_live(&self, i: u32) -> bool {
        let (p, local) = self.part(i);
        p.is_live(local)
    }

    /// Every live plate id.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.parts().flat_map(|(k, p)| p.ids().map(move |i| id_of(k, i)))
    }

    /// Number of live plates.
    pub fn len(&self) -> usize {
        self.parts().map(|(_, p)| p.live).sum()
    }

    /// Whether there are no live plates.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One plate (live or not).
    pub fn get(&self, i: u32) -> &Plate {
        let (p, local) = self.part(i);
        p.get(local)
    }

    /// Where plate `i` is.
    pub fn point(&self, i: u32) -> Coord<f64> {
        let (p, local) = self.part(i);
        p.point(local)
    }

    /// The live plate of street `street` labelled `label` (the street's
    /// name and the text after it), filed in the part of code prefix
    /// `province`.
    pub fn on_street(&self, province: u8, street: u32, label: &str) -> Option<u32> {
        let k = usize::from(province) % PARTS;
        let p = self.parts.get(k)?.as_ref()?;
        p.on_street(street, label).map(|i| id_of(k, i))
    }
}

/// The part a plate of a division is filed in: the first two digits of
/// its code, which begins with the division's.
pub fn province_of(division_code: &str) -> u8 {
    division_code.get(..2).and_then(|p| p.parse().ok()).unwrap_or(0)
}

/// The fine cell a lon/lat point lies in, `(row, column)`.
pub(super) fn fine_cell(p: [f64; 2]) -> (i64, i64) {
    ((p[1] / FINE_DEG).floor() as i64, (p[0] / FINE_DEG).floor() as i64)
}
