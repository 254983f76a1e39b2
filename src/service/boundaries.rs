//! Boundary lines and markers. Lines are derived from the division
//! polygons and written as records; a marker is added, moved or retired
//! only when both sides have signed: a `boundary` officer of one side
//! proposes, one of the other side confirms, and the change is applied in
//! the confirming transaction with both signatures in the change log.

use super::Service;
use crate::boundaries::derive::{DerivedLine, derive};
use crate::boundaries::numbering::{self, MarkerNumber, Placed, Side, Tolerances, Walk};
use crate::config::BoundarySettings;
use crate::index::Gazetteer;
use crate::model::{Level, MarkerAction, MarkerCondition, MarkerKind, Role, SignOff, Timestamp};
use crate::review::lifecycle::Actor;
use crate::store::{
    BoundaryLineRow, ChangeEntry, DivisionRow, MarkerChangeRow, MarkerRow, Signature, StoreError,
    append_change,
};
use chrono::NaiveDate;
use geo::Coord;
use rusqlite::Transaction;
use serde_json::json;

/// Why a boundary write was refused.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    /// No such line, marker or change (404).
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
    /// The caller may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The record is not in a state that allows it (409).
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> BoundaryError {
    BoundaryError::Invalid { field, reason: reason.into() }
}

/// What a derivation changed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DeriveReport {
    /// Lines new to the store.
    pub added: usize,
    /// Lines whose course, name or sides changed.
    pub changed: usize,
    /// Lines derived no longer (retired, kept as history).
    pub retired: usize,
    /// Lines as they were.
    pub unchanged: usize,
    /// Live lines per level after: province, prefecture, county.
    pub per_level: [usize; 3],
    /// Their total length, kilometres, per level.
    pub km_per_level: [f64; 3],
}

fn level_slot(l: Level) -> usize {
    match l {
        Level::Province => 0,
        Level::Prefecture => 1,
        _ => 2,
    }
}

impl From<&DerivedLine> for BoundaryLineRow {
    fn from(l: &DerivedLine) -> BoundaryLineRow {
        BoundaryLineRow {
            code: l.code.clone(),
            name: l.name.clone(),
            level: l.level,
            left_code: l.left_code.clone(),
            right_code: l.right_code.clone(),
            geom: Some(l.geom.clone()),
            length_m: Some((l.length_m * 10.0).round() / 10.0),
            retired_on: None,
        }
    }
}

/// A proposed change to a line's markers, as a caller sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMarker {
    /// The line's number.
    pub line: String,
    /// `Q` (default), `A`, `B`, `C`, `D` or `E`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The number asked for; when absent the next valid one is given.
    #[serde(default)]
    pub number: Option<String>,
    /// Position, CGCS2000 longitude.
    pub lon: f64,
    /// Position, CGCS2000 latitude.
    pub lat: f64,
    /// Why, in the proposer's words.
    pub reason: String,
    /// The side (division code) the proposer signs for, needed when the
    /// account's scope covers both.
    #[serde(default)]
    pub side: Option<String>,
}

/// A move or retirement of an existing marker, as a caller sends it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkerEdit {
    /// The new position (moves only), CGCS2000 longitude.
    #[serde(default)]
    pub lon: Option<f64>,
    /// The new position (moves only), CGCS2000 latitude.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Why.
    pub reason: String,
    /// The side the proposer signs for, needed when the account's scope
    /// covers both.
    #[serde(default)]
    pub side: Option<String>,
}

/// The other side's answer, or the proposer's withdrawal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The other side agrees: the change is applied.
    Confirm,
    /// The other side refuses.
    Reject,
    /// The proposing side takes it back.
    Withdraw,
}

impl Decision {
    /// Parses the action of `POST /marker-changes/{id}/{action}`.
    pub fn parse(s: &str) -> Option<Decision> {
        match s {
            "confirm" => Some(Decision::Confirm),
            "reject" => Some(Decision::Reject),
            "withdraw" => Some(Decision::Withdraw),
            _ => None,
        }
    }
}

