//! The `base` tileset: everything a tile is cut from, read from one
//! snapshot of the store, and the renderer that cuts a tile.

use super::clip;
use super::coverage::{Boxed, Coverage, DivisionFeature, bbox, query};
use super::encode::{LayerBuilder, Value, s, tile};
use super::layers::{self, BUFFER, MAX_TILE_BYTES, Selection, division_layer, label_minzoom, place_class};
use super::world::{EXTENT, TileId, WorldPoint, to_lonlat, to_world, unit};
use crate::index::PlateIndex;
use crate::model::{Level, PlaceClass};
use crate::store::{DivisionRow, MarkerRow, PlaceRow, Store, StoreResult};
use geo::{Centroid, Coord, Geometry, InteriorPoint, LineString, Simplify};
use rayon::prelude::*;
use rstar::RTree;
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The division coverages, one per level.
pub struct Divisions {
    /// Province … village.
    pub levels: Vec<Coverage>,
}

/// A place drawn as a point.
#[derive(Clone)]
struct PlacePoint {
    attrs: PlaceAttrs,
    minzoom: u8,
    rank: i64,
    at: WorldPoint,
}

/// A road.
#[derive(Clone)]
struct RoadLine {
    attrs: PlaceAttrs,
    lines: Vec<Vec<WorldPoint>>,
}

/// What the `place` and `road` layers say of a place.
#[derive(Clone)]
struct PlaceAttrs {
    id: i64,
    name: Box<str>,
    class: Box<str>,
    pinyin: Box<str>,
    status: Box<str>,
}

impl PlaceAttrs {
    fn new(p: PlaceRow) -> PlaceAttrs {
        PlaceAttrs {
            id: p.fid,
            name: p.name.into(),
            class: p.class.into(),
            pinyin: p.pinyin.into(),
            status: p.status.into(),
        }
    }

    fn props(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("id", Value::Int(self.id)),
            ("name", s(&self.name)),
            ("class", s(&self.class)),
            ("pinyin", s(&self.pinyin)),
            ("status", s(&self.status)),
        ]
    }
}

/// The points and lines of the tileset.
pub struct Features {
    places: Vec<PlacePoint>,
    place_tree: RTree<Boxed>,
    roads: Vec<RoadLine>,
    road_tree: RTree<Boxed>,
    /// Door plates: the service shares its index's (read apart for a
    /// tile build); none when the tile set has no door-plate layer.
    plates: Option<Arc<PlateIndex>>,
    markers: Vec<MarkerRow>,
    marker_at: Vec<WorldPoint>,
    marker_tree: RTree<Boxed>,
}

/// What a tile is cut from.
pub struct TileSet {
    /// Division coverages (shared between snapshots while divisions are unchanged).
    pub divisions: Arc<Divisions>,
    /// Points and lines.
    pub features: Features,
    /// Each division's fingerprint and box (shared while divisions are
    /// unchanged), to find what a change touched.
    pub division_prints: Arc<Fingerprints>,
    /// The same for every other feature.
    pub fingerprints: Fingerprints,
}

/// (layer, feature id) → (hash of its content, its box in world units).
pub type Fingerprints = FxHashMap<(u8, u64), (u64, [i64; 4])>;

const PREFIX: [usize; 5] = [2, 4, 6, 9, 12];

fn hash_of(v: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    v.hash(&mut h);
    h.finish()
}

/// A hash of a geometry's coordinates.
fn geometry_hash<G: geo::CoordsIter<Scalar = f64>>(g: &G) -> u64 {
    let mut h = FxHasher::default();
    for c in g.coords_iter() {
        c.x.to_bits().hash(&mut h);
        c.y.to_bits().hash(&mut h);
    }
    h.finish()
}

/// The world box of a lon/lat geometry (the projection keeps order, so
/// its corners are the projected corners of the lon/lat box).
fn world_box(g: &geo::MultiPolygon<f64>) -> [i64; 4] {
    use geo::BoundingRect;
    g.bounding_rect().map_or([0; 4], |r| {
        let (nw, se) =
            (to_world(Coord { x: r.min().x, y: r.max().y }), to_world(Coord { x: r.max().x, y: r.min().y }));
        [nw[0], nw[1], se[0], se[1]]
    })
}

