//! The topology check of the store's boundaries: gaps and overlaps between
//! the divisions under one parent and between the provinces, children that
//! do not tile their parent (`tiling.rs`), markers standing farther from
//! their line than allowed, and lines without any marker.
//!
//! Every measure is in metres. A gap or overlap is reported when some part
//! of it is wider than `[boundaries] topology_tolerance_m`: its width is
//! the diameter of the widest disc that fits in it, so a piece is reported
//! exactly when it survives an inward buffer of half the tolerance — a
//! long sliver narrower than the tolerance (two surveys of one line
//! disagreeing by a few metres) is not, however long; a lake-sized hole
//! is (`pieces.rs`). Areas are geodesic (CGCS2000 ≈ WGS 84 ellipsoid).
//!
//! Only current divisions with polygons take part: each parent is checked
//! against its current children, whatever their level (a province's
//! children are its prefectures and the counties it administers directly).

mod pieces;
mod tiling;

pub use tiling::label;

use crate::boundaries::numbering::Walk;
use crate::config::BoundarySettings;
use crate::model::DivisionCode;
use crate::store::{BoundaryLineRow, DivisionRow, MarkerRow, StoreResult};
use geo::{Coord, Geometry, MapCoords, Point};
use rayon::prelude::*;
use rusqlite::Connection;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Two divisions under one parent (or two provinces) overlap.
    Overlap,
    /// Land inside a parent that no child covers, or between provinces.
    Gap,
    /// Part of a child lies outside its parent.
    ChildOutsideParent,
    /// A marker stands farther from its line than allowed.
    MarkerOffLine,
    /// A live line has no live marker.
    LineWithoutMarkers,
}

impl Kind {
    /// Every kind, in report order.
    pub const ALL: [Kind; 5] =
        [Kind::Overlap, Kind::Gap, Kind::ChildOutsideParent, Kind::MarkerOffLine, Kind::LineWithoutMarkers];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Overlap => "overlap",
            Kind::Gap => "gap",
            Kind::ChildOutsideParent => "child_outside_parent",
            Kind::MarkerOffLine => "marker_off_line",
            Kind::LineWithoutMarkers => "line_without_markers",
        }
    }
}

/// One problem found.
#[derive(Debug, Clone)]
pub struct Problem {
    /// What is wrong.
    pub kind: Kind,
    /// The divisions involved: the two that overlap; for a gap the parent
    /// (if any) then the children bordering it; a child then its parent;
    /// a line's (or marker's line's) two sides.
    pub codes: Vec<DivisionCode>,
    /// The line, for a line or a marker.
    pub line: Option<String>,
    /// The marker's number.
    pub marker: Option<String>,
    /// Where, lon/lat CGCS2000: the pieces, the marker or the line.
    pub geometry: Option<Geometry<f64>>,
    /// Area of the pieces, square metres.
    pub area_m2: Option<f64>,
    /// Width of the widest piece, metres.
    pub width_m: Option<f64>,
    /// A marker's distance from its line, metres.
    pub distance_m: Option<f64>,
    /// A line's length, metres.
    pub length_m: Option<f64>,
    /// What is wrong, in Chinese.
    pub description: String,
}

/// The tolerances a check runs with, metres.
#[derive(Debug, Clone, Copy)]
pub struct Tolerances {
    /// Narrowest gap or overlap reported.
    pub topology_m: f64,
    /// Farthest a marker may stand from its line.
    pub marker_off_line_m: f64,
}

impl From<&BoundarySettings> for Tolerances {
    fn from(s: &BoundarySettings) -> Tolerances {
        Tolerances { topology_m: s.topology_tolerance_m, marker_off_line_m: s.marker_off_line_m }
    }
}

/// The divisions a check is restricted to: one and everything under it
/// (by code prefix), or all.
#[derive(Debug, Clone, Default)]
pub struct Scope(Option<String>);

impl Scope {
    /// `division` and everything under it; everything for `None`.
    pub fn new(division: Option<&DivisionCode>) -> Scope {
        Scope(division.map(|d| d.prefix().to_string()))
    }

    /// Whether `code` is in scope.
    pub fn takes(&self, code: &DivisionCode) -> bool {
        self.0.as_deref().is_none_or(|p| code.as_str().starts_with(p))
    }
}

