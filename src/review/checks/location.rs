//! Where the place lies: inside the division the proposal names, and,
//! for a name that contains a division's or a road's name, inside that
//! division or along that road.

use super::{Rules, Subject};
use crate::index::metric::LocalFrame;
use crate::index::{Gazetteer, NameRef};
use crate::model::{Check, Level, PlaceStatus, Verdict};
use geo::{Coord, CoordsIter, Geometry, InteriorPoint};

impl Rules {
    /// A name that contains a division's or a road's name must lie inside
    /// that division, or along that road.
    pub(super) fn contains_names(
        &self,
        g: &Gazetteer,
        s: &Subject,
        road_geometry: &dyn Fn(i64) -> Option<Geometry<f64>>,
    ) -> Vec<Check> {
        const RULE: &str = "contains_name";
        let Some(geom) = s.geometry else { return vec![] };
        let Some(at) = geom.interior_point() else { return vec![] };
        let located: Vec<u32> = g.divisions.locate(at.0).map(|d| g.divisions.chain(d)).unwrap_or_default();
        let county = &s.division[..6.min(s.division.len())];
        let mut division_spans: Vec<(usize, usize, &str, u32)> = Vec::new();
        let mut road_spans: Vec<(usize, usize)> = Vec::new();
        let mut roads: Vec<(String, Vec<i64>)> = Vec::new();
        for (i, _) in s.name.char_indices() {
            for (len, posts) in g.names.prefixes_of(&s.name[i..]) {
                let part = &s.name[i..i + len];
                if part == s.name || part.chars().count() < 2 {
                    continue;
                }
                for &p in posts {
                    match crate::index::NameIndex::target(p) {
                        NameRef::Division(d) => {
                            // Townships count within the proposal's county
                            // only: their short names recur across the country.
                            let div = g.divisions.get(d);
                            let relevant = div.level <= Level::County
                                || div.level == Level::Township && div.code.as_str().starts_with(county);
                            if div.valid_to.is_none() && relevant {
                                division_spans.push((i, i + len, part, d));
                            }
                        }
                        NameRef::Place(pi) => {
                            let place = g.places.get(pi);
                            if place.status == PlaceStatus::Current
                                && place.class.is_thoroughfare()
                                && part.chars().count() >= 3
                            {
                                road_spans.push((i, i + len));
                                push(&mut roads, part, place.fid);
                            }
                        }
                    }
                }
            }
        }
        // A division's name counts where it lies within the 专名 and not
        // inside a road's name (路桥 in 张弓南路桥 is neither).
        let mut divisions: Vec<(String, Vec<u32>)> = Vec::new();
        let specific_end = if s.name.starts_with(s.specific) { s.specific.len() } else { s.name.len() };
        for (a, b, part, d) in division_spans {
            if b <= specific_end && !road_spans.iter().any(|&(ra, rb)| ra <= a && b <= rb) {
                push(&mut divisions, part, d);
            }
        }
        let mut out = Vec::new();
        for (part, ds) in divisions {
            if ds.iter().any(|d| located.contains(d)) {
                out.push(Check::new(
                    RULE,
                    Verdict::Pass,
                    format!("名称含行政区划名“{part}”，且位于该区划内"),
                ));
                continue;
            }
            let province = &s.division[..2.min(s.division.len())];
            let same_province = ds.iter().any(|&d| g.divisions.get(d).code.as_str().starts_with(province));
            let verdict = if same_province { Verdict::Fail } else { Verdict::Warn };
            let why = if same_province { "易造成误解" } else { "借用外地地名，请审慎" };
            out.push(Check::new(RULE, verdict, format!("名称含行政区划名“{part}”，但不在该区划内，{why}")));
        }
        for (part, fids) in roads {
            let nearest = fids
                .iter()
                .filter_map(|&f| road_geometry(f))
                .map(|road| distance_m(geom, &road))
                .fold(f64::INFINITY, f64::min);
            let limit = self.settings.along_road_m;
            if nearest <= limit {
                out.push(Check::new(
                    RULE,
                    Verdict::Pass,
                    format!("名称含道路名“{part}”，位于该路沿线（{nearest:.0} 米）"),
                ));
            } else {
                let far = if nearest.is_finite() {
                    format!("最近 {nearest:.0} 米")
                } else {
                    "无该路几何".into()
                };
                out.push(Check::new(
                    RULE,
                    Verdict::Fail,
                    format!("名称含道路名“{part}”，但不在该路沿线（{far}，限 {limit:.0} 米）"),
                ));
            }
        }
        out
    }
}

fn push<T: PartialEq>(list: &mut Vec<(String, Vec<T>)>, part: &str, item: T) {
    match list.iter_mut().find(|(p, _)| p == part) {
        Some((_, items)) => {
            if !items.contains(&item) {
                items.push(item);
            }
        }
        None => list.push((part.to_string(), vec![item])),
    }
}

/// The geometry must lie in the division the proposal names.
pub(super) fn location(g: &Gazetteer, s: &Subject) -> Check {
    const RULE: &str = "location";
    let Some(at) = s.geometry.and_then(|x| x.interior_point()) else {
        return Check::new(RULE, Verdict::Fail, "缺少位置（几何）");
    };
    let Some(deepest) = g.divisions.locate(at.0) else {
        return Check::new(RULE, Verdict::Fail, "位置不在任何行政区域内");
    };
    let chain = g.divisions.chain(deepest);
    let named = g.divisions.by_code(s.division, None);
    let where_ = g.divisions.chain_names(deepest);
    if named.is_some_and(|d| chain.contains(&d)) {
        return Check::new(RULE, Verdict::Pass, format!("位于{where_}"));
    }
    if s.division.starts_with(g.divisions.get(deepest).code.as_str()) {
        return Check::new(RULE, Verdict::Warn, format!("位于{where_}，无法核实到申请所填的下级区划"));
    }
    Check::new(RULE, Verdict::Fail, format!("位置实际在{where_}，不在申请所填的区划 {} 内", s.division))
}

/// The least distance in metres between the vertices of `a` and the
/// segments of `b` (or its points).
fn distance_m(a: &Geometry<f64>, b: &Geometry<f64>) -> f64 {
    let segments: Vec<(Coord<f64>, Coord<f64>)> = match b {
        Geometry::LineString(l) => l.lines().map(|s| (s.start, s.end)).collect(),
        Geometry::MultiLineString(m) => {
            m.0.iter().flat_map(|l| l.lines().map(|s| (s.start, s.end))).collect()
        }
        other => other.coords_iter().map(|c| (c, c)).collect(),
    };
    a.coords_iter()
        .map(|c| {
            let f = LocalFrame::new(c);
            segments.iter().map(|&(p, q)| f.distance_to_segment(p, q)).fold(f64::INFINITY, f64::min)
        })
        .fold(f64::INFINITY, f64::min)
}
