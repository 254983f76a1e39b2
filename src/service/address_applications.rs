//! Applications for door plates: a department applies for a plate on a
//! road at its building's door; the regulation's checks run (the road's
//! name is a current standard name, the door lies on the road and inside
//! its division, the number is free and follows the division's numbering
//! rule — or the rule gives one); civil-affairs staff (another person)
//! issue the address — a standard address, its 18-digit code and the plate
//! record in one transaction, in the indices and the feed when the call
//! returns — or return the application with reasons.

use super::Service;
use crate::config::PlateSettings;
use crate::geocode::number::parse_door_number;
use crate::index::Gazetteer;
use crate::model::{AddressKind, DivisionCode, Level, PlaceStatus, Role};
use crate::plates::numbering::{Existing, RoadError, number_at, walk_road};
use crate::review::lifecycle::Actor;
use crate::store::{AddressRow, ApplicationRow, ChangeEntry, PlaceRow, StoreError, append_change};
use geo::Coord;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Why an application was refused.
#[derive(Debug, thiserror::Error)]
pub enum AddressError {
    /// No such road or application (404).
    #[error("{0} {1} 不存在")]
    NotFound(&'static str, String),
    /// A field is wrong (400).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why, in Chinese.
        reason: String,
    },
    /// A field cannot be used (422).
    #[error("{field}: {reason}")]
    Unprocessable {
        /// The field.
        field: &'static str,
        /// Why, in Chinese.
        reason: String,
    },
    /// A field named at run time (`buildings[2].lon`) is wrong: 400 or 422.
    #[error("{field}: {reason}")]
    Field {
        /// The field.
        field: String,
        /// Why, in Chinese.
        reason: String,
        /// 400 (malformed) or 422 (cannot be used).
        status: u16,
    },
    /// The caller may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The applicant may not issue their own application (403).
    #[error("{0}")]
    SamePerson(String),
    /// The application is not in a state that allows this (409).
    #[error("{0}")]
    Conflict(String),
    /// A check of the regulation fails (409).
    #[error("{}", .0.join("；"))]
    Checks(Vec<String>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AddressError {
    AddressError::Invalid { field, reason: reason.into() }
}

/// An application as submitted.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    /// The applying department (公安户籍, 不动产登记 …).
    pub department: String,
    /// The road, street or lane (its place id).
    pub road: i64,
    /// The building's door, lon/lat CGCS2000.
    pub lon: f64,
    /// The building's door, lon/lat CGCS2000.
    pub lat: f64,
    /// What the address is for (新建住宅, 商铺 …).
    pub purpose: String,
    /// A number asked for (`90号`, `88-1号`); else the rule gives one.
    #[serde(default)]
    pub number: Option<String>,
    /// The building's footprint, a GeoJSON Polygon (lon/lat CGCS2000);
    /// the door must lie on or within 30 m of it.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub footprint: Option<serde_json::Value>,
}

/// Farthest the door may lie from the building's footprint, metres.
const DOOR_FROM_FOOTPRINT_M: f64 = 30.0;

/// The footprint as a polygon: a GeoJSON Polygon of at most 2,000
/// vertices, closed, valid coordinates.
fn footprint_polygon(v: &serde_json::Value) -> Result<geo::Polygon<f64>, AddressError> {
    let bad = |why: &str| invalid("footprint", why.to_string());
    if v["type"] != "Polygon" {
        return Err(bad("应为 GeoJSON Polygon"));
    }
    let rings: Vec<Vec<Vec<f64>>> =
        serde_json::from_value(v["coordinates"].clone()).map_err(|_| bad("坐标应为经纬度数组的环"))?;
    let outer = rings.first().ok_or_else(|| bad("缺少外环"))?;
    if outer.len() < 4 || outer.len() > 2000 || outer.first() != outer.last() {
        return Err(bad("外环须闭合，4 至 2000 个顶点"));
    }
    let ok =
        |p: &Vec<f64>| p.len() >= 2 && (-180.0..=180.0).contains(&p[0]) && (-90.0..=90.0).contains(&p[1]);
    if !rings.iter().flatten().all(ok) {
        return Err(bad("坐标超出经纬度范围"));
    }
    let ring = |r: &Vec<Vec<f64>>| geo::LineString::from(r.iter().map(|p| (p[0], p[1])).collect::<Vec<_>>());
    Ok(geo::Polygon::new(ring(outer), rings[1..].iter().map(ring).collect()))
}

/// One check of the regulation.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// `standard_name`, `in_division`, `number`, `footprint`.
    pub check: &'static str,
    /// Whether it holds.
    pub ok: bool,
    /// What was found, in Chinese.
    pub detail: String,
}

