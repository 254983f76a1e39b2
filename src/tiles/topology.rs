//! The edge graph of a polygon coverage (TopoJSON's model): every ring is
//! cut at its junctions into arcs, and an arc shared by two neighbours is
//! stored once. Simplifying each arc once and rebuilding every ring from
//! the simplified arcs keeps shared borders identical at every zoom, so
//! neighbours never show gaps or slivers.
//!
//! Input rings are first *noded*: a vertex of one ring that lies on a
//! segment of another (within [`NODE_TOLERANCE`]) is inserted into that
//! segment, so borders drawn with different vertices (a partition built by
//! clipping, a neighbour digitised with one extra point) still share arcs.

use super::world::{WorldPoint, to_world};
use geo::{Coord, MultiPolygon};
use rayon::prelude::*;
use rstar::{AABB, RTree};
use rustc_hash::{FxHashMap, FxHasher};
use std::hash::{Hash, Hasher};

/// How far (world units, about 2 cm each) a vertex may lie from another
/// ring's segment and still be taken as on it.
pub const NODE_TOLERANCE: i64 = 2;

/// A ring as a sequence of arcs, each possibly walked backwards.
pub type ArcRing = Vec<(u32, bool)>;

/// One feature's polygons: each an exterior ring then its holes.
pub type ArcShape = Vec<Vec<ArcRing>>;

/// The edge graph of one coverage.
pub struct Topology {
    /// Each arc's vertices, from junction to junction (a ring with no
    /// junction is one closed arc).
    pub arcs: Vec<Vec<WorldPoint>>,
    /// The features on the two sides of each arc (`u32::MAX` for none).
    pub sides: Vec<[u32; 2]>,
    /// Each feature's shape in arcs, in input order.
    pub shapes: Vec<ArcShape>,
}

