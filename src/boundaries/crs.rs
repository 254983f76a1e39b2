//! Coordinates of boundary data in the systems surveyors use: CGCS2000
//! geographic (EPSG:4490, what the store holds) and the CGCS2000
//! Gauss-Krüger 3° zones — EPSG:4513–4533 (zones 25–45, the zone number
//! before the easting) and EPSG:4534–4554 (the same zones by central
//! meridian, 75°E–135°E, no zone number) — transformed by PROJ.

use geo::Coord;
use proj::Proj;
use std::cell::RefCell;
use std::collections::HashMap;

/// The store's system.
pub const STORE_EPSG: u32 = 4490;

/// A coordinate system a client may ask boundary data in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Crs(pub u32);

impl Crs {
    /// Parses `EPSG:NNNN` (or the bare number) among the systems offered:
    /// 4490 and the Gauss-Krüger 3° zones; the error says what is offered.
    pub fn parse(s: &str) -> Result<Crs, String> {
        let digits =
            s.trim().strip_prefix("EPSG:").or_else(|| s.trim().strip_prefix("epsg:")).unwrap_or(s.trim());
        let code: u32 = digits.parse().map_err(|_| format!("坐标系应写作 EPSG:代码，而不是 {s}"))?;
        if code == STORE_EPSG || (4513..=4554).contains(&code) {
            Ok(Crs(code))
        } else {
            Err(format!(
                "提供的坐标系：EPSG:4490（CGCS2000 经纬度）与 EPSG:4513–4554（CGCS2000 高斯-克吕格 3 度带），不含 EPSG:{code}"
            ))
        }
    }

    /// Whether coordinates are eastings and northings in metres.
    pub fn is_projected(self) -> bool {
        self.0 != STORE_EPSG
    }

    /// The `EPSG:NNNN` text.
    pub fn name(self) -> String {
        format!("EPSG:{}", self.0)
    }
}

/// The 3° zone (25–45) a longitude falls in: zone n spans 3n ± 1.5°.
pub fn zone_of(lon: f64) -> Option<u32> {
    let z = (lon / 3.0).round();
    (25.0..=45.0).contains(&z).then_some(z as u32)
}

/// The CGCS2000 3° Gauss-Krüger system with the zone number (EPSG:4513 +
/// zone − 25) for a point at `lon`.
pub fn gauss_kruger_zone(lon: f64) -> Option<Crs> {
    zone_of(lon).map(|z| Crs(4513 + z - 25))
}

/// Why a transformation failed.
#[derive(Debug, thiserror::Error)]
#[error("坐标转换失败（{from} → {to}）：{why}")]
pub struct TransformError {
    from: String,
    to: String,
    why: String,
}

thread_local! {
    /// Transformations made on this thread, by (source, target) system
    /// (a PROJ object is not shared between threads).
    static TRANSFORMS: RefCell<HashMap<(String, String), Proj>> = RefCell::new(HashMap::new());
}

/// Transforms `points` from system `from` to `to` (each `EPSG:NNNN` or any
/// definition PROJ reads), lon/lat and easting/northing in that order.
pub fn transform(from: &str, to: &str, points: &[Coord<f64>]) -> Result<Vec<Coord<f64>>, TransformError> {
    let fail = |why: String| TransformError { from: from.into(), to: to.into(), why };
    TRANSFORMS.with(|t| {
        let mut t = t.borrow_mut();
        let key = (from.to_string(), to.to_string());
        if !t.contains_key(&key) {
            let p = Proj::new_known_crs(from, to, None).map_err(|e| fail(e.to_string()))?;
            t.insert(key.clone(), p);
        }
        let p = &t[&key];
        points
            .iter()
            .map(|c| p.convert((c.x, c.y)).map(|(x, y)| Coord { x, y }).map_err(|e| fail(e.to_string())))
            .collect()
    })
}

/// A store point (CGCS2000 lon/lat) in `crs`.
pub fn from_store(crs: Crs, points: &[Coord<f64>]) -> Result<Vec<Coord<f64>>, TransformError> {
    if !crs.is_projected() {
        return Ok(points.to_vec());
    }
    transform("EPSG:4490", &crs.name(), points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_follow_the_three_degree_division() {
        assert_eq!(zone_of(121.55), Some(41));
        assert_eq!(gauss_kruger_zone(121.55), Some(Crs(4529)));
        assert_eq!(gauss_kruger_zone(73.6), Some(Crs(4513)));
        assert_eq!(gauss_kruger_zone(134.9), Some(Crs(4533)));
        assert_eq!(gauss_kruger_zone(10.0), None);
        assert_eq!(Crs::parse("EPSG:4529"), Ok(Crs(4529)));
        assert!(Crs::parse("EPSG:3857").unwrap_err().contains("3857"));
        assert!(Crs::parse("wgs").is_err());
    }

    #[test]
    fn a_point_on_a_central_meridian_has_the_false_easting() {
        // 123°E is zone 41's central meridian: easting 41,500,000 m; the
        // northing as `cs2cs EPSG:4490 EPSG:4529` gives it.
        let p = from_store(Crs(4529), &[Coord { x: 123.0, y: 30.0 }]).unwrap()[0];
        assert!((p.x - 41_500_000.0).abs() < 0.001, "{p:?}");
        assert!((p.y - 3_320_113.397_8).abs() < 0.001, "{p:?}");
        let back = transform("EPSG:4529", "EPSG:4490", &[p]).unwrap()[0];
        assert!((back.x - 123.0).abs() < 1e-9 && (back.y - 30.0).abs() < 1e-9, "{back:?}");
    }
}
