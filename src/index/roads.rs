//! Roads in memory: a cell grid of road segments for "nearest road".

use super::cell_grid::NearGrid;
use super::metric::LocalFrame;
use super::occupancy::Occupancy;
use geo::{Coord, LineString};

/// One road (a current place of a thoroughfare class).
#[derive(Debug, Clone)]
pub struct Road {
    /// Place id.
    pub place_fid: i64,
    /// Standard name.
    pub name: Box<str>,
}

/// The nearest road found.
#[derive(Debug, Clone, Copy)]
pub struct NearestRoad {
    /// Index into [`RoadIndex::get`].
    pub index: u32,
    /// Distance, metres.
    pub distance_m: f64,
}

/// Grid levels: cell size in degrees (the finest about 200 m) and how far
/// each is searched, metres.
const LEVELS: [(f64, f64); 3] = [(0.002, 300.0), (0.008, 1200.0), (0.032, f64::INFINITY)];

/// A segment of a road's centreline and the road's index.
type Segment = (Coord<f64>, Coord<f64>, u32);

/// The road index.
pub struct RoadIndex {
    roads: Vec<Road>,
    grid: NearGrid<Segment>,
    occupied: Occupancy,
}

impl RoadIndex {
    /// Builds from roads and their centrelines.
    pub fn build(items: Vec<(Road, Vec<LineString<f64>>)>) -> RoadIndex {
        let mut roads = Vec::with_capacity(items.len());
        let mut segs = Vec::new();
        for (i, (road, lines)) in items.into_iter().enumerate() {
            for ls in &lines {
                for l in ls.lines() {
                    let (a, b) = (l.start, l.end);
                    let lo = Coord { x: a.x.min(b.x), y: a.y.min(b.y) };
                    let hi = Coord { x: a.x.max(b.x), y: a.y.max(b.y) };
                    segs.push((lo, hi, (a, b, i as u32)));
                }
            }
            roads.push(road);
        }
        let occupied = Occupancy::build(segs.iter().map(|&(lo, hi, _)| (lo, hi)));
        RoadIndex { roads, grid: NearGrid::build(&segs, &LEVELS), occupied }
    }

    /// Number of roads.
    pub fn len(&self) -> usize {
        self.roads.len()
    }

    /// Whether there are no roads.
    pub fn is_empty(&self) -> bool {
        self.roads.is_empty()
    }

    /// One road.
    pub fn get(&self, i: u32) -> &Road {
        &self.roads[i as usize]
    }

    /// The metrically nearest road within `max_m` metres.
    pub fn nearest(&self, frame: &LocalFrame, max_m: f64) -> Option<NearestRoad> {
        if !self.occupied.any_within(frame.origin(), frame.degrees_covering(max_m)) {
            return None;
        }
        let (distance_m, (_, _, index)) =
            self.grid.nearest(frame, max_m, |&(a, b, _)| frame.distance2_to_segment(a, b))?;
        Some(NearestRoad { index, distance_m })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn the_nearest_road_is_the_one_a_full_scan_finds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let lines: Vec<LineString<f64>> = (0..300)
            .map(|_| {
                let (x, y) = (121.5 + rng.random_range(-0.2..0.2), 29.8 + rng.random_range(-0.2..0.2));
                LineString::from(
                    (0..5)
                        .map(|k| {
                            (x + k as f64 * rng.random_range(0.0..0.01), y + rng.random_range(-0.005..0.005))
                        })
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        let index = RoadIndex::build(
            lines.iter().map(|l| (Road { place_fid: 0, name: "".into() }, vec![l.clone()])).collect(),
        );
        for _ in 0..2000 {
            let q =
                Coord { x: 121.5 + rng.random_range(-0.25..0.25), y: 29.8 + rng.random_range(-0.25..0.25) };
            let frame = LocalFrame::new(q);
            let truth = lines
                .iter()
                .flat_map(|l| l.lines())
                .map(|s| frame.distance_to_segment(s.start, s.end))
                .fold(f64::INFINITY, f64::min);
            match index.nearest(&frame, 2000.0) {
                Some(n) => assert!((n.distance_m - truth).abs() < 1e-6, "{q:?}: {} vs {truth}", n.distance_m),
                None => assert!(truth > 2000.0, "{q:?}: missed a road at {truth} m"),
            }
        }
    }
}
