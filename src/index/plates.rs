//! Door plates in memory: cell grids of plate points at three sizes for
//! "nearest door plate" (the finest also answers "plates in this box"),
//! and just enough per plate to answer without the store.

use super::cell_grid::NearGrid;
use super::metric::LocalFrame;
use super::occupancy::Occupancy;
use geo::Coord;
use std::sync::Arc;

/// One plate: its code, the text after the division chain
/// (`中山东路88号`, `阳光花园3幢`), and the division it lies in.
#[derive(Debug, Clone)]
pub struct Plate {
    /// 18-digit address code.
    pub code: u64,
    /// Road or compound part plus number (`中山东路88号`).
    pub label: Box<str>,
    /// Index of its division in the division index.
    pub division: u32,
    /// Its street in the street index (`u32::MAX` if none).
    pub street: u32,
}

/// The nearest plate found, with its distance.
#[derive(Debug, Clone, Copy)]
pub struct NearestPlate {
    /// Index into [`PlateIndex::get`].
    pub index: u32,
    /// Distance, metres.
    pub distance_m: f64,
    /// Where the plate is, lon/lat.
    pub at: Coord<f64>,
}

/// Cell size of the grid that answers "plates in this box" (for tiles),
/// degrees: about 100 m, a few dozen plates a cell in a dense city.
const FINE_DEG: f64 = 0.001;

/// Grid levels for "nearest": cell size in degrees and how far each is
/// searched, metres. The finest is the box grid; a plate farther than its
/// reach is looked for in cells four times as wide, and so on.
const LEVELS: [(f64, f64); 3] = [(FINE_DEG, 300.0), (0.004, 1200.0), (0.016, f64::INFINITY)];

/// The plate index: a base built once from the store, and an overlay of
/// what changed since (plates no longer live, and plates added or changed,
/// numbered after the base's), so that a change costs a copy of the
/// overlay, not a rebuild of the grids.
#[derive(Clone)]
pub struct PlateIndex {
    base: Arc<PlateBase>,
    /// Plates that are no longer live (retired, moved, relabelled), one
    /// bit per id; `None` when there are none.
    dead: Option<Arc<Vec<u64>>>,
    /// Plates added since the base, ids `base.len()…`.
    extra: Arc<Vec<([f64; 2], Plate)>>,
    /// The live ones of them on cell grids of their own.
    extra_grid: Option<Arc<NearGrid<u32>>>,
    /// Live plates.
    live: usize,
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

/// A change to the plates: codes that are no longer live (or are replaced),
/// then plates added under their code.
#[derive(Debug, Default, Clone)]
pub struct PlateChanges {
    /// Codes whose current plate leaves the index.
    pub removed: Vec<u64>,
    /// Plates that enter it (a changed plate is removed and added).
    pub added: Vec<([f64; 2], Plate)>,
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
        PlateIndex { base: Arc::new(base), dead: None, extra: Arc::default(), extra_grid: None, live }
    }

    /// Reads every door plate of the store, with no division or street
    /// links (for a tile build, which needs only where plates are and their
    /// labels).
    pub fn read(c: &rusqlite::Connection) -> crate::store::StoreResult<PlateIndex> {
        let mut items = Vec::new();
        crate::store::AddressRow::for_each_plate(c, |a| {
            if let Ok(code) = a.code.parse::<u64>() {
                let plate = Plate { code, label: a.label().into(), division: u32::MAX, street: u32::MAX };
                items.push(([a.lon, a.lat], plate));
            }
        })?;
        Ok(PlateIndex::build(items))
    }

