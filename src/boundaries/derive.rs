//! Boundary lines derived from the division polygons: for each level
//! (province, prefecture, county) the polygons are cut into arcs shared by
//! neighbours ([`Topology`]), and the arcs between each pair of neighbours
//! are joined into that pair's line.
//!
//! A line belongs to the highest level at which its two sides differ: the
//! border between two counties of different provinces is the provinces'
//! line, so the county level keeps only pairs inside one prefecture (or one
//! province, where a county is administered by the province directly).
//!
//! Line numbers are made from the two sides' codes, so a line keeps its
//! number whatever other lines are derived: the province pair `3335`;
//! prefectures `33` + `02` + `03`; counties of one prefecture `3302` +
//! `03` + `12`; counties of two prefectures `33` + `0203` + `9004`.

use crate::model::{DivisionCode, Level};
use crate::store::DivisionRow;
use crate::tiles::topology::Topology;
use crate::tiles::world::{WorldPoint, to_lonlat};
use geo::{Coord, Geodesic, Length, LineString, MultiLineString};
use rustc_hash::FxHashMap;

/// A boundary line between two neighbouring divisions.
#[derive(Debug, Clone)]
pub struct DerivedLine {
    /// Line number (see the module's text).
    pub code: String,
    /// Name from the two sides' short names (鄞奉线, 浙闽线).
    pub name: String,
    /// The level it is managed at.
    pub level: Level,
    /// The side with the smaller code.
    pub left_code: DivisionCode,
    /// The other side.
    pub right_code: DivisionCode,
    /// Its parts, lon/lat CGCS2000.
    pub geom: MultiLineString<f64>,
    /// Geodesic length, metres.
    pub length_m: f64,
}

/// Lines shorter than this (metres) are slivers of two polygons that
/// touch at a corner, not borders.
const MIN_LENGTH_M: f64 = 50.0;

/// The one-character abbreviations (简称) the names of provincial lines use.
const PROVINCE_ABBREVIATIONS: [(&str, char); 34] = [
    ("11", '京'),
    ("12", '津'),
    ("13", '冀'),
    ("14", '晋'),
    ("15", '蒙'),
    ("21", '辽'),
    ("22", '吉'),
    ("23", '黑'),
    ("31", '沪'),
    ("32", '苏'),
    ("33", '浙'),
    ("34", '皖'),
    ("35", '闽'),
    ("36", '赣'),
    ("37", '鲁'),
    ("41", '豫'),
    ("42", '鄂'),
    ("43", '湘'),
    ("44", '粤'),
    ("45", '桂'),
    ("46", '琼'),
    ("50", '渝'),
    ("51", '川'),
    ("52", '黔'),
    ("53", '滇'),
    ("54", '藏'),
    ("61", '陕'),
    ("62", '甘'),
    ("63", '青'),
    ("64", '宁'),
    ("65", '新'),
    ("71", '台'),
    ("81", '港'),
    ("82", '澳'),
];

/// The first character a line's name takes from a side.
fn abbreviation(d: &DivisionRow) -> char {
    if d.level == Level::Province
        && let Some((_, c)) = PROVINCE_ABBREVIATIONS.iter().find(|(p, _)| d.code.as_str().starts_with(p))
    {
        return *c;
    }
    d.short_name.as_deref().unwrap_or(&d.name).chars().next().unwrap_or('？')
}