fn tolerances(s: &BoundarySettings) -> Tolerances {
    Tolerances { off_line_m: s.marker_off_line_m, tri_point_m: s.tri_point_m, group_m: s.marker_group_m }
}

pub(super) fn check_point(lon: f64, lat: f64) -> Result<Coord<f64>, BoundaryError> {
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(invalid("lon", "经度须在 -180 与 180 之间"));
    }
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(invalid("lat", "纬度须在 -90 与 90 之间"));
    }
    Ok(Coord { x: lon, y: lat })
}

fn check_reason(reason: &str) -> Result<String, BoundaryError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(invalid("reason", "须说明理由"));
    }
    if r.chars().count() > 500 {
        return Err(invalid("reason", "理由不超过 500 字"));
    }
    Ok(r.to_string())
}

pub(super) fn boundary_officer(actor: &Actor) -> Result<(), BoundaryError> {
    if actor.role != Role::Boundary {
        return Err(BoundaryError::Forbidden(format!(
            "界桩变更须由界线管理人员（boundary）办理，当前角色为{}",
            actor.role.label()
        )));
    }
    Ok(())
}

/// The side of `line` the actor signs for.
fn side_of(actor: &Actor, line: &BoundaryLineRow, asked: Option<&str>) -> Result<String, BoundaryError> {
    side_for(
        actor,
        [line.left_code.as_str(), line.right_code.as_str()],
        &format!("界线 {}", line.code),
        asked,
    )
}

/// The side of `what` (a line, a round) between `sides` that `actor` acts
/// for: the one asked for, which the account's scope must cover, or the
/// only one it covers.
pub(super) fn side_for(
    actor: &Actor,
    sides: [&str; 2],
    what: &str,
    asked: Option<&str>,
) -> Result<String, BoundaryError> {
    if let Some(a) = asked {
        if !sides.contains(&a) {
            return Err(invalid("side", format!("{a} 不是{what}的一方（{}、{}）", sides[0], sides[1])));
        }
        if !actor.covers(a) {
            return Err(BoundaryError::Forbidden(format!("账户的管辖范围不含 {a}，不能代表该方签认")));
        }
        return Ok(a.to_string());
    }
    let covered: Vec<&str> = sides.into_iter().filter(|s| actor.covers(s)).collect();
    match covered.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(BoundaryError::Forbidden(format!(
            "账户的管辖范围不含{what}的任何一方（{}、{}）",
            sides[0], sides[1]
        ))),
        _ => Err(invalid("side", format!("账户管辖{what}双方，请用 side 指明代表哪一方"))),
    }
}

/// Which side of the line a point lies on, by the two divisions' polygons.
fn side_at(g: &Gazetteer, line: &BoundaryLineRow, at: Coord<f64>) -> Side {
    let inside = |code: &str| g.divisions.by_code(code, None).is_some_and(|i| g.divisions.contains(i, at));
    match (inside(line.left_code.as_str()), inside(line.right_code.as_str())) {
        (true, false) => Side::Smaller,
        (false, true) => Side::Larger,
        _ => Side::Unknown,
    }
}

/// The markers of a line as the numbering rules see them: every stored
/// marker (retired ones keep their numbers) and the additions still
/// waiting for a signature, except `skip`.
fn placed(
    tx: &Transaction,
    walk: &Walk,
    line: &str,
    skip_marker: Option<&str>,
    skip_change: Option<i64>,
) -> Result<Vec<Placed>, BoundaryError> {
    let mut out = Vec::new();
    let mut add = |number: &str, at: Coord<f64>| {
        if let Ok(n) = MarkerNumber::parse(number, line) {
            out.push(Placed { number: n, along_m: walk.locate(at).along_m });
        }
    };
    for m in MarkerRow::of_line(tx, line)? {
        if Some(m.number.as_str()) != skip_marker {
            add(&m.number, Coord { x: m.lon, y: m.lat });
        }
    }
    for c in MarkerChangeRow::of_line(tx, line, true)? {
        if c.action == MarkerAction::Add
            && Some(c.id) != skip_change
            && let (Some(x), Some(y)) = (c.lon, c.lat)
        {
            add(&c.number, Coord { x, y });
        }
    }
    Ok(out)
}