    /// The index after `changes`: the base is shared, the overlay copied.
    /// Ids never change: a plate that leaves is marked, one that enters
    /// gets the next id. Returns the ids the added plates got, in order.
    pub fn with_changes(&self, changes: &PlateChanges) -> (PlateIndex, Vec<u32>) {
        let total = self.base.plates.len() + self.extra.len() + changes.added.len();
        let mut dead = self.dead.as_deref().cloned().unwrap_or_default();
        dead.resize(total.div_ceil(64), 0);
        let mut live = self.live;
        for &code in &changes.removed {
            if let Some(i) = self.find_code(code) {
                live -= 1;
                dead[i as usize / 64] |= 1 << (i % 64);
            }
        }
        let first = self.base.plates.len() + self.extra.len();
        let mut extra = self.extra.as_ref().clone();
        extra.extend(changes.added.iter().cloned());
        live += changes.added.len();
        let ids = (first..total).map(|i| i as u32).collect();
        let dead = dead.iter().any(|&w| w != 0).then(|| Arc::new(dead));
        let n = self.base.plates.len();
        let is_dead = |i: usize| dead.as_ref().is_some_and(|d| d[i / 64] & (1 << (i % 64)) != 0);
        let entries: Vec<(Coord<f64>, Coord<f64>, u32)> = extra
            .iter()
            .enumerate()
            .filter(|(k, _)| !is_dead(n + k))
            .map(|(k, (p, _))| {
                let c = Coord { x: p[0], y: p[1] };
                (c, c, (n + k) as u32)
            })
            .collect();
        let extra_grid = (!entries.is_empty()).then(|| Arc::new(NearGrid::build(&entries, &LEVELS)));
        (PlateIndex { base: self.base.clone(), dead, extra: Arc::new(extra), extra_grid, live }, ids)
    }

    /// The live plate with `code`, if any.
    pub fn find_code(&self, code: u64) -> Option<u32> {
        let b = &self.base;
        let at = b.by_code.partition_point(|&i| b.plates[i as usize].code < code);
        let base = b.by_code[at..]
            .iter()
            .take_while(|&&i| b.plates[i as usize].code == code)
            .copied()
            .find(|&i| self.is_live(i));
        base.or_else(|| {
            let n = b.plates.len();
            let ids = self.extra.iter().enumerate().filter(|(_, (_, p))| p.code == code);
            ids.map(|(k, _)| (n + k) as u32).rfind(|&i| self.is_live(i))
        })
    }

    /// Whether plate `i` is live (not retired, moved or relabelled since).
    pub fn is_live(&self, i: u32) -> bool {
        self.dead
            .as_ref()
            .is_none_or(|bits| bits.get(i as usize / 64).is_none_or(|w| w & (1 << (i % 64)) == 0))
    }

    /// The plates added since the base (after a change, their ids are
    /// `base.len()` on, in this order).
    pub fn extra(&self) -> &[([f64; 2], Plate)] {
        &self.extra
    }

    /// How many plates the overlay holds (added, and plates no longer
    /// live): when it grows large, the index is rebuilt.
    pub fn overlay_len(&self) -> usize {
        self.extra.len() + (self.base.plates.len() + self.extra.len() - self.live)
    }

    /// The id of the first plate after the base (the first of
    /// [`PlateIndex::extra`]).
    pub fn base_len(&self) -> usize {
        self.base.plates.len()
    }

