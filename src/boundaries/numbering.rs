//! Marker numbers by GB/T 17796: the line's number, a three-digit sequence
//! along the line from west to east (or north to south, for a line longer
//! north–south than east–west) starting at 001, and the type letter — `Q`
//! a single marker; `A`/`B` the two markers of a pair sharing one sequence,
//! `A` on the side of the smaller division code; `C`/`D`/`E` the markers
//! of a triple at a tri-point.

use crate::index::metric::LocalFrame;
use crate::model::MarkerKind;
use geo::{Coord, LineString, MultiLineString};

/// A marker number, parsed against its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkerNumber {
    /// 1 … 999.
    pub seq: u16,
    /// The type letter.
    pub kind: MarkerKind,
}

impl MarkerNumber {
    /// The number as written: `line` + `007` + `Q`.
    pub fn format(&self, line: &str) -> String {
        format!("{line}{:03}{}", self.seq, self.kind.as_str())
    }

    /// Parses `number` as a marker of line `line`; the error is the reason,
    /// in Chinese.
    pub fn parse(number: &str, line: &str) -> Result<MarkerNumber, String> {
        let Some(rest) = number.strip_prefix(line) else {
            return Err(format!("界桩编号应以界线编号 {line} 开头"));
        };
        let (digits, letter) = rest.split_at(rest.len().min(3));
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("界线编号后应为三位序号（001–999）".into());
        }
        let seq: u16 = digits.parse().map_err(|_| "序号不是数字".to_string())?;
        if seq == 0 {
            return Err("序号从 001 起".into());
        }
        let kind = MarkerKind::parse(letter)
            .ok_or_else(|| "序号后应为一个类型字母：Q 单立，A/B 同号双立，C/D/E 同号三立".to_string())?;
        Ok(MarkerNumber { seq, kind })
    }
}

/// The direction markers are numbered in along a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the western end.
    WestToEast,
    /// From the northern end.
    NorthToSouth,
}

/// A line walked in its numbering direction: each part oriented to start
/// at its western (northern) end, the parts in the order of their starts,
/// each with the distance walked before it.
pub struct Walk {
    parts: Vec<(LineString<f64>, f64)>,
    /// The numbering direction.
    pub direction: Direction,
    /// Length of all parts, metres.
    pub length_m: f64,
}

/// A point's place relative to a line.
#[derive(Debug, Clone, Copy)]
pub struct Located {
    /// Metres walked along the line to the point's foot.
    pub along_m: f64,
    /// Metres from the line.
    pub off_m: f64,
}

fn segment_length(a: Coord<f64>, b: Coord<f64>) -> f64 {
    LocalFrame::new(a).distance_to_point(b)
}

impl Walk {
    /// The walk of a line.
    pub fn new(geom: &MultiLineString<f64>) -> Walk {
        let (mut min, mut max) = (Coord { x: f64::MAX, y: f64::MAX }, Coord { x: f64::MIN, y: f64::MIN });
        for c in geom.0.iter().flat_map(|l| l.0.iter()) {
            min = Coord { x: min.x.min(c.x), y: min.y.min(c.y) };
            max = Coord { x: max.x.max(c.x), y: max.y.max(c.y) };
        }
        let frame = LocalFrame::new(min);
        let (w, h) = frame.project(max);
        let direction = if w >= h { Direction::WestToEast } else { Direction::NorthToSouth };
        // The key a point is ordered by along the direction.
        let key = |c: &Coord<f64>| match direction {
            Direction::WestToEast => c.x,
            Direction::NorthToSouth => -c.y,
        };
        let mut parts: Vec<LineString<f64>> = geom.0.iter().filter(|l| l.0.len() >= 2).cloned().collect();
        for p in &mut parts {
            if key(&p.0[0]) > key(&p.0[p.0.len() - 1]) {
                p.0.reverse();
            }
        }
        parts.sort_by(|a, b| key(&a.0[0]).total_cmp(&key(&b.0[0])));
        let mut walked = 0.0;
        let parts = parts
            .into_iter()
            .map(|p| {
                let start = walked;
                walked += p.lines().map(|s| segment_length(s.start, s.end)).sum::<f64>();
                (p, start)
            })
            .collect();
        Walk { parts, direction, length_m: walked }
    }

    /// Where `c` lies: how far along the line its nearest point is, and
    /// how far from the line.
    pub fn locate(&self, c: Coord<f64>) -> Located {
        let frame = LocalFrame::new(c);
        let mut best = Located { along_m: 0.0, off_m: f64::INFINITY };
        for (part, start) in &self.parts {
            let mut walked = *start;
            for s in part.lines() {
                let (ax, ay) = frame.project(s.start);
                let (bx, by) = frame.project(s.end);
                let (dx, dy) = (bx - ax, by - ay);
                let len2 = dx * dx + dy * dy;
                let t = if len2 > 0.0 { (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0) } else { 0.0 };
                let (px, py) = (ax + t * dx, ay + t * dy);
                let off = px.hypot(py);
                let len = len2.sqrt();
                if off < best.off_m {
                    best = Located { along_m: walked + t * len, off_m: off };
                }
                walked += len;
            }
        }
        best
    }

