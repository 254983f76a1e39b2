//! Distances in metres on lon/lat (CGCS2000) coordinates, and the bound
//! that lets an index searched in degrees return the metrically nearest
//! item.

use geo::Coord;

/// Mean Earth radius, metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres per degree of latitude.
pub const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// A local equirectangular frame around a query point: accurate to well
/// under 0.1 % within tens of kilometres.
#[derive(Debug, Clone, Copy)]
pub struct LocalFrame {
    origin: Coord<f64>,
    kx: f64,
    /// Metres per degree of longitude one degree poleward of the origin
    /// (at most 89°): a lower bound for the scale anywhere a search from
    /// the origin reaches.
    kx_min: f64,
}

impl LocalFrame {
    /// The frame centred on `origin` (lon/lat degrees). One `sin_cos`
    /// serves both scales.
    pub fn new(origin: Coord<f64>) -> LocalFrame {
        let (sin, cos) = origin.y.to_radians().sin_cos();
        // cos(|φ| + 1°) = cos φ cos 1° − |sin φ| sin 1°.
        let (sin_1, cos_1) = (0.017_452_406_437_283_51, 0.999_847_695_156_391_3);
        let poleward = if origin.y.abs() + 1.0 >= 89.0 {
            89f64.to_radians().cos()
        } else {
            cos * cos_1 - sin.abs() * sin_1
        };
        LocalFrame { origin, kx: cos * M_PER_DEG, kx_min: poleward * M_PER_DEG }
    }

    /// The origin.
    pub fn origin(&self) -> Coord<f64> {
        self.origin
    }

    /// Metres per degree of longitude, at least, within a degree of
    /// latitude of the origin.
    pub fn kx_min(&self) -> f64 {
        self.kx_min
    }

    /// A lon/lat point in metres east/north of the origin.
    pub fn project(&self, c: Coord<f64>) -> (f64, f64) {
        ((c.x - self.origin.x) * self.kx, (c.y - self.origin.y) * M_PER_DEG)
    }

    /// The lon/lat point `x` metres east and `y` metres north of the origin.
    pub fn unproject(&self, x: f64, y: f64) -> Coord<f64> {
        Coord { x: self.origin.x + x / self.kx, y: self.origin.y + y / M_PER_DEG }
    }

    /// Distance from the origin to a point, metres.
    pub fn distance_to_point(&self, c: Coord<f64>) -> f64 {
        self.distance2_to_point(c).sqrt()
    }

    /// Squared distance from the origin to a point, square metres (cheap:
    /// for comparisons).
    #[inline]
    pub fn distance2_to_point(&self, c: Coord<f64>) -> f64 {
        let (x, y) = self.project(c);
        x * x + y * y
    }

    /// Distance from the origin to a segment, metres.
    pub fn distance_to_segment(&self, a: Coord<f64>, b: Coord<f64>) -> f64 {
        self.distance2_to_segment(a, b).sqrt()
    }

