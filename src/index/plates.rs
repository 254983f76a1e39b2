//! Door plates in memory: a cell grid of plate points for "nearest door
//! plate", with just enough per plate to answer without the store.

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

/// Grid levels: cell size in degrees (the finest about 100 m, a few dozen
/// plates a cell in a dense city) and how far each is searched, metres.
const FINE_DEG: f64 = 0.001;
const LEVELS: [(f64, f64); 3] = [(FINE_DEG, 150.0), (0.004, 600.0), (0.016, f64::INFINITY)];

/// The plate index.
pub struct PlateIndex {
    plates: Vec<Plate>,
    /// Plate locations, in the order of `plates`.
    points: Vec<[f64; 2]>,
    grid: NearGrid<u32>,
    occupied: Occupancy,
}

impl PlateIndex {
    /// Builds the index from `(lon, lat, plate)` triples. Plates are kept
    /// in fine-cell order, so that the plates of neighbouring cells lie
    /// next to each other in memory.
    pub fn build(mut items: Vec<([f64; 2], Plate)>) -> PlateIndex {
        items.sort_by_key(|(p, _)| ((p[1] / FINE_DEG).floor() as i64, (p[0] / FINE_DEG).floor() as i64));
        let mut plates = Vec::with_capacity(items.len());
        let mut points = Vec::with_capacity(items.len());
        let mut entries = Vec::with_capacity(items.len());
        for (i, (p, plate)) in items.into_iter().enumerate() {
            plates.push(plate);
            points.push(p);
            let c = Coord { x: p[0], y: p[1] };
            entries.push((c, c, i as u32));
        }
        let (occupied, grid) = rayon::join(
            || Occupancy::build(entries.iter().map(|&(a, b, _)| (a, b))),
            || NearGrid::build(&entries, &LEVELS),
        );
        PlateIndex { plates, points, grid, occupied }
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

    /// The metrically nearest plate within `max_m` metres (a coarse
    /// occupancy bitmap first answers "none" for points far from any plate).
    pub fn nearest(&self, c: Coord<f64>, max_m: f64) -> Option<NearestPlate> {
        let frame = LocalFrame::new(c);
        if !self.occupied.any_within(c, frame.degrees_covering(max_m)) {
            return None;
        }
        let (distance_m, index) =
            self.grid.nearest(c, max_m, |&i| frame.distance2_to_point(self.point(i)))?;
        Some(NearestPlate { index, distance_m, at: self.point(index) })
    }
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
            match index.nearest(q, 2000.0) {
                Some(n) => assert!((n.distance_m - truth).abs() < 1e-6, "{q:?}: {} vs {truth}", n.distance_m),
                None => assert!(truth > 2000.0, "{q:?}: missed a plate at {truth} m"),
            }
        }
    }
}
