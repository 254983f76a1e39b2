//! Fingerprints of what a tile shows (a hash of each feature's content
//! and its box), and the world boxes a change touched: the features that
//! differ between two snapshots and the neighbours of changed divisions.

use super::{Divisions, TileSet};
use crate::store::DivisionRow;
use crate::tiles::coverage::bbox;
use crate::tiles::world::{WorldPoint, to_world};
use geo::Coord;
use rustc_hash::{FxBuildHasher, FxHasher};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// (layer, feature id) → (hash of its content, its box in world units):
/// a persistent map, which snapshots share.
pub type Fingerprints =
    imbl::GenericHashMap<(u8, u64), (u64, [i64; 4]), FxBuildHasher, imbl::shared_ptr::DefaultSharedPtr>;

/// A hash of any hashable content.
pub(super) fn hash_of(v: impl Hash) -> u64 {
    let mut h = FxHasher::default();
    v.hash(&mut h);
    h.finish()
}

/// A hash of a geometry's coordinates.
pub(super) fn geometry_hash<G: geo::CoordsIter<Scalar = f64>>(g: &G) -> u64 {
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

/// The box of a single point.
pub(super) fn point_box(p: WorldPoint) -> [i64; 4] {
    [p[0], p[1], p[0], p[1]]
}

/// One entry of [`Fingerprints`]: (layer, feature id), (content hash, box).
pub(super) type Print = ((u8, u64), (u64, [i64; 4]));

/// Each division's fingerprint, keyed by (level, code), in row order.
pub(super) fn division_prints(divs: &[DivisionRow]) -> Vec<Print> {
    let mut division_prints = Vec::with_capacity(divs.len());
    for d in divs {
        let g = d.geom.as_ref().map(world_box);
        let level = d.level.as_i64();
        let content = hash_of((&d.name, &d.pinyin, level, d.geom.as_ref().map(geometry_hash)));
        let key = (level as u8, d.code.as_str().parse::<u64>().unwrap_or(0));
        division_prints.push((key, (content, g.unwrap_or([0; 4]))));
    }
    division_prints
}

impl TileSet {
    /// The world boxes of every feature that differs between two snapshots
    /// (added, removed or changed), with the neighbours of changed divisions.
    /// With `keys`, only the features of those keys are compared (a change
    /// of the features knows what it touched).
    pub fn changed_boxes(&self, old: &TileSet, keys: Option<&[(u8, u64)]>) -> Vec<[i64; 4]> {
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
        match keys {
            None => compare(&self.fingerprints, &old.fingerprints),
            Some(keys) => {
                let only = |m: &Fingerprints| -> Fingerprints {
                    keys.iter().filter_map(|k| Some((*k, *m.get(k)?))).collect()
                };
                compare(&only(&self.fingerprints), &only(&old.fingerprints));
            }
        }
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
}

impl Divisions {
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
