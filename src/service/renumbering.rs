//! Renumbering a road and retiring addresses, with history: a renumbered
//! plate gets a new address and code, and the old one stays as
//! `historical`, superseded by the new one since the day of the change (its
//! code resolves, the geocoder still finds its number, departments' links
//! follow it); a retired address stays as `retired`, with its successor if
//! one replaces it.

use super::Service;
use super::address_applications::{AddressError, log_address};
use crate::config::PlateSettings;
use crate::geocode::number::parse_door_number;
use crate::model::{AddressCode, AddressKind, PlaceStatus, Role};
use crate::plates::numbering::{Existing, RoadError, number_at, walk_road};
use crate::review::lifecycle::Actor;
use crate::store::{AddressRow, PlaceRow};
use geo::Coord;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// Most plates one renumbering names.
const MAX_NUMBERS: usize = 2_000;

/// One plate's new number.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NumberChange {
    /// The number now (`88号`).
    pub from: String,
    /// The new number (`90号`).
    pub to: String,
}

/// A renumbering of a road: numbers given, or every plate numbered again
/// by the division's rule from where it stands.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenumberInput {
    /// Why (the decision that orders it).
    pub reason: String,
    /// The plates to renumber.
    #[serde(default)]
    pub numbers: Vec<NumberChange>,
    /// Number every plate of the road again by the rule instead.
    #[serde(default)]
    pub by_rule: bool,
}

/// A plate renumbered.
#[derive(Debug, Clone, Serialize)]
pub struct Renumbered {
    /// The old code (now historical).
    pub old_code: String,
    /// The old number.
    pub old_number: String,
    /// The new code.
    pub new_code: String,
    /// The new number.
    pub new_number: String,
    /// The new standard address.
    pub standard_address: String,
}

/// What a renumbering did.
#[derive(Debug, Clone, Serialize)]
pub struct RenumberOutcome {
    /// The road (place id).
    pub road: i64,
    /// Its name.
    pub name: String,
    /// Since when.
    pub since: String,
    /// The plates renumbered.
    pub renumbered: Vec<Renumbered>,
    /// Plates whose number stays.
    pub unchanged: usize,
}

/// Retiring an address.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetireInput {
    /// Why (demolished, merged …).
    pub reason: String,
    /// The current address that replaces it, if one does.
    #[serde(default)]
    pub superseded_by: Option<String>,
}

fn field(field: String, reason: impl Into<String>, status: u16) -> AddressError {
    AddressError::Field { field, reason: reason.into(), status }
}

fn reason_of(r: &str) -> Result<String, AddressError> {
    let r = r.trim();
    if r.is_empty() || r.chars().count() > 300 {
        return Err(field("reason".into(), "须说明理由（至多 300 字）", 400));
    }
    Ok(r.to_string())
}

fn staff_only(actor: &Actor) -> Result<(), AddressError> {
    if matches!(actor.role, Role::Reviewer | Role::Admin) {
        return Ok(());
    }
    Err(AddressError::Forbidden(format!(
        "门牌变更须由民政部门（reviewer）办理，当前角色为{}",
        actor.role.label()
    )))
}

/// A plate number: its text, main number, sub-number and prefix (甲).
type PlateNumber = (String, i64, Option<i64>, Option<String>);

/// A plate's number as written, with its parts; `None` if it is none.
fn plate_number(text: &str) -> Option<PlateNumber> {
    let d = parse_door_number(text.trim());
    let main = d.main?;
    if d.building.is_some() || d.unit.is_some() || d.room.is_some() || !d.rest.is_empty() {
        return None;
    }
    Some(match (&d.prefix, d.sub) {
        (Some(p), _) => (format!("{p}{main}号"), i64::from(main), None, Some(p.clone())),
        (None, Some(s)) => (format!("{main}-{s}号"), i64::from(main), Some(i64::from(s)), None),
        (None, None) => (format!("{main}号"), i64::from(main), None, None),
    })
}

