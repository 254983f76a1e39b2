//! Compound addresses in bulk: a residential compound's buildings, units
//! and floors become every 楼幢 and 室 address at once, in one transaction,
//! written in the division's forms (`3幢`, `2单元`, `501室`), coded in the
//! village each building stands in. One conflict (a building or room that
//! exists, a room under a building that does not) refuses the whole request.

use super::Service;
use super::address_applications::{AddressError, log_address};
use crate::config::PlateSettings;
use crate::index::Gazetteer;
use crate::model::{AddressCode, AddressKind, DivisionCode, Level, PlaceClass, PlaceStatus, Role};
use crate::review::lifecycle::Actor;
use crate::store::{AddressRow, PlaceRow};
use geo::{Centroid, Contains, Coord, Distance, Haversine, Point};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// Most rooms one request creates.
pub const MAX_ROOMS: usize = 5_000;
/// Farthest a building may stand outside its compound's outline, metres.
const OUTSIDE_M: f64 = 50.0;

/// A building of the request: a new one (with its position) or one the
/// compound has (position omitted), and the units and floors to number.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildingInput {
    /// The building's number (`3`); written in the division's form (`3幢`).
    pub number: String,
    /// A new building's position (lon, CGCS2000); omitted for a building
    /// the compound already has.
    #[serde(default)]
    pub lon: Option<f64>,
    /// A new building's position (lat, CGCS2000).
    #[serde(default)]
    pub lat: Option<f64>,
    /// Units (单元), numbered from 1; 0 for a building without units.
    #[serde(default = "one")]
    pub units: u32,
    /// Floors, numbered from `first_floor`.
    pub floors: u32,
    /// The first floor numbered (default 1).
    #[serde(default = "one")]
    pub first_floor: u32,
    /// Rooms on each floor of each unit.
    pub rooms_per_floor: u32,
}

fn one() -> u32 {
    1
}

/// The request: the buildings to number.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompoundInput {
    /// The buildings.
    pub buildings: Vec<BuildingInput>,
}

/// One address issued.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    /// 18-digit code.
    pub address_code: String,
    /// `building` or `room`.
    pub kind: AddressKind,
    /// The standard address.
    pub standard_address: String,
}

/// What a request issued.
#[derive(Debug, Clone, Serialize)]
pub struct CompoundOutcome {
    /// The compound (place id).
    pub compound: i64,
    /// Its name.
    pub name: String,
    /// Buildings issued.
    pub buildings: usize,
    /// Rooms issued.
    pub rooms: usize,
    /// Every address issued, buildings first.
    pub addresses: Vec<Issued>,
}

fn invalid(field: String, reason: impl Into<String>) -> AddressError {
    AddressError::Field { field, reason: reason.into(), status: 400 }
}

fn unprocessable(field: String, reason: impl Into<String>) -> AddressError {
    AddressError::Field { field, reason: reason.into(), status: 422 }
}

/// Checks the shape of a request; returns the rooms it asks for.
fn validate(input: &CompoundInput) -> Result<usize, AddressError> {
    if input.buildings.is_empty() || input.buildings.len() > 500 {
        return Err(invalid("buildings".into(), "须列出 1 至 500 幢楼"));
    }
    let mut rooms = 0usize;
    let mut seen = HashSet::new();
    for (i, b) in input.buildings.iter().enumerate() {
        let f = |name: &str| format!("buildings[{i}].{name}");
        let n = b.number.trim();
        if n.is_empty() || n.len() > 4 || !n.bytes().all(|c| c.is_ascii_digit()) || n.starts_with('0') {
            return Err(invalid(f("number"), format!("楼号“{}”应为数字（如 3）", b.number)));
        }
        if !seen.insert(n.to_string()) {
            return Err(invalid(f("number"), format!("楼号 {n} 重复")));
        }
        match (b.lon, b.lat) {
            (Some(lon), Some(lat)) => {
                if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
                    return Err(invalid(f("lon"), "经度须在 -180 与 180 之间"));
                }
                if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
                    return Err(invalid(f("lat"), "纬度须在 -90 与 90 之间"));
                }
            }
            (None, None) => {}
            (Some(_), None) => return Err(invalid(f("lat"), "新楼幢须同时给出经度和纬度")),
            (None, Some(_)) => return Err(invalid(f("lon"), "新楼幢须同时给出经度和纬度")),
        }
        if b.units > 20 {
            return Err(invalid(f("units"), "单元数至多 20"));
        }
        if b.floors == 0 || b.floors > 120 {
            return Err(invalid(f("floors"), "层数须在 1 至 120 之间"));
        }
        if b.first_floor == 0 || b.first_floor > 99 {
            return Err(invalid(f("first_floor"), "起始层须在 1 至 99 之间"));
        }
        if b.rooms_per_floor == 0 || b.rooms_per_floor > 99 {
            return Err(invalid(f("rooms_per_floor"), "每层户数须在 1 至 99 之间"));
        }
        rooms += (b.units.max(1) * b.floors * b.rooms_per_floor) as usize;
    }
    if rooms > MAX_ROOMS {
        return Err(invalid("buildings".into(), format!("一次至多编 {MAX_ROOMS} 户，本次为 {rooms} 户")));
    }
    Ok(rooms)
}

