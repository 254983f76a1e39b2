//! Roads in memory: a cell grid of road segments for "nearest road".

use super::cell_grid::NearGrid;
use super::dead::DeadSet;
use super::metric::LocalFrame;
use super::occupancy::Occupancy;
use geo::{Coord, LineString};
use rustc_hash::FxHashMap;
use std::sync::Arc;

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

/// The two ends of a segment.
type Ends = (Coord<f64>, Coord<f64>);

/// A segment of a road's centreline and the road's index.
type Segment = (Coord<f64>, Coord<f64>, u32);

/// The road index: a grid built once, and the roads changed since (roads
/// no longer current marked; new or changed ones numbered after the base's,
/// in tiers with grids of their own, sized by segments: see `tiers.rs`).
#[derive(Clone)]
pub struct RoadIndex {
    base: Arc<RoadBase>,
    /// Road ids no longer current.
    dead: DeadSet,
    /// Roads added since the base, oldest tier first; ids follow the base's.
    tiers: Vec<Arc<RoadTier>>,
}

struct RoadBase {
    roads: Vec<Road>,
    /// Road ids by place id.
    by_place: FxHashMap<i64, Vec<u32>>,
    grid: NearGrid<Segment>,
    occupied: Occupancy,
}

/// Roads added together (or merged), with ids `first..first + roads.len()`.
struct RoadTier {
    first: u32,
    roads: Vec<(Road, Vec<Ends>)>,
    /// The segments of the roads current when the tier was built.
    grid: Option<NearGrid<Segment>>,
    segments: usize,
}

fn segments(lines: &[LineString<f64>]) -> impl Iterator<Item = Ends> + '_ {
    lines.iter().flat_map(|ls| ls.lines().map(|l| (l.start, l.end)))
}

fn boxed((a, b): Ends, i: u32) -> (Coord<f64>, Coord<f64>, Segment) {
    let lo = Coord { x: a.x.min(b.x), y: a.y.min(b.y) };
    let hi = Coord { x: a.x.max(b.x), y: a.y.max(b.y) };
    (lo, hi, (a, b, i))
}

impl RoadTier {
    fn build(first: u32, roads: Vec<(Road, Vec<Ends>)>, dead: &DeadSet) -> RoadTier {
        let segs: Vec<(Coord<f64>, Coord<f64>, Segment)> = roads
            .iter()
            .enumerate()
            .map(|(k, r)| (first + k as u32, r))
            .filter(|&(i, _)| !dead.contains(i))
            .flat_map(|(i, (_, ends))| ends.iter().map(move |&e| boxed(e, i)))
            .collect();
        let grid = (!segs.is_empty()).then(|| NearGrid::build(&segs, &LEVELS));
        RoadTier { first, roads, grid, segments: segs.len() }
    }

    fn ids(&self) -> std::ops::Range<u32> {
        self.first..self.first + self.roads.len() as u32
    }
}

impl RoadIndex {
    /// Builds from roads and their centrelines.
    pub fn build(items: Vec<(Road, Vec<LineString<f64>>)>) -> RoadIndex {
        let mut roads = Vec::with_capacity(items.len());
        let mut segs = Vec::new();
        let mut by_place: FxHashMap<i64, Vec<u32>> = FxHashMap::default();
        for (i, (road, lines)) in items.into_iter().enumerate() {
            segs.extend(segments(&lines).map(|e| boxed(e, i as u32)));
            by_place.entry(road.place_fid).or_default().push(i as u32);
            roads.push(road);
        }
        let occupied = Occupancy::build(segs.iter().map(|&(lo, hi, _)| (lo, hi)));
        let base = RoadBase { roads, by_place, grid: NearGrid::build(&segs, &LEVELS), occupied };
        RoadIndex { base: Arc::new(base), dead: DeadSet::default(), tiers: Vec::new() }
    }

