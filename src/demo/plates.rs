//! Generated door plates: numbered along a road by the city's rule,
//! residential compounds with buildings, units and rooms, and rural plates
//! (village + group + number).

use super::partition::random_point_in;
use super::streets::{Divisions, M_PER_DEG, Serials, seg_m};
use crate::config::{Compass, NumberingRule};
use crate::model::AddressKind;
use crate::store::{AddressRow, DivisionRow};
use geo::{Area, BoundingRect, Coord, LineString, Rect};
use rand::{Rng, RngExt};

/// A plate as numbered.
pub struct PlateNumber {
    /// `88号`, `88-1号`, `甲88号`.
    pub text: String,
    /// 甲 or none.
    pub prefix: Option<String>,
    /// Main number.
    pub main: u32,
    /// Sub-number.
    pub sub: Option<u32>,
}

/// Door plates along a road by the numbering rule: numbered from the
/// rule's starting end, odd numbers on the rule's side, one number per
/// `spacing_m` of frontage on each side, set back from the centreline.
pub fn number_plates<R: Rng>(
    line: &LineString<f64>,
    rule: &NumberingRule,
    rng: &mut R,
) -> Vec<(Coord<f64>, PlateNumber)> {
    let (Some(first), Some(last)) = (line.0.first().copied(), line.0.last().copied()) else {
        return vec![];
    };
    let k = first.y.to_radians().cos();
    let (dx, dy) = ((last.x - first.x) * k, last.y - first.y);
    let east_west = dx.abs() >= dy.abs();
    let reverse = if east_west {
        (rule.east_west_from == Compass::East) == (first.x < last.x)
    } else {
        (rule.north_south_from == Compass::North) == (first.y < last.y)
    };
    let mut pts = line.0.clone();
    if reverse {
        pts.reverse();
    }
    // Left normal of the overall direction; is the odd side on the left?
    let (ox, oy) = ((pts[pts.len() - 1].x - pts[0].x) * k, pts[pts.len() - 1].y - pts[0].y);
    let (lx, ly) = (-oy, ox);
    let odd_left = match if east_west { rule.east_west_odd_side } else { rule.north_south_odd_side } {
        Compass::North => ly > 0.0,
        Compass::South => ly < 0.0,
        Compass::East => lx > 0.0,
        Compass::West => lx < 0.0,
    };
    let total: f64 = pts.windows(2).map(|w| seg_m(w[0], w[1])).sum();
    let mut out = Vec::new();
    let mut slot = 0u32;
    loop {
        let s = rule.spacing_m * (slot as f64 + 0.5);
        if s >= total {
            break;
        }
        for odd in [true, false] {
            let main = if odd { 2 * slot + 1 } else { 2 * slot + 2 };
            let left = odd == odd_left;
            let plain = PlateNumber { text: format!("{main}号"), prefix: None, main, sub: None };
            out.push((along(&pts, s, rule.setback_m, left), plain));
            if rng.random_bool(rule.sub_number_rate) {
                let p = PlateNumber { text: format!("{main}-1号"), prefix: None, main, sub: Some(1) };
                out.push((along(&pts, s + rule.spacing_m * 0.33, rule.setback_m, left), p));
            }
            if rng.random_bool(rule.prefix_rate) {
                let p =
                    PlateNumber {
                        text: format!("甲{main}号"), prefix: Some("甲".into()), main, sub: None
                    };
                out.push((along(&pts, s + rule.spacing_m * 0.15, rule.setback_m, left), p));
            }
        }
        slot += 1;
    }
    out
}

/// The point `s` metres along `pts`, set back `off` metres to the left
/// (or right).
fn along(pts: &[Coord<f64>], s: f64, off: f64, left: bool) -> Coord<f64> {
    let mut acc = 0.0;
    let last = pts.len().saturating_sub(2);
    for (i, w) in pts.windows(2).enumerate() {
        let d = seg_m(w[0], w[1]);
        if acc + d >= s || i == last {
            let t = if d > 0.0 { ((s - acc) / d).clamp(0.0, 1.0) } else { 0.0 };
            let k = w[0].y.to_radians().cos();
            let (ex, ey) = ((w[1].x - w[0].x) * k * M_PER_DEG, (w[1].y - w[0].y) * M_PER_DEG);
            let len = ex.hypot(ey).max(1e-9);
            let sign = if left { 1.0 } else { -1.0 };
            let (nx, ny) = (-ey / len * off * sign, ex / len * off * sign);
            return Coord {
                x: w[0].x + t * (w[1].x - w[0].x) + nx / (k * M_PER_DEG),
                y: w[0].y + t * (w[1].y - w[0].y) + ny / M_PER_DEG,
            };
        }
        acc += d;
    }
    pts[pts.len() - 1]
}

/// Rural plates (village + group + number) in one village: `groups` groups
/// of `per_group` plates each, scattered around the village seat.
pub fn rural_plates<R: Rng>(
    divs: &Divisions,
    village: &DivisionRow,
    groups: u32,
    per_group: u32,
    serials: &mut Serials,
    rng: &mut R,
) -> Vec<AddressRow> {
    let (Some(mp), Some(town)) = (&village.geom, village.parent_code.as_ref()) else {
        return vec![];
    };
    let Some(r) = mp.bounding_rect() else {
        return vec![];
    };
    let centre = village.seat.map_or(r.center(), |(x, y)| Coord { x, y });
    let rad = mp.unsigned_area().sqrt() * 0.25;
    let near = Rect::new(
        Coord { x: centre.x - rad, y: centre.y - rad },
        Coord { x: centre.x + rad, y: centre.y + rad },
    );
    let town_prefix = divs.prefix(town.as_str());
    let mut out = Vec::with_capacity((groups * per_group) as usize);
    for g in 1..=groups {
        for n in 1..=per_group {
            let Some(c) = random_point_in(mp, near, rng).or_else(|| random_point_in(mp, r, rng)) else {
                continue;
            };
            let number = format!("{n}号");
            out.push(AddressRow {
                street: village.name.clone(),
                standard_address: format!("{town_prefix}{}{g}组{number}", village.name),
                number: Some(number),
                number_main: Some(n as i64),
                group_no: Some(g as i64),
                lon: c.x,
                lat: c.y,
                source: "demo".into(),
                ..AddressRow::new(serials.next(&village.code), AddressKind::RuralPlate, village.code.clone())
            });
        }
    }
    out
}
