//! One level of the division coverage (all provinces, all counties, …):
//! its edge graph, built once, and its generalisation per zoom, built once
//! per zoom on first use: simplified arcs, polygons rebuilt from them with
//! sub-pixel parts dropped, a label point per feature (pole of
//! inaccessibility of its largest part), and R-trees over both.

use super::topology::{Topology, ring_vertices};
use super::world::{EXTENT_BITS, WorldPoint, unit};
use crate::model::Level;
use geo::{Coord, LineString, Polygon, Simplify};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// The finest zoom with its own generalisation; deeper tiles use it.
pub const GENERALISED_MAX_ZOOM: u8 = 14;

/// Features with more vertices than this keep their generalised polygons;
/// smaller ones are rebuilt for each tile.
pub const KEEP_VERTICES: usize = 2_000;

/// How far (in tile-extent units at the zoom) simplification may move a
/// border: 4 units are half a screen pixel on a 512-pixel tile.
pub const SIMPLIFY_UNITS: i64 = 4;

/// A division as the tiles describe it.
#[derive(Debug, Clone)]
pub struct DivisionFeature {
    /// Division code.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Romanised name.
    pub pinyin: Option<String>,
}

/// One level of the coverage.
pub struct Coverage {
    /// The level.
    pub level: Level,
    /// Its features, in the order of the topology's shapes.
    pub features: Vec<DivisionFeature>,
    topology: Topology,
    /// Feature boxes (a generalised feature lies within its box).
    pub feature_tree: RTree<Boxed>,
    /// Arc boxes (a simplified arc lies within its box).
    pub arc_tree: RTree<Boxed>,
    zooms: Vec<OnceLock<Arc<Generalised>>>,
}

/// A feature's generalised polygons: each an exterior ring then holes,
/// closed, in world units.
pub type WorldPolygons = Vec<Vec<Vec<WorldPoint>>>;

/// An item of an R-tree: a box and what it bounds.
#[derive(Debug, Clone, Copy)]
pub struct Boxed {
    /// `[min_x, min_y, max_x, max_y]`, world units.
    pub bbox: [i64; 4],
    /// Index of the thing it bounds.
    pub id: u32,
}

impl RTreeObject for Boxed {
    type Envelope = AABB<[i64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners([self.bbox[0], self.bbox[1]], [self.bbox[2], self.bbox[3]])
    }
}

/// Items whose boxes meet `b`.
pub fn query(tree: &RTree<Boxed>, b: [i64; 4]) -> impl Iterator<Item = &Boxed> {
    tree.locate_in_envelope_intersecting(&AABB::from_corners([b[0], b[1]], [b[2], b[3]]))
}

/// The coverage generalised for one zoom. Little more than what differs
/// from the edge graph is stored: arcs that simplification left as they
/// were take no memory of their own, and the polygons of small features
/// are rebuilt from the arcs when a tile is cut, so a national village
/// layer costs little per zoom. Large features (provinces, cities), met by
/// many tiles each, keep their rebuilt polygons.
pub struct Generalised {
    /// The vertices of the arcs simplification changed, one after another.
    points: Vec<WorldPoint>,
    /// Arc `i`'s vertices are `points[starts[i]..starts[i + 1]]`; none
    /// means the edge graph's arc unchanged.
    starts: Vec<u32>,
    /// The polygons of features with more than [`KEEP_VERTICES`] vertices.
    kept: FxHashMap<u32, WorldPolygons>,
    /// Islands below this area (square world units) are dropped.
    min_area: f64,
    /// Each feature's label point.
    pub labels: Vec<Option<WorldPoint>>,
}