    /// The index after the places `fids` changed: their roads leave it,
    /// and `current` (the current roads among them) enter it.
    pub fn with_changes(&self, fids: &[i64], current: Vec<(Road, Vec<LineString<f64>>)>) -> RoadIndex {
        let mut dead = self.dead.clone();
        for fid in fids {
            for &i in self.base.by_place.get(fid).into_iter().flatten() {
                dead.insert(i);
            }
        }
        for t in &self.tiers {
            for (i, _) in t.ids().zip(&t.roads).filter(|(_, r)| fids.contains(&r.0.place_fid)) {
                dead.insert(i);
            }
        }
        let mut tiers = self.tiers.clone();
        let mut roads: Vec<(Road, Vec<Ends>)> =
            current.into_iter().map(|(road, lines)| (road, segments(&lines).collect())).collect();
        let mut first = self.id_count() as u32;
        let size = roads.iter().map(|r| r.1.len()).sum();
        let absorbed = super::tiers::absorbed(&mut tiers, size, |t| t.segments);
        let merging = !absorbed.is_empty();
        for last in absorbed {
            // Road ids are an index's own (nothing outside it keeps them),
            // so a merge drops the roads no longer current and numbers the
            // rest afresh: a renamed road's old geometry does not pile up.
            let mut merged: Vec<(Road, Vec<Ends>)> = last
                .ids()
                .zip(&last.roads)
                .filter(|&(i, _)| !dead.contains(i))
                .map(|(_, r)| r.clone())
                .collect();
            merged.append(&mut roads);
            roads = merged;
            first = last.first;
        }
        if merging {
            dead.clear_from(first);
        }
        if !roads.is_empty() {
            tiers.push(Arc::new(RoadTier::build(first, roads, &dead)));
        }
        RoadIndex { base: self.base.clone(), dead, tiers }
    }

    /// How many roads the overlay holds (added, and no longer current).
    pub fn overlay_len(&self) -> usize {
        self.tiers.iter().map(|t| t.roads.len()).sum::<usize>() + self.dead.len()
    }

    fn id_count(&self) -> usize {
        self.tiers.last().map_or(self.base.roads.len(), |t| t.ids().end as usize)
    }

    /// Number of current roads.
    pub fn len(&self) -> usize {
        self.id_count() - self.dead.len()
    }

    /// Whether there are no roads.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One road.
    pub fn get(&self, i: u32) -> &Road {
        let n = self.base.roads.len();
        if (i as usize) < n {
            return &self.base.roads[i as usize];
        }
        let t = self.tiers.partition_point(|t| t.ids().end <= i);
        let tier = &self.tiers[t.min(self.tiers.len() - 1)];
        &tier.roads[(i - tier.first) as usize].0
    }

