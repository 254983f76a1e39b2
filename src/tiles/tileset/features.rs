//! The points and lines of the tileset: places drawn as points, roads,
//! kilometre markers and door plates, each in an R-tree, with a
//! fingerprint per feature.

use super::fingerprints::{Fingerprints, geometry_hash, hash_of, point_box};
use crate::index::PlateIndex;
use crate::index::tiers::TieredTree;
use crate::model::{PlaceClass, PlaceStatus};
use crate::store::{MarkerRow, PlaceRow};
use crate::tiles::coverage::{Boxed, bbox};
use crate::tiles::encode::{Value, s};
use crate::tiles::layers::{self, place_class};
use crate::tiles::world::{WorldPoint, to_world};
use geo::{Centroid, Coord, Geometry, InteriorPoint, LineString};
use rstar::{AABB, RTree};
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

/// The points and lines of the tileset. Places and roads sit in slots that
/// never move (a change empties a place's slot and gives it a new one) in
/// persistent vectors, their boxes in tiered R-trees whose entries of an
/// emptied slot are skipped, so a change costs what it adds.
#[derive(Clone)]
pub struct Features {
    pub(super) places: imbl::Vector<Option<Arc<PlacePoint>>>,
    pub(super) place_tree: TieredTree<Boxed>,
    pub(super) roads: imbl::Vector<Option<Arc<RoadLine>>>,
    pub(super) road_tree: TieredTree<Boxed>,
    /// The slot of each place's feature, by place id.
    slots: imbl::HashMap<i64, Slot>,
    /// Door plates: the service shares its index's (read apart for a
    /// tile build); none when the tile set has no door-plate layer.
    pub(super) plates: Option<Arc<PlateIndex>>,
    pub(super) markers: Arc<Vec<MarkerRow>>,
    pub(super) marker_at: Arc<Vec<WorldPoint>>,
    pub(super) marker_tree: Arc<RTree<Boxed>>,
}

/// Where a place's feature is.
#[derive(Clone, Copy)]
enum Slot {
    Point(u32),
    Road(u32),
}

/// Features being added: the new slots' boxes for the trees.
#[derive(Default)]
struct Added {
    places: Vec<Boxed>,
    roads: Vec<Boxed>,
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

/// The fingerprint keys of a place's features: as a road, as a point.
pub(super) fn place_keys(fid: i64) -> [(u8, u64); 2] {
    [(6, fid as u64), (7, fid as u64)]
}

impl Features {
    /// Adds a place to the point or road features with its fingerprint.
    fn add_place(&mut self, p: PlaceRow, added: &mut Added, prints: &mut Fingerprints) {
        let Some(g) = &p.geom else { return };
        let thoroughfare = p.class.is_thoroughfare();
        // Hashed as the text the rows held, so a fingerprint is what it was.
        let content = hash_of((&p.name, p.class.as_str(), &p.pinyin, p.status.as_str(), geometry_hash(g)));
        if thoroughfare {
            let lines = world_lines(g);
            if lines.is_empty() {
                return;
            }
            let (id, bbox) = (self.roads.len() as u32, bbox(lines.iter().flatten()));
            prints.insert(place_keys(p.fid)[0], (content, bbox));
            added.roads.push(Boxed { bbox, id });
            self.slots.insert(p.fid, Slot::Road(id));
            self.roads.push_back(Some(Arc::new(RoadLine { attrs: PlaceAttrs::new(p), lines })));
        } else if let (Some((minzoom, rank)), Some(c)) =
            (place_class(p.class.as_str()), representative_point(g))
        {
            let (id, at) = (self.places.len() as u32, to_world(c));
            prints.insert(place_keys(p.fid)[1], (content, point_box(at)));
            added.places.push(Boxed { bbox: point_box(at), id });
            self.slots.insert(p.fid, Slot::Point(id));
            self.places.push_back(Some(Arc::new(PlacePoint {
                attrs: PlaceAttrs::new(p),
                minzoom,
                rank,
                at,
            })));
        }
    }

