//! Boundary lines and markers (界桩) of the demo: every line at province,
//! prefecture and county level, derived from the real polygons
//! ([`crate::boundaries::derive`]), and markers along the county lines of
//! the detail prefecture every [`MARKER_SPACING_M`], numbered by GB/T 17796
//! in the line's numbering direction — `Q` single, and every fourth a pair
//! `A`/`B` with `A` on the side of the smaller code.

use crate::boundaries::derive::{DerivedLine, derive};
use crate::boundaries::numbering::{MarkerNumber, Walk};
use crate::index::metric::LocalFrame;
use crate::model::{Level, MarkerKind};
use crate::store::DivisionRow;
use geo::{Contains, Coord, MultiPolygon, Point};

/// Marker spacing along a line, metres.
const MARKER_SPACING_M: f64 = 2000.0;
/// Distance between the two markers of a pair, metres.
const PAIR_OFFSET_M: f64 = 8.0;

/// A boundary marker.
#[derive(Debug, Clone)]
pub struct Marker {
    /// Number: line + sequence + type.
    pub number: String,
    /// Its line.
    pub line_code: String,
    /// Q, A or B.
    pub kind: MarkerKind,
    /// Position, lon/lat.
    pub at: Coord<f64>,
}

/// Every line between the current divisions, and markers along the county
/// lines inside the prefecture whose code starts with `prefix`.
pub fn lines_and_markers(rows: &[DivisionRow], prefix: &str) -> (Vec<DerivedLine>, Vec<Marker>) {
    let lines = derive(rows);
    let polygon = |code: &str| {
        rows.iter().find(|r| r.code.as_str() == code && r.valid_to.is_none()).and_then(|r| r.geom.as_ref())
    };
    let markers = lines
        .iter()
        .filter(|l| l.level == Level::County && l.code.starts_with(prefix))
        .flat_map(|l| place_markers(l, polygon(l.left_code.as_str())))
        .collect();
    (lines, markers)
}

/// Markers every [`MARKER_SPACING_M`] along the line, walked in its
/// numbering direction; a pair's `A` stands inside `left` (the side of the
/// smaller code).
fn place_markers(line: &DerivedLine, left: Option<&MultiPolygon<f64>>) -> Vec<Marker> {
    let walk = Walk::new(&line.geom);
    let mut out = Vec::new();
    let mut seq: u16 = 0;
    let mut along = MARKER_SPACING_M / 2.0;
    while along < walk.length_m && seq < 999 {
        let Some(at) = walk.point_at(along) else { break };
        seq += 1;
        let next = walk.point_at(along + 1.0).unwrap_or(at);
        let mut push = |kind: MarkerKind, at: Coord<f64>| {
            out.push(Marker {
                number: MarkerNumber { seq, kind }.format(&line.code),
                line_code: line.code.clone(),
                kind,
                at,
            });
        };
        let pair = seq.is_multiple_of(4).then(|| {
            // Either side of the line, across its direction here.
            let frame = LocalFrame::new(at);
            let (ex, ey) = frame.project(next);
            let k = PAIR_OFFSET_M / 2.0 / ex.hypot(ey).max(1e-9);
            let (nx, ny) = (-ey * k, ex * k);
            (frame.unproject(nx, ny), frame.unproject(-nx, -ny))
        });
        match (pair, left) {
            (Some((p, q)), Some(left)) if left.contains(&Point(p)) != left.contains(&Point(q)) => {
                let (a, b) = if left.contains(&Point(p)) { (p, q) } else { (q, p) };
                push(MarkerKind::A, a);
                push(MarkerKind::B, b);
            }
            _ => push(MarkerKind::Q, at),
        }
        along += MARKER_SPACING_M;
    }
    out
}