    /// The metrically nearest current road within `max_m` metres.
    pub fn nearest(&self, frame: &LocalFrame, max_m: f64) -> Option<NearestRoad> {
        let b = &self.base;
        let base = if !b.occupied.any_within(frame.origin(), frame.degrees_covering(max_m)) {
            None
        } else if self.dead.is_empty() {
            b.grid.nearest(frame, max_m, |&(a, b, _)| frame.distance2_to_segment(a, b))
        } else {
            b.grid.nearest(frame, max_m, |&(a, b, i)| {
                if self.dead.contains(i) { f64::INFINITY } else { frame.distance2_to_segment(a, b) }
            })
        };
        // A tier's grid holds the roads current when it was built; those
        // retired since are skipped.
        let mut best = base.map(|(d, (_, _, i))| (d, i));
        for t in &self.tiers {
            let found = t.grid.as_ref().and_then(|g| {
                g.nearest(frame, max_m, |&(a, b, i)| {
                    if self.dead.contains(i) { f64::INFINITY } else { frame.distance2_to_segment(a, b) }
                })
            });
            best = super::metric::nearer(best, found.map(|(d, (_, _, i))| (d, i)));
        }
        let (distance_m, index) = best?;
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

    #[test]
    fn changed_roads_answer_as_a_rebuilt_index_would() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut line = || {
            let (x, y) = (121.5 + rng.random_range(-0.05..0.05), 29.8 + rng.random_range(-0.05..0.05));
            LineString::from(vec![(x, y), (x + 0.004, y + 0.001), (x + 0.006, y - 0.002)])
        };
        let road = |fid: i64| Road { place_fid: fid, name: format!("路{fid}").into() };
        let mut items: Vec<(Road, Vec<LineString<f64>>)> =
            (0..200).map(|f| (road(f), vec![line()])).collect();
        let index = RoadIndex::build(items.clone());
        // Roads 0..40 move, 40..60 are retired, 200..220 are new.
        let moved: Vec<(Road, Vec<LineString<f64>>)> = (0..40).map(|f| (road(f), vec![line()])).collect();
        let new: Vec<(Road, Vec<LineString<f64>>)> = (200..220).map(|f| (road(f), vec![line()])).collect();
        let fids: Vec<i64> = (0..60).chain(200..220).collect();
        let changed = index.with_changes(&fids, moved.iter().chain(&new).cloned().collect());
        items.retain(|(r, _)| r.place_fid >= 60);
        items.extend(moved.into_iter().chain(new));
        let rebuilt = RoadIndex::build(items);
        assert_eq!(changed.len(), rebuilt.len());
        for _ in 0..2000 {
            let q =
                Coord { x: 121.5 + rng.random_range(-0.06..0.06), y: 29.8 + rng.random_range(-0.06..0.06) };
            let frame = LocalFrame::new(q);
            let (a, b) = (changed.nearest(&frame, 3000.0), rebuilt.nearest(&frame, 3000.0));
            assert_eq!(a.is_some(), b.is_some(), "{q:?}");
            if let (Some(a), Some(b)) = (a, b) {
                assert!((a.distance_m - b.distance_m).abs() < 1e-6, "{q:?}");
                assert_eq!(changed.get(a.index).place_fid, rebuilt.get(b.index).place_fid, "{q:?}");
            }
        }
    }

    #[test]
    fn roads_changed_one_at_a_time_answer_as_a_rebuilt_index_in_few_tiers() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut line = || {
            let (x, y) = (121.5 + rng.random_range(-0.05..0.05), 29.8 + rng.random_range(-0.05..0.05));
            LineString::from(vec![(x, y), (x + 0.003, y + 0.001), (x + 0.005, y - 0.001)])
        };
        let road = |fid: i64| Road { place_fid: fid, name: format!("路{fid}").into() };
        let mut items: Vec<(Road, Vec<LineString<f64>>)> =
            (0..100).map(|f| (road(f), vec![line()])).collect();
        let mut index = RoadIndex::build(items.clone());
        // 400 changes of one road each: a new road, a move of an old or a
        // new one, or a retirement.
        for k in 0..400i64 {
            let fid = match k % 4 {
                0 | 1 => 100 + k,
                2 => k % 100,
                _ => 100 + k - 3,
            };
            items.retain(|(r, _)| r.place_fid != fid);
            let current: Vec<(Road, Vec<LineString<f64>>)> =
                if k % 4 == 3 { vec![] } else { vec![(road(fid), vec![line()])] };
            items.extend(current.iter().cloned());
            index = index.with_changes(&[fid], current);
        }
        assert!(index.tiers.len() <= 8, "{} tiers after 400 changes", index.tiers.len());
        let rebuilt = RoadIndex::build(items);
        assert_eq!(index.len(), rebuilt.len());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        for _ in 0..2000 {
            let q =
                Coord { x: 121.5 + rng.random_range(-0.06..0.06), y: 29.8 + rng.random_range(-0.06..0.06) };
            let frame = LocalFrame::new(q);
            let (a, b) = (index.nearest(&frame, 3000.0), rebuilt.nearest(&frame, 3000.0));
            assert_eq!(a.is_some(), b.is_some(), "{q:?}");
            if let (Some(a), Some(b)) = (a, b) {
                assert!((a.distance_m - b.distance_m).abs() < 1e-6, "{q:?}");
                assert_eq!(index.get(a.index).place_fid, rebuilt.get(b.index).place_fid, "{q:?}");
            }
        }
    }
}
