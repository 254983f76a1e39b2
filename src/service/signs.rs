//! The sign inventory: civil-affairs staff record a sign put up (its name,
//! pinyin and GB 17733 content taken from the place or address it shows),
//! its inspections, repairs and replacement; the public reports a damaged
//! sign from its QR code's page.

use super::Service;
use super::address_applications::AddressError;
use crate::config::PlateSettings;
use crate::index::Gazetteer;
use crate::model::{AddressCode, Level, PlaceStatus, Role, SignKind, SignState, Timestamp, romanize};
use crate::review::lifecycle::Actor;
use crate::store::{AddressRow, ChangeEntry, PlaceRow, PublicReport, SignEvent, SignRow, append_change};
use chrono::NaiveDate;
use geo::Coord;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// A sign put up.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    /// `road_name`, `place_name` or `door_plate`.
    #[schema(value_type = String)]
    pub kind: Option<SignKind>,
    /// The road (road-name sign) or place (place-name sign) it names.
    #[serde(default)]
    pub place: Option<i64>,
    /// The address a door plate shows.
    #[serde(default)]
    pub address_code: Option<String>,
    /// Where it stands (lon, CGCS2000).
    pub lon: f64,
    /// Where it stands (lat, CGCS2000).
    pub lat: f64,
    /// When it was put up (default today).
    #[serde(default)]
    pub installed_on: Option<NaiveDate>,
    /// 铝板反光膜, 搪瓷, 不锈钢 …
    pub material: String,
}

/// An inspection, repair or replacement of a sign.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInspectionInput {
    /// `inspect` (the state found), `repair` (good again) or `replace`
    /// (a new sign in its place).
    pub action: String,
    /// The state found (`inspect`).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub state: Option<SignState>,
    /// The day (default today).
    #[serde(default)]
    pub on: Option<NaiveDate>,
    /// A note.
    #[serde(default)]
    pub note: Option<String>,
    /// The new sign's material (`replace`; default the old one's).
    #[serde(default)]
    pub material: Option<String>,
}

/// A report from the public.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `damaged`, `missing`, `wrong` or `other`.
    pub kind: String,
    /// What is wrong.
    pub message: String,
    /// How to reach the reporter (optional).
    #[serde(default)]
    pub contact: Option<String>,
    /// The sign whose QR code was scanned.
    #[serde(default)]
    pub sign: Option<i64>,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> AddressError {
    AddressError::Invalid { field, reason: reason.into() }
}

fn staff_only(actor: &Actor) -> Result<(), AddressError> {
    if matches!(actor.role, Role::Reviewer | Role::Admin) {
        return Ok(());
    }
    Err(AddressError::Forbidden(format!(
        "地名标志由民政部门（reviewer）管理，当前角色为{}",
        actor.role.label()
    )))
}

fn log_sign(
    tx: &rusqlite::Transaction,
    s: &SignRow,
    action: &str,
    summary: &str,
    by: Option<(i64, i64)>,
) -> Result<(), AddressError> {
    let key = s.id.to_string();
    append_change(
        tx,
        &ChangeEntry {
            actor: "sign",
            entity: "sign",
            entity_key: &key,
            action,
            detail: json!({"kind": s.kind, "name": s.name, "state": s.state}),
            code: s.address_code.as_deref(),
            division: Some(&s.division_code),
            summary: Some(summary),
            by,
        },
    )?;
    Ok(())
}

/// The village (or township) at `at`, else `fallback`.
fn division_at(g: &Gazetteer, at: Coord<f64>) -> Option<String> {
    let mut cur = g.divisions.locate(at);
    while let Some(i) = cur {
        let d = g.divisions.get(i);
        if matches!(d.level, Level::Village | Level::Township) {
            return Some(d.code.to_string());
        }
        cur = d.parent;
    }
    None
}

/// A plain-text field: trimmed, not empty, at most `most` characters.
fn text(field: &'static str, v: &str, most: usize) -> Result<String, AddressError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > most || v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, format!("须填写（至多 {most} 字）")));
    }
    Ok(v.to_string())
}