impl Topology {
    /// Builds the edge graph of the features' polygons (lon/lat).
    pub fn build(features: &[&MultiPolygon<f64>]) -> Topology {
        let projected: Vec<Vec<Vec<Vec<WorldPoint>>>> = features
            .par_iter()
            .map(|mp| {
                mp.0.iter()
                    .map(|p| {
                        std::iter::once(p.exterior())
                            .chain(p.interiors())
                            .map(|r| ring_points(&r.0))
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let noded = node(projected);
        let junctions = junctions(&noded);
        let mut b = Builder::default();
        let mut shapes = Vec::with_capacity(noded.len());
        for (f, polygons) in noded.iter().enumerate() {
            let mut shape = Vec::with_capacity(polygons.len());
            for rings in polygons {
                let arc_rings: Vec<ArcRing> =
                    rings.iter().filter(|r| r.len() >= 3).map(|r| b.cut(r, &junctions, f as u32)).collect();
                if !arc_rings.is_empty() {
                    shape.push(arc_rings);
                }
            }
            shapes.push(shape);
        }
        Topology { arcs: b.arcs, sides: b.sides, shapes }
    }

    /// Number of vertices over all arcs.
    pub fn vertex_count(&self) -> usize {
        self.arcs.iter().map(Vec::len).sum()
    }
}

/// A ring in world units, without its closing point or repeated points.
fn ring_points(coords: &[Coord<f64>]) -> Vec<WorldPoint> {
    let mut out: Vec<WorldPoint> = Vec::with_capacity(coords.len());
    for c in coords {
        let p = to_world(*c);
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// Inserts into every segment the vertices of other rings lying on it.
fn node(features: Vec<Vec<Vec<Vec<WorldPoint>>>>) -> Vec<Vec<Vec<Vec<WorldPoint>>>> {
    let mut all: Vec<WorldPoint> = features.iter().flatten().flatten().flatten().copied().collect();
    all.sort_unstable();
    all.dedup();
    let tree = RTree::bulk_load(all);
    features
        .into_par_iter()
        .map(|polygons| {
            polygons
                .into_iter()
                .map(|rings| rings.into_iter().map(|r| node_ring(&r, &tree)).collect())
                .collect()
        })
        .collect()
}

fn node_ring(ring: &[WorldPoint], tree: &RTree<WorldPoint>) -> Vec<WorldPoint> {
    let n = ring.len();
    let mut out = Vec::with_capacity(n);
    let mut on_segment: Vec<(f64, WorldPoint)> = Vec::new();
    for i in 0..n {
        let (p, q) = (ring[i], ring[(i + 1) % n]);
        out.push(p);
        let lo = [p[0].min(q[0]) - NODE_TOLERANCE, p[1].min(q[1]) - NODE_TOLERANCE];
        let hi = [p[0].max(q[0]) + NODE_TOLERANCE, p[1].max(q[1]) + NODE_TOLERANCE];
        on_segment.clear();
        let (dx, dy) = ((q[0] - p[0]) as f64, (q[1] - p[1]) as f64);
        let len2 = dx * dx + dy * dy;
        if len2 == 0.0 {
            continue;
        }
        for v in tree.locate_in_envelope(&AABB::from_corners(lo, hi)) {
            if *v == p || *v == q {
                continue;
            }
            let (vx, vy) = ((v[0] - p[0]) as f64, (v[1] - p[1]) as f64);
            let t = (vx * dx + vy * dy) / len2;
            let cross = vx * dy - vy * dx;
            let tol = NODE_TOLERANCE as f64;
            if t > 0.0 && t < 1.0 && cross * cross <= tol * tol * len2 {
                on_segment.push((t, *v));
            }
        }
        on_segment.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.extend(on_segment.iter().map(|(_, v)| *v));
    }
    out.dedup();
    out
}

/// The vertices where a ring must be cut: where the rings through a vertex
/// do not all arrive from and leave to the same two neighbours.
fn junctions(features: &[Vec<Vec<Vec<WorldPoint>>>]) -> FxHashMap<WorldPoint, bool> {
    // vertex → (neighbour pair first seen, is junction)
    let mut seen: FxHashMap<WorldPoint, ([WorldPoint; 2], bool)> = FxHashMap::default();
    for r in features.iter().flatten().flatten() {
        let n = r.len();
        if n < 3 {
            continue;
        }
        for i in 0..n {
            let (a, b) = (r[(i + n - 1) % n], r[(i + 1) % n]);
            let pair = if a <= b { [a, b] } else { [b, a] };
            seen.entry(r[i]).and_modify(|(p, j)| *j |= *p != pair).or_insert((pair, false));
        }
    }
    // A vertex a ring passes twice is a junction too.
    for r in features.iter().flatten().flatten() {
        let mut v = r.clone();
        v.sort_unstable();
        for w in v.windows(2) {
            if w[0] == w[1]
                && let Some(e) = seen.get_mut(&w[0])
            {
                e.1 = true;
            }
        }
    }
    seen.into_iter().map(|(k, (_, j))| (k, j)).collect()
}

#[derive(Default)]
struct Builder {
    arcs: Vec<Vec<WorldPoint>>,
    sides: Vec<[u32; 2]>,
    by_hash: FxHashMap<u64, Vec<u32>>,
}

impl Builder {
    /// Cuts a ring at its junctions into arcs, sharing arcs already seen.
    fn cut(&mut self, ring: &[WorldPoint], junctions: &FxHashMap<WorldPoint, bool>, feature: u32) -> ArcRing {
        let n = ring.len();
        let cuts: Vec<usize> =
            (0..n).filter(|&i| junctions.get(&ring[i]).copied().unwrap_or(false)).collect();
        if cuts.is_empty() {
            // A ring touching nothing: one closed arc from its least vertex,
            // walked towards the lesser neighbour, so that the same ring seen
            // from the other side is the same arc.
            let start = (0..n).min_by_key(|&i| ring[i]).unwrap_or(0);
            let mut arc: Vec<WorldPoint> = (0..=n).map(|k| ring[(start + k) % n]).collect();
            let reversed = arc[1] > arc[n - 1];
            if reversed {
                arc.reverse();
            }
            return vec![(self.intern_canonical(arc, feature), reversed)];
        }
        let mut out = Vec::with_capacity(cuts.len());
        for (k, &from) in cuts.iter().enumerate() {
            let to = if k + 1 < cuts.len() { cuts[k + 1] } else { cuts[0] + n };
            let arc: Vec<WorldPoint> = (from..=to).map(|i| ring[i % n]).collect();
            out.push(self.intern(arc, feature));
        }
        out
    }

    /// Stores an arc in its canonical direction; returns its id and whether
    /// the ring walks it backwards.
    fn intern(&mut self, mut arc: Vec<WorldPoint>, feature: u32) -> (u32, bool) {
        let last = arc.len() - 1;
        let reversed = match arc[0].cmp(&arc[last]) {
            std::cmp::Ordering::Less => false,
            std::cmp::Ordering::Greater => true,
            std::cmp::Ordering::Equal => arc[1] > arc[last - 1],
        };
        if reversed {
            arc.reverse();
        }
        (self.intern_canonical(arc, feature), reversed)
    }

    fn intern_canonical(&mut self, arc: Vec<WorldPoint>, feature: u32) -> u32 {
        let mut h = FxHasher::default();
        arc.hash(&mut h);
        let bucket = self.by_hash.entry(h.finish()).or_default();
        if let Some(&id) = bucket.iter().find(|&&id| self.arcs[id as usize] == arc) {
            let s = &mut self.sides[id as usize];
            if s[1] == u32::MAX && s[0] != feature {
                s[1] = feature;
            }
            return id;
        }
        let id = self.arcs.len() as u32;
        bucket.push(id);
        self.arcs.push(arc);
        self.sides.push([feature, u32::MAX]);
        id
    }
}

/// Walks a ring of arcs into its vertices (closed: first == last).
pub fn ring_vertices<'a>(ring: &ArcRing, arc: impl Fn(usize) -> &'a [WorldPoint]) -> Vec<WorldPoint> {
    let mut out: Vec<WorldPoint> =
        Vec::with_capacity(ring.iter().map(|&(id, _)| arc(id as usize).len()).sum());
    let mut push = |p: &WorldPoint| {
        if out.last() != Some(p) {
            out.push(*p);
        }
    };
    for &(id, reversed) in ring {
        let arc = arc(id as usize);
        if reversed {
            arc.iter().rev().for_each(&mut push);
        } else {
            arc.iter().for_each(&mut push);
        }
    }
    if out.len() > 1 && out.first() != out.last() {
        out.push(out[0]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn neighbours_share_their_border_arc_even_with_an_extra_vertex_on_one_side() {
        // Two unit squares side by side; the right one has an extra vertex
        // on the shared edge.
        let left: MultiPolygon<f64> =
            polygon![(x: 120.0, y: 30.0), (x: 121.0, y: 30.0), (x: 121.0, y: 31.0), (x: 120.0, y: 31.0)]
                .into();
        let right: MultiPolygon<f64> =
            polygon![(x: 121.0, y: 30.0), (x: 122.0, y: 30.0), (x: 122.0, y: 31.0),
            (x: 121.0, y: 31.0), (x: 121.0, y: 30.5)]
            .into();
        let t = Topology::build(&[&left, &right]);
        let shared: Vec<usize> = (0..t.arcs.len()).filter(|&i| t.sides[i][1] != u32::MAX).collect();
        assert_eq!(shared.len(), 1, "one shared arc: {:?}", t.sides);
        assert_eq!(t.arcs[shared[0]].len(), 3, "the extra vertex is noded into both sides");
        for f in 0..2 {
            let ring = ring_vertices(&t.shapes[f][0][0], |a| &t.arcs[a]);
            assert_eq!(ring.first(), ring.last());
            assert_eq!(ring.len(), 6, "five corners and the closing point: {ring:?}");
        }
    }
}
