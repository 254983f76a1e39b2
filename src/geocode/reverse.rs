//! Reverse geocoding: a point (lon/lat CGCS2000) → the chain of divisions
//! that truly contain it (point-in-polygon, not "nearest object"), the
//! nearest door plate and the nearest road, with distances in metres.
//!
//! With a date, each division in the chain is replaced by the version valid
//! on that date (a renamed county answers with its old name), following the
//! change history.

use crate::index::{Gazetteer, metric::LocalFrame};
use crate::model::Level;
use geo::Coord;
use serde::Serialize;
use utoipa::ToSchema;

/// One division of the chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DivisionRef {
    /// Division code.
    pub code: String,
    /// Name valid on the requested date.
    pub name: String,
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
    /// Plate location `[lon, lat]`.
    pub location: [f64; 2],
}

/// The nearest road.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoadRef {
    /// Place id of the road.
    pub id: i64,
    /// Standard name.
    pub name: String,
    /// Distance from the query point to the centreline, metres.
    pub distance_m: f64,
}

/// The answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReverseResult {
    /// Query point `[lon, lat]`, CGCS2000.
    pub location: [f64; 2],
    /// The date asked for, if any.
    pub at: Option<String>,
    /// Containing divisions, province first; empty outside China.
    pub divisions: Vec<DivisionRef>,
    /// Division names joined (浙江省宁波市鄞州区…).
    pub formatted_address: String,
    /// Nearest door plate within the search radius.
    pub door_plate: Option<PlateRef>,
    /// Nearest road within the search radius.
    pub road: Option<RoadRef>,
}

/// Reverse-geocodes a point.
pub fn reverse(g: &Gazetteer, c: Coord<f64>, at: Option<&str>, radius_m: f64) -> ReverseResult {
    let chain = g
        .divisions
        .locate(c)
        .map(|i| g.divisions.chain(i))
        .unwrap_or_default();
    let divisions: Vec<DivisionRef> = chain
        .iter()
        .map(|&i| {
            let d = g.divisions.get(i);
            let d = match at {
                Some(date) if !d.valid_on(Some(date)) => g
                    .divisions
                    .version_on(&d.code, date)
                    .map_or(d, |v| g.divisions.get(v)),
                _ => d,
            };
            DivisionRef {
                code: d.code.clone(),
                name: d.name.clone(),
                level: d.level,
            }
        })
        .collect();
    let formatted_address = divisions.iter().map(|d| d.name.as_str()).collect();
    let (door_plate, road) = if divisions.is_empty() {
        (None, None)
    } else {
        let frame = LocalFrame::new(c);
        let plate = g.plates.nearest(c, radius_m).map(|n| {
            let p = g.plates.get(n.index);
            let prefix: String = if p.division == u32::MAX {
                String::new()
            } else {
                let chain = g.divisions.chain(p.division);
                chain
                    .iter()
                    .map(|&i| g.divisions.get(i))
                    .filter(|d| d.level <= Level::Township)
                    .map(|d| d.name.as_str())
                    .collect()
            };
            PlateRef {
                address_code: format!("{:018}", p.code),
                standard_address: format!("{prefix}{}", p.label),
                distance_m: round1(n.distance_m),
                direction: frame.direction_to(n.at),
                location: [n.at.x, n.at.y],
            }
        });
        let road = g.roads.nearest(c, radius_m).map(|n| {
            let r = g.roads.get(n.index);
            RoadRef {
                id: r.place_fid,
                name: r.name.to_string(),
                distance_m: round1(n.distance_m),
            }
        });
        (plate, road)
    };
    ReverseResult {
        location: [c.x, c.y],
        at: at.map(str::to_string),
        divisions,
        formatted_address,
        door_plate,
        road,
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