impl Service {
    /// Records a sign put up.
    pub fn add_sign(
        &self,
        actor: &Actor,
        input: &SignInput,
        g: &Gazetteer,
        plates: &PlateSettings,
    ) -> Result<SignRow, AddressError> {
        staff_only(actor)?;
        let kind = input.kind.ok_or_else(|| invalid("kind", "须为 road_name、place_name 或 door_plate"))?;
        let material = text("material", &input.material, 40)?;
        if !(input.lon.is_finite() && (-180.0..=180.0).contains(&input.lon)) {
            return Err(invalid("lon", "经度须在 -180 与 180 之间"));
        }
        if !(input.lat.is_finite() && (-90.0..=90.0).contains(&input.lat)) {
            return Err(invalid("lat", "纬度须在 -90 与 90 之间"));
        }
        let today = chrono::Local::now().date_naive();
        let installed = input.installed_on.unwrap_or(today);
        if installed > today {
            return Err(invalid("installed_on", "安装日期不能晚于今天"));
        }
        let at = Coord { x: input.lon, y: input.lat };
        let out = self.store.write(|tx| {
            let (name, pinyin, content, place, address, home) = match kind {
                SignKind::DoorPlate => {
                    let code = input
                        .address_code
                        .as_deref()
                        .and_then(AddressCode::parse)
                        .ok_or_else(|| invalid("address_code", "门牌须给出 18 位地址编码"))?;
                    let a = AddressRow::by_code(tx, code)?
                        .filter(|a| a.status == PlaceStatus::Current)
                        .ok_or_else(|| AddressError::Unprocessable {
                            field: "address_code",
                            reason: format!("{code} 不是现行地址"),
                        })?;
                    let label = a.plate_row().label();
                    let pinyin = romanize(&a.street);
                    let content =
                        json!({"address": a.standard_address, "number": label.strip_prefix(&a.street)});
                    (label, pinyin, content, a.place_fid, Some(code.to_string()), a.division_code.to_string())
                }
                SignKind::RoadName | SignKind::PlaceName => {
                    let id = input.place.ok_or_else(|| invalid("place", "路名牌、地名牌须给出地名编号"))?;
                    let p = PlaceRow::get(tx, id)?
                        .ok_or_else(|| AddressError::NotFound("地名", id.to_string()))?;
                    if p.status != PlaceStatus::Current {
                        return Err(AddressError::Unprocessable {
                            field: "place",
                            reason: format!("“{}”已不是现行标准地名", p.name),
                        });
                    }
                    if (kind == SignKind::RoadName) != p.class.is_thoroughfare() {
                        return Err(AddressError::Unprocessable {
                            field: "place",
                            reason: format!(
                                "“{}”是{}，{}",
                                p.name,
                                p.class.label(),
                                if kind == SignKind::RoadName {
                                    "路名牌只用于道路、街、巷"
                                } else {
                                    "道路用路名牌"
                                }
                            ),
                        });
                    }
                    let content = if kind == SignKind::RoadName {
                        crate::plates::signs::road_content(tx, &p, plates)?
                    } else {
                        crate::plates::signs::place_content(p.class.label())
                    };
                    let home = division_at(g, at).unwrap_or_else(|| p.division_code.to_string());
                    (p.name.clone(), p.pinyin.clone(), content, Some(p.fid), None, home)
                }
            };
            let mut s = SignRow {
                id: 0,
                kind,
                name,
                pinyin,
                content,
                place_id: place,
                address_code: address,
                division_code: home,
                lon: input.lon,
                lat: input.lat,
                installed_on: installed.to_string(),
                material: material.clone(),
                state: SignState::Good,
                state_on: installed.to_string(),
                replaces: None,
                source: format!("登记：{}", actor.name),
            };
            s.id = s.insert(tx)?;
            event(tx, s.id, &installed.to_string(), "install", SignState::Good, None, actor.by())?;
            log_sign(tx, &s, "create", &format!("设置{}：{}", kind.label(), s.name), actor.by())?;
            Ok::<_, AddressError>(s)
        })?;
        self.committed();
        Ok(out)
    }