/// The village (or township) division at `at`, with its address prefix.
fn home_at(g: &Gazetteer, at: Coord<f64>) -> Option<(DivisionCode, String)> {
    let mut cur = g.divisions.locate(at);
    while let Some(i) = cur {
        let d = g.divisions.get(i);
        if matches!(d.level, Level::Village | Level::Township) {
            return Some((d.code.clone(), g.divisions.address_prefix(i).to_string()));
        }
        cur = d.parent;
    }
    None
}

impl Service {
    /// Issues every building and room address of `input` in compound
    /// `compound`, or nothing.
    pub fn add_compound_addresses(
        &self,
        actor: &Actor,
        compound: i64,
        input: &CompoundInput,
        g: &Gazetteer,
        plates: &PlateSettings,
    ) -> Result<CompoundOutcome, AddressError> {
        if !matches!(actor.role, Role::Reviewer | Role::Admin) {
            return Err(AddressError::Forbidden(format!(
                "小区地址须由民政部门（reviewer）编制，当前角色为{}",
                actor.role.label()
            )));
        }
        let rooms = validate(input)?;
        let out = self.store.write(|tx| {
            let place = PlaceRow::get(tx, compound)?
                .ok_or_else(|| AddressError::NotFound("小区", compound.to_string()))?;
            if place.class != PlaceClass::Compound {
                return Err(invalid("id".into(), format!("“{}”不是居民区（小区）", place.name)));
            }
            if place.status != PlaceStatus::Current {
                return Err(AddressError::Checks(vec![format!("“{}”已不是现行标准地名", place.name)]));
            }
            let (_, rule) = plates.rule_for(&place.division_code);
            let existing = AddressRow::in_compound(tx, compound)?;
            let buildings: HashMap<&str, &AddressRow> = existing
                .iter()
                .filter(|a| a.kind == AddressKind::Building)
                .filter_map(|a| Some((a.building.as_deref()?, a)))
                .collect();
            let taken: HashSet<(Option<&str>, Option<&str>, Option<&str>)> = existing
                .iter()
                .filter(|a| a.kind == AddressKind::Room)
                .map(|a| (a.building.as_deref(), a.unit.as_deref(), a.room.as_deref()))
                .collect();
            let mut next: HashMap<DivisionCode, u32> = HashMap::new();
            let mut code_in =
                |tx: &rusqlite::Transaction, d: &DivisionCode| -> Result<AddressCode, AddressError> {
                    let serial = match next.get(d) {
                        Some(&s) => s,
                        None => AddressRow::next_code(tx, d)?.map_or(1_000_000, |c| (c.0 % 1_000_000) as u32),
                    };
                    next.insert(d.clone(), serial + 1);
                    AddressCode::new(&format!("{:0<12}", d.as_str()), serial)
                        .ok_or_else(|| AddressError::Conflict(format!("{d} 的地址码已用尽")))
                };
            let mut issued = Vec::with_capacity(rooms + input.buildings.len());
            let mut new_rows = Vec::with_capacity(rooms + input.buildings.len());
            let mut new_buildings = 0;
            for (i, b) in input.buildings.iter().enumerate() {
                let text = rule.building_text(b.number.trim());
                let base = match (buildings.get(text.as_str()), b.lon.zip(b.lat)) {
                    (Some(_), Some(_)) => {
                        return Err(AddressError::Conflict(format!(
                            "{}{text} 已有门牌，不能再编",
                            place.name
                        )));
                    }
                    (None, None) => {
                        return Err(unprocessable(
                            format!("buildings[{i}].number"),
                            format!("{}没有{text}：新楼幢须给出位置（lon、lat）", place.name),
                        ));
                    }
                    (Some(a), None) => (*a).clone(),
                    (None, Some((lon, lat))) => {
                        let at = Point::new(lon, lat);
                        let near = match &place.geom {
                            Some(geo::Geometry::Polygon(p)) => {
                                p.contains(&at)
                                    || p.exterior().points().any(|q| Haversine.distance(q, at) < OUTSIDE_M)
                            }
                            Some(geo::Geometry::MultiPolygon(p)) => p.contains(&at),
                            other => other
                                .as_ref()
                                .and_then(|g| g.centroid())
                                .is_some_and(|c| Haversine.distance(c, at) < 500.0),
                        };
                        if !near {
                            return Err(unprocessable(
                                format!("buildings[{i}].lon"),
                                format!("{text}的位置不在{}范围内", place.name),
                            ));
                        }
                        let (division, prefix) = home_at(g, at.0).ok_or_else(|| {
                            unprocessable(format!("buildings[{i}].lon"), "楼幢位置不在任何村级或乡级区划内")
                        })?;
                        let mut a = AddressRow::new(code_in(tx, &division)?, AddressKind::Building, division);
                        a.place_fid = Some(compound);
                        a.street = place.name.clone();
                        a.building = Some(text.clone());
                        a.standard_address = format!("{prefix}{}{text}", place.name);
                        a.lon = lon;
                        a.lat = lat;
                        a.source = format!("小区编址 {}", actor.name);
                        new_buildings += 1;
                        new_rows.push(a.clone());
                        a
                    }
                };
                let units: Vec<Option<String>> = if b.units == 0 {
                    vec![None]
                } else {
                    (1..=b.units).map(|u| Some(rule.unit_text(&u.to_string()))).collect()
                };
                for unit in &units {
                    for floor in b.first_floor..b.first_floor + b.floors {
                        for r in 1..=b.rooms_per_floor {
                            let room = rule.room_text(floor, r);
                            if taken.contains(&(Some(text.as_str()), unit.as_deref(), Some(room.as_str()))) {
                                return Err(AddressError::Conflict(format!(
                                    "{}{text}{}{room} 已有地址，本次未编任何地址",
                                    place.name,
                                    unit.as_deref().unwrap_or("")
                                )));
                            }
                            let mut a = AddressRow::new(
                                code_in(tx, &base.division_code)?,
                                AddressKind::Room,
                                base.division_code.clone(),
                            );
                            a.place_fid = Some(compound);
                            a.street = place.name.clone();
                            a.building = Some(text.clone());
                            a.unit = unit.clone();
                            a.room = Some(room.clone());
                            a.standard_address =
                                format!("{}{}{room}", base.standard_address, unit.as_deref().unwrap_or(""));
                            a.lon = base.lon;
                            a.lat = base.lat;
                            a.source = format!("小区编址 {}", actor.name);
                            new_rows.push(a);
                        }
                    }
                }
            }
            for a in &new_rows {
                a.insert(tx)?;
                let summary = format!("编制小区地址：{}", a.standard_address);
                log_address(
                    tx,
                    a,
                    "create",
                    serde_json::json!({"compound": compound}),
                    &summary,
                    actor.by(),
                )?;
                issued.push(Issued {
                    address_code: a.code.to_string(),
                    kind: a.kind,
                    standard_address: a.standard_address.clone(),
                });
            }
            Ok::<_, AddressError>(CompoundOutcome {
                compound,
                name: place.name.clone(),
                buildings: new_buildings,
                rooms: new_rows.len() - new_buildings,
                addresses: issued,
            })
        })?;
        self.committed();
        Ok(out)
    }
}
