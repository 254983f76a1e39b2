//! Door plates in memory: cell grids of plate points at three sizes for
//! "nearest door plate" (the finest also answers "plates in this box"),
//! and just enough per plate to answer without the store.

use super::cell_grid::NearGrid;
use super::metric::LocalFrame;
use super::occupancy::Occupancy;
use geo::Coord;

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

/// The plate index.
pub struct PlateIndex {
    plates: Vec<Plate>,
    /// Plate locations, in the order of `plates`.
    points: Vec<[f64; 2]>,
    /// Plates by cell: the finest level answers box queries, all levels
    /// "nearest".
    grid: NearGrid<u32>,
    occupied: Occupancy,
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
        let (grid, occupied) = rayon::join(
            || NearGrid::build(&entries, &LEVELS),
            || Occupancy::build(entries.iter().map(|&(a, b, _)| (a, b))),
        );
        PlateIndex { plates, points, grid, occupied }
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

    /// The plates filed under the fine cells meeting the lon/lat box
    /// `lo..=hi` (some may lie just outside it), in the index's order.
    pub fn within(&self, lo: Coord<f64>, hi: Coord<f64>) -> impl Iterator<Item = u32> + '_ {
        self.grid.finest().within(lo, hi).copied()
    }

    /// Where plates were added, removed, moved or relabelled between `old`
    /// and this index (old and new places of a moved plate): one merge over
    /// both, which are kept in the same order.
    pub fn changed_since(&self, old: &PlateIndex) -> Vec<Coord<f64>> {
        let key = |ix: &PlateIndex, i: usize| (fine_cell(ix.points[i]), ix.plates[i].code);
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
        loop {
            let older = match (i < old.len(), j < self.len()) {
                (true, true) if key(old, i) == key(self, j) => {
                    if old.points[i] != self.points[j] || old.plates[i].label != self.plates[j].label {
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
        out
    }

    /// Number of plates.
    pub fn len(&self) -> usize {
        self.plates.len()
    }

    /// Whether there are no plates.
    pub fn is_empty(&self) -> bool {
        self.plates.is_empty()
    }

    /// One plate.
    pub fn get(&self, i: u32) -> &Plate {
        &self.plates[i as usize]
    }

    /// Where plate `i` is.
    pub fn point(&self, i: u32) -> Coord<f64> {
        let p = self.points[i as usize];
        Coord { x: p[0], y: p[1] }
    }

    /// The metrically nearest plate within `max_m` metres; of plates at the
    /// same point, the one with the lowest code (a cell lists its plates in
    /// code order).
    pub fn nearest(&self, frame: &LocalFrame, max_m: f64) -> Option<NearestPlate> {
        if !self.occupied.any_within(frame.origin(), frame.degrees_covering(max_m)) {
            return None;
        }
        let (distance_m, index) =
            self.grid.nearest(frame, max_m, |&i| frame.distance2_to_point(self.point(i)))?;
        Some(NearestPlate { index, distance_m, at: self.point(index) })
    }
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
}
