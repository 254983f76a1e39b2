//! Places in memory: what `/places` filters and ranks on, and an R-tree of
//! their bounding boxes for `bbox=` and `near=`.

use crate::model::{DivisionCode, PlaceClass, PlaceStatus};
use geo::{BoundingRect, Centroid, Coord, Geometry, Rect};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

/// One place.
#[derive(Debug, Clone)]
pub struct Place {
    /// Place id (store fid).
    pub fid: i64,
    /// Class.
    pub class: PlaceClass,
    /// Standard name.
    pub name: String,
    /// Romanised spelling.
    pub pinyin: String,
    /// Division code it lies in.
    pub division_code: DivisionCode,
    /// `current`, `historical`, `retired`.
    pub status: PlaceStatus,
    /// A representative point (centroid), lon/lat.
    pub point: Option<Coord<f64>>,
    /// Bounding box.
    pub bbox: Option<Rect<f64>>,
    /// The place that carries the name on after a rename (store fid).
    pub replaced_by: Option<i64>,
    /// The same, as a place index (set by [`PlaceIndex::build`]).
    pub successor: Option<u32>,
}

/// A place with its point and box taken from its geometry.
fn located(mut p: Place, g: Option<Geometry<f64>>) -> Place {
    if let Some(g) = g {
        p.bbox = g.bounding_rect();
        p.point = g.centroid().map(|c| c.0);
    }
    p
}

/// The place index.
#[derive(Clone)]
pub struct PlaceIndex {
    places: Vec<Place>,
    /// Whether each place's class carries door plates, apart from the
    /// records: the geocoder asks it of every place a street name names.
    carries_plates: Vec<bool>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

impl PlaceIndex {
    /// Builds from places and their geometries.
    pub fn build(items: Vec<(Place, Option<Geometry<f64>>)>) -> PlaceIndex {
        let places = items.into_iter().map(|(p, g)| located(p, g)).collect();
        PlaceIndex::from_places(places)
    }

    /// The index with `changed` places: each replaces the place of its id,
    /// or is added after the others. Returns the indices they hold.
    pub fn with_places(&self, changed: Vec<(Place, Option<Geometry<f64>>)>) -> (PlaceIndex, Vec<u32>) {
        let mut places = self.places.clone();
        let by_fid: std::collections::HashMap<i64, u32> =
            places.iter().enumerate().map(|(i, p)| (p.fid, i as u32)).collect();
        let mut at = Vec::with_capacity(changed.len());
        for (p, g) in changed {
            let p = located(p, g);
            match by_fid.get(&p.fid) {
                Some(&i) => {
                    places[i as usize] = p;
                    at.push(i);
                }
                None => {
                    at.push(places.len() as u32);
                    places.push(p);
                }
            }
        }
        (PlaceIndex::from_places(places), at)
    }

    fn from_places(mut places: Vec<Place>) -> PlaceIndex {
        let rects = places
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let b = p.bbox?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                    i as u32,
                ))
            })
            .collect();
        let by_fid: std::collections::HashMap<i64, u32> =
            places.iter().enumerate().map(|(i, p)| (p.fid, i as u32)).collect();
        for p in &mut places {
            p.successor = p.replaced_by.and_then(|f| by_fid.get(&f).copied());
        }
        let carries_plates = places.iter().map(|p| p.class.carries_plates()).collect();
        PlaceIndex { places, carries_plates, tree: RTree::bulk_load(rects) }
    }

    /// Number of places.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// One place.
    pub fn get(&self, i: u32) -> &Place {
        &self.places[i as usize]
    }

    /// Whether place `i` is a road, street, lane or compound (door plates
    /// hang off it).
    pub fn carries_plates(&self, i: u32) -> bool {
        self.carries_plates[i as usize]
    }

    /// The current place a renamed place's name passed to (following
    /// several renames), or the place itself.
    pub fn current(&self, mut i: u32) -> u32 {
        for _ in 0..16 {
            match self.places[i as usize].successor {
                Some(n) => i = n,
                None => break,
            }
        }
        i
    }

    /// Every place index.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        0..self.places.len() as u32
    }

    /// Places whose bounding box meets `bbox` (lon/lat).
    pub fn in_bbox(&self, bbox: Rect<f64>) -> Vec<u32> {
        let env = AABB::from_corners([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y]);
        self.tree.locate_in_envelope_intersecting(&env).map(|g| g.data).collect()
    }
}
