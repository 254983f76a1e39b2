//! The number a new door plate at a point gets on a road under a
//! [`PlateRule`]: the road walked from where its numbering starts, the
//! point's side (odd or even), the number its frontage gives, and — where
//! that number is taken or would break the order of the plates already on
//! that side — a free number between its neighbours, else an infill number
//! after the plate before it.

use crate::config::PlateSettings;
use crate::index::metric::LocalFrame;
use crate::model::plate_rule::{Compass, NumberingStart, OddSide, PlateRule};
use crate::store::PlaceRow;
use geo::{Coord, Geometry, LineString, MultiLineString};
use serde::Serialize;

/// A plate already on the road.
#[derive(Debug, Clone)]
pub struct Existing {
    /// Its text (`88号`).
    pub text: String,
    /// Main number.
    pub main: u32,
    /// Sub-number (附号) or the index of its prefix (甲 = 1), if any.
    pub sub: Option<u32>,
    /// Where it stands, lon/lat.
    pub at: Coord<f64>,
}

impl Existing {
    /// A plate as the store keeps it (`AddressRow::plates_on`): text, main
    /// number, sub-number, prefix (甲 counts as infill 1, 乙 as 2 …),
    /// position.
    pub fn from_stored(
        (text, main, sub, prefix, lon, lat): (String, i64, Option<i64>, Option<String>, f64, f64),
    ) -> Existing {
        let prefixed = prefix
            .and_then(|p| crate::model::plate_rule::INFILL_PREFIXES.iter().position(|q| *q == p))
            .map(|i| i as u32 + 1);
        Existing {
            text,
            main: main.max(0) as u32,
            sub: sub.map(|v| v.max(0) as u32).or(prefixed),
            at: Coord { x: lon, y: lat },
        }
    }
}

/// Why a point cannot be numbered on a place, in Chinese, with the field
/// at fault: the place (`NotThoroughfare`, `NoLine`) or the point
/// (`OffRoad`).
#[derive(Debug, Clone, PartialEq)]
pub enum RoadError {
    /// The place is not a road, street or lane.
    NotThoroughfare(String),
    /// The road has no line.
    NoLine(String),
    /// The point lies farther from the road than allowed.
    OffRoad(String),
}

/// The walk of thoroughfare `road` under `plates`' rule for its division,
/// with the rule's name and the rule, for a point `at` no farther from it
/// than `[plates] max_off_road_m`.
pub fn walk_road(
    road: &PlaceRow,
    plates: &PlateSettings,
    at: Coord<f64>,
) -> Result<(String, PlateRule, RoadWalk), RoadError> {
    if !road.class.is_thoroughfare() {
        return Err(RoadError::NotThoroughfare(format!(
            "{}（{}）是{}，不是道路、街或巷",
            road.name,
            road.fid,
            road.class.label()
        )));
    }
    let no_line = || RoadError::NoLine(format!("道路 {} 没有线位，无法编号", road.name));
    let line = match &road.geom {
        Some(Geometry::LineString(l)) => MultiLineString(vec![l.clone()]),
        Some(Geometry::MultiLineString(m)) => m.clone(),
        _ => return Err(no_line()),
    };
    let (name, rule) = plates.rule_for(&road.division_code);
    let walk = RoadWalk::new(&line, &rule).ok_or_else(no_line)?;
    let (off, most) = (walk.locate(at).off_m, plates.max_off_road_m);
    if off > most {
        return Err(RoadError::OffRoad(format!(
            "点位距{}中心线 {off:.0} 米，超过 {most:.0} 米，不在该道路上",
            road.name
        )));
    }
    Ok((name, rule, walk))
}

/// A road walked in its numbering direction.
pub struct RoadWalk {
    points: Vec<Coord<f64>>,
    /// Its length, metres.
    pub length_m: f64,
    /// Whether it runs more east–west than north–south.
    pub east_west: bool,
    /// The compass end numbering starts from.
    pub from: Compass,
}

/// A point's place along a walked road.
#[derive(Debug, Clone, Copy)]
pub struct Station {
    /// Metres along the road from where numbering starts.
    pub along_m: f64,
    /// Metres from the centreline.
    pub off_m: f64,
    /// Whether the point is left of the numbering direction.
    pub left: bool,
}

