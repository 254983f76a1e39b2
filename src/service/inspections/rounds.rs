//! Opening a round, and the two signatures that close it.

use super::super::Service;
use super::super::boundaries::{BoundaryError, boundary_officer, invalid, log, side_for};
use super::*;

impl Service {
    /// Opens a joint inspection round.
    pub fn open_round(
        &self,
        actor: &Actor,
        input: &RoundInput,
        today: NaiveDate,
    ) -> Result<RoundRow, BoundaryError> {
        boundary_officer(actor)?;
        if !(1949..=today.year() + 1).contains(&input.year) {
            return Err(invalid("year", format!("年份须在 1949 与 {} 之间", today.year() + 1)));
        }
        if input.lines.is_empty() || input.lines.len() > MAX_ROUND_LINES {
            return Err(invalid("lines", format!("须列出 1 至 {MAX_ROUND_LINES} 条界线")));
        }
        let unique: BTreeSet<&String> = input.lines.iter().collect();
        if unique.len() != input.lines.len() {
            return Err(invalid("lines", "界线重复"));
        }
        let out = self.store.write(|tx| {
            let mut pair: Option<[String; 2]> = None;
            let mut names = Vec::new();
            for code in &input.lines {
                let line = BoundaryLineRow::get(tx, code)?
                    .filter(|l| l.retired_on.is_none())
                    .ok_or_else(|| invalid("lines", format!("界线 {code} 不存在或已撤销")))?;
                let sides = [line.left_code.to_string(), line.right_code.to_string()];
                match &pair {
                    None => pair = Some(sides),
                    Some(p) if *p == sides => {}
                    Some(p) => {
                        return Err(invalid(
                            "lines",
                            format!(
                                "一轮检查的界线须在同样的双方之间：{code} 在 {}、{} 之间，而非 {}、{}",
                                sides[0], sides[1], p[0], p[1]
                            ),
                        ));
                    }
                }
                names.push(line.name);
            }
            let sides = pair.expect("at least one line");
            let mine = sides.iter().find(|s| actor.covers(s)).cloned().ok_or_else(|| {
                BoundaryError::Forbidden(format!(
                    "账户的管辖范围不含本轮检查的任何一方（{}、{}）",
                    sides[0], sides[1]
                ))
            })?;
            let keys: BTreeSet<&str> = input.teams.keys().map(String::as_str).collect();
            if keys != BTreeSet::from([sides[0].as_str(), sides[1].as_str()]) {
                return Err(invalid("teams", format!("须列出双方（{}、{}）的检查人员", sides[0], sides[1])));
            }
            let mut teams: [Vec<String>; 2] = Default::default();
            for (slot, side) in sides.iter().enumerate() {
                let team = &input.teams[side];
                if team.is_empty() || team.len() > MAX_TEAM {
                    return Err(invalid("teams", format!("{side} 的检查人员须有 1 至 {MAX_TEAM} 人")));
                }
                teams[slot] = team.iter().map(|n| text("teams", n, 40)).collect::<Result<_, _>>()?;
            }
            names.dedup();
            let title = match &input.title {
                Some(t) => text("title", t, 100)?,
                None => format!(
                    "{}年{}联合检查",
                    input.year,
                    names.iter().take(3).cloned().collect::<Vec<_>>().join("、")
                ),
            };
            let mut round = RoundRow {
                id: 0,
                year: input.year,
                title,
                sides,
                teams,
                lines: input.lines.clone(),
                state: RoundState::Open,
                created: signature(actor, mine),
                signatures: [None, None],
                closed_on: None,
            };
            round.id = round.insert(tx)?;
            let summary = format!("开始{}", round.title);
            log(
                tx,
                ("inspection_round", &round.id.to_string(), "create"),
                json!({"round": round}),
                &round.sides[0],
                &summary,
                actor.by(),
            )?;
            Ok::<_, BoundaryError>(round)
        })?;
        self.committed();
        Ok(out)
    }

