//! "Nearest item within r metres" over a whole country: a k-d tree of item
//! keys as 3-D points on the sphere, where straight-line distance orders
//! points as distance on the ground does, at any latitude and at any range.
//! A query descends to its neighbourhood in a few dozen comparisons,
//! however far the nearest item lies.
//!
//! The tree holds `f32` coordinates (16 bytes an item with its id), within
//! a metre of the truth. A query therefore takes the nearest key, widens
//! that distance by every error the tree and the metric can make, gathers
//! the keys within it, and chooses among their items by exact distance in
//! the query's [`LocalFrame`](super::metric::LocalFrame): the same answer
//! as a full scan.

use super::metric::EARTH_RADIUS_M;
use geo::Coord;
use kiddo::SquaredEuclidean;
use kiddo::immutable::float::kdtree::ImmutableKdTree;

/// Largest error of a chord between two `f32` keys, metres (each
/// coordinate, up to the Earth's radius, is rounded by at most 0.25 m).
const F32_SLACK_M: f64 = 1.0;

/// The tree; an item is its position in the keys it was built from.
pub struct SphereTree {
    tree: Option<ImmutableKdTree<f32, u32, 3, 32>>,
}

/// A lon/lat point as a point on the sphere, metres from its centre.
fn on_sphere(c: Coord<f64>) -> [f64; 3] {
    let (lon, lat) = (c.x.to_radians(), c.y.to_radians());
    let r = EARTH_RADIUS_M * lat.cos();
    [r * lon.cos(), r * lon.sin(), EARTH_RADIUS_M * lat.sin()]
}

fn key(c: Coord<f64>) -> [f32; 3] {
    on_sphere(c).map(|v| v as f32)
}

/// The most a distance in a [`LocalFrame`](super::metric::LocalFrame) and
/// the chord between the same two points differ, relative to either, for
/// points `chord_m` apart at the latitudes of China: the frame's east–west
/// scale is that of the query's latitude, off by about the latitude
/// difference times its tangent.
fn frame_error(chord_m: f64) -> f64 {
    0.005 + chord_m / 1.0e6
}

impl SphereTree {
    /// Builds the tree over the points of the items.
    pub fn build(keys: impl Iterator<Item = Coord<f64>>) -> SphereTree {
        let keys: Vec<[f32; 3]> = keys.map(key).collect();
        // The tree needs at least one key.
        let tree = (!keys.is_empty()).then(|| ImmutableKdTree::new_from_slice(&keys));
        SphereTree { tree }
    }

    /// The item with the least `dist2` within `max_m` metres, with its
    /// distance; of items equally near, the first. `dist2` is the squared
    /// distance in metres in the frame of `c`, as
    /// [`LocalFrame::distance2_to_point`](super::metric::LocalFrame::distance2_to_point) gives.
    pub fn nearest(&self, c: Coord<f64>, max_m: f64, dist2: impl Fn(u32) -> f64) -> Option<(f64, u32)> {
        let tree = self.tree.as_ref()?;
        let q = key(c);
        let first = tree.nearest_one::<SquaredEuclidean>(&q);
        let chord = f64::from(first.distance).sqrt();
        // The error at the farthest distance compared below.
        let eps = frame_error(2.0 * (chord + F32_SLACK_M));
        // Every item is at least this far away.
        if (chord - F32_SLACK_M).max(0.0) / (1.0 + eps) > max_m {
            return None;
        }
        // The nearest key's item is no farther than `upper`, so the nearest
        // item's key lies within `reach` (as the tree measures).
        let upper = (chord + F32_SLACK_M) * (1.0 + eps);
        let reach = upper * (1.0 + eps) + F32_SLACK_M;
        let (d2, i) = tree
            .within_unsorted::<SquaredEuclidean>(&q, (reach * reach) as f32)
            .into_iter()
            .map(|n| (dist2(n.item), n.item))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))?;
        let d = d2.sqrt();
        (d <= max_m).then_some((d, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::metric::LocalFrame;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn frame_distances_and_chords_agree_within_the_bound() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for _ in 0..100_000 {
            let q: Coord<f64> = Coord { x: rng.random_range(73.0..135.0), y: rng.random_range(3.0..54.0) };
            let r = rng.random_range(0.0..0.2_f64);
            let a = rng.random_range(0.0..std::f64::consts::TAU);
            let p = Coord { x: q.x + r * a.cos() / q.y.to_radians().cos(), y: q.y + r * a.sin() };
            let (u, v) = (on_sphere(q), on_sphere(p));
            let chord = ((u[0] - v[0]).powi(2) + (u[1] - v[1]).powi(2) + (u[2] - v[2]).powi(2)).sqrt();
            let frame = LocalFrame::new(q).distance_to_point(p);
            let eps = frame_error(chord);
            assert!(frame <= chord * (1.0 + eps) + 1e-6, "{q:?} {p:?}: frame {frame}, chord {chord}");
            assert!(chord <= frame * (1.0 + eps) + 1e-6, "{q:?} {p:?}: frame {frame}, chord {chord}");
        }
    }
}