    /// These features with the places `changed` (rows of any status: a
    /// place no longer current leaves) and `plates`.
    pub(super) fn with_changes(
        &self,
        changed: &[PlaceRow],
        plates: Option<Arc<PlateIndex>>,
        prints: &mut Fingerprints,
    ) -> Features {
        let mut f = self.clone();
        f.plates = plates;
        for p in changed {
            for k in place_keys(p.fid) {
                prints.remove(&k);
            }
            match f.slots.remove(&p.fid) {
                Some(Slot::Point(i)) => f.places[i as usize] = None,
                Some(Slot::Road(i)) => f.roads[i as usize] = None,
                None => {}
            }
        }
        let mut added = Added::default();
        for p in changed.iter().filter(|p| p.status == PlaceStatus::Current) {
            f.add_place(p.clone(), &mut added, prints);
        }
        f.place_tree = f.place_tree.with_added(added.places);
        f.road_tree = f.road_tree.with_added(added.roads);
        f
    }

    pub(super) fn build(
        places: Vec<PlaceRow>,
        plates: Option<Arc<PlateIndex>>,
        markers: Vec<MarkerRow>,
        prints: &mut Fingerprints,
    ) -> Features {
        let marker_at: Vec<WorldPoint> =
            markers.iter().map(|m| to_world(Coord { x: m.lon, y: m.lat })).collect();
        for (m, at) in markers.iter().zip(&marker_at) {
            let content = hash_of((&m.line_code, m.kind.as_str(), m.condition.as_str(), at));
            prints.insert((9, hash_of(&m.number)), (content, point_box(*at)));
        }
        let marker_tree = RTree::bulk_load(
            marker_at.iter().enumerate().map(|(i, p)| Boxed { bbox: point_box(*p), id: i as u32 }).collect(),
        );
        let mut f = Features {
            places: imbl::Vector::new(),
            place_tree: TieredTree::build(Vec::new()),
            roads: imbl::Vector::new(),
            road_tree: TieredTree::build(Vec::new()),
            slots: imbl::HashMap::new(),
            plates,
            markers: Arc::new(markers),
            marker_at: Arc::new(marker_at),
            marker_tree: Arc::new(marker_tree),
        };
        let mut added = Added::default();
        for p in places {
            f.add_place(p, &mut added, prints);
        }
        f.place_tree = TieredTree::build(added.places);
        f.road_tree = TieredTree::build(added.roads);
        f
    }

    /// The place points live now (their slots not emptied).
    pub(super) fn place_points(&self) -> impl Iterator<Item = &PlacePoint> + '_ {
        self.places.iter().flatten().map(|p| &**p)
    }

    /// The place points whose box meets `b` (world units).
    pub(super) fn places_in(&self, b: [i64; 4]) -> impl Iterator<Item = &PlacePoint> + '_ {
        let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
        self.place_tree.intersecting(env).filter_map(|e| self.places[e.id as usize].as_deref())
    }

    /// The roads whose box meets `b` (world units).
    pub(super) fn roads_in(&self, b: [i64; 4]) -> impl Iterator<Item = &RoadLine> + '_ {
        let env = AABB::from_corners([b[0], b[1]], [b[2], b[3]]);
        self.road_tree.intersecting(env).filter_map(|e| self.roads[e.id as usize].as_deref())
    }

    /// The boxes of the roads live now.
    pub(super) fn road_boxes(&self) -> impl Iterator<Item = [i64; 4]> + '_ {
        self.road_tree.iter().filter(|e| self.roads[e.id as usize].is_some()).map(|e| e.bbox)
    }
}

/// The first zoom of layer `id`.
pub(super) fn layer_min(id: &str) -> u8 {
    layers::layer(id).map_or(u8::MAX, |l| l.minzoom)
}