fn live_line(tx: &Transaction, code: &str) -> Result<(BoundaryLineRow, Walk), BoundaryError> {
    let line =
        BoundaryLineRow::get(tx, code)?.ok_or_else(|| BoundaryError::NotFound("界线", code.to_string()))?;
    if line.retired_on.is_some() {
        return Err(BoundaryError::Conflict(format!(
            "界线 {code} 已于 {} 停用",
            line.retired_on.unwrap_or_default()
        )));
    }
    let walk = Walk::new(
        line.geom.as_ref().ok_or_else(|| BoundaryError::Conflict(format!("界线 {code} 没有线位")))?,
    );
    Ok((line, walk))
}

/// Logs `(entity, key, action)` with its detail, division and summary.
pub(super) fn log(
    tx: &Transaction,
    (entity, key, action): (&str, &str, &str),
    detail: serde_json::Value,
    division: &str,
    summary: &str,
    by: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    append_change(
        tx,
        &ChangeEntry {
            actor: "boundary",
            entity,
            entity_key: key,
            action,
            detail,
            code: Some(key),
            division: Some(division),
            summary: Some(summary),
            by,
        },
    )?;
    Ok(())
}

impl Service {
    /// Derives every boundary line from the current division polygons and
    /// brings the stored lines to them, one change-log entry per line that
    /// is new, changed or no longer derived (`today` is its retirement day).
    pub fn derive_boundaries(&self, today: NaiveDate) -> Result<DeriveReport, BoundaryError> {
        let rows: Vec<DivisionRow> = self.store.read(|c| {
            let mut all = DivisionRow::load_all(c, true)?;
            all.retain(|r| r.level <= Level::County && r.valid_to.is_none() && r.geom.is_some());
            Ok(all)
        })?;
        let derived = derive(&rows);
        let report = self.store.write(|tx| {
            let mut report = DeriveReport::default();
            // A pair of sides keeps the number it has (its markers carry
            // it); a new pair whose number is taken by another gets a
            // suffix.
            let all = BoundaryLineRow::list(tx, &crate::store::LineFilter { with_retired: true, limit: usize::MAX >> 1, ..Default::default() }, false)?;
            let by_pair: std::collections::HashMap<(String, String), String> = all
                .iter()
                .map(|l| ((l.left_code.as_str().to_string(), l.right_code.as_str().to_string()), l.code.clone()))
                .collect();
            let mut taken: std::collections::HashSet<String> = all.iter().map(|l| l.code.clone()).collect();
            let mut live: std::collections::BTreeMap<&str, &BoundaryLineRow> =
                all.iter().filter(|l| l.retired_on.is_none()).map(|l| (l.code.as_str(), l)).collect();
            for d in &derived {
                let mut row = BoundaryLineRow::from(d);
                let pair = (row.left_code.as_str().to_string(), row.right_code.as_str().to_string());
                let existed = by_pair.contains_key(&pair);
                match by_pair.get(&pair) {
                    Some(code) => row.code = code.clone(),
                    None => {
                        let base = row.code.clone();
                        let mut n = 0;
                        while taken.contains(&row.code) {
                            n += 1;
                            row.code = format!("{base}{n}");
                        }
                        taken.insert(row.code.clone());
                    }
                }
                live.remove(row.code.as_str());
                report.per_level[level_slot(d.level)] += 1;
                report.km_per_level[level_slot(d.level)] += d.length_m / 1000.0;
                if !row.upsert(tx)? {
                    report.unchanged += 1;
                    continue;
                }
                let action = if existed { "update" } else { "create" };
                if existed { report.changed += 1 } else { report.added += 1 }
                let summary = format!("界线 {}（{}）{}", row.name, row.code, if existed { "线位更新" } else { "建档" });
                let detail = json!({"name": row.name, "level": row.level.as_str(), "left": row.left_code.as_str(),
                    "right": row.right_code.as_str(), "length_m": row.length_m});
                log(tx, ("boundary", &row.code, action), detail, row.left_code.as_str(), &summary, None)?;
            }
            for (code, l) in live {
                if BoundaryLineRow::retire(tx, code, today)? {
                    report.retired += 1;
                    let summary = format!("界线 {}（{}）不再是两区划之间的界线，停用", l.name, code);
                    log(tx, ("boundary", code, "retire"), json!({"retired_on": today}), l.left_code.as_str(), &summary, None)?;
                }
            }
            Ok::<_, BoundaryError>(report)
        })?;
        self.committed();
        Ok(report)
    }

