//! World coordinates: Web Mercator (EPSG:3857) scaled to unsigned integers
//! at zoom 31, y growing south, so that every tile of zoom ≤ 19 with
//! extent 4096 is an exact power-of-two subdivision. Two vertices equal in
//! lon/lat are equal here, and a vertex maps to the same tile coordinate in
//! every tile that holds it.

use geo::Coord;

/// log2 of the world size in world units.
pub const WORLD_BITS: u32 = 31;
/// log2 of the tile extent (4096).
pub const EXTENT_BITS: u32 = 12;
/// The tile extent of every layer.
pub const EXTENT: i32 = 1 << EXTENT_BITS;
/// The deepest zoom the world units resolve at extent 4096.
pub const MAX_ZOOM: u8 = (WORLD_BITS - EXTENT_BITS) as u8;
/// The largest latitude Web Mercator shows.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// A point in world units.
pub type WorldPoint = [i64; 2];

/// Projects lon/lat (CGCS2000, treated as WGS 84 at map scale) to world units.
pub fn to_world(c: Coord<f64>) -> WorldPoint {
    let size = (1u64 << WORLD_BITS) as f64;
    let x = (c.x + 180.0) / 360.0;
    let lat = c.y.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    [(x * size).round() as i64, (y * size).round() as i64]
}

/// Back from world units to lon/lat.
pub fn to_lonlat(p: WorldPoint) -> Coord<f64> {
    let size = (1u64 << WORLD_BITS) as f64;
    let x = p[0] as f64 / size * 360.0 - 180.0;
    let n = std::f64::consts::PI * (1.0 - 2.0 * p[1] as f64 / size);
    Coord { x, y: n.sinh().atan().to_degrees() }
}

/// World units per tile-extent unit at zoom `z` (the size of one unit of a
/// 4096-extent tile).
pub fn unit(z: u8) -> i64 {
    1i64 << (u32::from(MAX_ZOOM) - u32::from(z.min(MAX_ZOOM)))
}

/// A tile address (XYZ scheme, y from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom.
    pub z: u8,
    /// Column.
    pub x: u32,
    /// Row from the north.
    pub y: u32,
}

impl TileId {
    /// The tile, if its coordinates exist at its zoom and the zoom is one
    /// the world units resolve.
    pub fn new(z: u8, x: u32, y: u32) -> Option<TileId> {
        (z <= MAX_ZOOM && u64::from(x) < (1u64 << z) && u64::from(y) < (1u64 << z)).then_some(TileId {
            z,
            x,
            y,
        })
    }

    /// The world-unit box of the tile, widened by `buffer` extent units on
    /// every side: `[min_x, min_y, max_x, max_y]`.
    pub fn bounds(&self, buffer: i32) -> [i64; 4] {
        let u = unit(self.z);
        let size = u << EXTENT_BITS;
        let b = i64::from(buffer) * u;
        let (x0, y0) = (i64::from(self.x) * size, i64::from(self.y) * size);
        [x0 - b, y0 - b, x0 + size + b, y0 + size + b]
    }

    /// Converts a world point to this tile's extent units (rounded).
    #[inline]
    pub fn to_tile(&self, p: WorldPoint) -> [i32; 2] {
        let shift = u32::from(MAX_ZOOM - self.z);
        let size = 1i64 << (shift + EXTENT_BITS);
        let half = if shift == 0 { 0 } else { 1i64 << (shift - 1) };
        let x = (p[0] - i64::from(self.x) * size + half) >> shift;
        let y = (p[1] - i64::from(self.y) * size + half) >> shift;
        [x as i32, y as i32]
    }

    /// Converts a world point to this tile's extent units, unrounded.
    #[inline]
    pub fn to_tile_f64(&self, p: WorldPoint) -> [f64; 2] {
        let shift = u32::from(MAX_ZOOM - self.z);
        let size = 1i64 << (shift + EXTENT_BITS);
        let scale = 1.0 / (1i64 << shift) as f64;
        [(p[0] - i64::from(self.x) * size) as f64 * scale, (p[1] - i64::from(self.y) * size) as f64 * scale]
    }

    /// The tiles at zoom `z` whose boxes meet the world box `b`.
    pub fn covering(z: u8, b: [i64; 4]) -> impl Iterator<Item = TileId> {
        let size = unit(z) << EXTENT_BITS;
        let last = (1i64 << z) - 1;
        let (x0, y0) = ((b[0] / size).clamp(0, last), (b[1] / size).clamp(0, last));
        let (x1, y1) = ((b[2] / size).clamp(0, last), (b[3] / size).clamp(0, last));
        (y0..=y1).flat_map(move |y| (x0..=x1).map(move |x| TileId { z, x: x as u32, y: y as u32 }))
    }

    /// The parent tile, one zoom out.
    pub fn parent(&self) -> Option<TileId> {
        (self.z > 0).then(|| TileId { z: self.z - 1, x: self.x / 2, y: self.y / 2 })
    }
}

impl std::fmt::Display for TileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_units_round_trip_and_tile_coordinates_line_up() {
        let c = Coord { x: 121.55, y: 29.87 };
        let back = to_lonlat(to_world(c));
        assert!((back.x - c.x).abs() < 1e-7 && (back.y - c.y).abs() < 1e-7, "{back:?}");
        // Ningbo at z10 is tile 857/422 (the standard XYZ formula).
        let p = to_world(c);
        let t = TileId::new(10, 857, 422).expect("valid tile");
        let [x, y] = t.to_tile(p);
        assert!((0..EXTENT).contains(&x) && (0..EXTENT).contains(&y), "{x},{y}");
        // The same point seen from the tile to the east lies one extent to the left.
        let east = TileId::new(10, 858, 422).expect("valid tile");
        assert_eq!(east.to_tile(p), [x - EXTENT, y]);
        assert!(TileId::new(3, 8, 0).is_none());
    }
}
