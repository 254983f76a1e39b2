//! Marker changes: proposed by one side's `boundary` officer, applied
//! (checked again) when an officer of the other side confirms.

use super::*;

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

/// The side of `line` the actor signs for.
fn side_of(actor: &Actor, line: &BoundaryLineRow, asked: Option<&str>) -> Result<String, BoundaryError> {
    side_for(
        actor,
        [line.left_code.as_str(), line.right_code.as_str()],
        &format!("界线 {}", line.code),
        asked,
    )
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

impl Service {
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
