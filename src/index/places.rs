//! Places in memory: what `/places` filters and ranks on, and an R-tree of
//! their bounding boxes for `bbox=` and `near=`.

use super::tiers::TieredTree;
use crate::model::{DivisionCode, PlaceClass, PlaceStatus};
use geo::{BoundingRect, Centroid, Coord, Geometry, Rect};
use rstar::{AABB, primitives::GeomWithData, primitives::Rectangle};

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
    /// The same, as a place index (set by the index).
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

type Entry = GeomWithData<Rectangle<[f64; 2]>, u32>;

/// The place index. Snapshots share it: the places in a persistent vector
/// (a change copies the path to what it changes), the boxes in a tiered
/// R-tree (a changed place's old box stays, and is skipped).
#[derive(Clone)]
pub struct PlaceIndex {
    places: imbl::Vector<Place>,
    /// Whether each place's class carries door plates, apart from the
    /// records: the geocoder asks it of every place a street name names.
    carries_plates: Vec<bool>,
    /// Place index by store fid.
    by_fid: imbl::HashMap<i64, u32>,
    tree: TieredTree<Entry>,
}

fn entry(i: u32, p: &Place) -> Option<Entry> {
    let b = p.bbox?;
    Some(GeomWithData::new(Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]), i))
}

impl PlaceIndex {
    /// Builds from places and their geometries.
    pub fn build(items: Vec<(Place, Option<Geometry<f64>>)>) -> PlaceIndex {
        let mut places: Vec<Place> = items.into_iter().map(|(p, g)| located(p, g)).collect();
        let by_fid: imbl::HashMap<i64, u32> =
            places.iter().enumerate().map(|(i, p)| (p.fid, i as u32)).collect();
        for p in &mut places {
            p.successor = p.replaced_by.and_then(|f| by_fid.get(&f).copied());
        }
        let rects = places.iter().enumerate().filter_map(|(i, p)| entry(i as u32, p)).collect();
        let carries_plates = places.iter().map(|p| p.class.carries_plates()).collect();
        PlaceIndex { places: places.into(), carries_plates, by_fid, tree: TieredTree::build(rects) }
    }

    /// The index with `changed` places: each replaces the place of its id,
    /// or is added after the others. Returns the indices they hold.
    pub fn with_places(&self, changed: Vec<(Place, Option<Geometry<f64>>)>) -> (PlaceIndex, Vec<u32>) {
        let mut ix = self.clone();
        let mut at = Vec::with_capacity(changed.len());
        let mut rects = Vec::new();
        for (p, g) in changed {
            let p = located(p, g);
            let i = match self.by_fid.get(&p.fid) {
                Some(&i) => {
                    if self.places[i as usize].bbox != p.bbox {
                        rects.extend(entry(i, &p));
                    }
                    ix.carries_plates[i as usize] = p.class.carries_plates();
                    ix.places.set(i as usize, p);
                    i
                }
                None => {
                    let i = ix.places.len() as u32;
                    rects.extend(entry(i, &p));
                    ix.by_fid.insert(p.fid, i);
                    ix.carries_plates.push(p.class.carries_plates());
                    ix.places.push_back(p);
                    i
                }
            };
            at.push(i);
        }
        for &i in &at {
            let successor = ix.places[i as usize].replaced_by.and_then(|f| ix.by_fid.get(&f).copied());
            ix.places[i as usize].successor = successor;
        }
        ix.tree = ix.tree.with_added(rects);
        (ix, at)
    }

    /// The index of the place with store id `fid`.
    pub fn by_fid(&self, fid: i64) -> Option<u32> {
        self.by_fid.get(&fid).copied()
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
        // An entry is stale when its place's box moved since: the entry of
        // the box it has now is the one to answer.
        let current = |e: &&Entry| entry(e.data, &self.places[e.data as usize]).is_some_and(|c| c == **e);
        let mut ids: Vec<u32> = self.tree.intersecting(env).filter(current).map(|e| e.data).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}
