//! Boundary lines between neighbouring counties of the detail prefecture,
//! derived from their real polygons, and boundary markers (界桩) along them.
//!
//! 1. a vertex of county A's boundary lies on the line with B when it is
//!    within [`ON_LINE_M`] of B's boundary (neighbours' polygons do not
//!    share every vertex); runs of such vertices are the line's parts;
//! 2. the line is named after the two short names (鄞奉线) and numbered
//!    within the prefecture;
//! 3. markers stand every [`MARKER_SPACING_M`] along the line, numbered by
//!    GB/T 17796: line number + 3-digit sequence + type — `Q` single, and
//!    every fourth a pair `A`/`B` with `A` on the side of the smaller code.

use crate::index::metric::LocalFrame;
use crate::model::{DivisionCode, Level, MarkerKind};
use crate::store::DivisionRow;
use geo::{Coord, LineString, MultiLineString, MultiPolygon};
use rstar::{RTree, primitives::Line};

/// How close a vertex must be to the neighbour's boundary, metres.
const ON_LINE_M: f64 = 60.0;
/// Marker spacing along a line, metres.
const MARKER_SPACING_M: f64 = 2000.0;
/// Shortest line kept, metres.
const MIN_LINE_M: f64 = 1000.0;
/// Distance between the two markers of a pair, metres.
const PAIR_OFFSET_M: f64 = 8.0;

/// A boundary line.
#[derive(Debug, Clone)]
pub struct BoundaryLine {
    /// Line number (prefecture code + 2-digit sequence).
    pub code: String,
    /// 鄞奉线.
    pub name: String,
    /// Level of the divisions it separates.
    pub level: Level,
    /// The division with the smaller code.
    pub left_code: DivisionCode,
    /// The other division.
    pub right_code: DivisionCode,
    /// Geometry, lon/lat.
    pub geom: MultiLineString<f64>,
}

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

/// Lines and markers between the current counties under `prefix`.
pub fn lines_and_markers(rows: &[DivisionRow], prefix: &str) -> (Vec<BoundaryLine>, Vec<Marker>) {
    let mut counties: Vec<&DivisionRow> = rows
        .iter()
        .filter(|r| {
            r.level == Level::County
                && r.valid_to.is_none()
                && r.code.as_str().starts_with(prefix)
                && r.geom.is_some()
        })
        .collect();
    counties.sort_by(|a, b| a.code.cmp(&b.code));
    let rings: Vec<RTree<Line<[f64; 2]>>> = counties
        .iter()
        .map(|c| RTree::bulk_load(c.geom.as_ref().map(segments).unwrap_or_default()))
        .collect();
    let (mut lines, mut markers) = (Vec::new(), Vec::new());
    for i in 0..counties.len() {
        for j in (i + 1)..counties.len() {
            let (a, b) = (counties[i], counties[j]);
            let Some(geom) = a.geom.as_ref().map(|g| shared(g, &rings[j])) else { continue };
            if geom.0.iter().map(length_m).sum::<f64>() < MIN_LINE_M {
                continue;
            }
            let code = format!("{}{:02}", &prefix[..4.min(prefix.len())], lines.len() + 1);
            let name = format!("{}{}线", first_char(a), first_char(b));
            markers.extend(place_markers(&code, &geom));
            lines.push(BoundaryLine {
                code,
                name,
                level: Level::County,
                left_code: a.code.clone(),
                right_code: b.code.clone(),
                geom,
            });
        }
    }
    (lines, markers)
}

fn first_char(d: &DivisionRow) -> char {
    d.short_name.as_deref().unwrap_or(&d.name).chars().next().unwrap_or('？')
}

fn segments(mp: &MultiPolygon<f64>) -> Vec<Line<[f64; 2]>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.lines())
        .map(|l| Line::new([l.start.x, l.start.y], [l.end.x, l.end.y]))
        .collect()
}

/// Runs of `a`'s boundary vertices that lie along the other boundary.
fn shared(a: &MultiPolygon<f64>, other: &RTree<Line<[f64; 2]>>) -> MultiLineString<f64> {
    let mut parts = Vec::new();
    for ring in a.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors())) {
        let mut run: Vec<Coord<f64>> = Vec::new();
        for &c in ring.0.iter() {
            let frame = LocalFrame::new(c);
            let r = frame.degrees_covering(ON_LINE_M);
            let near = other.locate_within_distance([c.x, c.y], r * r).any(|l| {
                frame.distance_to_segment(
                    Coord { x: l.from[0], y: l.from[1] },
                    Coord { x: l.to[0], y: l.to[1] },
                ) <= ON_LINE_M
            });
            if near {
                run.push(c);
            } else if run.len() >= 2 {
                parts.push(LineString(std::mem::take(&mut run)));
            } else {
                run.clear();
            }
        }
        if run.len() >= 2 {
            parts.push(LineString(run));
        }
    }
    MultiLineString(parts)
}

fn length_m(ls: &LineString<f64>) -> f64 {
    ls.lines().map(|l| LocalFrame::new(l.start).distance_to_point(l.end)).sum()
}

/// Markers every [`MARKER_SPACING_M`] along each part of the line.
fn place_markers(line: &str, geom: &MultiLineString<f64>) -> Vec<Marker> {
    let mut out = Vec::new();
    let mut seq = 0;
    for part in &geom.0 {
        let mut next = MARKER_SPACING_M / 2.0;
        let mut walked = 0.0;
        for seg in part.lines() {
            let frame = LocalFrame::new(seg.start);
            let len = frame.distance_to_point(seg.end);
            while len > 0.0 && next <= walked + len {
                let t = (next - walked) / len;
                let at = Coord {
                    x: seg.start.x + t * (seg.end.x - seg.start.x),
                    y: seg.start.y + t * (seg.end.y - seg.start.y),
                };
                seq += 1;
                if seq % 4 == 0 {
                    // A pair: A on the left of the walking direction, B on the right.
                    let (ex, ey) = frame.project(seg.end);
                    let k = PAIR_OFFSET_M / 2.0 / ex.hypot(ey).max(1e-9);
                    let (nx, ny) = (-ey * k, ex * k);
                    for (kind, sign) in [(MarkerKind::A, 1.0), (MarkerKind::B, -1.0)] {
                        out.push(Marker {
                            number: format!("{line}{seq:03}{}", kind.as_str()),
                            line_code: line.to_string(),
                            kind,
                            at: LocalFrame::new(at).unproject(nx * sign, ny * sign),
                        });
                    }
                } else {
                    out.push(Marker {
                        number: format!("{line}{seq:03}Q"),
                        line_code: line.to_string(),
                        kind: MarkerKind::Q,
                        at,
                    });
                }
                next += MARKER_SPACING_M;
            }
            walked += len;
        }
    }
    out
}
