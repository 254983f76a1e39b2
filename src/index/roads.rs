//! Roads in memory: an R-tree of road segments for "nearest road".

use super::metric::LocalFrame;
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
        RoadIndex {
            roads,
            tree: RTree::bulk_load(segs),
        }
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
    pub fn nearest(&self, c: Coord<f64>, max_m: f64) -> Option<NearestRoad> {
        let frame = LocalFrame::new(c);
        let mut best: Option<NearestRoad> = None;
        for (item, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[c.x, c.y]) {
            let bound = frame.lower_bound_m(d2.sqrt());
            if bound > max_m || best.is_some_and(|b| bound > b.distance_m) {
                break;
            }
            let l = item.geom();
            let d = frame.distance_to_segment(
                Coord {
                    x: l.from[0],
                    y: l.from[1],
                },
                Coord {
                    x: l.to[0],
                    y: l.to[1],
                },
            );
            if d <= max_m && best.is_none_or(|b| d < b.distance_m) {
                best = Some(NearestRoad {
                    index: item.data,
                    distance_m: d,
                });
            }
        }
        best
    }
}
