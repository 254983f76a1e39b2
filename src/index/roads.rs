//! Roads in memory: an R-tree of road segments for "nearest road".

use super::metric::LocalFrame;
use super::occupancy::Occupancy;
use geo::{Coord, LineString};
use rstar::{RTree, primitives::GeomWithData, primitives::Line};

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

/// The road index.
pub struct RoadIndex {
    roads: Vec<Road>,
    tree: RTree<GeomWithData<Line<[f64; 2]>, u32>>,
    occupied: Occupancy,
}

impl RoadIndex {
    /// Bulk-loads from roads and their centrelines.
    pub fn build(items: Vec<(Road, Vec<LineString<f64>>)>) -> RoadIndex {
        let mut roads = Vec::with_capacity(items.len());
        let mut segs = Vec::new();
        for (i, (road, lines)) in items.into_iter().enumerate() {
            for ls in &lines {
                for l in ls.lines() {
                    segs.push(GeomWithData::new(
                        Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]),
                        i as u32,
                    ));
                }
            }
            roads.push(road);
        }
        let occupied = Occupancy::build(segs.iter().map(|s| {
            let (a, b) = (s.geom().from, s.geom().to);
            (Coord { x: a[0].min(b[0]), y: a[1].min(b[1]) }, Coord { x: a[0].max(b[0]), y: a[1].max(b[1]) })
        }));
        RoadIndex { roads, tree: RTree::bulk_load(segs), occupied }
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

    /// The metrically nearest road within `max_m` metres: the nearest
    /// segment in degrees bounds the answer's metric distance from above,
    /// then every segment within the degree radius covering that bound is
    /// measured exactly.
    pub fn nearest(&self, c: Coord<f64>, max_m: f64) -> Option<NearestRoad> {
        let frame = LocalFrame::new(c);
        if !self.occupied.any_within(c, frame.degrees_covering(max_m)) {
            return None;
        }
        let seg2 = |l: &Line<[f64; 2]>| {
            frame.distance2_to_segment(Coord { x: l.from[0], y: l.from[1] }, Coord { x: l.to[0], y: l.to[1] })
        };
        let first = self.tree.nearest_neighbor(&[c.x, c.y])?;
        let r = frame.degrees_covering(seg2(first.geom()).sqrt().min(max_m));
        let mut best: Option<(f64, u32)> = None;
        for item in self.tree.locate_within_distance([c.x, c.y], r * r) {
            let d2 = seg2(item.geom());
            if best.is_none_or(|(b, _)| d2 < b) {
                best = Some((d2, item.data));
            }
        }
        let (d2, index) = best?;
        (d2.sqrt() <= max_m).then_some(NearestRoad { index, distance_m: d2.sqrt() })
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
            match index.nearest(q, 2000.0) {
                Some(n) => assert!((n.distance_m - truth).abs() < 1e-6, "{q:?}: {} vs {truth}", n.distance_m),
                None => assert!(truth > 2000.0, "{q:?}: missed a road at {truth} m"),
            }
        }
    }
}