/// Writes the new plate for `old` numbered `number`, ends `old` as
/// superseded by it, logs both.
fn replace(
    tx: &rusqlite::Transaction,
    old: &AddressRow,
    number: PlateNumber,
    since: &str,
    reason: &str,
    by: Option<(i64, i64)>,
) -> Result<Renumbered, AddressError> {
    let code = AddressRow::next_code(tx, &old.division_code)?
        .ok_or_else(|| AddressError::Conflict(format!("{} 的地址码已用尽", old.division_code)))?;
    let old_number = old.number.clone().unwrap_or_default();
    let head = old.standard_address.strip_suffix(old_number.as_str()).unwrap_or(&old.standard_address);
    let mut a = old.clone();
    a.code = code;
    a.standard_address = format!("{head}{}", number.0);
    (a.number, a.number_main, a.number_sub, a.number_prefix) =
        (Some(number.0), Some(number.1), number.2, number.3);
    a.source = format!("门牌变更：{reason}");
    (a.superseded_by, a.superseded_on, a.history_note) = (None, None, None);
    a.insert(tx)?;
    AddressRow::supersede(tx, old.code, Some(code), since, reason)?;
    let mut ended = old.clone();
    ended.status = PlaceStatus::Historical;
    let summary = format!("门牌变更：{} → {}", old.standard_address, a.standard_address);
    log_address(
        tx,
        &ended,
        "retire",
        json!({"superseded_by": code, "since": since, "reason": reason}),
        &summary,
        by,
    )?;
    log_address(tx, &a, "create", json!({"replaces": old.code, "since": since}), &summary, by)?;
    Ok(Renumbered {
        old_code: old.code.to_string(),
        old_number,
        new_code: code.to_string(),
        new_number: a.number.clone().unwrap_or_default(),
        standard_address: a.standard_address,
    })
}

