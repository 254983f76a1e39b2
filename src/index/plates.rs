//! Door plates in memory: an R-tree of plate points for "nearest door
//! plate", with just enough per plate to answer without the store.

use super::metric::LocalFrame;
use geo::Coord;
use rstar::{RTree, primitives::GeomWithData};

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
    tree: RTree<GeomWithData<[f64; 2], u32>>,
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
        PlateIndex {
            plates,
            tree: RTree::bulk_load(points),
        }
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
    pub fn nearest(&self, c: Coord<f64>, max_m: f64) -> Option<NearestPlate> {
        let frame = LocalFrame::new(c);
        let mut best: Option<NearestPlate> = None;
        for (item, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[c.x, c.y]) {
            let bound = frame.lower_bound_m(d2.sqrt());
            if bound > max_m || best.is_some_and(|b| bound > b.distance_m) {
                break;
            }
            let at = Coord {
                x: item.geom()[0],
                y: item.geom()[1],
            };
            let d = frame.distance_to_point(at);
            if d <= max_m && best.is_none_or(|b| d < b.distance_m) {
                best = Some(NearestPlate {
                    index: item.data,
                    distance_m: d,
                    at,
                });
            }
        }
        best
    }
}
