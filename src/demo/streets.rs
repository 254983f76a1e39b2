//! Generated streets inside the real divisions: roads with real road names
//! laid across townships and the compounds beside them, with their door
//! plates (numbered in `plates.rs`).

use super::divisions::rng_for;
use super::plates::number_plates;
use crate::config::NumberingRule;
use crate::model::{AddressCode, AddressKind, DivisionCode, Level, PlaceClass, romanize, split_generic};
use crate::store::{AddressRow, DivisionRow, PlaceRow};
use geo::{
    BooleanOps, BoundingRect, Contains, Coord, Geometry, LineString, MultiLineString, MultiPolygon, Rect,
};
use rand::{Rng, RngExt, seq::SliceRandom};
use std::collections::HashMap;

/// Metres per degree of latitude (and of longitude at the equator).
pub(super) const M_PER_DEG: f64 = 111_195.0;
/// Shortest road kept, metres.
const MIN_ROAD_M: f64 = 300.0;

/// Names and polygons the street generator needs from the divisions.
pub struct Divisions<'a> {
    rows: HashMap<&'a str, &'a DivisionRow>,
    children: HashMap<&'a str, Vec<&'a DivisionRow>>,
}

impl<'a> Divisions<'a> {
    /// Indexes the rows (current versions only).
    pub fn new(rows: &'a [DivisionRow]) -> Divisions<'a> {
        let mut map = HashMap::new();
        let mut children: HashMap<&str, Vec<&DivisionRow>> = HashMap::new();
        for r in rows.iter().filter(|r| r.valid_to.is_none()) {
            map.insert(r.code.as_str(), r);
            if let Some(p) = &r.parent_code {
                children.entry(p.as_str()).or_default().push(r);
            }
        }
        Divisions { rows: map, children }
    }

    /// Names from the province down to `code`, concatenated.
    pub fn prefix(&self, code: &str) -> String {
        let mut names = Vec::new();
        let mut cur = self.rows.get(code).copied();
        while let Some(r) = cur {
            names.push(r.name.as_str());
            cur = r.parent_code.as_ref().and_then(|p| self.rows.get(p.as_str()).copied());
        }
        names.reverse();
        names.concat()
    }

    /// Current townships under `prefix` (code prefix), in code order.
    pub fn townships(&self, prefix: &str) -> Vec<&'a DivisionRow> {
        let mut v: Vec<&DivisionRow> = self
            .rows
            .values()
            .copied()
            .filter(|r| r.level == Level::Township && r.code.as_str().starts_with(prefix))
            .collect();
        v.sort_by(|a, b| a.code.cmp(&b.code));
        v
    }

    /// Current children of `code`.
    pub fn children(&self, code: &str) -> &[&'a DivisionRow] {
        self.children.get(code).map_or(&[], |v| v.as_slice())
    }

    /// The village of `town` containing `c`, else the township itself.
    fn locate(&self, town: &'a DivisionRow, c: Coord<f64>) -> &'a DivisionRow {
        self.children(town.code.as_str())
            .iter()
            .copied()
            .find(|v| v.geom.as_ref().is_some_and(|g| g.contains(&c)))
            .unwrap_or(town)
    }
}

/// Hands out address codes: 12-digit division code (a township's padded
/// with zeros) + 6-digit serial.
#[derive(Default)]
pub struct Serials(HashMap<DivisionCode, u32>);

impl Serials {
    /// The next code in `division`.
    pub fn next(&mut self, division: &DivisionCode) -> AddressCode {
        let n = self.0.entry(division.clone()).or_insert(0);
        *n += 1;
        let digits = division.as_str();
        let base: u64 = digits.parse().unwrap_or(0) * 10u64.pow(12 - digits.len() as u32);
        AddressCode(base * 1_000_000 + u64::from(*n))
    }
}

/// Name vocabularies (real names, shuffled deterministically).
pub struct Vocabulary {
    roads: Vec<String>,
    compounds: Vec<String>,
    next_road: usize,
    next_compound: usize,
}

impl Vocabulary {
    /// Road and compound names.
    pub fn new(mut roads: Vec<String>, mut compounds: Vec<String>, seed: u64) -> Vocabulary {
        let mut rng = rng_for(seed, "0", 7);
        roads.sort();
        roads.dedup();
        compounds.sort();
        compounds.dedup();
        roads.shuffle(&mut rng);
        compounds.shuffle(&mut rng);
        Vocabulary { roads, compounds, next_road: 0, next_compound: 0 }
    }