/// What an application would be issued as.
struct Issue {
    division: DivisionCode,
    prefix: String,
    street: String,
    text: String,
    main: u32,
    sub: Option<u32>,
    number_prefix: Option<String>,
}

fn text_field(field: &'static str, v: &str, most: usize) -> Result<String, AddressError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > most {
        return Err(invalid(field, format!("须填写（至多 {most} 字）")));
    }
    Ok(v.to_string())
}

/// Runs the regulation's checks of `input` against the store and the
/// indices as they are.
fn checks(
    conn: &Connection,
    g: &Gazetteer,
    plates: &PlateSettings,
    input: &ApplicationInput,
) -> Result<(Vec<Check>, Option<Issue>), AddressError> {
    let road = PlaceRow::get(conn, input.road)?
        .ok_or_else(|| AddressError::NotFound("道路", input.road.to_string()))?;
    let at = Coord { x: input.lon, y: input.lat };
    let (_, rule, walk) = walk_road(&road, plates, at).map_err(|e| match e {
        RoadError::NotThoroughfare(reason) => invalid("road", reason),
        RoadError::NoLine(reason) => AddressError::Unprocessable { field: "road", reason },
        RoadError::OffRoad(reason) => AddressError::Unprocessable { field: "lon", reason },
    })?;
    let mut out = Vec::new();
    out.push(Check {
        check: "standard_name",
        ok: road.status == PlaceStatus::Current,
        detail: if road.status == PlaceStatus::Current {
            format!("“{}”为现行标准地名", road.name)
        } else {
            format!("“{}”已不是现行标准地名", road.name)
        },
    });
    // The door's village (or township) must lie inside the road's division.
    let located = g.divisions.locate(at);
    let mut chain = Vec::new();
    let mut cur = located;
    while let Some(i) = cur {
        chain.push(i);
        cur = g.divisions.get(i).parent;
    }
    let inside = chain.iter().any(|&i| g.divisions.get(i).code == road.division_code);
    let home =
        chain.iter().copied().find(|&i| matches!(g.divisions.get(i).level, Level::Village | Level::Township));
    let where_ = located.map_or_else(|| "区划之外".to_string(), |i| g.divisions.chain_names(i));
    out.push(Check {
        check: "in_division",
        ok: inside && home.is_some(),
        detail: if inside && home.is_some() {
            format!("门址位于{where_}，在道路所属区划 {} 内", road.division_code)
        } else {
            format!("门址位于{where_}，不在道路所属区划 {} 内", road.division_code)
        },
    });
    let plates_now: Vec<Existing> =
        AddressRow::plates_on(conn, road.fid)?.into_iter().map(Existing::from_stored).collect();
    let given = number_at(&walk, &rule, &plates_now, at);
    let (text, main, sub, number_prefix, ok, detail) = match input.number.as_deref().map(str::trim) {
        None | Some("") => {
            let prefix = (rule.infill == crate::model::plate_rule::InfillForm::Prefix && given.infill)
                .then(|| given.text.chars().next().map(String::from))
                .flatten();
            (
                given.text.clone(),
                given.main,
                given.sub,
                prefix,
                true,
                format!("按编号规则编为{}：{}", given.text, given.reason),
            )
        }
        Some(asked) => {
            let d = parse_door_number(asked);
            let Some(main) = d.main else {
                return Err(invalid("number", format!("“{asked}”不是门牌号（如 90号、88-1号）")));
            };
            let sub = d.sub;
            let text = match (&d.prefix, sub) {
                (Some(p), _) => format!("{p}{main}号"),
                (None, Some(s)) => format!("{main}-{s}号"),
                (None, None) => format!("{main}号"),
            };
            let taken = plates_now.iter().find(|e| e.main == main && e.sub == sub && d.prefix.is_none());
            let parity_ok = (main % 2 == 1) == (given.parity == "odd");
            let (ok, detail) = match (taken, parity_ok) {
                (Some(e), _) => (false, format!("{} 已有门牌 {}", road.name, e.text)),
                (None, false) => (
                    false,
                    format!(
                        "门址在道路{}，应编{}，{text}不符合编号规则（规则所给为 {}）",
                        given.side,
                        if given.parity == "odd" { "单号" } else { "双号" },
                        given.text
                    ),
                ),
                (None, true) => (true, format!("{text}未被占用，符合{}的单双号规则", given.side)),
            };
            (text, main, sub, d.prefix.clone(), ok, detail)
        }
    };
    out.push(Check { check: "number", ok, detail });
    if let Some(f) = &input.footprint {
        use geo::{Area, Contains, Distance, Euclidean};
        let poly = footprint_polygon(f)?;
        let frame = crate::index::metric::LocalFrame::new(at);
        let local = geo::Polygon::new(
            poly.exterior()
                .coords()
                .map(|c| {
                    let (x, y) = frame.project(*c);
                    geo::Coord { x, y }
                })
                .collect(),
            vec![],
        );
        let door = geo::Point::new(0.0, 0.0);
        let d = if local.contains(&door) { 0.0 } else { Euclidean.distance(&door, local.exterior()) };
        let ok = d <= DOOR_FROM_FOOTPRINT_M;
        out.push(Check {
            check: "footprint",
            ok,
            detail: if ok {
                format!("门址距建筑轮廓 {d:.0} 米，轮廓面积约 {:.0} 平方米", local.unsigned_area())
            } else {
                format!("门址距建筑轮廓 {d:.0} 米，超过 {DOOR_FROM_FOOTPRINT_M:.0} 米")
            },
        });
    }
    let issue = home.map(|i| Issue {
        division: g.divisions.get(i).code.clone(),
        prefix: g.divisions.address_prefix(i).to_string(),
        street: road.name.clone(),
        text,
        main,
        sub,
        number_prefix,
    });
    Ok((out, issue))
}