impl Service {
    /// Renumbers plates of road `road`: the numbers given, or every plate
    /// by the rule. All or nothing.
    pub fn renumber_road(
        &self,
        actor: &Actor,
        road: i64,
        input: &RenumberInput,
        plates: &PlateSettings,
    ) -> Result<RenumberOutcome, AddressError> {
        staff_only(actor)?;
        let reason = reason_of(&input.reason)?;
        if input.numbers.is_empty() != input.by_rule {
            return Err(field(
                "numbers".into(),
                "须给出要变更的门牌号（numbers），或按规则重编（by_rule），二者取一",
                400,
            ));
        }
        if input.numbers.len() > MAX_NUMBERS {
            return Err(field("numbers".into(), format!("一次至多变更 {MAX_NUMBERS} 块门牌"), 400));
        }
        let since = chrono::Local::now().date_naive().to_string();
        let out = self.store.write(|tx| {
            let place =
                PlaceRow::get(tx, road)?.ok_or_else(|| AddressError::NotFound("道路", road.to_string()))?;
            if !place.class.is_thoroughfare() {
                return Err(field("id".into(), format!("“{}”不是道路、街或巷", place.name), 400));
            }
            let current: Vec<AddressRow> = AddressRow::current_on(tx, road)?
                .into_iter()
                .filter(|a| a.kind == AddressKind::RoadPlate && a.number.is_some())
                .collect();
            let by_text: HashMap<&str, &AddressRow> =
                current.iter().filter_map(|a| Some((a.number.as_deref()?, a))).collect();
            // (plate, new number) for every plate whose number changes.
            let mut plan: Vec<(&AddressRow, PlateNumber)> = Vec::new();
            if input.by_rule {
                let Some(first) = current.first() else {
                    return Err(field("id".into(), format!("{}没有门牌", place.name), 422));
                };
                let (_, rule, walk) = walk_road(&place, plates, Coord { x: first.lon, y: first.lat })
                    .map_err(|e| match e {
                        RoadError::NotThoroughfare(r) | RoadError::NoLine(r) | RoadError::OffRoad(r) => {
                            field("id".into(), r, 422)
                        }
                    })?;
                let mut order: Vec<(f64, &AddressRow)> =
                    current.iter().map(|a| (walk.locate(Coord { x: a.lon, y: a.lat }).along_m, a)).collect();
                order.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.code.cmp(&y.1.code)));
                let mut placed: Vec<Existing> = Vec::with_capacity(order.len());
                for (_, a) in order {
                    let at = Coord { x: a.lon, y: a.lat };
                    let n = number_at(&walk, &rule, &placed, at);
                    let prefix = (rule.infill == crate::model::plate_rule::InfillForm::Prefix && n.infill)
                        .then(|| n.text.chars().next().map(String::from))
                        .flatten();
                    let sub = n.sub.filter(|_| prefix.is_none()).map(i64::from);
                    placed.push(Existing { text: n.text.clone(), main: n.main, sub: n.sub, at });
                    if a.number.as_deref() != Some(n.text.as_str()) {
                        plan.push((a, (n.text, i64::from(n.main), sub, prefix)));
                    }
                }
            } else {
                for (i, c) in input.numbers.iter().enumerate() {
                    let old = by_text.get(c.from.trim()).ok_or_else(|| {
                        field(
                            format!("numbers[{i}].from"),
                            format!("{}没有现行门牌“{}”", place.name, c.from),
                            422,
                        )
                    })?;
                    let new = plate_number(&c.to).ok_or_else(|| {
                        field(
                            format!("numbers[{i}].to"),
                            format!("“{}”不是门牌号（如 90号、88-1号）", c.to),
                            400,
                        )
                    })?;
                    if plan.iter().any(|(a, _)| a.code == old.code) {
                        return Err(field(
                            format!("numbers[{i}].from"),
                            format!("“{}”列了两次", c.from),
                            400,
                        ));
                    }
                    plan.push((old, new));
                }
            }
            // The numbers after the change must be distinct.
            let moving: HashSet<AddressCode> = plan.iter().map(|(a, _)| a.code).collect();
            let mut after: HashSet<String> = current
                .iter()
                .filter(|a| !moving.contains(&a.code))
                .filter_map(|a| a.number.clone())
                .collect();
            for (i, (_, n)) in plan.iter().enumerate() {
                if !after.insert(n.0.clone()) {
                    return Err(AddressError::Conflict(format!(
                        "{}{} 在变更后重复（第 {} 项），未作任何变更",
                        place.name,
                        n.0,
                        i + 1
                    )));
                }
            }
            let mut renumbered = Vec::with_capacity(plan.len());
            for (old, n) in &plan {
                renumbered.push(replace(tx, old, n.clone(), &since, &reason, actor.by())?);
            }
            Ok::<_, AddressError>(RenumberOutcome {
                road,
                name: place.name.clone(),
                since: since.clone(),
                unchanged: current.len() - renumbered.len(),
                renumbered,
            })
        })?;
        self.committed();
        Ok(out)
    }

    /// Retires a current address, with the address that replaces it if one
    /// does.
    pub fn retire_address(
        &self,
        actor: &Actor,
        code: AddressCode,
        input: &RetireInput,
    ) -> Result<AddressRow, AddressError> {
        staff_only(actor)?;
        let reason = reason_of(&input.reason)?;
        let successor = match input.superseded_by.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                AddressCode::parse(s)
                    .ok_or_else(|| field("superseded_by".into(), "地址编码应为 18 位数字", 400))?,
            ),
        };
        if successor == Some(code) {
            return Err(field("superseded_by".into(), "地址不能由自己取代", 400));
        }
        let since = chrono::Local::now().date_naive().to_string();
        let out = self.store.write(|tx| {
            let a = AddressRow::by_code(tx, code)?
                .ok_or_else(|| AddressError::NotFound("地址", code.to_string()))?;
            if a.status != PlaceStatus::Current {
                return Err(AddressError::Conflict(format!("地址 {code} 已不是现行地址")));
            }
            if let Some(s) = successor {
                let ok = AddressRow::by_code(tx, s)?.is_some_and(|b| b.status == PlaceStatus::Current);
                if !ok {
                    return Err(field("superseded_by".into(), format!("{s} 不是现行地址"), 422));
                }
            }
            AddressRow::supersede(tx, code, successor, &since, &reason)?;
            let ended = AddressRow::by_code(tx, code)?
                .ok_or_else(|| AddressError::NotFound("地址", code.to_string()))?;
            let summary = format!("地址注销：{}（{reason}）", a.standard_address);
            let detail = json!({"superseded_by": successor, "since": since, "reason": reason});
            log_address(tx, &ended, "retire", detail, &summary, actor.by())?;
            Ok::<_, AddressError>(ended)
        })?;
        self.committed();
        Ok(out)
    }
}