    /// Proposes a new marker on a line for the other side to confirm; the
    /// number is checked, or the next valid one given.
    pub fn propose_marker(
        &self,
        actor: &Actor,
        input: &NewMarker,
        g: &Gazetteer,
        settings: &BoundarySettings,
    ) -> Result<MarkerChangeRow, BoundaryError> {
        boundary_officer(actor)?;
        let at = check_point(input.lon, input.lat)?;
        let reason = check_reason(&input.reason)?;
        let kind = match input.kind.as_deref() {
            None => MarkerKind::Q,
            Some(k) => MarkerKind::parse(k).ok_or_else(|| invalid("kind", "类型应为 Q、A、B、C、D 或 E"))?,
        };
        let tol = tolerances(settings);
        let out = self.store.write(|tx| {
            let (line, walk) = live_line(tx, &input.line)?;
            let side = side_of(actor, &line, input.side.as_deref())?;
            let placed = placed(tx, &walk, &line.code, None, None)?;
            let where_ = side_at(g, &line, at);
            let number = match &input.number {
                Some(n) => {
                    let n = MarkerNumber::parse(n, &line.code).map_err(|r| invalid("number", r))?;
                    if n.kind != kind && input.kind.is_some() {
                        return Err(invalid(
                            "number",
                            format!("编号的类型字母 {} 与 kind {} 不符", n.kind.as_str(), kind.as_str()),
                        ));
                    }
                    numbering::check(&walk, &placed, n, at, where_, tol).map_err(|r| invalid("number", r))?;
                    n
                }
                None => numbering::next_number(&walk, &placed, kind, at, where_, tol)
                    .map_err(|r| invalid("lon", r))?,
            };
            let what = (MarkerAction::Add, number.format(&line.code), number.kind);
            propose(tx, &line, actor, side, what, Some(at), reason.clone())
        })?;
        Ok(out)
    }

    /// Proposes moving (`action` Move, with a position) or retiring a
    /// marker, for the other side to confirm.
    pub fn propose_marker_edit(
        &self,
        actor: &Actor,
        number: &str,
        action: MarkerAction,
        input: &MarkerEdit,
        g: &Gazetteer,
        settings: &BoundarySettings,
    ) -> Result<MarkerChangeRow, BoundaryError> {
        boundary_officer(actor)?;
        let reason = check_reason(&input.reason)?;
        let at = match (action, input.lon, input.lat) {
            (MarkerAction::Move, Some(x), Some(y)) => Some(check_point(x, y)?),
            (MarkerAction::Move, _, _) => return Err(invalid("lon", "移位须给出新位置 lon、lat")),
            (_, None, None) => None,
            _ => return Err(invalid("lon", "撤除界桩不需要位置")),
        };
        let tol = tolerances(settings);
        let out = self.store.write(|tx| {
            let marker = MarkerRow::get(tx, number)?
                .ok_or_else(|| BoundaryError::NotFound("界桩", number.to_string()))?;
            if marker.retired_on.is_some() {
                return Err(BoundaryError::Conflict(format!("界桩 {number} 已撤除")));
            }
            let (line, walk) = live_line(tx, &marker.line_code)?;
            if MarkerChangeRow::of_line(tx, &line.code, true)?.iter().any(|c| c.number == marker.number) {
                return Err(BoundaryError::Conflict(format!("界桩 {number} 已有待对方签认的变更")));
            }
            let side = side_of(actor, &line, input.side.as_deref())?;
            if let Some(at) = at {
                let placed = placed(tx, &walk, &line.code, Some(&marker.number), None)?;
                let n = MarkerNumber::parse(&marker.number, &line.code).map_err(|r| invalid("number", r))?;
                numbering::check(&walk, &placed, n, at, side_at(g, &line, at), tol)
                    .map_err(|r| invalid("lon", r))?;
            }
            propose(tx, &line, actor, side, (action, marker.number.clone(), marker.kind), at, reason.clone())
        })?;
        Ok(out)
    }

