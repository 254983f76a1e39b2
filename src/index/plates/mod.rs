//! Door plates in memory: cell grids of plate points at three sizes for
//! "nearest door plate" (the finest also answers "plates in this box"),
//! and just enough per plate to answer without the store. `search.rs`
//! holds the nearest and box searches, `overlay.rs` the changes over a
//! shared base (and finding a plate by its code).

mod overlay;
mod search;

pub use overlay::PlateChanges;
pub use search::NearestPlate;

use super::OptId;
use super::cell_grid::NearGrid;
use super::dead::DeadSet;
use super::occupancy::Occupancy;
use geo::Coord;
use hashbrown::HashTable;
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

/// The plate index: a base built once from the store, and an overlay of
/// what changed since (plates no longer live, and plates added or changed,
/// numbered after the base's in tiers with grids of their own: see
/// `tiers.rs`), so that a change costs in proportion to what it adds, not
/// a rebuild of the grids.
#[derive(Clone)]
pub struct PlateIndex {
    base: Arc<PlateBase>,
    /// Plates that are no longer live (retired, moved, relabelled).
    dead: DeadSet,
    /// Plates added since the base, oldest tier first; ids follow the
    /// base's.
    tiers: Vec<Arc<PlateTier>>,
    /// Live plates.
    live: usize,
}

/// Plates added together (or merged), ids `first..first + plates.len()`.
struct PlateTier {
    first: u32,
    plates: Vec<([f64; 2], Plate)>,
    /// The plates live when the tier was built, on cell grids of their own.
    grid: Option<NearGrid<u32>>,
    /// The ids of `plates` by plate code ([`overlay::code_hash`]).
    by_code: HashTable<u32>,
}

/// What the index is built from.
struct PlateBase {
    plates: Vec<Plate>,
    /// Plate locations, in the order of `plates`.
    points: Vec<[f64; 2]>,
    /// Plates by cell: the finest level answers box queries, all levels
    /// "nearest".
    grid: NearGrid<u32>,
    occupied: Occupancy,
    /// Plate ids in code order, to find a plate by its code.
    by_code: Vec<u32>,
}

impl PlateIndex {
    /// Builds the index from `(lon, lat, plate)` triples. Plates are kept
    /// in fine-cell order (then by code), so that the plates of neighbouring
    /// cells lie next to each other in memory and two snapshots can be
    /// compared in one pass.
    pub fn build(mut items: Vec<([f64; 2], Plate)>) -> PlateIndex {
        use rayon::slice::ParallelSliceMut;
        items.par_sort_unstable_by_key(|(p, plate)| (fine_cell(*p), plate.code));
        let mut plates = Vec::with_capacity(items.len());
        let mut points = Vec::with_capacity(items.len());
        let mut entries = Vec::with_capacity(items.len());
        for (i, (p, plate)) in items.into_iter().enumerate() {
            plates.push(plate);
            points.push(p);
            let c = Coord { x: p[0], y: p[1] };
            entries.push((c, c, i as u32));
        }
        let ((grid, occupied), by_code) = rayon::join(
            || {
                rayon::join(
                    || NearGrid::build(&entries, &LEVELS),
                    || Occupancy::build(entries.iter().map(|&(a, b, _)| (a, b))),
                )
            },
            || {
                let mut by_code: Vec<u32> = (0..plates.len() as u32).collect();
                by_code.par_sort_unstable_by_key(|&i| plates[i as usize].code);
                by_code
            },
        );
        let live = plates.len();
        let base = PlateBase { plates, points, grid, occupied, by_code };
        PlateIndex { base: Arc::new(base), dead: DeadSet::default(), tiers: Vec::new(), live }
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

    /// Whether plate `i` is live (not retired, moved or relabelled since).
    pub fn is_live(&self, i: u32) -> bool {
        !self.dead.contains(i)
    }

    /// How many ids there are, live or not.
    fn id_count(&self) -> usize {
        self.tiers.last().map_or(self.base.plates.len(), |t| t.first as usize + t.plates.len())
    }

    /// Every live plate id.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.id_count() as u32).filter(|&i| self.is_live(i))
    }

    /// Number of live plates.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there are no live plates.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The tier entry of an id after the base.
    fn added(&self, i: u32) -> &([f64; 2], Plate) {
        let t = &self.tiers[self.tiers.partition_point(|t| t.first <= i) - 1];
        &t.plates[(i - t.first) as usize]
    }

    /// One plate (live or not).
    pub fn get(&self, i: u32) -> &Plate {
        match self.base.plates.get(i as usize) {
            Some(p) => p,
            None => &self.added(i).1,
        }
    }

    /// Where plate `i` is.
    pub fn point(&self, i: u32) -> Coord<f64> {
        let p = match self.base.points.get(i as usize) {
            Some(p) => *p,
            None => self.added(i).0,
        };
        Coord { x: p[0], y: p[1] }
    }
}

/// The fine cell a lon/lat point lies in, `(row, column)`.
pub(super) fn fine_cell(p: [f64; 2]) -> (i64, i64) {
    ((p[1] / FINE_DEG).floor() as i64, (p[0] / FINE_DEG).floor() as i64)
}
