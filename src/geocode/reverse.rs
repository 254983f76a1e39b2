//! Reverse geocoding: a point (lon/lat CGCS2000) → the chain of divisions
//! that truly contain it (point-in-polygon, not "nearest object"), the
//! nearest door plate and the nearest road, with distances in metres.
//!
//! With a date, each division in the chain is replaced by the version valid
//! on that date (a renamed county answers with its old name), following the
//! change history.

use crate::index::divisions::ChainFragments;
use crate::index::{Gazetteer, metric::LocalFrame};
use crate::model::Level;
use geo::Coord;
use serde::Serialize;
use std::borrow::Cow;
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

/// The nearest door plate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlateRef {
    /// 18-digit address code.
    pub address_code: String,
    /// The full standard address.
    pub standard_address: String,
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
    pub at: Option<&'a str>,
    /// Containing divisions, province first; empty outside China.
    #[schema(value_type = Vec<DivisionRef>)]
    pub divisions: Chain<'a>,
    /// Division names joined (浙江省宁波市鄞州区…).
    pub formatted_address: Cow<'a, str>,
    /// Nearest door plate within the search radius.
    pub door_plate: Option<PlateRef>,
    /// Nearest road within the search radius.
    pub road: Option<RoadRef<'a>>,
}

/// Reverse-geocodes a point.
pub fn reverse<'a>(g: &'a Gazetteer, c: Coord<f64>, at: Option<&'a str>, radius_m: f64) -> ReverseResult<'a> {
    let Some(deepest) = g.divisions.locate(c) else {
        return ReverseResult {
            location: [c.x, c.y],
            at,
            divisions: Chain::Dated(vec![]),
            formatted_address: Cow::Borrowed(""),
            door_plate: None,
            road: None,
        };
    };
    let (divisions, formatted_address) = match at {
        None => (
            Chain::Rendered(g.divisions.chain_fragments(deepest)),
            Cow::Owned(g.divisions.chain_names(deepest)),
        ),
        Some(date) => {
            let chain: Vec<DivisionRef> = g
                .divisions
                .chain(deepest)
                .into_iter()
                .map(|i| {
                    let d = g.divisions.get(i);
                    // The version that stood on that date; a division with
                    // no known version then is reported as it is now.
                    let d = g.divisions.version_on(&d.code, date).map_or(d, |v| g.divisions.get(v));
                    DivisionRef { code: &d.code, name: &d.name, level: d.level }
                })
                .collect();
            let formatted: String = chain.iter().map(|d| d.name).collect();
            (Chain::Dated(chain), Cow::Owned(formatted))
        }
    };
    let frame = LocalFrame::new(c);
    let door_plate = g.plates.nearest(c, radius_m).map(|n| {
        let p = g.plates.get(n.index);
        let prefix = if p.division == u32::MAX { "" } else { g.divisions.address_prefix(p.division) };
        let mut standard_address = String::with_capacity(prefix.len() + p.label.len());
        standard_address.push_str(prefix);
        standard_address.push_str(&p.label);
        PlateRef {
            address_code: format!("{:018}", p.code),
            standard_address,
            distance_m: round1(n.distance_m),
            direction: frame.direction_to(n.at),
            location: [round7(n.at.x), round7(n.at.y)],
        }
    });
    let road = g.roads.nearest(c, radius_m).map(|n| {
        let r = g.roads.get(n.index);
        RoadRef { id: r.place_fid, name: &r.name, distance_m: round1(n.distance_m) }
    });
    ReverseResult { location: [c.x, c.y], at, divisions, formatted_address, door_plate, road }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Degrees to 7 decimals: a centimetre, finer than any plate is surveyed.
fn round7(x: f64) -> f64 {
    (x * 1e7).round() / 1e7
}
