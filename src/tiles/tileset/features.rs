//! The points and lines of the tileset: places drawn as points, roads,
//! kilometre markers and door plates, each in an R-tree, with a
//! fingerprint per feature.

use super::fingerprints::{Fingerprints, geometry_hash, hash_of, point_box};
use crate::index::PlateIndex;
use crate::model::{PlaceClass, PlaceStatus};
use crate::store::{MarkerRow, PlaceRow};
use crate::tiles::coverage::{Boxed, bbox};
use crate::tiles::encode::{Value, s};
use crate::tiles::layers::{self, place_class};
use crate::tiles::world::{WorldPoint, to_world};
use geo::{Centroid, Coord, Geometry, InteriorPoint, LineString};
use rstar::RTree;
use std::sync::Arc;

/// A place drawn as a point.
#[derive(Clone)]
pub(super) struct PlacePoint {
    pub(super) attrs: PlaceAttrs,
    pub(super) minzoom: u8,
    pub(super) rank: i64,
    pub(super) at: WorldPoint,
}

/// A road.
#[derive(Clone)]
pub(super) struct RoadLine {
    pub(super) attrs: PlaceAttrs,
    pub(super) lines: Vec<Vec<WorldPoint>>,
}

/// What the `place` and `road` layers say of a place.
#[derive(Clone)]
pub(super) struct PlaceAttrs {
    pub(super) id: i64,
    name: Box<str>,
    class: PlaceClass,
    pinyin: Box<str>,
    status: PlaceStatus,
}

impl PlaceAttrs {
    fn new(p: PlaceRow) -> PlaceAttrs {
        PlaceAttrs {
            id: p.fid,
            name: p.name.into(),
            class: p.class,
            pinyin: p.pinyin.into(),
            status: p.status,
        }
    }

    pub(super) fn props(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Int(self.id)),
            ("name", s(&self.name)),
            ("class", s(self.class.as_str())),
            ("pinyin", s(&self.pinyin)),
            ("status", s(self.status.as_str())),
        ]
    }
}

/// The points and lines of the tileset.
pub struct Features {
    pub(super) places: Vec<Arc<PlacePoint>>,
    pub(super) place_tree: RTree<Boxed>,
    pub(super) roads: Vec<Arc<RoadLine>>,
    pub(super) road_tree: RTree<Boxed>,
    /// Door plates: the service shares its index's (read apart for a
    /// tile build); none when the tile set has no door-plate layer.
    pub(super) plates: Option<Arc<PlateIndex>>,
    pub(super) markers: Vec<MarkerRow>,
    pub(super) marker_at: Vec<WorldPoint>,
    pub(super) marker_tree: RTree<Boxed>,
}

fn world_lines(g: &Geometry<f64>) -> Vec<Vec<WorldPoint>> {
    let line = |l: &LineString<f64>| l.0.iter().map(|c| to_world(*c)).collect::<Vec<_>>();
    match g {
        Geometry::LineString(l) => vec![line(l)],
        Geometry::MultiLineString(m) => m.0.iter().map(line).collect(),
        _ => Vec::new(),
    }
}

fn representative_point(g: &Geometry<f64>) -> Option<Coord<f64>> {
    match g {
        Geometry::Point(p) => Some(p.0),
        Geometry::Polygon(_) | Geometry::MultiPolygon(_) => g.interior_point().map(|p| p.0),
        _ => g.centroid().map(|p| p.0),
    }
}