/// The number a new plate gets, and why.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NumberAt {
    /// As written on the plate (`90号`, `88-1号`).
    pub text: String,
    /// Main number.
    pub main: u32,
    /// Infill number after `main` (附号, 之 or the prefix's index).
    pub sub: Option<u32>,
    /// Whether it is an infill number.
    pub infill: bool,
    /// Odd or even side.
    pub parity: &'static str,
    /// The side in Chinese (北侧, 左侧 …).
    pub side: String,
    /// The plates before and after it on that side, if any.
    pub between: [Option<String>; 2],
    /// Metres along the road from where numbering starts.
    pub along_m: f64,
    /// Metres from the road's centreline.
    pub off_m: f64,
    /// Why, in Chinese.
    pub reason: String,
}

fn seg_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    LocalFrame::new(a).distance_to_point(b)
}

impl RoadWalk {
    /// The road's line (its longest part, for a road of several) walked
    /// from where `rule` starts numbering.
    pub fn new(geom: &MultiLineString<f64>, rule: &PlateRule) -> Option<RoadWalk> {
        let longest: &LineString<f64> = geom.0.iter().filter(|l| l.0.len() >= 2).max_by(|a, b| {
            let len = |l: &LineString<f64>| l.lines().map(|s| seg_m(s.start, s.end)).sum::<f64>();
            len(a).total_cmp(&len(b))
        })?;
        let mut points = longest.0.clone();
        let (first, last) = (points[0], points[points.len() - 1]);
        let (dx, dy) = LocalFrame::new(first).project(last);
        let east_west = dx.abs() >= dy.abs();
        let starts_at_last = match &rule.start {
            NumberingStart::Orientation { east_west_from, north_south_from } => {
                if east_west {
                    (*east_west_from == Compass::East) == (first.x < last.x)
                } else {
                    (*north_south_from == Compass::North) == (first.y < last.y)
                }
            }
            NumberingStart::Centre { lon, lat } => {
                let f = LocalFrame::new(Coord { x: *lon, y: *lat });
                f.distance_to_point(last) < f.distance_to_point(first)
            }
        };
        if starts_at_last {
            points.reverse();
        }
        let (s, e) = (points[0], points[points.len() - 1]);
        let from = if east_west {
            if s.x > e.x { Compass::East } else { Compass::West }
        } else if s.y > e.y {
            Compass::North
        } else {
            Compass::South
        };
        let length_m = points.windows(2).map(|w| seg_m(w[0], w[1])).sum();
        Some(RoadWalk { points, length_m, east_west, from })
    }

    /// Where `c` lies along the road.
    pub fn locate(&self, c: Coord<f64>) -> Station {
        let frame = LocalFrame::new(c);
        let mut best = Station { along_m: 0.0, off_m: f64::INFINITY, left: true };
        let mut walked = 0.0;
        for w in self.points.windows(2) {
            let (ax, ay) = frame.project(w[0]);
            let (bx, by) = frame.project(w[1]);
            let (dx, dy) = (bx - ax, by - ay);
            let len2 = dx * dx + dy * dy;
            let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
            let (px, py) = (ax + t * dx, ay + t * dy);
            let off = px.hypot(py);
            if off < best.off_m {
                // The point is the origin: left when (b - a) × (p - a) > 0.
                let left = dx * (-ay) - dy * (-ax) > 0.0;
                best = Station { along_m: walked + t * len2.sqrt(), off_m: off, left };
            }
            walked += len2.sqrt();
        }
        best
    }

    /// Whether the left of the numbering direction carries the odd numbers.
    pub fn odd_on_left(&self, rule: &PlateRule) -> bool {
        let (s, e) = (self.points[0], self.points[self.points.len() - 1]);
        let (ox, oy) = LocalFrame::new(s).project(e);
        let (lx, ly) = (-oy, ox);
        match rule.odd {
            OddSide::Left => true,
            OddSide::Right => false,
            OddSide::Compass { east_west, north_south } => {
                match if self.east_west { east_west } else { north_south } {
                    Compass::North => ly > 0.0,
                    Compass::South => ly < 0.0,
                    Compass::East => lx > 0.0,
                    Compass::West => lx < 0.0,
                }
            }
        }
    }