fn point_box(p: WorldPoint) -> [i64; 4] {
    [p[0], p[1], p[0], p[1]]
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

impl TileSet {
    /// Reads one snapshot of the store and builds everything; `previous`
    /// lends its division coverages when no division changed. The door
    /// plates are `plates` (the service's plate index).
    pub fn load(
        store: &Store,
        previous: Option<&TileSet>,
        plates: Option<Arc<PlateIndex>>,
    ) -> StoreResult<TileSet> {
        TileSet::load_selected(store, previous, &Selection::all(), plates)
    }

    /// Like [`TileSet::load`], reading and building only what the selected
    /// layers need (a county-only archive needs no door plates).
    pub fn load_selected(
        store: &Store,
        previous: Option<&TileSet>,
        sel: &Selection,
        plates: Option<Arc<PlateIndex>>,
    ) -> StoreResult<TileSet> {
        let started = std::time::Instant::now();
        let wants_division = |level: i64| {
            Level::from_i64(level).is_some_and(|l| {
                sel.has(division_layer(l).id) || sel.has("division_label") || sel.has("boundary")
            })
        };
        let (divs, places, markers) = store.read_snapshot(|c| {
            let divs: Vec<DivisionRow> = DivisionRow::load_all(c, true)?
                .into_iter()
                .filter(|d| d.valid_to.is_none() && d.geom.is_some() && wants_division(d.level))
                .collect();
            let places: Vec<PlaceRow> = if sel.has("place") || sel.has("road") {
                PlaceRow::load_all(c, true)?.into_iter().filter(|p| p.status == "current").collect()
            } else {
                Vec::new()
            };
            let markers = if sel.has("marker") { MarkerRow::load_all(c)? } else { Vec::new() };
            Ok((divs, places, markers))
        })?;
        tracing::debug!("tile data read in {:?}", started.elapsed());
        let mut division_prints = Vec::with_capacity(divs.len());
        for d in &divs {
            let g = d.geom.as_ref().map(world_box);
            let content = hash_of((&d.name, &d.pinyin, d.level, d.geom.as_ref().map(geometry_hash)));
            let key = (d.level as u8, d.code.parse::<u64>().unwrap_or(0));
            division_prints.push((key, (content, g.unwrap_or([0; 4]))));
        }
        let same_divisions = previous.is_some_and(|p| {
            p.division_prints.len() == division_prints.len()
                && division_prints.iter().all(|(k, v)| p.division_prints.get(k) == Some(v))
        });
        let (divisions, division_prints) = match previous {
            Some(p) if same_divisions => (p.divisions.clone(), p.division_prints.clone()),
            _ => (Arc::new(Divisions::build(divs)), Arc::new(division_prints.into_iter().collect())),
        };
        let plates = plates.filter(|_| sel.has("door_plate"));
        let mut fingerprints = Fingerprints::default();
        let features = Features::build(places, plates, markers, &mut fingerprints);
        tracing::debug!("tile set built in {:?}", started.elapsed());
        Ok(TileSet { divisions, features, division_prints, fingerprints })
    }

    /// The same divisions and markers with the places `changed` (rows of
    /// any status) and new door plates: what a change that touched neither
    /// divisions nor markers needs, without reading the store again.
    pub fn with_features(&self, changed: &[PlaceRow], plates: Option<Arc<PlateIndex>>) -> TileSet {
        let plates = plates.filter(|_| self.features.plates.is_some());
        let mut fingerprints = self.fingerprints.clone();
        let features = self.features.with_changes(changed, plates, &mut fingerprints);
        TileSet {
            divisions: self.divisions.clone(),
            features,
            division_prints: self.division_prints.clone(),
            fingerprints,
        }
    }

    /// The world boxes of every feature that differs between two snapshots
    /// (added, removed or changed), with the neighbours of changed divisions.
    pub fn changed_boxes(&self, old: &TileSet) -> Vec<[i64; 4]> {
        let mut out: Vec<[i64; 4]> = match (&self.features.plates, &old.features.plates) {
            (Some(new), Some(old)) if Arc::ptr_eq(new, old) => Vec::new(),
            (Some(new), Some(old)) => new.changed_since(old),
            (Some(only), None) | (None, Some(only)) => only.ids().map(|i| only.point(i)).collect(),
            (None, None) => Vec::new(),
        }
        .into_iter()
        .map(|c| point_box(to_world(c)))
        .collect();
        let mut changed_divisions: Vec<(u8, u64)> = Vec::new();
        let mut compare = |new: &Fingerprints, old: &Fingerprints| {
            for (k, v) in new {
                match old.get(k) {
                    Some(o) if o == v => {}
                    Some(o) => {
                        out.push(v.1);
                        out.push(o.1);
                        changed_divisions.push(*k);
                    }
                    None => {
                        out.push(v.1);
                        changed_divisions.push(*k);
                    }
                }
            }
            for (k, o) in old {
                if !new.contains_key(k) {
                    out.push(o.1);
                    changed_divisions.push(*k);
                }
            }
        };
        compare(&self.fingerprints, &old.fingerprints);
        if !Arc::ptr_eq(&self.division_prints, &old.division_prints) {
            compare(&self.division_prints, &old.division_prints);
        }
        // A division's neighbours share the changed border: their label
        // points and boundary lines may move too.
        for (level, code) in changed_divisions.into_iter().filter(|k| (1..=5).contains(&k.0)) {
            for d in [&self.divisions, &old.divisions] {
                out.extend(d.neighbour_boxes(level, code));
            }
        }
        out
    }

    /// Generalises every level for every zoom now rather than on first use.
    /// Sequential on purpose: each generalisation runs on every core, and a
    /// rayon worker must never block waiting for one that a request thread
    /// is building (it would hold the pool the builder needs).
    pub fn prepare(&self) {
        let started = std::time::Instant::now();
        self.prepare_zooms(0, super::coverage::GENERALISED_MAX_ZOOM, &Selection::all());
        tracing::info!("tiles: every zoom generalised in {:.1?}", started.elapsed());
    }

    /// Generalises every level shown at zooms `min..=max` (see [`TileSet::prepare`]).
    pub fn prepare_zooms(&self, min: u8, max: u8, sel: &Selection) {
        for cov in &self.divisions.levels {
            let first = min.max(sel.minzoom(division_layer(cov.level)));
            for z in first..=max.min(super::coverage::GENERALISED_MAX_ZOOM) {
                cov.at(z);
            }
        }
    }

    /// The tiles of zoom `z` that may hold something of the selected layers
    /// (every tile a feature's box touches), in no particular order.
    pub fn tiles_at(&self, z: u8, sel: &Selection) -> Vec<TileId> {
        let mut boxes: Vec<[i64; 4]> = Vec::new();
        for cov in &self.divisions.levels {
            let spec = division_layer(cov.level);
            let wanted = (sel.has(spec.id) && z >= sel.minzoom(spec))
                || (sel.has("division_label") && z >= label_minzoom(cov.level))
                || (sel.has("boundary") && z >= spec.minzoom);
            if wanted {
                boxes.extend(cov.feature_tree.iter().map(|b| b.bbox));
            }
        }
        let f = &self.features;
        if z >= layer_min("road") && sel.has("road") {
            boxes.extend(f.road_tree.iter().map(|b| b.bbox));
        }
        if z >= layer_min("marker") && sel.has("marker") {
            boxes.extend(f.marker_tree.iter().map(|b| b.bbox));
        }
        if z >= layer_min("place") && sel.has("place") {
            boxes.extend(f.places.iter().filter(|p| p.minzoom <= z).map(|p| point_box(p.at)));
        }
        if let Some(plates) =
            f.plates.as_ref().filter(|_| z >= layer_min("door_plate") && sel.has("door_plate"))
        {
            let ids: Vec<u32> = plates.ids().collect();
            boxes.par_extend(ids.into_par_iter().map(|i| point_box(to_world(plates.point(i)))));
        }
        let pad = i64::from(BUFFER) * unit(z);
        let mut tiles: rustc_hash::FxHashSet<TileId> = Default::default();
        for b in boxes {
            tiles.extend(TileId::covering(z, [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]));
        }
        tiles.into_iter().collect()
    }

    /// Cuts one tile; `None` when nothing is in it. Point layers are thinned
    /// harder until the tile is under [`MAX_TILE_BYTES`].
    pub fn render(&self, t: TileId, sel: &Selection) -> Option<Vec<u8>> {
        let mut thin = 1;
        loop {
            let bytes = self.render_thinned(t, sel, thin);
            match bytes {
                Some(b) if b.len() > MAX_TILE_BYTES && thin < 16 => thin *= 2,
                other => return other,
            }
        }
    }

    fn render_thinned(&self, t: TileId, sel: &Selection, thin: i32) -> Option<Vec<u8>> {
        let z = t.z;
        let buffered = t.bounds(BUFFER);
        let inner = t.bounds(0);
        let mut out: Vec<LayerBuilder> = Vec::new();
        let mut labels = LayerBuilder::new("division_label");
        let mut boundary = LayerBuilder::new("boundary");
        // Sub-pixel slivers left by the cut at the buffer edge are dropped.
        let min_area = 8;
        for cov in &self.divisions.levels {
            let spec = division_layer(cov.level);
            if z < sel.minzoom(spec) {
                continue;
            }
            let g = cov.at(z);
            let level = cov.level.as_i64();
            let mut lb = LayerBuilder::new(spec.id);
            let polygons =
                if sel.has(spec.id) { query(&cov.feature_tree, buffered).collect() } else { Vec::new() };
            for item in polygons {
                let f = &cov.features[item.id as usize];
                let polys = clip::polygons(&t, &cov.polygons(&g, item.id as usize), BUFFER, min_area);
                if !polys.is_empty() {
                    lb.polygons(f.code.parse().ok(), division_props(f, level), &polys);
                }
            }
            out.push(lb);
            if z >= label_minzoom(cov.level) && sel.has("division_label") {
                for item in query(&cov.feature_tree, inner) {
                    let Some(p) = g.labels[item.id as usize] else { continue };
                    if inside(p, inner) {
                        let f = &cov.features[item.id as usize];
                        labels.points(f.code.parse().ok(), division_props(f, level), &[t.to_tile(p)]);
                    }
                }
            }
            let topo = cov.topology();
            let arcs =
                if sel.has("boundary") { query(&cov.arc_tree, buffered).collect() } else { Vec::new() };
            for item in arcs {
                let [a, b] = topo.sides[item.id as usize];
                let (left, right) =
                    (&cov.features[a as usize].code, cov.features.get(b as usize).map(|f| &f.code));
                let sep = match right {
                    Some(r) => separating_level(left, r, level),
                    None => 1,
                };
                let drawn_here = if right.is_some() { sep == level } else { level == 1 };
                if !drawn_here {
                    continue;
                }
                let pieces = clip::lines(&t, cov.arc(&g, item.id as usize), BUFFER);
                let props = vec![
                    ("level", Value::Int(sep)),
                    ("left", s(left)),
                    ("right", s(right.map_or("", |r| r.as_str()))),
                ];
                boundary.lines(Some(u64::from(item.id)), props, &pieces);
            }
        }
        out.push(boundary);
        self.features.render(&t, sel, thin, &mut out);
        out.push(labels);
        tile(out)
    }
}

fn inside(p: WorldPoint, b: [i64; 4]) -> bool {
    p[0] >= b[0] && p[0] < b[2] && p[1] >= b[1] && p[1] < b[3]
}

fn division_props(f: &DivisionFeature, level: i64) -> Vec<(&'static str, Value)> {
    vec![
        ("code", s(&f.code)),
        ("name", s(&f.name)),
        ("level", Value::Int(level)),
        ("pinyin", s(f.pinyin.as_deref().unwrap_or(""))),
        ("status", s("current")),
    ]
}

/// The coarsest level at which two divisions of `level` differ (1 when
/// they are in different provinces), read from their codes.
pub fn separating_level(a: &str, b: &str, level: i64) -> i64 {
    for (k, &p) in PREFIX.iter().enumerate().take(level as usize - 1) {
        if a.get(..p) != b.get(..p) {
            return k as i64 + 1;
        }
    }
    level
}

impl Divisions {
    fn build(rows: Vec<DivisionRow>) -> Divisions {
        let mut by_level: Vec<Vec<(DivisionFeature, geo::MultiPolygon<f64>)>> =
            (0..5).map(|_| Vec::new()).collect();
        for d in rows {
            let (Some(level), Some(geom)) = (Level::from_i64(d.level), d.geom) else { continue };
            let f = DivisionFeature { code: d.code, name: d.name, pinyin: d.pinyin };
            by_level[level.as_i64() as usize - 1].push((f, geom));
        }
        let levels = by_level
            .into_par_iter()
            .zip(Level::ALL.into_par_iter())
            .map(|(rows, level)| Coverage::build(level, rows))
            .collect();
        Divisions { levels }
    }

    fn neighbour_boxes(&self, level: u8, code: u64) -> Vec<[i64; 4]> {
        let Some(cov) = self.levels.get(usize::from(level).wrapping_sub(1)) else { return Vec::new() };
        let Some(f) = cov.features.iter().position(|d| d.code.parse::<u64>().ok() == Some(code)) else {
            return Vec::new();
        };
        let topo = cov.topology();
        let mut out = Vec::new();
        for rings in &topo.shapes[f] {
            for ring in rings {
                for &(arc, _) in ring {
                    for side in topo.sides[arc as usize] {
                        if side != u32::MAX && side as usize != f {
                            let pts = topo.shapes[side as usize].iter().flat_map(|p| p[0].iter());
                            let b = bbox(pts.flat_map(|&(a, _)| topo.arcs[a as usize].iter()));
                            out.push(b);
                        }
                    }
                }
            }
        }
        out
    }
}

/// Adds a place to the point or road features with its fingerprint.
fn add_place(
    p: PlaceRow,
    points: &mut Vec<PlacePoint>,
    roads: &mut Vec<RoadLine>,
    prints: &mut Fingerprints,
) {
    let Some(g) = &p.geom else { return };
    let thoroughfare = PlaceClass::parse(&p.class).is_some_and(PlaceClass::is_thoroughfare);
    let content = hash_of((&p.name, &p.class, &p.pinyin, &p.status, geometry_hash(g)));
    if thoroughfare {
        let lines = world_lines(g);
        if lines.is_empty() {
            return;
        }
        prints.insert((6, p.fid as u64), (content, bbox(lines.iter().flatten())));
        roads.push(RoadLine { attrs: PlaceAttrs::new(p), lines });
    } else if let (Some((minzoom, rank)), Some(c)) = (place_class(&p.class), representative_point(g)) {
        let at = to_world(c);
        prints.insert((7, p.fid as u64), (content, point_box(at)));
        points.push(PlacePoint { attrs: PlaceAttrs::new(p), minzoom, rank, at });
    }
}

/// The R-trees of place points and of roads.
fn place_trees(points: &[PlacePoint], roads: &[RoadLine]) -> (RTree<Boxed>, RTree<Boxed>) {
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
    fn with_changes(
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
        let mut points: Vec<PlacePoint> =
            self.places.iter().filter(|p| !fids.contains(&p.attrs.id)).cloned().collect();
        let mut roads: Vec<RoadLine> =
            self.roads.iter().filter(|r| !fids.contains(&r.attrs.id)).cloned().collect();
        for p in changed.iter().filter(|p| p.status == "current") {
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

    fn build(
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
            let content = hash_of((&m.line_code, &m.kind, &m.condition, at));
            prints.insert((9, hash_of(&m.number)), (content, point_box(*at)));
        }
        let marker_tree = RTree::bulk_load(
            marker_at.iter().enumerate().map(|(i, p)| Boxed { bbox: point_box(*p), id: i as u32 }).collect(),
        );
        Features { places: points, place_tree, roads, road_tree, plates, markers, marker_at, marker_tree }
    }

    fn render(&self, t: &TileId, sel: &Selection, thin: i32, out: &mut Vec<LayerBuilder>) {
        let z = t.z;
        let (buffered, inner) = (t.bounds(BUFFER), t.bounds(0));
        if z >= layer_min("road") && sel.has("road") {
            let mut lb = LayerBuilder::new("road");
            let tolerance = 2.0;
            for item in query(&self.road_tree, buffered) {
                let r = &self.roads[item.id as usize];
                let pieces: Vec<Vec<[i32; 2]>> = r
                    .lines
                    .iter()
                    .flat_map(|l| clip::lines(t, l, BUFFER))
                    .map(|piece| simplify_tile_line(&piece, tolerance))
                    .collect();
                lb.lines(Some(r.attrs.id as u64), r.attrs.props(), &pieces);
            }
            out.push(lb);
        }
        if z >= layer_min("marker") && sel.has("marker") {
            let mut lb = LayerBuilder::new("marker");
            for item in query(&self.marker_tree, inner) {
                let (m, at) = (&self.markers[item.id as usize], self.marker_at[item.id as usize]);
                if inside(at, inner) {
                    let props = vec![
                        ("code", s(&m.number)),
                        ("line", s(&m.line_code)),
                        ("kind", s(&m.kind)),
                        ("status", s(&m.condition)),
                    ];
                    lb.points(Some(u64::from(item.id)), props, &[t.to_tile(at)]);
                }
            }
            out.push(lb);
        }
        if z >= layer_min("place") && sel.has("place") {
            let mut candidates: Vec<&PlacePoint> = query(&self.place_tree, inner)
                .map(|b| &self.places[b.id as usize])
                .filter(|p| p.minzoom <= z && inside(p.at, inner))
                .collect();
            candidates.sort_by_key(|p| (p.rank, p.attrs.id));
            let mut lb = LayerBuilder::new("place");
            let mut taken = Thinning::new(64 * thin);
            for p in candidates {
                let at = t.to_tile(p.at);
                if taken.take(at) {
                    let mut props = p.attrs.props();
                    props.push(("rank", Value::Int(p.rank)));
                    lb.points(Some(p.attrs.id as u64), props, &[at]);
                }
            }
            out.push(lb);
        }
        if let Some(plates) =
            self.plates.as_ref().filter(|_| z >= layer_min("door_plate") && sel.has("door_plate"))
        {
            let (nw, se) = (to_lonlat([inner[0], inner[1]]), to_lonlat([inner[2], inner[3]]));
            let cell = if z == layer_min("door_plate") { 32 * thin } else { thin };
            let mut taken = Thinning::new(cell);
            let mut lb = LayerBuilder::new("door_plate");
            for i in plates.within(Coord { x: nw.x, y: se.y }, Coord { x: se.x, y: nw.y }) {
                let w = to_world(plates.point(i));
                if inside(w, inner) {
                    let at = t.to_tile(w);
                    if taken.take(at) {
                        let p = plates.get(i);
                        let props = vec![
                            ("code", s(&p.code.to_string())),
                            ("name", s(&p.label)),
                            ("status", s("current")),
                        ];
                        lb.points(Some(p.code), props, &[at]);
                    }
                }
            }
            out.push(lb);
        }
    }
}

fn layer_min(id: &str) -> u8 {
    layers::layer(id).map_or(u8::MAX, |l| l.minzoom)
}

fn simplify_tile_line(piece: &[[i32; 2]], tolerance: f64) -> Vec<[i32; 2]> {
    if piece.len() <= 2 {
        return piece.to_vec();
    }
    let l: LineString<f64> = piece.iter().map(|p| Coord { x: f64::from(p[0]), y: f64::from(p[1]) }).collect();
    l.simplify(tolerance).0.iter().map(|c| [c.x as i32, c.y as i32]).collect()
}

/// One point per grid cell, first come first served.
struct Thinning {
    cell: i32,
    taken: rustc_hash::FxHashSet<(i32, i32)>,
}

impl Thinning {
    fn new(cell: i32) -> Thinning {
        Thinning { cell: cell.clamp(1, EXTENT), taken: Default::default() }
    }

    fn take(&mut self, p: [i32; 2]) -> bool {
        self.taken.insert((p[0].div_euclid(self.cell), p[1].div_euclid(self.cell)))
    }
}