/// Every line at the three levels between the current divisions of `rows`
/// that have polygons, ordered by number.
pub fn derive(rows: &[DivisionRow]) -> Vec<DerivedLine> {
    let mut out = Vec::new();
    for level in [Level::Province, Level::Prefecture, Level::County] {
        let sides: Vec<&DivisionRow> =
            rows.iter().filter(|r| r.level == level && r.valid_to.is_none() && r.geom.is_some()).collect();
        let shapes: Vec<_> = sides.iter().filter_map(|r| r.geom.as_ref()).collect();
        let topology = Topology::build(&shapes);
        let mut pairs: FxHashMap<(u32, u32), Vec<usize>> = FxHashMap::default();
        for (arc, [a, b]) in topology.sides.iter().enumerate() {
            if *a == u32::MAX || *b == u32::MAX || a == b {
                continue;
            }
            let (l, r) = if sides[*a as usize].code < sides[*b as usize].code { (*a, *b) } else { (*b, *a) };
            pairs.entry((l, r)).or_default().push(arc);
        }
        for ((l, r), arcs) in pairs {
            let (left, right) = (sides[l as usize], sides[r as usize]);
            let Some((line_level, code)) = number(left, right) else { continue };
            let geom = join(arcs.iter().map(|&a| topology.arcs[a].as_slice()));
            let length_m: f64 = geom.0.iter().map(|l| Geodesic.length(l)).sum();
            if length_m < MIN_LENGTH_M {
                continue;
            }
            out.push(DerivedLine {
                code,
                name: format!("{}{}线", abbreviation(left), abbreviation(right)),
                level: line_level,
                left_code: left.code.clone(),
                right_code: right.code.clone(),
                geom,
                length_m,
            });
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out
}

/// The level a line between `a` and `b` (`a` the smaller code) is managed
/// at, and its number; `None` when the pair is split at a higher level
/// (that level's polygons give its line) or the codes are not GB/T 2260.
fn number(a: &DivisionRow, b: &DivisionRow) -> Option<(Level, String)> {
    let (x, y) = (a.code.as_str(), b.code.as_str());
    if a.level != b.level || x.len() != 6 || y.len() != 6 {
        return None;
    }
    match a.level {
        Level::Province => Some((Level::Province, format!("{}{}", &x[..2], &y[..2]))),
        _ if x[..2] != y[..2] => None,
        Level::Prefecture => Some((Level::Prefecture, format!("{}{}{}", &x[..2], &x[2..4], &y[2..4]))),
        Level::County if x[..4] == y[..4] => {
            Some((Level::County, format!("{}{}{}", &x[..4], &x[4..], &y[4..])))
        }
        Level::County if directly_administered(a) || directly_administered(b) => {
            Some((Level::Prefecture, format!("{}{}{}", &x[..2], &x[2..], &y[2..])))
        }
        _ => None,
    }
}

/// Whether a county is administered by its province, not a prefecture
/// (no prefecture polygon covers it: 省直辖县级).
fn directly_administered(d: &DivisionRow) -> bool {
    d.parent_code.as_ref().is_some_and(|p| p.implied_level() == Level::Province)
}

/// Joins arcs (world units) into as few lines as their shared ends allow.
fn join<'a>(arcs: impl Iterator<Item = &'a [WorldPoint]>) -> MultiLineString<f64> {
    let mut open: Vec<Vec<WorldPoint>> = arcs.filter(|a| a.len() >= 2).map(<[_]>::to_vec).collect();
    let mut done = Vec::new();
    while let Some(mut line) = open.pop() {
        loop {
            let (first, last) = (line[0], line[line.len() - 1]);
            if first == last {
                break;
            }
            let Some(i) = open.iter().position(|o| {
                o[0] == last || o[o.len() - 1] == last || o[0] == first || o[o.len() - 1] == first
            }) else {
                break;
            };
            let mut next = open.swap_remove(i);
            if next[0] == last {
                line.extend_from_slice(&next[1..]);
            } else if next[next.len() - 1] == last {
                next.reverse();
                line.extend_from_slice(&next[1..]);
            } else if next[next.len() - 1] == first {
                next.extend_from_slice(&line[1..]);
                line = next;
            } else {
                next.reverse();
                next.extend_from_slice(&line[1..]);
                line = next;
            }
        }
        done.push(line);
    }
    MultiLineString(
        done.into_iter()
            .map(|l| LineString(l.into_iter().map(to_lonlat).collect::<Vec<Coord<f64>>>()))
            .collect(),
    )
}