    /// Every live plate id.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        (0..(self.base.plates.len() + self.extra.len()) as u32).filter(|&i| self.is_live(i))
    }

    /// The plates filed under the fine cells meeting the lon/lat box
    /// `lo..=hi` (some may lie just outside it), in the index's order,
    /// then the plates added since the base that lie inside it.
    pub fn within(&self, lo: Coord<f64>, hi: Coord<f64>) -> impl Iterator<Item = u32> + '_ {
        let base = self.base.grid.finest().within(lo, hi).copied().filter(|&i| self.is_live(i));
        let extra = self.extra_grid.iter().flat_map(move |g| g.finest().within(lo, hi).copied());
        base.chain(extra)
    }

    /// Where plates were added, removed, moved or relabelled between `old`
    /// and this index (old and new places of a moved plate). Over the same
    /// base, from the overlays; otherwise one merge over both bases, which
    /// are kept in the same order.
    pub fn changed_since(&self, old: &PlateIndex) -> Vec<Coord<f64>> {
        if Arc::ptr_eq(&self.base, &old.base) {
            let mut out: Vec<Coord<f64>> = Vec::new();
            for ix in [self, old] {
                out.extend(ix.extra.iter().map(|(p, _)| Coord { x: p[0], y: p[1] }));
            }
            let words = (self.base.plates.len() + self.extra.len()).div_ceil(64);
            let word =
                |ix: &PlateIndex, w: usize| ix.dead.as_ref().and_then(|d| d.get(w).copied()).unwrap_or(0);
            for w in 0..words {
                let mut diff = word(self, w) ^ word(old, w);
                while diff != 0 {
                    let bit = diff.trailing_zeros() as usize;
                    let i = w * 64 + bit;
                    if i < self.base.plates.len() + self.extra.len() {
                        out.push(self.point(i as u32));
                    }
                    diff &= diff - 1;
                }
            }
            return out;
        }
        let key = |ix: &PlateIndex, i: usize| (fine_cell(ix.base.points[i]), ix.base.plates[i].code);
        let (a, b) = (&old.base, &self.base);
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        loop {
            let older = match (i < a.plates.len(), j < b.plates.len()) {
                (true, true) if key(old, i) == key(self, j) => {
                    if a.points[i] != b.points[j] || a.plates[i].label != b.plates[j].label {
                        out.extend([old.point(i as u32), self.point(j as u32)]);
                    }
                    (i, j) = (i + 1, j + 1);
                    continue;
                }
                (true, true) => key(old, i) < key(self, j),
                (true, false) => true,
                (false, true) => false,
                (false, false) => break,
            };
            if older {
                out.push(old.point(i as u32));
                i += 1;
            } else {
                out.push(self.point(j as u32));
                j += 1;
            }
        }
        for ix in [self, old] {
            out.extend(ix.extra.iter().map(|(p, _)| Coord { x: p[0], y: p[1] }));
        }
        out
    }

    /// Number of live plates.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether there are no live plates.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// One plate (live or not).
    pub fn get(&self, i: u32) -> &Plate {
        let n = self.base.plates.len();
        match (i as usize).checked_sub(n) {
            None => &self.base.plates[i as usize],
            Some(k) => &self.extra[k].1,
        }
    }

    /// Where plate `i` is.
    pub fn point(&self, i: u32) -> Coord<f64> {
        let n = self.base.plates.len();
        let p = match (i as usize).checked_sub(n) {
            None => self.base.points[i as usize],
            Some(k) => self.extra[k].0,
        };
        Coord { x: p[0], y: p[1] }
    }

    /// The metrically nearest live plate within `max_m` metres; of plates
    /// at the same point, the one with the lowest code (a cell lists its
    /// plates in code order).
    pub fn nearest(&self, frame: &LocalFrame, max_m: f64) -> Option<NearestPlate> {
        let b = &self.base;
        let base = if !b.occupied.any_within(frame.origin(), frame.degrees_covering(max_m)) {
            None
        } else if self.dead.is_none() {
            b.grid.nearest(frame, max_m, |&i| frame.distance2_to_point(base_point(b, i)))
        } else {
            // A plate no longer live is at no distance at all.
            b.grid.nearest(frame, max_m, |&i| {
                if self.is_live(i) { frame.distance2_to_point(base_point(b, i)) } else { f64::INFINITY }
            })
        };
        let extra = self
            .extra_grid
            .as_ref()
            .and_then(|g| g.nearest(frame, max_m, |&i| frame.distance2_to_point(self.point(i))));
        let (distance_m, index) = super::metric::nearer(base, extra)?;
        Some(NearestPlate { index, distance_m, at: self.point(index) })
    }
}

/// Where base plate `i` is (the base's grids hold only base ids).
fn base_point(b: &PlateBase, i: u32) -> Coord<f64> {
    let p = b.points[i as usize];
    Coord { x: p[0], y: p[1] }
}