/// Adds a place to the point or road features with its fingerprint.
fn add_place(
    p: PlaceRow,
    points: &mut Vec<Arc<PlacePoint>>,
    roads: &mut Vec<Arc<RoadLine>>,
    prints: &mut Fingerprints,
) {
    let Some(g) = &p.geom else { return };
    let thoroughfare = p.class.is_thoroughfare();
    // Hashed as the text the rows held, so a fingerprint is what it was.
    let content = hash_of((&p.name, p.class.as_str(), &p.pinyin, p.status.as_str(), geometry_hash(g)));
    if thoroughfare {
        let lines = world_lines(g);
        if lines.is_empty() {
            return;
        }
        prints.insert((6, p.fid as u64), (content, bbox(lines.iter().flatten())));
        roads.push(Arc::new(RoadLine { attrs: PlaceAttrs::new(p), lines }));
    } else if let (Some((minzoom, rank)), Some(c)) = (place_class(p.class.as_str()), representative_point(g))
    {
        let at = to_world(c);
        prints.insert((7, p.fid as u64), (content, point_box(at)));
        points.push(Arc::new(PlacePoint { attrs: PlaceAttrs::new(p), minzoom, rank, at }));
    }
}

/// The R-trees of place points and of roads.
fn place_trees(points: &[Arc<PlacePoint>], roads: &[Arc<RoadLine>]) -> (RTree<Boxed>, RTree<Boxed>) {
    let place_tree = RTree::bulk_load(
        points.iter().enumerate().map(|(i, p)| Boxed { bbox: point_box(p.at), id: i as u32 }).collect(),
    );
    let road_tree = RTree::bulk_load(
        roads
            .iter()
            .enumerate()
            .map(|(i, r)| Boxed { bbox: bbox(r.lines.iter().flatten()), id: i as u32 })
            .collect(),
    );
    (place_tree, road_tree)
}

impl Features {
    /// These features with the places `changed` (rows of any status: a
    /// place no longer current leaves) and `plates`.
    pub(super) fn with_changes(
        &self,
        changed: &[PlaceRow],
        plates: Option<Arc<PlateIndex>>,
        prints: &mut Fingerprints,
    ) -> Features {
        let fids: rustc_hash::FxHashSet<i64> = changed.iter().map(|p| p.fid).collect();
        for &fid in &fids {
            prints.remove(&(6, fid as u64));
            prints.remove(&(7, fid as u64));
        }
        // The features are shared with the set before: a change copies
        // pointers, not geometries.
        let mut points: Vec<Arc<PlacePoint>> =
            self.places.iter().filter(|p| !fids.contains(&p.attrs.id)).cloned().collect();
        let mut roads: Vec<Arc<RoadLine>> =
            self.roads.iter().filter(|r| !fids.contains(&r.attrs.id)).cloned().collect();
        for p in changed.iter().filter(|p| p.status == PlaceStatus::Current) {
            add_place(p.clone(), &mut points, &mut roads, prints);
        }
        let (place_tree, road_tree) = place_trees(&points, &roads);
        Features {
            places: points,
            place_tree,
            roads,
            road_tree,
            plates,
            markers: self.markers.clone(),
            marker_at: self.marker_at.clone(),
            marker_tree: self.marker_tree.clone(),
        }
    }

    pub(super) fn build(
        places: Vec<PlaceRow>,
        plates: Option<Arc<PlateIndex>>,
        markers: Vec<MarkerRow>,
        prints: &mut Fingerprints,
    ) -> Features {
        let mut points = Vec::new();
        let mut roads = Vec::new();
        for p in places {
            add_place(p, &mut points, &mut roads, prints);
        }
        let (place_tree, road_tree) = place_trees(&points, &roads);
        let marker_at: Vec<WorldPoint> =
            markers.iter().map(|m| to_world(Coord { x: m.lon, y: m.lat })).collect();
        for (m, at) in markers.iter().zip(&marker_at) {
            let content = hash_of((&m.line_code, m.kind.as_str(), m.condition.as_str(), at));
            prints.insert((9, hash_of(&m.number)), (content, point_box(*at)));
        }
        let marker_tree = RTree::bulk_load(
            marker_at.iter().enumerate().map(|(i, p)| Boxed { bbox: point_box(*p), id: i as u32 }).collect(),
        );
        Features { places: points, place_tree, roads, road_tree, plates, markers, marker_at, marker_tree }
    }
}

/// The first zoom of layer `id`.
pub(super) fn layer_min(id: &str) -> u8 {
    layers::layer(id).map_or(u8::MAX, |l| l.minzoom)
}
