//! Reverse geocoding: a point (lon/lat CGCS2000) → the chain of divisions
//! that truly contain it (point-in-polygon, not "nearest object"), the
//! nearest door plate and the nearest road, with distances in metres.
//!
//! With a date, each division in the chain is replaced by the version valid
//! on that date (a renamed county answers with its old name), following the
//! change history.

use super::division_json::{ChainFragments, DivisionJson};
use crate::index::{Gazetteer, metric::LocalFrame};
use crate::model::Level;
use chrono::NaiveDate;
use geo::Coord;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fmt;
use utoipa::ToSchema;

/// One division of the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DivisionRef<'a> {
    /// Division code.
    pub code: &'a str,
    /// Name valid on the requested date.
    pub name: &'a str,
    /// `province`, `prefecture`, `county`, `township` or `village`.
    #[schema(value_type = String)]
    pub level: Level,
}

/// Two pieces of text written as one JSON string, without joining them
/// first (a division chain's names and what follows them).
#[derive(Debug, Clone)]
pub struct Joined<'a>(pub Cow<'a, str>, pub &'a str);

impl fmt::Display for Joined<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)?;
        f.write_str(self.1)
    }
}

impl Serialize for Joined<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An address code: 18 digits, zero-padded, written as a JSON string.
#[derive(Debug, Clone, Copy)]
pub struct AddressCode(pub u64);

impl fmt::Display for AddressCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:018}", self.0)
    }
}

impl Serialize for AddressCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The nearest door plate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlateRef<'a> {
    /// 18-digit address code.
    #[schema(value_type = String)]
    pub address_code: AddressCode,
    /// The full standard address.
    #[schema(value_type = String)]
    pub standard_address: Joined<'a>,
    /// Distance from the query point, metres.
    pub distance_m: f64,
    /// Direction of the plate seen from the query point (东, 东北 …).
    pub direction: &'static str,
    /// Plate location `[lon, lat]`, to 7 decimals (~1 cm).
    pub location: [f64; 2],
}

/// The nearest road.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoadRef<'a> {
    /// Place id of the road.
    pub id: i64,
    /// Standard name.
    pub name: &'a str,
    /// Distance from the query point to the centreline, metres.
    pub distance_m: f64,
}

/// The division chain: joined from pre-rendered fragments for today's answers, or
/// built for a past date.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Chain<'a> {
    /// Today's chain, written from per-division fragments.
    Rendered(ChainFragments<'a>),
    /// The chain on a past date.
    Dated(Vec<DivisionRef<'a>>),
}

/// The answer; it borrows names from the index it was computed from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReverseResult<'a> {
    /// Query point `[lon, lat]`, CGCS2000.
    pub location: [f64; 2],
    /// The date asked for (absent when none was).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub at: Option<NaiveDate>,
    /// Containing divisions, province first; empty outside China.
    #[schema(value_type = Vec<DivisionRef>)]
    pub divisions: Chain<'a>,
    /// Division names joined (浙江省宁波市鄞州区…).
    #[schema(value_type = String)]
    pub formatted_address: Joined<'a>,
    /// Nearest door plate within the search radius.
    #[schema(value_type = Option<PlateRef>)]
    pub door_plate: Option<PlateRef<'a>>,
    /// Nearest road within the search radius.
    pub road: Option<RoadRef<'a>>,
}

/// Reverse-geocodes a point; `json` holds the fragments of `g`'s
/// divisions ([`DivisionJson::build`] of `g.divisions`).
pub fn reverse<'a>(
    g: &'a Gazetteer,
    json: &'a DivisionJson,
    c: Coord<f64>,
    at: Option<NaiveDate>,
    radius_m: f64,
) -> ReverseResult<'a> {
    let Some(deepest) = g.divisions.locate(c) else {
        return ReverseResult {
            location: [c.x, c.y],
            at,
            divisions: Chain::Dated(vec![]),
            formatted_address: Joined(Cow::Borrowed(""), ""),
            door_plate: None,
            road: None,
        };
    };
    let (divisions, formatted_address) = match at {
        None => (Chain::Rendered(json.chain(&g.divisions, deepest)), names_down_to(g, deepest)),
        Some(date) => {
            let chain: Vec<DivisionRef> = g
                .divisions
                .chain(deepest)
                .into_iter()
                .map(|i| {
                    let d = g.divisions.get(i);
                    // The version that stood on that date; a division with
                    // no known version then is reported as it is now.
                    let d = g.divisions.version_on(d.code.as_str(), date).map_or(d, |v| g.divisions.get(v));
                    DivisionRef { code: d.code.as_str(), name: &d.name, level: d.level }
                })
                .collect();
            let formatted: String = chain.iter().map(|d| d.name).collect();
            (Chain::Dated(chain), Joined(Cow::Owned(formatted), ""))
        }
    };
    let frame = LocalFrame::new(c);
    let door_plate = g.plates.nearest(&frame, radius_m).map(|n| {
        let p = g.plates.get(n.index);
        let prefix = p.division.get().map_or("", |d| g.divisions.address_prefix(d));
        PlateRef {
            address_code: AddressCode(p.code),
            standard_address: Joined(Cow::Borrowed(prefix), &p.label),
            distance_m: round1(n.distance_m),
            direction: frame.direction_to(n.at),
            location: [round7(n.at.x), round7(n.at.y)],
        }
    });
    let road = g.roads.nearest(&frame, radius_m).map(|n| {
        let r = g.roads.get(n.index);
        RoadRef { id: r.place_fid, name: &r.name, distance_m: round1(n.distance_m) }
    });
    ReverseResult { location: [c.x, c.y], at, divisions, formatted_address, door_plate, road }
}

/// The names of division `i`'s chain joined (浙江省宁波市鄞州区…), without
/// joining them per request: the address prefix every division keeps (the
/// names down to the township) and, below the township, its own name.
fn names_down_to(g: &Gazetteer, i: u32) -> Joined<'_> {
    let own = if g.divisions.level(i) > Level::Township { g.divisions.get(i).name.as_str() } else { "" };
    Joined(Cow::Borrowed(g.divisions.address_prefix(i)), own)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Degrees to 7 decimals: a centimetre, finer than any plate is surveyed.
fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}
