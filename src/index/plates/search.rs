//! Searches of the plate index: the metrically nearest live plate, and
//! the plates in a lon/lat box (for tiles), over each part's base grids and
//! overlay's, the parts far from the point skipped.

use super::part::{PlateBase, PlatePart};
use super::{PlateIndex, id_of};
use crate::index::metric::{LocalFrame, nearer};
use geo::Coord;

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

impl PlateIndex {
    /// The plates filed under the fine cells meeting the lon/lat box
    /// `lo..=hi` (some may lie just outside it): of each part, the base's
    /// in the part's order, then the plates added since that lie inside it.
    pub fn within(&self, lo: Coord<f64>, hi: Coord<f64>) -> impl Iterator<Item = u32> + '_ {
        self.parts().flat_map(move |(k, p)| p.within(lo, hi).map(move |i| id_of(k, i)))
    }

    /// The metrically nearest live plate within `max_m` metres; of plates
    /// at the same point, the one with the lowest code (a cell lists its
    /// plates in code order).
    pub fn nearest(&self, frame: &LocalFrame, max_m: f64) -> Option<NearestPlate> {
        let r = frame.degrees_covering(max_m);
        let found = self
            .parts()
            .filter(|(_, p)| p.extent.meets(frame.origin(), r))
            .fold(None, |best, (k, p)| nearer(best, p.nearest(frame, max_m).map(|(d, i)| (d, id_of(k, i)))));
        let (distance_m, index) = found?;
        Some(NearestPlate { index, distance_m, at: self.point(index) })
    }
}

impl PlatePart {
    fn within(&self, lo: Coord<f64>, hi: Coord<f64>) -> impl Iterator<Item = u32> + '_ {
        let base = self.base.grid.iter().flat_map(move |g| g.finest().within(lo, hi).copied());
        let added = self.tier_grids().flat_map(move |g| g.finest().within(lo, hi).copied());
        base.chain(added).filter(|&i| self.is_live(i))
    }

    fn nearest(&self, frame: &LocalFrame, max_m: f64) -> Option<(f64, u32)> {
        let b = &self.base;
        let base = match &b.grid {
            Some(g) if b.occupied.any_within(frame.origin(), frame.degrees_covering(max_m)) => {
                if self.dead.is_empty() {
                    g.nearest(frame, max_m, |&i| frame.distance2_to_point(base_point(b, i)))
                } else {
                    // A plate no longer live is at no distance at all.
                    g.nearest(frame, max_m, |&i| {
                        if self.is_live(i) {
                            frame.distance2_to_point(base_point(b, i))
                        } else {
                            f64::INFINITY
                        }
                    })
                }
            }
            _ => None,
        };
        self.tier_grids().fold(base, |best, g| {
            let near = g.nearest(frame, max_m, |&i| {
                if self.is_live(i) { frame.distance2_to_point(self.point(i)) } else { f64::INFINITY }
            });
            nearer(best, near)
        })
    }
}

/// Where base plate `i` is (the base's grids hold only base ids).
fn base_point(b: &PlateBase, i: u32) -> Coord<f64> {
    let p = b.points[i as usize];
    Coord { x: p[0], y: p[1] }
}

#[cfg(test)]
mod tests {
    use super::super::Plate;
    use super::*;
    use crate::index::OptId;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn the_nearest_plate_is_the_one_a_full_scan_finds() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        // Dense clusters and sparse scatter at 45°N, where degrees are most
        // anisotropic in China.
        let pts: Vec<[f64; 2]> = (0..20_000)
            .map(|i| {
                let spread = if i % 2 == 0 { 0.01 } else { 0.3 };
                [125.0 + rng.random_range(-spread..spread), 45.0 + rng.random_range(-spread..spread)]
            })
            .collect();
        let index = PlateIndex::build(
            pts.iter()
                .enumerate()
                .map(|(i, p)| {
                    (
                        *p,
                        Plate {
                            code: i as u64,
                            label: "".into(),
                            division: OptId::some(0),
                            street: OptId::NONE,
                        },
                    )
                })
                .collect(),
        );
        for _ in 0..2000 {
            let q = Coord { x: 125.0 + rng.random_range(-0.4..0.4), y: 45.0 + rng.random_range(-0.4..0.4) };
            let frame = LocalFrame::new(q);
            let truth = pts
                .iter()
                .map(|p| frame.distance_to_point(Coord { x: p[0], y: p[1] }))
                .fold(f64::INFINITY, f64::min);
            match index.nearest(&frame, 2000.0) {
                Some(n) => assert!((n.distance_m - truth).abs() < 1e-6, "{q:?}: {} vs {truth}", n.distance_m),
                None => assert!(truth > 2000.0, "{q:?}: missed a plate at {truth} m"),
            }
        }
    }

    fn plate(code: u64, label: &str) -> Plate {
        Plate { code, label: label.into(), division: OptId::some(0), street: OptId::NONE }
    }

    #[test]
    fn a_box_query_returns_every_plate_inside_the_box() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let pts: Vec<[f64; 2]> = (0..5_000)
            .map(|_| [121.5 + rng.random_range(-0.05..0.05), 29.9 + rng.random_range(-0.05..0.05)])
            .collect();
        let index =
            PlateIndex::build(pts.iter().enumerate().map(|(i, p)| (*p, plate(i as u64, ""))).collect());
        let (lo, hi) = (Coord { x: 121.48, y: 29.88 }, Coord { x: 121.5123, y: 29.9071 });
        let inside = |c: Coord<f64>| c.x >= lo.x && c.x <= hi.x && c.y >= lo.y && c.y <= hi.y;
        let mut found: Vec<u64> = index
            .within(lo, hi)
            .map(|i| index.point(i))
            .filter(|&c| inside(c))
            .map(|c| c.x.to_bits())
            .collect();
        let mut truth: Vec<u64> = pts
            .iter()
            .map(|p| Coord { x: p[0], y: p[1] })
            .filter(|&c| inside(c))
            .map(|c| c.x.to_bits())
            .collect();
        found.sort_unstable();
        truth.sort_unstable();
        assert!(truth.len() > 100, "the box holds plates: {}", truth.len());
        assert_eq!(found, truth);
    }
}
