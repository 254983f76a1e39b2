//! Boundary markers in memory: an R-tree of marker points for box and
//! proximity queries.

use super::metric::LocalFrame;
use crate::store::MarkerRow;
use geo::{Coord, Rect};
use rstar::{AABB, RTree, primitives::GeomWithData};

/// The marker index.
pub struct MarkerIndex {
    markers: Vec<MarkerRow>,
    tree: RTree<GeomWithData<[f64; 2], u32>>,
}

impl MarkerIndex {
    /// Bulk-loads the index.
    pub fn build(markers: Vec<MarkerRow>) -> MarkerIndex {
        let tree = RTree::bulk_load(
            markers.iter().enumerate().map(|(i, m)| GeomWithData::new([m.lon, m.lat], i as u32)).collect(),
        );
        MarkerIndex { markers, tree }
    }

    /// Number of markers.
    pub fn len(&self) -> usize {
        self.markers.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.markers.is_empty()
    }

    /// One marker.
    pub fn get(&self, i: u32) -> &MarkerRow {
        &self.markers[i as usize]
    }

    /// Markers inside a box.
    pub fn in_bbox(&self, b: Rect<f64>) -> Vec<u32> {
        let env = AABB::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]);
        self.tree.locate_in_envelope(&env).map(|g| g.data).collect()
    }

    /// The `n` markers nearest to `c` that pass `keep`, nearest first, with distances in
    /// metres: candidates come in degree order and the walk stops once the
    /// metric lower bound of the next exceeds the `n`-th distance found.
    pub fn nearest(&self, c: Coord<f64>, n: usize, keep: impl Fn(&MarkerRow) -> bool) -> Vec<(u32, f64)> {
        let frame = LocalFrame::new(c);
        let mut best: Vec<(u32, f64)> = Vec::with_capacity(n + 1);
        if n == 0 {
            return best;
        }
        for (g, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[c.x, c.y]) {
            if !keep(&self.markers[g.data as usize]) {
                continue;
            }
            if best.len() == n && frame.lower_bound_m(d2.sqrt()) > best[n - 1].1 {
                break;
            }
            let d = frame.distance_to_point(Coord { x: g.geom()[0], y: g.geom()[1] });
            let at = best.partition_point(|b| b.1 <= d);
            if at < n {
                best.insert(at, (g.data, d));
                best.truncate(n);
            }
        }
        best
    }
}