    fn road(&mut self) -> String {
        let n = self.roads[self.next_road % self.roads.len()].clone();
        self.next_road += 1;
        n
    }

    fn compound(&mut self) -> String {
        let n = self.compounds[self.next_compound % self.compounds.len()].clone();
        self.next_compound += 1;
        n
    }
}

/// A generated place and the addresses that hang off it.
pub type PlaceWithAddresses = (PlaceRow, Vec<AddressRow>);

/// Roads with their door plates and compounds with their buildings and
/// rooms, for every township under `prefix`.
pub fn streets(
    divs: &Divisions,
    prefix: &str,
    rule: &NumberingRule,
    vocab: &mut Vocabulary,
    serials: &mut Serials,
    seed: u64,
) -> Vec<PlaceWithAddresses> {
    let mut out = Vec::new();
    for town in divs.townships(prefix) {
        let Some(mp) = &town.geom else { continue };
        let mut rng = rng_for(seed, town.code.as_str(), 3);
        let kind: u32 = town.code.as_str()[6..].parse().unwrap_or(999);
        let (n_roads, n_compounds) = match kind {
            0..100 => (8, 3),
            100..200 => (4, 0),
            _ => (2, 0),
        };
        let town_prefix = divs.prefix(town.code.as_str());
        let mut roads: Vec<LineString<f64>> = Vec::new();
        for k in 0..n_roads {
            let Some(line) =
                lay_road(mp, k % 2 == 0, (k / 2 + 1) as f64 / (n_roads / 2 + 1) as f64, &mut rng)
            else {
                continue;
            };
            let name = vocab.road();
            let plates = number_plates(&line, rule, &mut rng);
            let addresses = plates
                .into_iter()
                .map(|(c, plate)| {
                    let div = divs.locate(town, c);
                    AddressRow {
                        street: name.clone(),
                        standard_address: format!("{town_prefix}{name}{}", plate.text),
                        number: Some(plate.text),
                        number_prefix: plate.prefix,
                        number_main: Some(plate.main as i64),
                        number_sub: plate.sub.map(|s| s as i64),
                        lon: c.x,
                        lat: c.y,
                        source: "demo".into(),
                        ..AddressRow::new(serials.next(&div.code), AddressKind::RoadPlate, div.code.clone())
                    }
                })
                .collect();
            roads.push(line.clone());
            out.push((
                place(&name, PlaceClass::of_thoroughfare(&name), &town.code, Geometry::LineString(line)),
                addresses,
            ));
        }
        for _ in 0..n_compounds {
            let Some(road) = roads.get(rng.random_range(0..roads.len().max(1))) else {
                break;
            };
            if let Some(c) = compound(divs, town, &town_prefix, road, vocab, serials, &mut rng) {
                out.push(c);
            }
        }
    }
    out
}

pub(super) fn place(name: &str, class: PlaceClass, division: &DivisionCode, geom: Geometry<f64>) -> PlaceRow {
    let (specific, generic) = split_generic(name);
    PlaceRow {
        name: name.into(),
        specific: specific.into(),
        generic: generic.into(),
        pinyin: romanize(name),
        source: "demo".into(),
        geom: Some(geom),
        ..PlaceRow::new(class, division.clone())
    }
}

/// A gently bent road across the township's box at `frac` of its height
/// (east–west) or width (north–south), clipped to the township; the
/// longest piece if long enough.
fn lay_road<R: Rng>(
    mp: &MultiPolygon<f64>,
    east_west: bool,
    frac: f64,
    rng: &mut R,
) -> Option<LineString<f64>> {
    let r = mp.bounding_rect()?;
    let (w, h) = (r.width(), r.height());
    let steps = 8;
    let base = if east_west { r.min().y + h * frac } else { r.min().x + w * frac };
    let wobble = if east_west { h } else { w } * 0.03;
    let mut pts = Vec::with_capacity(steps + 1);
    let mut drift = 0.0;
    for i in 0..=steps {
        let t = i as f64 / steps as f64;
        drift += rng.random_range(-wobble..=wobble);
        pts.push(if east_west {
            Coord { x: r.min().x - w * 0.05 + t * w * 1.1, y: base + drift }
        } else {
            Coord { x: base + drift, y: r.min().y - h * 0.05 + t * h * 1.1 }
        });
    }
    let clipped = mp.clip(&MultiLineString(vec![LineString(pts)]), false);
    let longest = clipped.0.into_iter().max_by(|a, b| length_m(a).total_cmp(&length_m(b)))?;
    (length_m(&longest) >= MIN_ROAD_M).then_some(longest)
}

fn length_m(ls: &LineString<f64>) -> f64 {
    ls.lines().map(|l| seg_m(l.start, l.end)).sum()
}

/// Metres between two lon/lat points (local equirectangular).
pub(super) fn seg_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let k = ((a.y + b.y) / 2.0).to_radians().cos();
    ((b.x - a.x) * k * M_PER_DEG).hypot((b.y - a.y) * M_PER_DEG)
}