    /// The point `along_m` metres along the line (clamped to its ends).
    pub fn point_at(&self, along_m: f64) -> Option<Coord<f64>> {
        let (part, start) = self.parts.iter().rev().find(|(_, s)| *s <= along_m).or(self.parts.first())?;
        let mut walked = *start;
        for s in part.lines() {
            let len = segment_length(s.start, s.end);
            if walked + len >= along_m && len > 0.0 {
                let t = ((along_m - walked) / len).clamp(0.0, 1.0);
                return Some(Coord {
                    x: s.start.x + t * (s.end.x - s.start.x),
                    y: s.start.y + t * (s.end.y - s.start.y),
                });
            }
            walked += len;
        }
        part.0.last().copied()
    }

    /// The ends of the line's open parts: where it meets a third division
    /// (or the national border).
    pub fn ends(&self) -> Vec<Coord<f64>> {
        self.parts
            .iter()
            .filter(|(p, _)| p.0.first() != p.0.last())
            .flat_map(|(p, _)| [p.0[0], p.0[p.0.len() - 1]])
            .collect()
    }
}

/// An existing marker of the line, as the rules see it.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    /// Its number.
    pub number: MarkerNumber,
    /// Metres along the line.
    pub along_m: f64,
}

/// How far a marker may stand from its line, and from a tri-point for a
/// triple, metres.
#[derive(Debug, Clone, Copy)]
pub struct Tolerances {
    /// Farthest from the line.
    pub off_line_m: f64,
    /// Farthest from the tri-point, for C/D/E.
    pub tri_point_m: f64,
    /// How far apart the positions of one pair's or triple's markers may
    /// lie along the line.
    pub group_m: f64,
}

/// Which side of the line a point lies on, by the divisions it falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// In the division with the smaller code.
    Smaller,
    /// In the other.
    Larger,
    /// In neither (on the line, or where the polygons leave a gap).
    Unknown,
}

/// Checks a marker `number` at `at` against the line's rules and the
/// markers already on it (`placed`, retired ones included: a number is
/// never issued twice); the error is the reason, in Chinese.
pub fn check(
    walk: &Walk,
    placed: &[Placed],
    number: MarkerNumber,
    at: Coord<f64>,
    side: Side,
    tol: Tolerances,
) -> Result<(), String> {
    let here = walk.locate(at);
    if here.off_m > tol.off_line_m {
        return Err(format!("界桩距界线 {:.0} 米，超过允许的 {:.0} 米", here.off_m, tol.off_line_m));
    }
    let same: Vec<&Placed> = placed.iter().filter(|p| p.number.seq == number.seq).collect();
    if same.iter().any(|p| p.number.kind == number.kind) {
        return Err(format!("编号 {:03}{} 已被使用（界桩编号不重复使用）", number.seq, number.kind.as_str()));
    }
    let group = |kinds: &[MarkerKind]| same.iter().all(|p| kinds.contains(&p.number.kind));
    match number.kind {
        MarkerKind::Q if !same.is_empty() => {
            return Err(format!("序号 {:03} 已用于其他界桩，单立界桩（Q）须独占一个序号", number.seq));
        }
        MarkerKind::A | MarkerKind::B if !group(&[MarkerKind::A, MarkerKind::B]) => {
            return Err(format!("序号 {:03} 已用于非双立界桩，A/B 只能成对使用同一序号", number.seq));
        }
        MarkerKind::C | MarkerKind::D | MarkerKind::E
            if !group(&[MarkerKind::C, MarkerKind::D, MarkerKind::E]) =>
        {
            return Err(format!("序号 {:03} 已用于非三立界桩，C/D/E 只能用于同一三交点", number.seq));
        }
        _ => {}
    }
    match (number.kind, side) {
        (MarkerKind::A, Side::Larger) => return Err("A 桩应立于编码较小一方的一侧，此点在另一方".into()),
        (MarkerKind::B, Side::Smaller) => return Err("B 桩应立于编码较大一方的一侧，此点在另一方".into()),
        _ => {}
    }
    if matches!(number.kind, MarkerKind::C | MarkerKind::D | MarkerKind::E) {
        let frame = LocalFrame::new(at);
        let nearest =
            walk.ends().into_iter().map(|e| frame.distance_to_point(e)).fold(f64::INFINITY, f64::min);
        if nearest > tol.tri_point_m {
            return Err(format!(
                "三立界桩（C/D/E）应立于三交点，此点距最近的三交点 {:.0} 米，超过 {:.0} 米",
                nearest, tol.tri_point_m
            ));
        }
    }
    if let Some(p) = same.first()
        && (p.along_m - here.along_m).abs() > tol.group_m
    {
        return Err(format!(
            "同号界桩应立于同一处，此点与 {:03}{} 沿界线相距 {:.0} 米",
            p.number.seq,
            p.number.kind.as_str(),
            (p.along_m - here.along_m).abs()
        ));
    }
    let word = match walk.direction {
        Direction::WestToEast => "自西向东",
        Direction::NorthToSouth => "自北向南",
    };
    if let Some(before) = placed.iter().filter(|p| p.number.seq < number.seq).max_by_key(|p| p.number.seq)
        && before.along_m > here.along_m + tol.group_m
    {
        return Err(format!(
            "界桩{word}编号：此点位于 {:03} 号之前，序号不能大于 {:03}",
            before.number.seq, before.number.seq
        ));
    }
    if let Some(after) = placed.iter().filter(|p| p.number.seq > number.seq).min_by_key(|p| p.number.seq)
        && after.along_m + tol.group_m < here.along_m
    {
        return Err(format!(
            "界桩{word}编号：此点位于 {:03} 号之后，序号不能小于 {:03}",
            after.number.seq, after.number.seq
        ));
    }
    Ok(())
}

