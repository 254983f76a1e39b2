//! Door plates in memory: an R-tree of plate points for "nearest door
//! plate", with just enough per plate to answer without the store.

use super::metric::LocalFrame;
use super::occupancy::Occupancy;
use geo::Coord;
use rstar::{RStarInsertionStrategy, RTree, RTreeParams, primitives::GeomWithData};

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

/// The plate index.
pub struct PlateIndex {
    plates: Vec<Plate>,
    tree: RTree<GeomWithData<[f64; 2], u32>, NodeSize>,
    occupied: Occupancy,
}

impl PlateIndex {
    /// Bulk-loads the index from `(lon, lat, plate)` triples.
    pub fn build(items: Vec<([f64; 2], Plate)>) -> PlateIndex {
        let mut plates = Vec::with_capacity(items.len());
        let mut points = Vec::with_capacity(items.len());
        for (i, (p, plate)) in items.into_iter().enumerate() {
            plates.push(plate);
            points.push(GeomWithData::new(p, i as u32));
        }
        let occupied = Occupancy::build(points.iter().map(|p| {
            let c = Coord { x: p.geom()[0], y: p.geom()[1] };
            (c, c)
        }));
        PlateIndex { plates, tree: RTree::bulk_load_with_params(points), occupied }
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

    /// The metrically nearest plate within `max_m` metres.
    ///
    /// 1. plates in a small disc ([`FIRST_DISC_M`]) are measured; if the
    ///    nearest lies inside the disc it is the answer (nothing outside can
    ///    be nearer) — one cheap window query answers most urban points;
    /// 2. otherwise the nearest plate in degrees bounds the metric distance
    ///    from above, and every plate within the degree radius covering that
    ///    bound is measured exactly.
    pub fn nearest(&self, c: Coord<f64>, max_m: f64) -> Option<NearestPlate> {
        let frame = LocalFrame::new(c);
        if !self.occupied.any_within(c, frame.degrees_covering(max_m)) {
            return None;
        }
        let first_disc = FIRST_DISC_M.min(max_m);
        if let Some(found) = self.nearest_within(&frame, c, frame.degrees_covering(first_disc))
            && found.distance_m <= first_disc
        {
            return Some(found);
        }
        let first = self.tree.nearest_neighbor(&[c.x, c.y])?;
        let bound = frame.distance_to_point(Coord { x: first.geom()[0], y: first.geom()[1] });
        self.nearest_within(&frame, c, frame.degrees_covering(bound.min(max_m)))
            .filter(|n| n.distance_m <= max_m)
    }

    /// The metrically nearest of the plates within `r` degrees of `c`.
    fn nearest_within(&self, frame: &LocalFrame, c: Coord<f64>, r: f64) -> Option<NearestPlate> {
        let mut best: Option<(f64, &GeomWithData<[f64; 2], u32>)> = None;
        for item in self.tree.locate_within_distance([c.x, c.y], r * r) {
            let d2 = frame.distance2_to_point(Coord { x: item.geom()[0], y: item.geom()[1] });
            if best.is_none_or(|(b, _)| d2 < b) {
                best = Some((d2, item));
            }
        }
        let (d2, item) = best?;
        let at = Coord { x: item.geom()[0], y: item.geom()[1] };
        Some(NearestPlate { index: item.data, distance_m: d2.sqrt(), at })
    }
}

/// Radius of the first, cheap search, metres.
pub const FIRST_DISC_M: f64 = 150.0;

/// R-tree node size tuned for point queries over millions of plates.
pub struct NodeSize;

impl RTreeParams for NodeSize {
    const MIN_SIZE: usize = 8;
    const MAX_SIZE: usize = 24;
    const REINSERTION_COUNT: usize = 6;
    type DefaultInsertionStrategy = RStarInsertionStrategy;
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
                .map(|(i, p)| (*p, Plate { code: i as u64, label: "".into(), division: 0 }))
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