/// A compound beside `road`: a 180 m × 130 m block with buildings, units
/// and rooms.
fn compound<R: Rng>(
    divs: &Divisions,
    town: &DivisionRow,
    town_prefix: &str,
    road: &LineString<f64>,
    vocab: &mut Vocabulary,
    serials: &mut Serials,
    rng: &mut R,
) -> Option<PlaceWithAddresses> {
    let n = road.0.len();
    let at = road.0[rng.random_range(0..n)];
    let k = at.y.to_radians().cos() * M_PER_DEG;
    let side = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
    let centre = Coord { x: at.x + 40.0 / k, y: at.y + side * 110.0 / M_PER_DEG };
    let (hw, hh) = (90.0 / k, 65.0 / M_PER_DEG);
    let rect =
        Rect::new(Coord { x: centre.x - hw, y: centre.y - hh }, Coord { x: centre.x + hw, y: centre.y + hh });
    if !town.geom.as_ref().is_some_and(|g| g.contains(&centre)) {
        return None;
    }
    let name = vocab.compound();
    let buildings = rng.random_range(4..=12u32);
    let mut addresses = Vec::new();
    for b in 1..=buildings {
        let (col, row) = ((b - 1) % 4, (b - 1) / 4);
        let c = Coord {
            x: rect.min().x + (col as f64 + 0.5) * rect.width() / 4.0,
            y: rect.max().y - (row as f64 + 0.5) * rect.height() / 3.0,
        };
        let div = divs.locate(town, c);
        let building = format!("{b}幢");
        let base = AddressRow {
            street: name.clone(),
            building: Some(building.clone()),
            lon: c.x,
            lat: c.y,
            source: "demo".into(),
            ..AddressRow::new(serials.next(&div.code), AddressKind::Building, div.code.clone())
        };
        addresses
            .push(AddressRow { standard_address: format!("{town_prefix}{name}{building}"), ..base.clone() });
        let units = rng.random_range(1..=3u32);
        let floors = rng.random_range(6..=18u32);
        for u in 1..=units {
            for f in 1..=floors {
                for r in 1..=2u32 {
                    let unit = format!("{u}单元");
                    let room = format!("{f}{r:02}室");
                    addresses.push(AddressRow {
                        code: serials.next(&div.code),
                        kind: AddressKind::Room,
                        standard_address: format!("{town_prefix}{name}{building}{unit}{room}"),
                        unit: Some(unit),
                        room: Some(room),
                        ..base.clone()
                    });
                }
            }
        }
    }
    let poly = rect.to_polygon();
    Some((place(&name, PlaceClass::Compound, &town.code, Geometry::Polygon(poly)), addresses))
}
