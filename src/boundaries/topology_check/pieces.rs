//! Measuring one piece of a gap or an overlap in metres: its area on the
//! ellipsoid, and its width — the diameter of the widest disc that fits in
//! it, found by eroding the piece (an inward buffer) in a local metric
//! frame. A piece is wider than the tolerance exactly when it survives an
//! inward buffer of half the tolerance, so long slivers narrower than the
//! tolerance are never reported whatever their length or area.

use crate::index::metric::LocalFrame;
use geo::algorithm::orient::Direction;
use geo::{Area, BoundingRect, Buffer, Coord, GeodesicArea, MapCoords, MultiPolygon, Orient, Polygon};

/// A piece wider than the tolerance.
#[derive(Debug, Clone)]
pub struct Piece {
    /// The piece, lon/lat.
    pub polygon: Polygon<f64>,
    /// Area, square metres (geodesic).
    pub area_m2: f64,
    /// Diameter of the widest disc inside it, metres (to about a metre,
    /// or 1 % of wide pieces).
    pub width_m: f64,
    /// A point well inside the piece (the centre of a wide disc in it).
    pub inside: Coord<f64>,
}

/// The piece measured, if it is wider than `tolerance_m`.
pub fn measure(polygon: &Polygon<f64>, tolerance_m: f64) -> Option<Piece> {
    let bbox = polygon.bounding_rect()?;
    let frame = LocalFrame::new(bbox.center());
    let local: Polygon<f64> = polygon.map_coords(|c| {
        let (x, y) = frame.project(c);
        Coord { x, y }
    });
    let planar = local.unsigned_area();
    // A disc of diameter `tolerance_m` must fit: nothing smaller can.
    let half = tolerance_m.max(0.01) / 2.0;
    if planar < std::f64::consts::PI * half * half {
        return None;
    }
    let mut lo = half;
    let mut inside = survives(&local, lo)?;
    // The widest disc is no larger in area than the piece.
    let mut hi = (planar / std::f64::consts::PI).sqrt().max(lo);
    while hi - lo > (0.5f64).max(lo * 0.01) {
        let mid = (lo + hi) / 2.0;
        match survives(&local, mid) {
            Some(at) => {
                lo = mid;
                inside = at;
            }
            None => hi = mid,
        }
    }
    Some(Piece {
        polygon: polygon.clone(),
        // Wound anticlockwise: the other way round is the rest of the Earth.
        area_m2: polygon.orient(Direction::Default).geodesic_area_unsigned(),
        width_m: 2.0 * lo,
        inside: frame.unproject(inside.x, inside.y),
    })
}

/// A point of what is left of `local` after an inward buffer of `r`
/// metres, if anything is.
fn survives(local: &Polygon<f64>, r: f64) -> Option<Coord<f64>> {
    let eroded: MultiPolygon<f64> = local.buffer(-r);
    eroded
        .0
        .iter()
        .filter(|p| p.unsigned_area() > 1e-6)
        .max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()))
        .and_then(|p| p.exterior().0.first().copied())
}

/// An area in the words a report uses: square metres, hectares (公顷) or
/// square kilometres.
pub fn area_words(m2: f64) -> String {
    if m2 < 10_000.0 {
        format!("{m2:.0} 平方米")
    } else if m2 < 1_000_000.0 {
        format!("{:.1} 公顷", m2 / 10_000.0)
    } else {
        format!("{:.2} 平方公里", m2 / 1_000_000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::metric::M_PER_DEG;
    use geo::{LineString, polygon};

    /// A `w` × `h` metre rectangle at 30°N 120°E, in lon/lat.
    fn rect(w: f64, h: f64) -> Polygon<f64> {
        let frame = LocalFrame::new(Coord { x: 120.0, y: 30.0 });
        let c = |x: f64, y: f64| frame.unproject(x, y);
        Polygon::new(LineString(vec![c(0.0, 0.0), c(w, 0.0), c(w, h), c(0.0, h), c(0.0, 0.0)]), vec![])
    }

    #[test]
    fn a_sliver_narrower_than_the_tolerance_is_not_a_piece_however_long() {
        // 8 m wide, 20 km long: 16 hectares, but never 10 m wide.
        assert!(measure(&rect(20_000.0, 8.0), 10.0).is_none());
        let p = measure(&rect(20_000.0, 30.0), 10.0).expect("30 m wide");
        assert!((p.width_m - 30.0).abs() < 1.0, "{}", p.width_m);
        assert!((p.area_m2 - 600_000.0).abs() < 600_000.0 * 0.005, "{}", p.area_m2);
    }

    #[test]
    fn a_square_is_as_wide_as_its_side() {
        let p = measure(&rect(400.0, 400.0), 10.0).expect("square");
        assert!((p.width_m - 400.0).abs() < 5.0, "{}", p.width_m);
        let tiny = polygon![(x: 120.0, y: 30.0), (x: 120.0 + 5.0 / M_PER_DEG, y: 30.0), (x: 120.0, y: 30.0 + 5.0 / M_PER_DEG)];
        assert!(measure(&tiny, 10.0).is_none());
    }

    #[test]
    fn areas_read_in_the_unit_that_fits() {
        assert_eq!(area_words(850.0), "850 平方米");
        assert_eq!(area_words(12_000.0), "1.2 公顷");
        assert_eq!(area_words(3_450_000.0), "3.45 平方公里");
    }
}