/// The problems found, in order of kind.
#[derive(Debug, Clone)]
pub struct Report {
    /// The problems.
    pub problems: Vec<Problem>,
    /// The division the check was restricted to.
    pub division: Option<DivisionCode>,
    /// The tolerances it ran with.
    pub tolerances: Tolerances,
}

impl Report {
    /// Problems per kind, every kind listed.
    pub fn counts(&self) -> BTreeMap<Kind, usize> {
        let mut out: BTreeMap<Kind, usize> = Kind::ALL.iter().map(|k| (*k, 0)).collect();
        for p in &self.problems {
            *out.entry(p.kind).or_default() += 1;
        }
        out
    }

    /// `{"overlap": 0, …, "total": n}`.
    pub fn summary(&self) -> Value {
        let mut m: Map<String, Value> =
            self.counts().iter().map(|(k, n)| (k.as_str().into(), json!(n))).collect();
        m.insert("total".into(), json!(self.problems.len()));
        Value::Object(m)
    }

    /// A GeoJSON FeatureCollection, one Feature a problem, with the
    /// `summary`, the `division` and the `tolerances` at the top.
    pub fn to_geojson(&self) -> Value {
        let features: Vec<Value> = self.problems.iter().map(feature).collect();
        json!({
            "type": "FeatureCollection",
            "summary": self.summary(),
            "division": self.division,
            "tolerances": {"topology_m": self.tolerances.topology_m, "marker_off_line_m": self.tolerances.marker_off_line_m},
            "features": features,
        })
    }
}

fn rounded(v: f64, k: f64) -> f64 {
    (v * k).round() / k
}

fn feature(p: &Problem) -> Value {
    let geometry = p
        .geometry
        .as_ref()
        .map(|g| {
            let g = g.map_coords(|c| Coord { x: rounded(c.x, 1e7), y: rounded(c.y, 1e7) });
            serde_json::to_value(geojson::Geometry::from(&g)).unwrap_or(Value::Null)
        })
        .unwrap_or(Value::Null);
    let mut props = json!({"kind": p.kind.as_str(), "description": p.description, "codes": p.codes});
    for (key, v) in [("line", &p.line), ("marker", &p.marker)] {
        if let Some(v) = v {
            props[key] = json!(v);
        }
    }
    for (key, v) in [
        ("area_m2", p.area_m2),
        ("width_m", p.width_m),
        ("distance_m", p.distance_m),
        ("length_m", p.length_m),
    ] {
        if let Some(v) = v {
            props[key] = json!(rounded(v, 10.0));
        }
    }
    json!({"type": "Feature", "geometry": geometry, "properties": props})
}

/// Reads the store's divisions, lines and markers and checks them.
pub fn check_store(
    conn: &Connection,
    tol: Tolerances,
    division: Option<&DivisionCode>,
) -> StoreResult<Report> {
    let divisions = DivisionRow::load_all(conn, true)?;
    let lines = BoundaryLineRow::load_all(conn)?;
    let markers = MarkerRow::load_all(conn)?;
    Ok(check(&divisions, &lines, &markers, tol, division))
}

/// Checks divisions (every version; the current ones are used), lines and
/// live markers, on every core.
pub fn check(
    divisions: &[DivisionRow],
    lines: &[BoundaryLineRow],
    markers: &[MarkerRow],
    tol: Tolerances,
    division: Option<&DivisionCode>,
) -> Report {
    let scope = Scope::new(division);
    let mut families: Vec<tiling::Family> =
        tiling::families(divisions).into_iter().filter(|f| f.in_scope(&scope)).collect();
    // The largest first, so no core is left with one at the end.
    families.sort_by_key(|f| std::cmp::Reverse(f.weight()));
    let mut problems: Vec<Problem> =
        families.par_iter().flat_map_iter(|f| tiling::check(f, tol.topology_m, &scope)).collect();
    let names: HashMap<&str, &DivisionRow> =
        divisions.iter().filter(|r| r.valid_to.is_none()).map(|r| (r.code.as_str(), r)).collect();
    problems.extend(check_lines(lines, markers, tol, &scope, &names));
    problems.sort_by(|a, b| {
        (a.kind, &a.codes, &a.line, &a.marker)
            .cmp(&(b.kind, &b.codes, &b.line, &b.marker))
            .then(b.area_m2.unwrap_or(0.0).total_cmp(&a.area_m2.unwrap_or(0.0)))
    });
    Report { problems, division: division.cloned(), tolerances: tol }
}