impl Coverage {
    /// Builds the edge graph of the level's current divisions.
    pub fn build(level: Level, divisions: Vec<(DivisionFeature, geo::MultiPolygon<f64>)>) -> Coverage {
        let started = std::time::Instant::now();
        let geoms: Vec<&geo::MultiPolygon<f64>> = divisions.iter().map(|(_, g)| g).collect();
        let topology = Topology::build(&geoms);
        let features = divisions.into_iter().map(|(f, _)| f).collect();
        let zooms = (0..=GENERALISED_MAX_ZOOM).map(|_| OnceLock::new()).collect();
        let feature_tree = RTree::bulk_load(
            topology
                .shapes
                .iter()
                .enumerate()
                .filter(|(_, shape)| !shape.is_empty())
                .map(|(i, shape)| Boxed {
                    bbox: bbox(
                        shape.iter().flat_map(|p| &p[0]).flat_map(|&(a, _)| &topology.arcs[a as usize]),
                    ),
                    id: i as u32,
                })
                .collect(),
        );
        let arc_tree = RTree::bulk_load(
            topology
                .arcs
                .iter()
                .enumerate()
                .map(|(i, a)| Boxed { bbox: bbox(a.iter()), id: i as u32 })
                .collect(),
        );
        tracing::debug!(
            "{}: edge graph of {} features, {} arcs, {} vertices in {:?}",
            level.as_str(),
            topology.shapes.len(),
            topology.arcs.len(),
            topology.vertex_count(),
            started.elapsed()
        );
        Coverage { level, features, topology, feature_tree, arc_tree, zooms }
    }

    /// The edge graph.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// The generalisation for tiles of zoom `z` (built on first use).
    pub fn at(&self, z: u8) -> Arc<Generalised> {
        let g = z.min(GENERALISED_MAX_ZOOM);
        self.zooms[usize::from(g)].get_or_init(|| Arc::new(self.generalise(g))).clone()
    }

    /// Arc `i` as generalised in `g`.
    pub fn arc<'a>(&'a self, g: &'a Generalised, i: usize) -> &'a [WorldPoint] {
        match (g.starts[i] as usize, g.starts[i + 1] as usize) {
            (from, to) if from == to => &self.topology.arcs[i],
            (from, to) => &g.points[from..to],
        }
    }

    /// Feature `f`'s polygons as generalised in `g`: its rings rebuilt from
    /// the simplified arcs, without isolated parts below a pixel.
    pub fn polygons<'a>(&'a self, g: &'a Generalised, f: usize) -> Cow<'a, WorldPolygons> {
        match g.kept.get(&(f as u32)) {
            Some(p) => Cow::Borrowed(p),
            None => Cow::Owned(self.rebuild(f, g.min_area, |a| self.arc(g, a))),
        }
    }

    fn rebuild<'a>(
        &'a self,
        f: usize,
        min_area: f64,
        arc: impl Fn(usize) -> &'a [WorldPoint],
    ) -> WorldPolygons {
        let mut polygons: WorldPolygons = Vec::new();
        for rings in &self.topology.shapes[f] {
            let mut kept: Vec<Vec<WorldPoint>> = Vec::with_capacity(rings.len());
            for (k, r) in rings.iter().enumerate() {
                let pts = ring_vertices(r, &arc);
                // A part touching a neighbour stays however small: dropping
                // it would open a hole in the coverage.
                let touches = r.iter().any(|&(a, _)| self.topology.sides[a as usize][1] != u32::MAX);
                if pts.len() >= 4 && (touches || area2(&pts).abs() / 2.0 >= min_area) {
                    kept.push(pts);
                } else if k == 0 {
                    break;
                }
            }
            if !kept.is_empty() {
                polygons.push(kept);
            }
        }
        polygons
    }

    fn generalise(&self, z: u8) -> Generalised {
        let started = std::time::Instant::now();
        let g = self.generalise_now(z);
        tracing::debug!("{} generalised for z{z} in {:?}", self.level.as_str(), started.elapsed());
        g
    }

    fn generalise_now(&self, z: u8) -> Generalised {
        let u = unit(z);
        let tolerance = (SIMPLIFY_UNITS * u) as f64;
        let arcs = simplify_without_crossings(&self.topology.arcs, tolerance);
        // An island smaller than a screen pixel (16 × 16 extent units) is
        // dropped; a part touching a neighbour is kept.
        let min_area = ((16 * u) as f64).powi(2);
        type Built = (Option<WorldPoint>, Option<WorldPolygons>);
        let built: Vec<Built> = (0..self.topology.shapes.len())
            .into_par_iter()
            .map(|f| {
                let polygons = self.rebuild(f, min_area, |a| &arcs[a]);
                let label = label_point(&polygons, u << EXTENT_BITS >> 8);
                let vertices: usize = polygons.iter().flatten().map(Vec::len).sum();
                (label, (vertices > KEEP_VERTICES).then_some(polygons))
            })
            .collect();
        let (mut labels, mut kept) = (Vec::with_capacity(built.len()), FxHashMap::default());
        for (f, (label, polygons)) in built.into_iter().enumerate() {
            labels.push(label);
            if let Some(p) = polygons {
                kept.insert(f as u32, p);
            }
        }
        // Keep only the arcs simplification changed (Douglas–Peucker keeps
        // a subset of the vertices, so an arc of the same length is the same).
        let (mut points, mut starts) = (Vec::new(), Vec::with_capacity(arcs.len() + 1));
        starts.push(0);
        for (a, o) in arcs.iter().zip(&self.topology.arcs) {
            if a.len() != o.len() {
                points.extend_from_slice(a);
            }
            starts.push(points.len() as u32);
        }
        points.shrink_to_fit();
        Generalised { points, starts, kept, min_area, labels }
    }
}

