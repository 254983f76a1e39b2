//! A coarse bitmap of which grid cells hold anything: lets a nearest
//! search answer "nothing within the radius" without walking a tree.

use geo::Coord;

/// Cell size, degrees (about 1 km).
const CELL_DEG: f64 = 0.01;

/// The bitmap over the bounding box of what was marked (by default,
/// nothing).
#[derive(Default)]
pub struct Occupancy {
    min: Coord<f64>,
    nx: usize,
    ny: usize,
    bits: Vec<u64>,
}

impl Occupancy {
    /// Marks the cells touched by each box `(min, max)` (a point is a box
    /// with `min == max`).
    pub fn build(boxes: impl Iterator<Item = (Coord<f64>, Coord<f64>)> + Clone) -> Occupancy {
        let (mut lo, mut hi) = (Coord { x: f64::MAX, y: f64::MAX }, Coord { x: f64::MIN, y: f64::MIN });
        for (a, b) in boxes.clone() {
            lo = Coord { x: lo.x.min(a.x), y: lo.y.min(a.y) };
            hi = Coord { x: hi.x.max(b.x), y: hi.y.max(b.y) };
        }
        if lo.x > hi.x {
            return Occupancy { min: Coord { x: 0.0, y: 0.0 }, nx: 0, ny: 0, bits: vec![] };
        }
        let nx = ((hi.x - lo.x) / CELL_DEG) as usize + 1;
        let ny = ((hi.y - lo.y) / CELL_DEG) as usize + 1;
        let mut o = Occupancy { min: lo, nx, ny, bits: vec![0; (nx * ny).div_ceil(64)] };
        for (a, b) in boxes {
            let (x0, y0) = o.cell(a);
            let (x1, y1) = o.cell(b);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    let i = y * nx + x;
                    o.bits[i / 64] |= 1 << (i % 64);
                }
            }
        }
        o
    }

    fn cell(&self, c: Coord<f64>) -> (usize, usize) {
        let x = (((c.x - self.min.x) / CELL_DEG).max(0.0) as usize).min(self.nx - 1);
        let y = (((c.y - self.min.y) / CELL_DEG).max(0.0) as usize).min(self.ny - 1);
        (x, y)
    }

    /// Whether any marked cell meets the square of half-side `r` degrees
    /// around `c` (a conservative test: `false` means nothing is there).
    pub fn any_within(&self, c: Coord<f64>, r: f64) -> bool {
        if self.nx == 0
            || c.x + r < self.min.x
            || c.y + r < self.min.y
            || c.x - r > self.min.x + self.nx as f64 * CELL_DEG
            || c.y - r > self.min.y + self.ny as f64 * CELL_DEG
        {
            return false;
        }
        let (x0, y0) = self.cell(Coord { x: c.x - r, y: c.y - r });
        let (x1, y1) = self.cell(Coord { x: c.x + r, y: c.y + r });
        (y0..=y1).any(|y| {
            (x0..=x1).any(|x| {
                let i = y * self.nx + x;
                self.bits[i / 64] & (1 << (i % 64)) != 0
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_neighbourhoods_of_marked_points_are_occupied() {
        let pts = [Coord { x: 121.5, y: 29.8 }, Coord { x: 122.0, y: 30.0 }];
        let o = Occupancy::build(pts.iter().map(|&p| (p, p)));
        assert!(o.any_within(Coord { x: 121.505, y: 29.8 }, 0.01));
        assert!(!o.any_within(Coord { x: 121.75, y: 29.9 }, 0.02));
        assert!(!o.any_within(Coord { x: 100.0, y: 20.0 }, 0.02));
    }
}
