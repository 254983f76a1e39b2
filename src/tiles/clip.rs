//! From world geometry to one tile's integer geometry: transform, clip to
//! the tile and its buffer, and make polygons valid.
//!
//! Polygons are cut to the buffered tile by Sutherland–Hodgman in integer
//! tile coordinates (cheap, and a border crossing the tile edge is cut at
//! the same point for both neighbours: the intersection is computed from
//! the segment in one canonical direction), then rebuilt by `i_overlay`'s
//! integer overlay into OGC-valid polygons (the cut leaves zero-width
//! bridges along the buffer edge; the overlay removes them). Exterior rings
//! come out with positive area in tile coordinates (clockwise on screen),
//! holes negative, as MVT 2.1 requires.

use super::world::{EXTENT, TileId, WorldPoint};
use i_overlay::core::fill_rule::FillRule;
use i_overlay::core::overlay::{ContourDirection, IntOverlayOptions, Overlay};
use i_overlay::core::overlay_rule::OverlayRule;
use i_overlay::core::solver::Solver;
use i_overlay::i_float::int::point::IntPoint;

/// A polygon in tile units: exterior ring then holes, each unclosed.
pub type TilePolygon = Vec<Vec<[i32; 2]>>;

/// Clips one feature's polygons to the tile plus `buffer` units. Parts
/// with less than `min_area` square units are dropped.
pub fn polygons(
    tile: &TileId,
    polygons: &[Vec<Vec<WorldPoint>>],
    buffer: i32,
    min_area: u64,
) -> Vec<TilePolygon> {
    let (lo, hi) = (-buffer, EXTENT + buffer);
    let mut contours: Vec<Vec<IntPoint>> = Vec::new();
    let mut all_inside = true;
    for polygon in polygons {
        for ring in polygon {
            let pts = to_tile_ring(tile, ring);
            if pts.len() < 3 {
                continue;
            }
            let inside = pts.iter().all(|p| (lo..=hi).contains(&p[0]) && (lo..=hi).contains(&p[1]));
            let clipped = if inside { pts } else { clip_ring(&pts, lo, hi) };
            all_inside &= inside;
            if clipped.len() >= 3 {
                contours.push(clipped.iter().map(|p| IntPoint::new(p[0], p[1])).collect());
            }
        }
    }
    if contours.is_empty() {
        return Vec::new();
    }
    if !all_inside && covers_tile(&contours, lo, hi) {
        return vec![vec![vec![[lo, lo], [hi, lo], [hi, hi], [lo, hi]]]];
    }
    let options = IntOverlayOptions {
        preserve_input_collinear: true,
        output_direction: ContourDirection::CounterClockwise,
        preserve_output_collinear: true,
        min_output_area: min_area,
        ogc: true,
    };
    let mut overlay = Overlay::new_custom(contours.iter().map(Vec::len).sum(), options, Solver::default());
    overlay.add_contours(&contours, i_overlay::core::overlay::ShapeType::Subject);
    overlay
        .overlay(OverlayRule::Subject, FillRule::EvenOdd)
        .into_iter()
        .map(|shape| {
            shape
                .into_iter()
                .enumerate()
                .map(|(k, c)| {
                    let mut ring: Vec<[i32; 2]> = c.into_iter().map(|p| [p.x, p.y]).collect();
                    // Exterior positive, holes negative (tile y points down).
                    if (signed_area2(&ring) > 0) != (k == 0) {
                        ring.reverse();
                    }
                    ring
                })
                .collect()
        })
        .collect()
}

/// Whether the clipped contours are just the buffered tile (a polygon that
/// holds the whole tile): one contour, its box the tile's, its area the tile's.
fn covers_tile(contours: &[Vec<IntPoint>], lo: i32, hi: i32) -> bool {
    if contours.len() != 1 {
        return false;
    }
    let c = &contours[0];
    let ring: Vec<[i32; 2]> = c.iter().map(|p| [p.x, p.y]).collect();
    let side = i64::from(hi - lo);
    signed_area2(&ring).abs() == 2 * side * side
        && c.iter().all(|p| (p.x == lo || p.x == hi) && (p.y == lo || p.y == hi))
}

/// Twice the signed area of an unclosed ring (positive: clockwise on screen).
pub fn signed_area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