    /// Signs the round for the caller's side; the second side's signature
    /// (another person) closes it and records every marker's state.
    pub fn sign_round(
        &self,
        actor: &Actor,
        round_id: i64,
        side: Option<&str>,
        today: NaiveDate,
    ) -> Result<RoundRow, BoundaryError> {
        boundary_officer(actor)?;
        let out = self.store.write(|tx| {
            let view = RoundView::read(tx, round_id)?;
            let round = &view.round;
            if round.state == RoundState::Closed {
                return Err(BoundaryError::Conflict(format!("检查轮次 {round_id} 已由双方签认")));
            }
            let side = side_for(actor, sides(round), "本轮检查", side)?;
            let slot = usize::from(side == round.sides[1]);
            if round.signatures[slot].is_some() {
                return Err(BoundaryError::Conflict(format!("{side} 一方已签认本轮检查")));
            }
            if let Some(other) = &round.signatures[1 - slot]
                && other.account == actor.account.0
            {
                return Err(BoundaryError::Forbidden(
                    "双方签认须由不同的人办理：本账户已代表另一方签认".into(),
                ));
            }
            let unchecked = view.unchecked();
            if !unchecked.is_empty() {
                let shown: Vec<&str> = unchecked.iter().take(10).copied().collect();
                return Err(BoundaryError::Conflict(format!(
                    "还有 {} 个界桩没有检查记录：{}{}",
                    unchecked.len(),
                    shown.join("、"),
                    if unchecked.len() > shown.len() { "……" } else { "" }
                )));
            }
            let closing = round.signatures[1 - slot].is_some();
            let by = signature(actor, side.clone());
            RoundRow::sign(
                tx,
                round_id,
                slot,
                &by,
                if closing { RoundState::Closed } else { RoundState::Signing },
            )?;
            let summary = format!("{} 一方签认{}", side, round.title);
            log(
                tx,
                ("inspection_round", &round_id.to_string(), "sign"),
                json!({"signature": by}),
                &side,
                &summary,
                actor.by(),
            )?;
            if closing {
                RoundRow::close(tx, round_id, today)?;
                close(tx, &view, today, actor)?;
            }
            Ok::<_, BoundaryError>(RoundRow::get(tx, round_id)?.expect("just written"))
        })?;
        self.committed();
        Ok(out)
    }
}

/// Records every marker's state as the round found it (the last finding
/// for each; a repair already done leaves it intact) and logs the close
/// with both signatures.
fn close(tx: &Transaction, view: &RoundView, today: NaiveDate, actor: &Actor) -> Result<(), BoundaryError> {
    let repaired: BTreeSet<i64> =
        view.repairs.iter().filter(|r| r.done_on.is_some()).map(|r| r.finding_id).collect();
    let mut last: BTreeMap<&str, &FindingRow> = BTreeMap::new();
    for f in &view.findings {
        if let Some(m) = &f.marker {
            last.insert(m, f);
        }
    }
    let side = view.round.sides[0].as_str();
    for (number, f) in &last {
        let condition = if repaired.contains(&f.id) {
            MarkerCondition::Intact
        } else {
            f.kind.marker_condition().unwrap_or(MarkerCondition::Intact)
        };
        MarkerRow::inspected(tx, number, condition, today)?;
        let summary = format!("界桩 {number} 联合检查：{}", f.kind.label());
        log(
            tx,
            ("marker", number, "inspect"),
            json!({"round": view.round.id, "finding": f.id, "condition": condition, "inspected_on": today}),
            side,
            &summary,
            actor.by(),
        )?;
    }
    let signed = RoundRow::get(tx, view.round.id)?.map(|r| r.signatures);
    let summary = format!("{}：双方签认，检查结束", view.round.title);
    log(
        tx,
        ("inspection_round", &view.round.id.to_string(), "close"),
        json!({"signatures": signed, "markers": last.len(), "closed_on": today}),
        side,
        &summary,
        actor.by(),
    )?;
    Ok(())
}
