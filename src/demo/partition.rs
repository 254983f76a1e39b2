//! Deterministic partition of a polygon into `n` cells: the synthetic
//! township and village boundaries inside real county polygons.
//!
//! 1. Seeds are placed by best-candidate sampling (each new seed is the
//!    candidate farthest from those already placed), optionally pulled
//!    towards a centre for urban subdistricts.
//! 2. Each seed's Voronoi cell is the bounding box clipped by the
//!    perpendicular bisectors with the other seeds (a convex polygon).
//! 3. The cell is intersected with the parent polygon, so the cells tile the
//!    parent exactly and every cell contains its seed.

use geo::{BooleanOps, BoundingRect, Contains, Coord, MultiPolygon, Polygon, Rect};
use rand::{Rng, RngExt};

/// Candidates tried per seed.
const CANDIDATES: usize = 12;

/// A random point inside `mp` (within its bounding box `r`).
pub fn random_point_in<R: Rng>(mp: &MultiPolygon<f64>, r: Rect<f64>, rng: &mut R) -> Option<Coord<f64>> {
    for _ in 0..200 {
        let c =
            Coord { x: rng.random_range(r.min().x..=r.max().x), y: rng.random_range(r.min().y..=r.max().y) };
        if mp.contains(&c) {
            return Some(c);
        }
    }
    None
}

/// Places `n` well-spread seeds inside `mp`. The first `near_centre` seeds
/// are drawn within `radius` degrees of `centre` (when inside `mp`).
pub fn seeds<R: Rng>(
    mp: &MultiPolygon<f64>,
    n: usize,
    centre: Option<(Coord<f64>, f64, usize)>,
    rng: &mut R,
) -> Vec<Coord<f64>> {
    let Some(r) = mp.bounding_rect() else {
        return vec![];
    };
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(n);
    for i in 0..n {
        let mut best: Option<(f64, Coord<f64>)> = None;
        for _ in 0..CANDIDATES {
            let area = match centre {
                Some((c, rad, k)) if i < k => {
                    let small =
                        Rect::new(Coord { x: c.x - rad, y: c.y - rad }, Coord { x: c.x + rad, y: c.y + rad });
                    random_point_in(mp, small, rng).or_else(|| random_point_in(mp, r, rng))
                }
                _ => random_point_in(mp, r, rng),
            };
            let Some(c) = area else { continue };
            let d = out.iter().map(|s| (s.x - c.x).hypot(s.y - c.y)).fold(f64::INFINITY, f64::min);
            if best.is_none_or(|(bd, _)| d > bd) {
                best = Some((d, c));
            }
        }
        match best {
            Some((_, c)) => out.push(c),
            None => break,
        }
    }
    out
}

/// The Voronoi cells of `seeds` intersected with `mp`, one per seed (an
/// empty multipolygon where the intersection vanished).
pub fn cells(mp: &MultiPolygon<f64>, seeds: &[Coord<f64>]) -> Vec<MultiPolygon<f64>> {
    let Some(r) = mp.bounding_rect() else {
        return vec![MultiPolygon(vec![]); seeds.len()];
    };
    let pad = r.width().max(r.height()) * 0.01 + 1e-6;
    let frame = vec![
        Coord { x: r.min().x - pad, y: r.min().y - pad },
        Coord { x: r.max().x + pad, y: r.min().y - pad },
        Coord { x: r.max().x + pad, y: r.max().y + pad },
        Coord { x: r.min().x - pad, y: r.max().y + pad },
    ];
    seeds
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let mut cell = frame.clone();
            let mut others: Vec<(f64, Coord<f64>)> = seeds
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, &o)| ((o.x - s.x).hypot(o.y - s.y), o))
                .collect();
            others.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (d, o) in others {
                let reach = cell.iter().map(|c| (c.x - s.x).hypot(c.y - s.y)).fold(0.0, f64::max);
                if d > 2.0 * reach {
                    break;
                }
                cell = clip_half_plane(&cell, s, o);
                if cell.len() < 3 {
                    break;
                }
            }
            if cell.len() < 3 {
                return MultiPolygon(vec![]);
            }
            cell.push(cell[0]);
            let poly = Polygon::new(cell.into(), vec![]);
            poly.intersection(mp)
        })
        .collect()
}

/// Keeps the part of convex polygon `ring` (open) nearer to `s` than to `o`.
fn clip_half_plane(ring: &[Coord<f64>], s: Coord<f64>, o: Coord<f64>) -> Vec<Coord<f64>> {
    let m = Coord { x: (s.x + o.x) / 2.0, y: (s.y + o.y) / 2.0 };
    let n = Coord { x: o.x - s.x, y: o.y - s.y };
    let side = |p: Coord<f64>| (p.x - m.x) * n.x + (p.y - m.y) * n.y;
    let mut out = Vec::with_capacity(ring.len() + 1);
    for k in 0..ring.len() {
        let a = ring[k];
        let b = ring[(k + 1) % ring.len()];
        let (sa, sb) = (side(a), side(b));
        if sa <= 0.0 {
            out.push(a);
        }
        if (sa < 0.0 && sb > 0.0) || (sa > 0.0 && sb < 0.0) {
            let t = sa / (sa - sb);
            out.push(Coord { x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y) });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, polygon};
    use rand::SeedableRng;

    #[test]
    fn cells_tile_the_parent_and_hold_their_seeds() {
        let parent: MultiPolygon<f64> =
            polygon![(x: 0.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 3.0), (x: 2.0, y: 1.5), (x: 0.0, y: 3.0)].into();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let s = seeds(&parent, 9, None, &mut rng);
        assert_eq!(s.len(), 9);
        let c = cells(&parent, &s);
        let total: f64 = c.iter().map(|m| m.unsigned_area()).sum();
        assert!((total - parent.unsigned_area()).abs() < parent.unsigned_area() * 1e-6, "{total}");
        for (cell, seed) in c.iter().zip(&s) {
            assert!(cell.contains(seed));
        }
    }
}