    /// Squared distance from the origin to a segment, square metres.
    #[inline]
    pub fn distance2_to_segment(&self, a: Coord<f64>, b: Coord<f64>) -> f64 {
        let (ax, ay) = self.project(a);
        let (bx, by) = self.project(b);
        let (dx, dy) = (bx - ax, by - ay);
        let len2 = dx * dx + dy * dy;
        let t = if len2 == 0.0 { 0.0 } else { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) };
        let (px, py) = (ax + t * dx, ay + t * dy);
        px * px + py * py
    }

    /// A lower bound, in metres, of the distance to anything at least
    /// `deg` degrees (Euclidean in lon/lat) away from the origin.
    pub fn lower_bound_m(&self, deg: f64) -> f64 {
        let lat = (self.origin.y.abs() + deg).min(89.9);
        deg * M_PER_DEG * lat.to_radians().cos()
    }

    /// A radius in degrees (Euclidean in lon/lat) that contains every
    /// point within `metres` of the origin, for radii well under a degree.
    pub fn degrees_covering(&self, metres: f64) -> f64 {
        metres / self.kx_min
    }

    /// Compass bearing from the origin to `c`, as one of eight Chinese
    /// directions (东, 东北 …).
    ///
    /// The sector is read from the ratio of the east and north offsets
    /// (sectors meet at 22.5° + k·45°), with no angle computed.
    pub fn direction_to(&self, c: Coord<f64>) -> &'static str {
        /// tan 22.5°: where 北 meets 东北.
        const TAN_22_5: f64 = 0.414_213_562_373_095;
        let (x, y) = self.project(c);
        let (ax, ay) = (x.abs(), y.abs());
        if ax < TAN_22_5 * ay || (x == 0.0 && y == 0.0) {
            if y >= 0.0 { "北" } else { "南" }
        } else if ay < TAN_22_5 * ax {
            if x > 0.0 { "东" } else { "西" }
        } else {
            match (x > 0.0, y > 0.0) {
                (true, true) => "东北",
                (true, false) => "东南",
                (false, false) => "西南",
                (false, true) => "西北",
            }
        }
    }
}

/// The nearer of two `(distance, item)` finds; the first on a tie.
pub fn nearer<T>(a: Option<(f64, T)>, b: Option<(f64, T)>) -> Option<(f64, T)> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Haversine, Point};

    #[test]
    fn local_distances_agree_with_haversine_nearby() {
        let o = Coord { x: 121.55, y: 29.87 };
        let f = LocalFrame::new(o);
        let c = Coord { x: 121.56, y: 29.88 };
        let h = Haversine.distance(Point::from(o), Point::from(c));
        assert!((f.distance_to_point(c) - h).abs() / h < 1e-3);
        assert_eq!(f.direction_to(c), "东北");
        assert!(f.lower_bound_m(0.01) <= h);
        // A segment 1 km north of the origin, running east–west.
        let north = 1000.0 / 111_195.0;
        let (a, b) = (Coord { x: 121.5, y: 29.87 + north }, Coord { x: 121.6, y: 29.87 + north });
        assert!((f.distance_to_segment(a, b) - 1000.0).abs() < 2.0);
        assert!((f.distance2_to_segment(a, b) - 1.0e6).abs() < 4000.0);
    }

    #[test]
    fn the_poleward_scale_is_that_a_degree_further_from_the_equator() {
        for lat in [-60.0, -23.5, 0.0, 18.2, 29.87, 53.5, 88.5] {
            let f = LocalFrame::new(Coord { x: 121.0, y: lat });
            let want = M_PER_DEG * (f64::abs(lat) + 1.0).min(89.0).to_radians().cos();
            assert!((f.kx_min() - want).abs() < 1e-9, "{lat}: {} vs {want}", f.kx_min());
        }
    }

    #[test]
    fn directions_are_the_compass_sectors_of_the_bearing() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        let o = Coord { x: 121.55, y: 29.87 };
        let f = LocalFrame::new(o);
        const NAMES: [&str; 8] = ["北", "东北", "东", "东南", "南", "西南", "西", "西北"];
        for _ in 0..100_000 {
            let c = Coord { x: o.x + rng.random_range(-0.01..0.01), y: o.y + rng.random_range(-0.01..0.01) };
            let (x, y) = f.project(c);
            let bearing = x.atan2(y).to_degrees().rem_euclid(360.0);
            // Points within a hair of a sector edge may fall either side.
            let off_edge = ((bearing + 22.5) % 45.0).min(45.0 - (bearing + 22.5) % 45.0) > 1e-9;
            if off_edge {
                assert_eq!(f.direction_to(c), NAMES[(((bearing + 22.5) / 45.0) as usize) % 8], "{bearing}°");
            }
        }
        assert_eq!(f.direction_to(o), "北");
        assert_eq!(f.direction_to(Coord { x: o.x, y: o.y - 0.001 }), "南");
        assert_eq!(f.direction_to(Coord { x: o.x - 0.001, y: o.y }), "西");
    }
}