    /// The other side confirms or rejects a pending change, or the
    /// proposer withdraws it. A confirmation applies the change in the same
    /// transaction, checked again against the line as it is now.
    pub fn decide_marker_change(
        &self,
        actor: &Actor,
        id: i64,
        decision: Decision,
        note: Option<&str>,
        g: &Gazetteer,
        settings: &BoundarySettings,
    ) -> Result<MarkerChangeRow, BoundaryError> {
        boundary_officer(actor)?;
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if decision == Decision::Reject && note.is_none() {
            return Err(invalid("note", "不同意须说明理由"));
        }
        let tol = tolerances(settings);
        let out = self.store.write(|tx| {
            let change = MarkerChangeRow::get(tx, id)?
                .ok_or_else(|| BoundaryError::NotFound("界桩变更", id.to_string()))?;
            if change.state != SignOff::Pending {
                return Err(BoundaryError::Conflict(format!(
                    "界桩变更 {id} 已是{}状态",
                    change.state.as_str()
                )));
            }
            let line = BoundaryLineRow::get(tx, &change.line_code)?
                .ok_or_else(|| BoundaryError::NotFound("界线", change.line_code.clone()))?;
            let other = if change.proposed.side == line.left_code.as_str() {
                &line.right_code
            } else {
                &line.left_code
            };
            let (state, side) = match decision {
                Decision::Withdraw => {
                    if actor.account.0 != change.proposed.account {
                        return Err(BoundaryError::Forbidden("只有提出变更的人可以撤回".into()));
                    }
                    (SignOff::Withdrawn, change.proposed.side.clone())
                }
                Decision::Confirm | Decision::Reject => {
                    if actor.account.0 == change.proposed.account {
                        return Err(BoundaryError::Forbidden(
                            "提出变更的人不能自己签认，须由界线另一方签认".into(),
                        ));
                    }
                    if !actor.covers(other.as_str()) {
                        return Err(BoundaryError::Forbidden(format!(
                            "须由界线另一方（{}）的界线管理人员签认，账户的管辖范围不含该方",
                            other.as_str()
                        )));
                    }
                    let state =
                        if decision == Decision::Confirm { SignOff::Confirmed } else { SignOff::Rejected };
                    (state, other.as_str().to_string())
                }
            };
            let by = Signature { account: actor.account.0, token: actor.id.0, side, at: Timestamp::now() };
            MarkerChangeRow::decide(tx, id, state, &by, note)?;
            let mut decided = change.clone();
            decided.state = state;
            decided.decided = Some(by.clone());
            decided.note = note.map(str::to_string);
            let summary = format!(
                "界桩 {} {}：{}",
                change.number,
                change.action.label(),
                match state {
                    SignOff::Confirmed => "双方签认",
                    SignOff::Rejected => "对方不同意",
                    _ => "提出方撤回",
                }
            );
            log(
                tx,
                ("marker_change", &id.to_string(), state.as_str()),
                json!({"change": decided}),
                line.left_code.as_str(),
                &summary,
                actor.by(),
            )?;
            if state == SignOff::Confirmed {
                apply(tx, &decided, &line, g, tol)?;
            }
            Ok::<_, BoundaryError>(decided)
        })?;
        self.committed();
        Ok(out)
    }
}