/// The number a new marker of type `kind` at `at` gets: the free sequence
/// its place along the line calls for (after the markers before it and
/// before those after it), or for the second of a pair or triple the
/// sequence of its partner there. The error says why none fits.
pub fn next_number(
    walk: &Walk,
    placed: &[Placed],
    kind: MarkerKind,
    at: Coord<f64>,
    side: Side,
    tol: Tolerances,
) -> Result<MarkerNumber, String> {
    let here = walk.locate(at);
    let group = match kind {
        MarkerKind::A | MarkerKind::B => [MarkerKind::A, MarkerKind::B].as_slice(),
        MarkerKind::C | MarkerKind::D | MarkerKind::E => {
            [MarkerKind::C, MarkerKind::D, MarkerKind::E].as_slice()
        }
        MarkerKind::Q => [].as_slice(),
    };
    // The second of a pair (or a triple) takes the sequence of its partner.
    if let Some(p) = placed
        .iter()
        .find(|p| group.contains(&p.number.kind) && (p.along_m - here.along_m).abs() <= tol.group_m)
    {
        let n = MarkerNumber { seq: p.number.seq, kind };
        return check(walk, placed, n, at, side, tol).map(|()| n);
    }
    let before = placed.iter().filter(|p| p.along_m <= here.along_m).map(|p| p.number.seq).max().unwrap_or(0);
    let after = placed.iter().filter(|p| p.along_m > here.along_m).map(|p| p.number.seq).min();
    let seq = before + 1;
    if seq > 999 {
        return Err("此界线的序号已用到 999".into());
    }
    if after.is_some_and(|a| seq >= a) {
        return Err(format!(
            "此点位于 {before:03} 号与 {:03} 号之间，其间无空余序号；请按界线管理规定另行编号",
            after.unwrap_or(0)
        ));
    }
    let n = MarkerNumber { seq, kind };
    check(walk, placed, n, at, side, tol).map(|()| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn east_line() -> Walk {
        // About 9.6 km west to east at 30°N, drawn east to west.
        Walk::new(&MultiLineString(vec![LineString::from(vec![(121.1, 30.0), (121.0, 30.0)])]))
    }

    const TOL: Tolerances = Tolerances { off_line_m: 50.0, tri_point_m: 100.0, group_m: 30.0 };

    fn placed(walk: &Walk, list: &[(u16, MarkerKind, f64)]) -> Vec<Placed> {
        list.iter()
            .map(|&(seq, kind, lon)| Placed {
                number: MarkerNumber { seq, kind },
                along_m: walk.locate(Coord { x: lon, y: 30.0 }).along_m,
            })
            .collect()
    }

    #[test]
    fn numbers_parse_against_their_line_and_explain_what_is_wrong() {
        assert_eq!(
            MarkerNumber::parse("33020312007Q", "33020312"),
            Ok(MarkerNumber { seq: 7, kind: MarkerKind::Q })
        );
        assert_eq!(MarkerNumber { seq: 7, kind: MarkerKind::A }.format("3335"), "3335007A");
        assert!(MarkerNumber::parse("3335007Q", "3336").unwrap_err().contains("3336"));
        assert!(MarkerNumber::parse("333507Q", "3335").unwrap_err().contains("三位序号"));
        assert!(MarkerNumber::parse("3335000Q", "3335").unwrap_err().contains("001"));
        assert!(MarkerNumber::parse("3335007X", "3335").unwrap_err().contains("类型字母"));
    }

    #[test]
    fn a_line_wider_than_tall_is_walked_from_its_western_end() {
        let w = east_line();
        assert_eq!(w.direction, Direction::WestToEast);
        let west = w.locate(Coord { x: 121.01, y: 30.0 });
        let east = w.locate(Coord { x: 121.09, y: 30.0 });
        assert!(west.along_m < east.along_m);
        assert!((w.length_m - 9_630.0).abs() < 60.0, "{}", w.length_m);
        let tall = Walk::new(&MultiLineString(vec![LineString::from(vec![(121.0, 30.0), (121.01, 30.2)])]));
        assert_eq!(tall.direction, Direction::NorthToSouth);
        assert!(tall.locate(Coord { x: 121.009, y: 30.19 }).along_m < 2_000.0);
    }

    #[test]
    fn the_next_number_follows_the_place_along_the_line() {
        let w = east_line();
        let on = |lon| Coord { x: lon, y: 30.0 };
        let list =
            placed(&w, &[(1, MarkerKind::Q, 121.01), (2, MarkerKind::Q, 121.03), (5, MarkerKind::Q, 121.06)]);
        // At the eastern end: after 005.
        assert_eq!(next_number(&w, &list, MarkerKind::Q, on(121.08), Side::Unknown, TOL).unwrap().seq, 6);
        // Between 002 and 005: 003 is free.
        assert_eq!(next_number(&w, &list, MarkerKind::Q, on(121.04), Side::Unknown, TOL).unwrap().seq, 3);
        // Between 001 and 002 nothing is free.
        let e = next_number(&w, &list, MarkerKind::Q, on(121.02), Side::Unknown, TOL).unwrap_err();
        assert!(e.contains("001") && e.contains("002"), "{e}");
    }

    #[test]
    fn a_pair_shares_a_sequence_with_a_on_the_smaller_codes_side() {
        let w = east_line();
        let mut list = placed(&w, &[(1, MarkerKind::Q, 121.01)]);
        let a = next_number(&w, &list, MarkerKind::A, Coord { x: 121.05, y: 30.00003 }, Side::Smaller, TOL)
            .unwrap();
        assert_eq!(a, MarkerNumber { seq: 2, kind: MarkerKind::A });
        list.push(Placed { number: a, along_m: w.locate(Coord { x: 121.05, y: 30.0 }).along_m });
        let b = next_number(&w, &list, MarkerKind::B, Coord { x: 121.05, y: 29.99997 }, Side::Larger, TOL)
            .unwrap();
        assert_eq!(b, MarkerNumber { seq: 2, kind: MarkerKind::B });
        // A B on the smaller code's side is refused, and so is a Q on the pair's number.
        assert!(
            check(&w, &list, b, Coord { x: 121.05, y: 30.0 }, Side::Smaller, TOL)
                .unwrap_err()
                .contains("B 桩")
        );
        let q = MarkerNumber { seq: 2, kind: MarkerKind::Q };
        assert!(
            check(&w, &list, q, Coord { x: 121.05, y: 30.0 }, Side::Unknown, TOL).unwrap_err().contains("Q")
        );
    }

    #[test]
    fn markers_off_the_line_out_of_order_or_reused_are_refused() {
        let w = east_line();
        let list = placed(&w, &[(1, MarkerKind::Q, 121.01), (4, MarkerKind::Q, 121.05)]);
        let n = |seq| MarkerNumber { seq, kind: MarkerKind::Q };
        let off = check(&w, &list, n(2), Coord { x: 121.02, y: 30.001 }, Side::Unknown, TOL).unwrap_err();
        assert!(off.contains("距界线"), "{off}");
        let late = check(&w, &list, n(2), Coord { x: 121.07, y: 30.0 }, Side::Unknown, TOL).unwrap_err();
        assert!(late.contains("004"), "{late}");
        let reused = check(&w, &list, n(4), Coord { x: 121.06, y: 30.0 }, Side::Unknown, TOL).unwrap_err();
        assert!(reused.contains("已被使用"), "{reused}");
        assert!(check(&w, &list, n(2), Coord { x: 121.02, y: 30.0 }, Side::Unknown, TOL).is_ok());
        let triple = MarkerNumber { seq: 2, kind: MarkerKind::C };
        let far = check(&w, &list, triple, Coord { x: 121.02, y: 30.0 }, Side::Unknown, TOL).unwrap_err();
        assert!(far.contains("三交点"), "{far}");
        assert!(
            check(
                &w,
                &list,
                MarkerNumber { seq: 5, kind: MarkerKind::C },
                Coord { x: 121.0995, y: 30.0 },
                Side::Unknown,
                TOL
            )
            .is_ok()
        );
    }
}