fn checks_json(c: &[Check]) -> serde_json::Value {
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

fn log(
    tx: &rusqlite::Transaction,
    row: &ApplicationRow,
    action: &str,
    summary: &str,
    by: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    append_change(
        tx,
        &ChangeEntry {
            actor: "address_application",
            entity: "address_application",
            entity_key: &row.id.to_string(),
            action,
            detail: json!({"road": row.road, "department": row.department, "number": row.number, "checks": row.checks}),
            code: None,
            division: None,
            summary: Some(summary),
            by,
        },
    )?;
    Ok(())
}

/// Logs a change of address `a` (`create`, `update`, `retire`) for the
/// indices, the tiles and the feed.
pub(crate) fn log_address(
    tx: &rusqlite::Transaction,
    a: &AddressRow,
    action: &str,
    mut detail: serde_json::Value,
    summary: &str,
    by: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    let key = a.code.to_string();
    if let Some(d) = detail.as_object_mut() {
        d.insert("standard_address".into(), json!(a.standard_address));
        d.insert("status".into(), json!(a.status));
    }
    append_change(
        tx,
        &ChangeEntry {
            actor: "address",
            entity: "address",
            entity_key: &key,
            action,
            detail,
            code: Some(&key),
            division: Some(a.division_code.as_str()),
            summary: Some(summary),
            by,
        },
    )?;
    Ok(())
}

impl Service {
    /// A department applies for a door plate; the checks are recorded with
    /// the application (a failing check is for the issuing officer to
    /// return it with).
    pub fn apply_for_address(
        &self,
        actor: &Actor,
        input: &ApplicationInput,
        g: &Gazetteer,
        plates: &PlateSettings,
    ) -> Result<ApplicationRow, AddressError> {
        if !matches!(actor.role, Role::Applicant | Role::Reviewer | Role::Admin) {
            return Err(AddressError::Forbidden(format!(
                "门牌申请须由申请单位（applicant）提交，当前角色为{}",
                actor.role.label()
            )));
        }
        let department = text_field("department", &input.department, 60)?;
        let purpose = text_field("purpose", &input.purpose, 200)?;
        if !(input.lon.is_finite() && (-180.0..=180.0).contains(&input.lon)) {
            return Err(invalid("lon", "经度须在 -180 与 180 之间"));
        }
        if !(input.lat.is_finite() && (-90.0..=90.0).contains(&input.lat)) {
            return Err(invalid("lat", "纬度须在 -90 与 90 之间"));
        }
        let out = self.store.write(|tx| {
            let (found, issue) = checks(tx, g, plates, input)?;
            let number = issue.as_ref().map(|i| i.text.clone()).or(input.number.clone());
            let mut row = ApplicationRow {
                id: 0,
                department: department.clone(),
                road: input.road,
                lon: input.lon,
                lat: input.lat,
                purpose: purpose.clone(),
                number,
                footprint: input.footprint.clone(),
                checks: checks_json(&found),
                state: "submitted".into(),
                applied_by: (actor.account.0, actor.id.0),
                applied_at: crate::model::Timestamp::now(),
                decided_by: None,
                decided_at: None,
                note: None,
                address_code: None,
            };
            row.id = row.insert(tx)?;
            let summary = format!("{department}申请门牌（{}）", row.number.as_deref().unwrap_or("待编"));
            log(tx, &row, "submit", &summary, actor.by())?;
            Ok::<_, AddressError>(row)
        })?;
        Ok(out)
    }

    /// Civil-affairs staff issue the address (every check run again and
    /// holding) or return the application with reasons.
    pub fn decide_address_application(
        &self,
        actor: &Actor,
        id: i64,
        issue: bool,
        note: Option<&str>,
        g: &Gazetteer,
        plates: &PlateSettings,
    ) -> Result<ApplicationRow, AddressError> {
        if !matches!(actor.role, Role::Reviewer | Role::Admin) {
            return Err(AddressError::Forbidden(format!(
                "门牌须由民政部门（reviewer）核发，当前角色为{}",
                actor.role.label()
            )));
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if !issue && note.is_none() {
            return Err(invalid("note", "退回须说明理由"));
        }
        let out = self.store.write(|tx| {
            let row = ApplicationRow::get(tx, id)?
                .ok_or_else(|| AddressError::NotFound("门牌申请", id.to_string()))?;
            if row.state != "submitted" {
                return Err(AddressError::Conflict(format!(
                    "门牌申请 {id} 已{}",
                    if row.state == "issued" { "核发" } else { "退回" }
                )));
            }
            if row.applied_by.0 == actor.account.0 {
                return Err(AddressError::SamePerson("申请人不能核发或退回自己的申请".into()));
            }
            let input = ApplicationInput {
                department: row.department.clone(),
                road: row.road,
                lon: row.lon,
                lat: row.lat,
                purpose: row.purpose.clone(),
                number: row.number.clone(),
                footprint: row.footprint.clone(),
            };
            let by = (actor.account.0, actor.id.0);
            if !issue {
                ApplicationRow::decide(tx, id, "returned", by, &row.checks, note, None)?;
                let row = ApplicationRow::get(tx, id)?
                    .ok_or_else(|| AddressError::NotFound("门牌申请", id.to_string()))?;
                log(
                    tx,
                    &row,
                    "return",
                    &format!("门牌申请 {id} 退回：{}", note.unwrap_or_default()),
                    actor.by(),
                )?;
                return Ok(row);
            }
            let (found, plan) = checks(tx, g, plates, &input)?;
            let failing: Vec<String> = found.iter().filter(|c| !c.ok).map(|c| c.detail.clone()).collect();
            let Some(plan) = plan.filter(|_| failing.is_empty()) else {
                return Err(AddressError::Checks(failing));
            };
            let code = AddressRow::next_code(tx, &plan.division)?
                .ok_or_else(|| AddressError::Conflict(format!("{} 的地址码已用尽", plan.division)))?;
            let mut a = AddressRow::new(code, AddressKind::RoadPlate, plan.division.clone());
            a.place_fid = Some(row.road);
            a.street = plan.street.clone();
            a.number = Some(plan.text.clone());
            a.number_main = Some(i64::from(plan.main));
            a.number_sub = plan.sub.filter(|_| plan.number_prefix.is_none()).map(i64::from);
            a.number_prefix = plan.number_prefix.clone();
            a.standard_address = format!("{}{}{}", plan.prefix, plan.street, plan.text);
            a.lon = row.lon;
            a.lat = row.lat;
            a.source = format!("门牌申请 {id}");
            a.insert(tx)?;
            let key = code.to_string();
            let detail = json!({"application": id, "department": row.department});
            log_address(tx, &a, "create", detail, &format!("核发门牌：{}", a.standard_address), actor.by())?;
            ApplicationRow::decide(tx, id, "issued", by, &checks_json(&found), note, Some(&key))?;
            let row = ApplicationRow::get(tx, id)?
                .ok_or_else(|| AddressError::NotFound("门牌申请", id.to_string()))?;
            log(tx, &row, "issue", &format!("门牌申请 {id} 核发：{}", a.standard_address), actor.by())?;
            Ok(row)
        })?;
        self.committed();
        Ok(out)
    }
}