/// Twice the signed area (shoelace; positive when clockwise on screen, y down).
pub fn area2(ring: &[WorldPoint]) -> f64 {
    ring.windows(2).map(|w| w[0][0] as f64 * w[1][1] as f64 - w[1][0] as f64 * w[0][1] as f64).sum()
}

/// The box of some points.
pub fn bbox<'a>(points: impl Iterator<Item = &'a WorldPoint>) -> [i64; 4] {
    points.fold([i64::MAX, i64::MAX, i64::MIN, i64::MIN], |b, p| {
        [b[0].min(p[0]), b[1].min(p[1]), b[2].max(p[0]), b[3].max(p[1])]
    })
}

/// Simplifies every arc, then finds arcs that the simplification made
/// cross another (or themselves) and simplifies those again, finer, until
/// none cross; the last resort is the arc as it was. Neighbours therefore
/// neither overlap nor open gaps where two borders run close together.
fn simplify_without_crossings(original: &[Vec<WorldPoint>], tolerance: f64) -> Vec<Vec<WorldPoint>> {
    let mut arcs: Vec<Vec<WorldPoint>> = original.par_iter().map(|a| simplify(a, tolerance)).collect();
    // Only an arc that simplification changed can cross another where the
    // edge graph's arcs did not.
    let mut suspects: Vec<u32> =
        (0..arcs.len() as u32).filter(|&i| arcs[i as usize].len() != original[i as usize].len()).collect();
    for round in 1..=4 {
        let crossing = crossing_arcs(&arcs, &suspects);
        if crossing.is_empty() {
            break;
        }
        let finer = tolerance / f64::from(1u32 << (2 * round));
        for &a in &crossing {
            let i = a as usize;
            arcs[i] = if round == 4 { original[i].clone() } else { simplify(&original[i], finer) };
        }
        suspects = crossing;
    }
    arcs
}

/// A segment of a simplified arc, for the crossing search.
#[derive(Clone, Copy)]
struct Segment {
    a: WorldPoint,
    b: WorldPoint,
    arc: u32,
    index: u32,
    /// Its box, computed once (the bulk load asks for it many times).
    bbox: AABB<[i64; 2]>,
}

impl Segment {
    fn new(a: WorldPoint, b: WorldPoint, arc: u32, index: u32) -> Segment {
        Segment { a, b, arc, index, bbox: AABB::from_corners(a, b) }
    }
}

impl RTreeObject for Segment {
    type Envelope = AABB<[i64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.bbox
    }
}