/// Stores the change `(action, number, kind)` to a marker of `line`,
/// proposed by `actor` for `side`, pending the other side; logs it.
fn propose(
    tx: &Transaction,
    line: &BoundaryLineRow,
    actor: &Actor,
    side: String,
    (action, number, kind): (MarkerAction, String, MarkerKind),
    at: Option<Coord<f64>>,
    reason: String,
) -> Result<MarkerChangeRow, BoundaryError> {
    let mut row = MarkerChangeRow {
        id: 0,
        line_code: line.code.clone(),
        action,
        number,
        kind,
        lon: at.map(|c| c.x),
        lat: at.map(|c| c.y),
        reason,
        state: SignOff::Pending,
        proposed: Signature { account: actor.account.0, token: actor.id.0, side, at: Timestamp::now() },
        decided: None,
        note: None,
    };
    row.id = row.insert(tx)?;
    let summary =
        format!("界桩 {} {}：{} 一方提出，待对方签认", row.number, row.action.label(), row.proposed.side);
    log(
        tx,
        ("marker_change", &row.id.to_string(), "propose"),
        json!({"change": row}),
        line.left_code.as_str(),
        &summary,
        Some((row.proposed.account, row.proposed.token)),
    )?;
    Ok(row)
}

/// Applies a confirmed change to the markers, checked again against the
/// line as it is now; the marker's log entry carries both signatures.
fn apply(
    tx: &Transaction,
    c: &MarkerChangeRow,
    line: &BoundaryLineRow,
    g: &Gazetteer,
    tol: Tolerances,
) -> Result<(), BoundaryError> {
    let today = c
        .decided
        .as_ref()
        .map_or_else(|| Timestamp::now().as_datetime().date_naive(), |d| d.at.as_datetime().date_naive());
    let walk = Walk::new(
        line.geom.as_ref().ok_or_else(|| BoundaryError::Conflict(format!("界线 {} 没有线位", line.code)))?,
    );
    let at = c.lon.zip(c.lat).map(|(x, y)| Coord { x, y });
    if let Some(at) = at {
        let skip = (c.action == MarkerAction::Move).then_some(c.number.as_str());
        let placed = placed(tx, &walk, &line.code, skip, Some(c.id))?;
        let n = MarkerNumber::parse(&c.number, &line.code).map_err(|r| invalid("number", r))?;
        numbering::check(&walk, &placed, n, at, side_at(g, line, at), tol)
            .map_err(|r| BoundaryError::Conflict(format!("界线已变化，此变更不再符合编号规则：{r}")))?;
    }
    let signatures =
        json!({"change": c.id, "reason": c.reason, "proposed_by": c.proposed, "confirmed_by": c.decided});
    let (action, summary) = match (c.action, at) {
        (MarkerAction::Add, Some(at)) => {
            MarkerRow {
                number: c.number.clone(),
                line_code: line.code.clone(),
                kind: c.kind,
                condition: MarkerCondition::Intact,
                installed_on: Some(today),
                lon: at.x,
                lat: at.y,
                retired_on: None,
                inspected_on: None,
            }
            .insert(tx)?;
            ("create", format!("界线 {} 增设界桩 {}（双方签认）", line.name, c.number))
        }
        (MarkerAction::Move, Some(at)) => {
            MarkerRow::move_to(tx, &c.number, at.x, at.y)?;
            ("move", format!("界桩 {} 移位（双方签认）", c.number))
        }
        (MarkerAction::Retire, _) => {
            MarkerRow::retire(tx, &c.number, today)?;
            ("retire", format!("界桩 {} 撤除（双方签认）", c.number))
        }
        _ => return Err(BoundaryError::Conflict(format!("界桩变更 {} 缺少位置", c.id))),
    };
    let mut detail = signatures;
    if let Some(at) = at {
        detail["lon"] = json!(at.x);
        detail["lat"] = json!(at.y);
    }
    log(
        tx,
        ("marker", &c.number, action),
        detail,
        line.left_code.as_str(),
        &summary,
        c.decided.as_ref().map(|d| (d.account, d.token)),
    )?;
    Ok(())
}
