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
}

impl LocalFrame {
    /// The frame centred on `origin` (lon/lat degrees).
    pub fn new(origin: Coord<f64>) -> LocalFrame {
        LocalFrame { origin, kx: origin.y.to_radians().cos() * M_PER_DEG }
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
        let lat = (self.origin.y.abs() + 1.0).min(89.0);
        metres / (M_PER_DEG * lat.to_radians().cos())
    }

    /// Compass bearing from the origin to `c`, as one of eight Chinese
    /// directions (东, 东北 …).
    pub fn direction_to(&self, c: Coord<f64>) -> &'static str {
        let (x, y) = self.project(c);
        let deg = x.atan2(y).to_degrees().rem_euclid(360.0);
        const NAMES: [&str; 8] = ["北", "东北", "东", "东南", "南", "西南", "西", "西北"];
        NAMES[(((deg + 22.5) / 45.0) as usize) % 8]
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
}