/// The arcs among `suspects` with a segment that meets a segment of
/// another arc (or a non-adjacent one of its own) other than at a shared
/// end.
fn crossing_arcs(arcs: &[Vec<WorldPoint>], suspects: &[u32]) -> Vec<u32> {
    // An R-tree of the suspects' segments only (few at fine zooms, where
    // simplification changes little), met by every arc's segments.
    let segments: Vec<Segment> = suspects
        .iter()
        .flat_map(|&arc| {
            arcs[arc as usize]
                .windows(2)
                .enumerate()
                .map(move |(index, w)| Segment::new(w[0], w[1], arc, index as u32))
        })
        .collect();
    if segments.is_empty() {
        return Vec::new();
    }
    let tree = RTree::bulk_load(segments);
    let mut out: Vec<u32> = (0..arcs.len() as u32)
        .into_par_iter()
        .flat_map_iter(|arc| {
            let mut met = Vec::new();
            for (index, w) in arcs[arc as usize].windows(2).enumerate() {
                let s = Segment::new(w[0], w[1], arc, index as u32);
                for o in tree.locate_in_envelope_intersecting(&s.bbox) {
                    let adjacent = o.arc == arc && o.index.abs_diff(s.index) <= 1;
                    if !adjacent && segments_meet(&s, o) {
                        met.push(o.arc);
                    }
                }
            }
            met
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn orient(p: WorldPoint, q: WorldPoint, r: WorldPoint) -> i128 {
    let v =
        i128::from(q[0] - p[0]) * i128::from(r[1] - p[1]) - i128::from(q[1] - p[1]) * i128::from(r[0] - p[0]);
    v.signum()
}

fn within_box(p: WorldPoint, q: WorldPoint, r: WorldPoint) -> bool {
    r[0] >= p[0].min(q[0]) && r[0] <= p[0].max(q[0]) && r[1] >= p[1].min(q[1]) && r[1] <= p[1].max(q[1])
}

/// Whether two segments meet anywhere but at an end they share.
fn segments_meet(s: &Segment, o: &Segment) -> bool {
    let shared = [s.a, s.b].iter().filter(|p| **p == o.a || **p == o.b).count();
    if shared == 2 {
        // The same segment twice: two arcs retracing each other.
        return s.arc != o.arc || s.index != o.index;
    }
    let (d1, d2) = (orient(o.a, o.b, s.a), orient(o.a, o.b, s.b));
    let (d3, d4) = (orient(s.a, s.b, o.a), orient(s.a, s.b, o.b));
    if shared == 1 {
        // Touching at the shared end is fine; running back along each
        // other is not.
        if d1 != 0 || d2 != 0 {
            return false;
        }
        let (p, q) = if s.a == o.a || s.a == o.b { (s.a, s.b) } else { (s.b, s.a) };
        let other = if o.a == p { o.b } else { o.a };
        return within_box(p, q, other) || within_box(p, other, q);
    }
    if d1 * d2 < 0 && d3 * d4 < 0 {
        return true;
    }
    (d1 == 0 && within_box(o.a, o.b, s.a))
        || (d2 == 0 && within_box(o.a, o.b, s.b))
        || (d3 == 0 && within_box(s.a, s.b, o.a))
        || (d4 == 0 && within_box(s.a, s.b, o.b))
}

/// Douglas–Peucker on an arc; its ends stay where they are.
fn simplify(arc: &[WorldPoint], tolerance: f64) -> Vec<WorldPoint> {
    if arc.len() <= 2 {
        return arc.to_vec();
    }
    let line: LineString<f64> = arc.iter().map(|p| Coord { x: p[0] as f64, y: p[1] as f64 }).collect();
    line.simplify(tolerance).0.iter().map(|c| [c.x as i64, c.y as i64]).collect()
}

/// The pole of inaccessibility of the largest part, to within `precision`
/// world units.
fn label_point(polygons: &WorldPolygons, precision: i64) -> Option<WorldPoint> {
    let largest = polygons.iter().max_by(|a, b| area2(&a[0]).abs().total_cmp(&area2(&b[0]).abs()))?;
    let ring = |r: &Vec<WorldPoint>| -> LineString<f64> {
        r.iter().map(|p| Coord { x: p[0] as f64, y: p[1] as f64 }).collect()
    };
    let polygon = Polygon::new(ring(&largest[0]), largest[1..].iter().map(ring).collect());
    let p = polylabel::polylabel(&polygon, &(precision.max(1) as f64)).ok()?;
    Some([p.x().round() as i64, p.y().round() as i64])
}