/// A closed world ring in tile units, unclosed, without repeated points.
fn to_tile_ring(tile: &TileId, ring: &[WorldPoint]) -> Vec<[i32; 2]> {
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(ring.len());
    for p in ring {
        let q = tile.to_tile(*p);
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

/// Sutherland–Hodgman against the square `[lo, hi]²`.
fn clip_ring(ring: &[[i32; 2]], lo: i32, hi: i32) -> Vec<[i32; 2]> {
    let mut cur = ring.to_vec();
    for edge in 0..4 {
        if cur.is_empty() {
            break;
        }
        let inside = |p: [i32; 2]| match edge {
            0 => p[0] >= lo,
            1 => p[0] <= hi,
            2 => p[1] >= lo,
            _ => p[1] <= hi,
        };
        let mut next = Vec::with_capacity(cur.len() + 4);
        let n = cur.len();
        for i in 0..n {
            let (a, b) = (cur[(i + n - 1) % n], cur[i]);
            let (ia, ib) = (inside(a), inside(b));
            if ib {
                if !ia {
                    next.push(cross(a, b, edge, lo, hi));
                }
                next.push(b);
            } else if ia {
                next.push(cross(a, b, edge, lo, hi));
            }
        }
        next.dedup();
        cur = next;
    }
    cur
}

/// Where segment a–b crosses the clip edge, computed from the segment in a
/// canonical direction so both rings sharing it agree to the unit.
fn cross(a: [i32; 2], b: [i32; 2], edge: u8, lo: i32, hi: i32) -> [i32; 2] {
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    let (ax, ay, bx, by) = (f64::from(a[0]), f64::from(a[1]), f64::from(b[0]), f64::from(b[1]));
    match edge {
        0 | 1 => {
            let x = if edge == 0 { lo } else { hi };
            let t = (f64::from(x) - ax) / (bx - ax);
            [x, (ay + t * (by - ay)).round() as i32]
        }
        _ => {
            let y = if edge == 2 { lo } else { hi };
            let t = (f64::from(y) - ay) / (by - ay);
            [(ax + t * (bx - ax)).round() as i32, y]
        }
    }
}

/// Clips a world line to the tile plus `buffer` units: the pieces inside,
/// in tile units, without repeated points.
pub fn lines(tile: &TileId, line: &[WorldPoint], buffer: i32) -> Vec<Vec<[i32; 2]>> {
    let (lo, hi) = (f64::from(-buffer), f64::from(EXTENT + buffer));
    let pts: Vec<[f64; 2]> = line.iter().map(|p| tile.to_tile_f64(*p)).collect();
    let mut out: Vec<Vec<[i32; 2]>> = Vec::new();
    let mut cur: Vec<[i32; 2]> = Vec::new();
    let round = |p: [f64; 2]| [p[0].round() as i32, p[1].round() as i32];
    for w in pts.windows(2) {
        match clip_segment(w[0], w[1], lo, hi) {
            Some((a, b, a_moved, b_moved)) => {
                let (a, b) = (round(a), round(b));
                if a_moved || cur.is_empty() {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                    cur.push(a);
                }
                if cur.last() != Some(&b) {
                    cur.push(b);
                }
                if b_moved {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur.clear();
                }
            }
            None => {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

/// Liang–Barsky: the part of a–b inside `[lo, hi]²`, and whether each end
/// was moved onto the edge.
#[allow(clippy::type_complexity)]
fn clip_segment(a: [f64; 2], b: [f64; 2], lo: f64, hi: f64) -> Option<([f64; 2], [f64; 2], bool, bool)> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [(-dx, a[0] - lo), (dx, hi - a[0]), (-dy, a[1] - lo), (dy, hi - a[1])] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let at = |t: f64| [a[0] + t * dx, a[1] + t * dy];
    Some((at(t0), at(t1), t0 > 0.0, t1 < 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_polygon_over_the_tile_edge_is_cut_valid_and_wound_clockwise() {
        let t = TileId { z: 0, x: 0, y: 0 };
        let u = super::super::world::unit(0);
        // A counter-clockwise (on screen) U shape crossing the right edge twice.
        let ring: Vec<WorldPoint> = [
            [3000, 1000],
            [3000, 3000],
            [5000, 3000],
            [5000, 2500],
            [3500, 2500],
            [3500, 1500],
            [5000, 1500],
            [5000, 1000],
            [3000, 1000],
        ]
        .iter()
        .map(|p| [p[0] * u, p[1] * u])
        .collect();
        let out = polygons(&t, &[vec![ring]], 64, 0);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(signed_area2(&out[0][0]) > 0, "exterior clockwise on screen");
        assert!(out[0][0].iter().all(|p| p[0] <= EXTENT + 64));
    }

    #[test]
    fn lines_are_cut_into_the_pieces_inside() {
        let t = TileId { z: 0, x: 0, y: 0 };
        let u = super::super::world::unit(0);
        let line: Vec<WorldPoint> = [[-1000, 100], [1000, 100], [1000, 9000], [2000, 9000], [2000, 200]]
            .iter()
            .map(|p| [p[0] * u, p[1] * u])
            .collect();
        let pieces = lines(&t, &line, 0);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0][0], [0, 100]);
    }
}