    /// The compass side (or left/right) a side of the road is called by.
    fn side_name(&self, rule: &PlateRule, left: bool) -> String {
        if let OddSide::Compass { .. } = rule.odd {
            let (s, e) = (self.points[0], self.points[self.points.len() - 1]);
            let (ox, oy) = LocalFrame::new(s).project(e);
            let (lx, ly) = if left { (-oy, ox) } else { (oy, -ox) };
            let side = if self.east_west {
                if ly > 0.0 { Compass::North } else { Compass::South }
            } else if lx > 0.0 {
                Compass::East
            } else {
                Compass::West
            };
            format!("{}侧", side.label())
        } else if left {
            "左侧（面向编号方向）".into()
        } else {
            "右侧（面向编号方向）".into()
        }
    }
}

/// The number a new plate at `c` gets on the road of `walk` under `rule`,
/// given the plates already on it.
pub fn number_at(walk: &RoadWalk, rule: &PlateRule, existing: &[Existing], c: Coord<f64>) -> NumberAt {
    let at = walk.locate(c);
    let odd = at.left == walk.odd_on_left(rule);
    let parity = if odd { "odd" } else { "even" };
    let side = walk.side_name(rule, at.left);
    let slot = (at.along_m / rule.frontage_m.max(0.1)).floor() as u32;
    let of_parity = |n: u32| n % 2 == u32::from(odd);
    let allowed = |n: u32| n > 0 && of_parity(n) && !rule.skip.contains(&n);
    let mut frontage = if odd { 2 * slot + 1 } else { 2 * slot + 2 };
    while !allowed(frontage) {
        frontage += 2;
    }
    // The plates on the same side, in order along the road.
    let mut same: Vec<(f64, &Existing)> =
        existing.iter().filter(|e| of_parity(e.main)).map(|e| (walk.locate(e.at).along_m, e)).collect();
    same.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.main.cmp(&b.1.main)).then(a.1.sub.cmp(&b.1.sub)));
    let before = same.iter().rev().find(|(s, _)| *s <= at.along_m).map(|(_, e)| *e);
    let after = same.iter().find(|(s, _)| *s > at.along_m).map(|(_, e)| *e);
    let taken = |n: u32| existing.iter().any(|e| e.main == n && e.sub.is_none());
    let lo = before.map_or(0, |b| b.main);
    let hi = after.map_or(u32::MAX, |a| a.main);
    let between = [before.map(|b| b.text.clone()), after.map(|a| a.text.clone())];
    let from = format!("自{}端起编号", walk.from.label());
    let base = NumberAt {
        text: String::new(),
        main: 0,
        sub: None,
        infill: false,
        parity,
        side: side.clone(),
        between,
        along_m: (at.along_m * 10.0).round() / 10.0,
        off_m: (at.off_m * 10.0).round() / 10.0,
        reason: String::new(),
    };
    let plain =
        |n: u32, why: String| NumberAt { text: format!("{n}号"), main: n, reason: why, ..base.clone() };
    let kind = if odd { "单号" } else { "双号" };
    // The frontage's number, if it is free and keeps the order.
    if frontage > lo && frontage < hi && !taken(frontage) {
        return plain(
            frontage,
            format!(
                "位于道路{side}（{kind}侧），{from}距起点 {:.0} 米，按每 {} 米一号应编 {frontage} 号，该号未被占用且与两侧门牌顺序一致",
                at.along_m, rule.frontage_m
            ),
        );
    }
    // Else a free number of the side between the neighbours, nearest the
    // frontage's.
    let free = (lo.saturating_add(1)..hi.min(lo.saturating_add(2000)))
        .filter(|&n| allowed(n) && !taken(n))
        .min_by_key(|&n| n.abs_diff(frontage));
    if let Some(n) = free {
        return plain(
            n,
            format!(
                "位于道路{side}（{kind}侧），按临街长度应编 {frontage} 号，但该号已占用或与两侧门牌顺序不符；{} 与 {} 之间空余 {n} 号",
                describe(before),
                describe(after)
            ),
        );
    }
    // Else an infill number after the plate before.
    let main = before.map_or(frontage, |b| b.main);
    let k = (1..).find(|k| !existing.iter().any(|e| e.main == main && e.sub == Some(*k))).unwrap_or(1);
    NumberAt {
        text: rule.infill_text(main, k),
        main,
        sub: Some(k),
        infill: true,
        reason: format!(
            "位于道路{side}（{kind}侧），{} 与 {} 之间已无空号，按规则编为 {main} 号的附号",
            describe(before),
            describe(after)
        ),
        ..base
    }
}

fn describe(e: Option<&Existing>) -> String {
    e.map_or_else(|| "路端".to_string(), |e| e.text.clone())
}