    /// Records an inspection, a repair or a replacement of sign `id`;
    /// returns the sign and, after a replacement, the new one.
    pub fn inspect_sign(
        &self,
        actor: &Actor,
        id: i64,
        input: &SignInspectionInput,
    ) -> Result<(SignRow, Option<SignRow>), AddressError> {
        staff_only(actor)?;
        let today = chrono::Local::now().date_naive();
        let on = input.on.unwrap_or(today);
        if on > today {
            return Err(invalid("on", "日期不能晚于今天"));
        }
        let note = input.note.as_deref().map(|n| text("note", n, 300)).transpose()?;
        let state = match (input.action.as_str(), input.state) {
            ("inspect", Some(SignState::Replaced)) => {
                return Err(invalid("state", "更换请用 action=replace"));
            }
            ("inspect", Some(s)) => s,
            ("inspect", None) => return Err(invalid("state", "检查须给出状态：good、damaged 或 missing")),
            ("repair" | "replace", _) => SignState::Good,
            (other, _) => return Err(invalid("action", format!("“{other}”应为 inspect、repair 或 replace"))),
        };
        let material = input.material.as_deref().map(|m| text("material", m, 40)).transpose()?;
        let on = on.to_string();
        let out = self.store.write(|tx| {
            let s = SignRow::get(tx, id)?.ok_or_else(|| AddressError::NotFound("标志", id.to_string()))?;
            if s.state == SignState::Replaced {
                return Err(AddressError::Conflict(format!("标志 {id} 已更换，请对新标志登记")));
            }
            if on < s.installed_on {
                return Err(invalid("on", format!("早于安装日期 {}", s.installed_on)));
            }
            let by = actor.by();
            if input.action == "replace" {
                SignRow::set_state(tx, id, SignState::Replaced, &on)?;
                event(tx, id, &on, "replace", SignState::Replaced, note.clone(), by)?;
                let mut new = SignRow {
                    id: 0,
                    material: material.clone().unwrap_or_else(|| s.material.clone()),
                    installed_on: on.clone(),
                    state: SignState::Good,
                    state_on: on.clone(),
                    replaces: Some(id),
                    source: format!("更换标志 {id}"),
                    ..s.clone()
                };
                new.id = new.insert(tx)?;
                event(tx, new.id, &on, "install", SignState::Good, None, by)?;
                let old =
                    SignRow::get(tx, id)?.ok_or_else(|| AddressError::NotFound("标志", id.to_string()))?;
                log_sign(tx, &old, "retire", &format!("更换{}：{}", s.kind.label(), s.name), by)?;
                log_sign(tx, &new, "create", &format!("更换{}：{}", s.kind.label(), s.name), by)?;
                return Ok((old, Some(new)));
            }
            SignRow::set_state(tx, id, state, &on)?;
            event(tx, id, &on, &input.action, state, note.clone(), by)?;
            let now = SignRow::get(tx, id)?.ok_or_else(|| AddressError::NotFound("标志", id.to_string()))?;
            let what = if input.action == "repair" { "维修" } else { "检查" };
            log_sign(
                tx,
                &now,
                "update",
                &format!("{what}{}：{}（{}）", s.kind.label(), s.name, state.label()),
                by,
            )?;
            Ok((now, None))
        })?;
        self.committed();
        Ok(out)
    }

    /// Records a report from the public about `target` (`address:{code}`
    /// or `place:{id}`).
    pub fn report_from_public(
        &self,
        target: &str,
        input: &ReportInput,
    ) -> Result<PublicReport, AddressError> {
        if !["damaged", "missing", "wrong", "other"].contains(&input.kind.as_str()) {
            return Err(invalid("kind", "应为 damaged、missing、wrong 或 other"));
        }
        let message = text("message", &input.message, 500)?;
        let contact = input
            .contact
            .as_deref()
            .filter(|c| !c.trim().is_empty())
            .map(|c| text("contact", c, 60))
            .transpose()?;
        let out = self.store.write(|tx| {
            if let Some(sign) = input.sign {
                SignRow::get(tx, sign)?.ok_or_else(|| AddressError::NotFound("标志", sign.to_string()))?;
            }
            let mut r = PublicReport {
                id: 0,
                target: target.to_string(),
                sign_id: input.sign,
                kind: input.kind.clone(),
                message: message.clone(),
                contact: contact.clone(),
                received_at: Timestamp::now(),
            };
            r.id = r.insert(tx)?;
            let key = r.id.to_string();
            append_change(
                tx,
                &ChangeEntry {
                    actor: "public",
                    entity: "public_report",
                    entity_key: &key,
                    action: "create",
                    detail: json!({"target": target, "sign": input.sign, "kind": input.kind}),
                    summary: Some(&format!("公众报告（{}）：{target}", input.kind)),
                    ..Default::default()
                },
            )?;
            Ok::<_, AddressError>(r)
        })?;
        self.committed();
        Ok(out)
    }
}

/// Appends an event to a sign's history.
fn event(
    tx: &rusqlite::Transaction,
    sign: i64,
    on: &str,
    action: &str,
    state: SignState,
    note: Option<String>,
    by: Option<(i64, i64)>,
) -> Result<(), AddressError> {
    SignEvent {
        id: 0,
        sign_id: sign,
        on_date: on.to_string(),
        action: action.to_string(),
        state,
        note,
        by,
        recorded_at: Timestamp::now(),
    }
    .insert(tx)?;
    Ok(())
}
