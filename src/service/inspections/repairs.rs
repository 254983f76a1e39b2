//! Repair tasks set for findings, and their completion.

use super::super::Service;
use super::super::boundaries::{BoundaryError, boundary_officer, invalid, log};
use super::*;

impl Service {
    /// Sets a repair task for a finding that needs one.
    pub fn set_repair(
        &self,
        actor: &Actor,
        round_id: i64,
        input: &RepairInput,
        today: NaiveDate,
    ) -> Result<RepairRow, BoundaryError> {
        boundary_officer(actor)?;
        let task = text("task", &input.task, 200)?;
        if input.due_on < today {
            return Err(invalid("due_on", "期限不能早于今天"));
        }
        let out = self.store.write(|tx| {
            let round = round_in(tx, round_id)?;
            covers_a_side(actor, &round)?;
            let finding = FindingRow::get(tx, input.finding)?
                .filter(|f| f.round_id == round_id)
                .ok_or_else(|| invalid("finding", format!("本轮检查没有检查记录 {}", input.finding)))?;
            if !finding.kind.needs_repair() {
                return Err(invalid("finding", "检查结果为完好，无需维修"));
            }
            let mut repair = RepairRow {
                id: 0,
                finding_id: finding.id,
                task,
                due_on: input.due_on,
                created_by: actor.account.0,
                created_at: Timestamp::now(),
                done_on: None,
                done_note: None,
                done_by: None,
            };
            repair.id = repair.insert(tx)?;
            let summary = format!("维修任务：{}（期限 {}）", repair.task, repair.due_on);
            log(
                tx,
                ("inspection_repair", &repair.id.to_string(), "create"),
                json!({"repair": repair, "round": round_id}),
                &round.sides[0],
                &summary,
                actor.by(),
            )?;
            Ok::<_, BoundaryError>(repair)
        })?;
        self.committed();
        Ok(out)
    }

    /// Records a repair done; a repaired marker of a closed round is
    /// intact again.
    pub fn complete_repair(
        &self,
        actor: &Actor,
        round_id: i64,
        repair_id: i64,
        input: &RepairDone,
        today: NaiveDate,
    ) -> Result<RepairRow, BoundaryError> {
        boundary_officer(actor)?;
        let note = text("note", &input.note, 500)?;
        let day = input.done_on.unwrap_or(today);
        if day > today {
            return Err(invalid("done_on", "完成日期不能晚于今天"));
        }
        let out = self.store.write(|tx| {
            let round = round_in(tx, round_id)?;
            covers_a_side(actor, &round)?;
            let repair = RepairRow::get(tx, repair_id)?
                .ok_or_else(|| BoundaryError::NotFound("维修任务", repair_id.to_string()))?;
            let finding = FindingRow::get(tx, repair.finding_id)?
                .filter(|f| f.round_id == round_id)
                .ok_or_else(|| BoundaryError::NotFound("维修任务", repair_id.to_string()))?;
            if repair.done_on.is_some() {
                return Err(BoundaryError::Conflict(format!("维修任务 {repair_id} 已完成")));
            }
            if day < repair.created_at.as_datetime().date_naive() {
                return Err(invalid("done_on", "完成日期不能早于任务下达的日期"));
            }
            RepairRow::complete(tx, repair_id, day, &note, actor.account.0)?;
            let summary = format!("维修完成：{}", repair.task);
            log(
                tx,
                ("inspection_repair", &repair_id.to_string(), "complete"),
                json!({"done_on": day, "note": note}),
                &round.sides[0],
                &summary,
                actor.by(),
            )?;
            if let (Some(number), RoundState::Closed) = (&finding.marker, round.state) {
                MarkerRow::set_condition(tx, number, MarkerCondition::Intact)?;
                log(
                    tx,
                    ("marker", number, "update"),
                    json!({"condition": "intact", "repair": repair_id}),
                    &round.sides[0],
                    &format!("界桩 {number} 修复"),
                    actor.by(),
                )?;
            }
            Ok::<_, BoundaryError>(RepairRow::get(tx, repair_id)?.expect("just written"))
        })?;
        self.committed();
        Ok(out)
    }
}