/// Markers off their line and lines without markers (live markers of
/// live lines in scope; a live marker of a retired line is not judged
/// here).
fn check_lines(
    lines: &[BoundaryLineRow],
    markers: &[MarkerRow],
    tol: Tolerances,
    scope: &Scope,
    divisions: &HashMap<&str, &DivisionRow>,
) -> Vec<Problem> {
    let live: HashMap<&str, &BoundaryLineRow> = lines
        .iter()
        .filter(|l| l.retired_on.is_none() && (scope.takes(&l.left_code) || scope.takes(&l.right_code)))
        .map(|l| (l.code.as_str(), l))
        .collect();
    let side = |c: &DivisionCode| divisions.get(c.as_str()).map_or_else(|| c.to_string(), |r| r.name.clone());
    let mut out = Vec::new();
    let mut walks: HashMap<&str, Option<Walk>> = HashMap::new();
    let mut marked: HashSet<&str> = HashSet::new();
    for m in markers.iter().filter(|m| m.retired_on.is_none()) {
        let Some(line) = live.get(m.line_code.as_str()) else { continue };
        marked.insert(line.code.as_str());
        let walk = walks.entry(line.code.as_str()).or_insert_with(|| line.geom.as_ref().map(Walk::new));
        let Some(walk) = walk else { continue };
        let off = walk.locate(Coord { x: m.lon, y: m.lat }).off_m;
        if off > tol.marker_off_line_m {
            out.push(Problem {
                kind: Kind::MarkerOffLine,
                codes: vec![line.left_code.clone(), line.right_code.clone()],
                line: Some(line.code.clone()),
                marker: Some(m.number.clone()),
                geometry: Some(Geometry::Point(Point::new(m.lon, m.lat))),
                area_m2: None,
                width_m: None,
                distance_m: Some(off),
                length_m: None,
                description: format!(
                    "界桩 {} 距界线 {}（{}）{off:.0} 米，超过允许的 {:.0} 米",
                    m.number, line.name, line.code, tol.marker_off_line_m
                ),
            });
        }
    }
    for line in live.values().filter(|l| !marked.contains(l.code.as_str())) {
        out.push(Problem {
            kind: Kind::LineWithoutMarkers,
            codes: vec![line.left_code.clone(), line.right_code.clone()],
            line: Some(line.code.clone()),
            marker: None,
            geometry: line.geom.clone().map(Geometry::MultiLineString),
            area_m2: None,
            width_m: None,
            distance_m: None,
            length_m: line.length_m,
            description: format!(
                "界线 {}（{}，{}—{}）没有界桩",
                line.name,
                line.code,
                side(&line.left_code),
                side(&line.right_code)
            ),
        });
    }
    out
}

/// The tiling problems (overlaps, gaps, parts outside the parent) the
/// family under `parent` would have with the children `after` and does
/// not have with the children `before`: what a proposed change of
/// boundaries would introduce.
pub fn introduced(
    parent: &DivisionRow,
    before: &[DivisionRow],
    after: &[DivisionRow],
    tolerance_m: f64,
) -> Vec<Problem> {
    let run = |kids: &[DivisionRow]| -> Vec<Problem> {
        let mut rows = Vec::with_capacity(kids.len() + 1);
        rows.push(parent.clone());
        rows.extend(kids.iter().filter(|k| k.valid_to.is_none()).cloned());
        tiling::families(&rows)
            .iter()
            .filter(|f| f.parent_code == Some(&parent.code))
            .flat_map(|f| tiling::check(f, tolerance_m, &Scope::default()))
            .collect()
    };
    let known: HashSet<(Kind, Vec<DivisionCode>)> =
        run(before).into_iter().map(|p| (p.kind, p.codes)).collect();
    run(after).into_iter().filter(|p| !known.contains(&(p.kind, p.codes.clone()))).collect()
}