/// The fine cell a lon/lat point lies in, `(row, column)`.
fn fine_cell(p: [f64; 2]) -> (i64, i64) {
    ((p[1] / FINE_DEG).floor() as i64, (p[0] / FINE_DEG).floor() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn the_nearest_plate_is_the_one_a_full_scan_finds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // Dense clusters and sparse scatter at 45°N, where degrees are most
        // anisotropic in China.
        let pts: Vec<[f64; 2]> = (0..20_000)
            .map(|i| {
                let spread = if i % 2 == 0 { 0.01 } else { 0.3 };
                [125.0 + rng.random_range(-spread..spread), 45.0 + rng.random_range(-spread..spread)]
            })
            .collect();
        let index = PlateIndex::build(
            pts.iter()
                .enumerate()
                .map(|(i, p)| (*p, Plate { code: i as u64, label: "".into(), division: 0, street: u32::MAX }))
                .collect(),
        );
        for _ in 0..2000 {
            let q = Coord { x: 125.0 + rng.random_range(-0.4..0.4), y: 45.0 + rng.random_range(-0.4..0.4) };
            let frame = LocalFrame::new(q);
            let truth = pts
                .iter()
                .map(|p| frame.distance_to_point(Coord { x: p[0], y: p[1] }))
                .fold(f64::INFINITY, f64::min);
            match index.nearest(&frame, 2000.0) {
                Some(n) => assert!((n.distance_m - truth).abs() < 1e-6, "{q:?}: {} vs {truth}", n.distance_m),
                None => assert!(truth > 2000.0, "{q:?}: missed a plate at {truth} m"),
            }
        }
    }

    fn plate(code: u64, label: &str) -> Plate {
        Plate { code, label: label.into(), division: 0, street: u32::MAX }
    }

    #[test]
    fn a_box_query_returns_every_plate_inside_the_box() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let pts: Vec<[f64; 2]> = (0..5_000)
            .map(|_| [121.5 + rng.random_range(-0.05..0.05), 29.9 + rng.random_range(-0.05..0.05)])
            .collect();
        let index =
            PlateIndex::build(pts.iter().enumerate().map(|(i, p)| (*p, plate(i as u64, ""))).collect());
        let (lo, hi) = (Coord { x: 121.48, y: 29.88 }, Coord { x: 121.5123, y: 29.9071 });
        let inside = |c: Coord<f64>| c.x >= lo.x && c.x <= hi.x && c.y >= lo.y && c.y <= hi.y;
        let mut found: Vec<u64> = index
            .within(lo, hi)
            .map(|i| index.point(i))
            .filter(|&c| inside(c))
            .map(|c| c.x.to_bits())
            .collect();
        let mut truth: Vec<u64> = pts
            .iter()
            .map(|p| Coord { x: p[0], y: p[1] })
            .filter(|&c| inside(c))
            .map(|c| c.x.to_bits())
            .collect();
        found.sort_unstable();
        truth.sort_unstable();
        assert!(truth.len() > 100, "the box holds plates: {}", truth.len());
        assert_eq!(found, truth);
    }

    #[test]
    fn changes_between_two_snapshots_are_the_added_removed_moved_and_relabelled_plates() {
        let base: Vec<([f64; 2], Plate)> = (0..1_000u32)
            .map(|i| ([121.5 + f64::from(i) * 1e-4, 29.9 + f64::from(i % 7) * 1e-4], plate(i.into(), "88号")))
            .collect();
        let old = PlateIndex::build(base.clone());
        let mut changed = base;
        changed.retain(|(_, p)| p.code != 10); // removed
        changed.push(([122.0, 30.0], plate(5_000, "1号"))); // added
        changed.iter_mut().filter(|(_, p)| p.code == 20).for_each(|(at, _)| at[1] += 0.01); // moved
        changed.iter_mut().filter(|(_, p)| p.code == 30).for_each(|(_, p)| p.label = "89号".into()); // relabelled
        let new = PlateIndex::build(changed);
        let mut got: Vec<(i64, i64)> = new
            .changed_since(&old)
            .into_iter()
            .map(|c| ((c.x * 1e6).round() as i64, (c.y * 1e6).round() as i64))
            .collect();
        got.sort_unstable();
        got.dedup();
        let at = |i: u32| {
            (
                (121.5e6 + f64::from(i) * 100.0).round() as i64,
                (29.9e6 + f64::from(i % 7) * 100.0).round() as i64,
            )
        };
        let mut want = vec![at(10), (122_000_000, 30_000_000), at(20), (at(20).0, at(20).1 + 10_000), at(30)];
        want.sort_unstable();
        assert_eq!(got, want);
        assert!(new.changed_since(&new).is_empty(), "a snapshot has no changes against itself");
    }

    #[test]
    fn an_overlay_answers_as_a_rebuilt_index_would() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut items: Vec<([f64; 2], Plate)> = (0..8_000u64)
            .map(|i| {
                (
                    [121.5 + rng.random_range(-0.03..0.03), 29.9 + rng.random_range(-0.03..0.03)],
                    plate(i, "1号"),
                )
            })
            .collect();
        let mut index = PlateIndex::build(items.clone());
        // Three rounds of changes: retire some, move some, add new ones.
        for round in 0..3u64 {
            let mut changes = PlateChanges::default();
            for k in 0..300u64 {
                let code = (round * 997 + k * 13) % 8_000;
                changes.removed.push(code);
                items.retain(|(_, p)| p.code != code);
                if k % 3 == 0 {
                    let moved = (
                        [121.5 + rng.random_range(-0.03..0.03), 29.9 + rng.random_range(-0.03..0.03)],
                        plate(code, "2号"),
                    );
                    changes.added.push(moved.clone());
                    items.push(moved);
                }
            }
            for k in 0..100u64 {
                let new = (
                    [121.5 + rng.random_range(-0.03..0.03), 29.9 + rng.random_range(-0.03..0.03)],
                    plate(10_000 + round * 100 + k, "3号"),
                );
                changes.added.push(new.clone());
                items.push(new);
            }
            let (next, ids) = index.with_changes(&changes);
            assert_eq!(ids.len(), changes.added.len());
            for (id, (_, p)) in ids.iter().zip(&changes.added) {
                assert_eq!(next.find_code(p.code), Some(*id), "a changed plate is found by its code");
            }
            assert!(!next.changed_since(&index).is_empty());
            index = next;
        }
        assert_eq!(index.len(), items.len());
        let rebuilt = PlateIndex::build(items.clone());
        for _ in 0..1_000 {
            let q = Coord {
                x: 121.5 + rng.random_range(-0.035..0.035),
                y: 29.9 + rng.random_range(-0.035..0.035),
            };
            let frame = LocalFrame::new(q);
            let (a, b) = (index.nearest(&frame, 2000.0), rebuilt.nearest(&frame, 2000.0));
            let (a, b) = (a.expect("near"), b.expect("near"));
            assert!((a.distance_m - b.distance_m).abs() < 1e-9, "{q:?}");
            assert_eq!(index.get(a.index).label, rebuilt.get(b.index).label);
        }
        let (lo, hi) = (Coord { x: 121.49, y: 29.89 }, Coord { x: 121.51, y: 29.91 });
        let count = |ix: &PlateIndex| {
            let mut codes: Vec<u64> = ix
                .within(lo, hi)
                .filter(|&i| {
                    let c = ix.point(i);
                    c.x >= lo.x && c.x <= hi.x && c.y >= lo.y && c.y <= hi.y
                })
                .map(|i| ix.get(i).code)
                .collect();
            codes.sort_unstable();
            codes
        };
        assert_eq!(count(&index), count(&rebuilt));
        assert_eq!(index.ids().count(), items.len());
    }
}
