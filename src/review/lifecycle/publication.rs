//! Publication: the approved name written into the gazetteer in the
//! same transaction as the proposal's last step, with a change-log entry
//! for every place and door plate it touches.

use super::{Actor, ReviewError};
use crate::index::Gazetteer;
use crate::model::{DivisionCode, Kind, PlaceClass, PlaceStatus, Proposal};
use crate::review::workflow::Refusal;
use crate::store::{AddressRow, ChangeEntry, PlaceRow, append_change};
use geo::Geometry;
use rusqlite::Transaction;
use serde_json::json;

/// Writes the outcome into the gazetteer: the new standard name; for a
/// rename the old name becomes historical (ending on the approval date,
/// pointing at the new one) and its door plates move to the new name; for
/// a retirement the name is retired. Returns the place created or changed.
pub(super) fn publish(
    tx: &Transaction,
    _g: &Gazetteer,
    actor: &Actor,
    p: &Proposal,
    geom: Option<&Geometry<f64>>,
) -> Result<i64, ReviewError> {
    let approval = p.approval.as_ref().ok_or_else(|| Refusal::Condition("尚无政府批准记录".into()))?;
    let day = crate::review::announcement::chinese_date(approval.date);
    let source = format!("proposal:{}", p.id);
    let entry = |tx: &Transaction, key: i64, action: &str, division: &str, summary: &str, detail| {
        append_change(
            tx,
            &ChangeEntry {
                actor: &actor.name,
                entity: "place",
                entity_key: &key.to_string(),
                action,
                detail,
                division: Some(division),
                summary: Some(summary),
                by: actor.by(),
                ..Default::default()
            },
        )
    };
    let target = match p.place {
        Some(fid) => {
            let row =
                PlaceRow::get(tx, fid)?.ok_or_else(|| Refusal::Condition(format!("地名 {fid} 已不存在")))?;
            if row.status != PlaceStatus::Current {
                return Err(Refusal::Condition(format!("地名 {fid}“{}”已不是现行地名", row.name)).into());
            }
            Some(row)
        }
        None => None,
    };
    if p.kind == Kind::Retire {
        let t = target.ok_or_else(|| Refusal::Condition("未指明销名的地名".into()))?;
        PlaceRow::end(tx, t.fid, PlaceStatus::Retired, approval.date, None)?;
        let summary = format!("“{}”销名", t.name);
        let detail = json!({"name": t.name, "valid_to": approval.date, "proposal": p.id});
        entry(tx, t.fid, "retire", t.division_code.as_str(), &summary, detail)?;
        return Ok(t.fid);
    }
    let verb = if p.kind == Kind::Rename { "更名" } else { "命名" };
    let mut history = target.as_ref().and_then(|t| t.history.clone()).map(|h| h + "；").unwrap_or_default();
    match &target {
        Some(t) => history.push_str(&format!(
            "{day}经{}批准由“{}”更名为“{}”（{}）",
            approval.body, t.name, p.name, approval.document
        )),
        None => history.push_str(&format!("{day}经{}批准{verb}（{}）", approval.body, approval.document)),
    }
    let mut former = target.as_ref().map(|t| t.former_names.clone()).unwrap_or_default();
    if let Some(t) = &target {
        former.push(t.name.clone());
    }
    // Both were checked when the proposal was filed.
    let class = PlaceClass::parse(&p.class)
        .ok_or_else(|| Refusal::Condition(format!("未知地名类别“{}”", p.class)))?;
    let division = DivisionCode::parse(&p.division)
        .map_err(|e| Refusal::Condition(format!("区划代码“{}”：{e}", p.division)))?;
    let row = PlaceRow {
        name: p.name.clone(),
        specific: p.specific.clone(),
        generic: p.generic.clone(),
        pinyin: p.pinyin.clone(),
        meaning: p.meaning.clone(),
        history: Some(history),
        former_names: former,
        approved_by: Some(approval.body.clone()),
        approval_doc: Some(approval.document.clone()),
        approval_date: Some(approval.date),
        valid_from: Some(approval.date),
        source,
        geom: geom.cloned(),
        ..PlaceRow::new(class, division)
    };
    let fid = row.insert(tx)?;
    let summary = format!("命名“{}”", p.name);
    let detail = json!({"name": p.name, "class": p.class, "proposal": p.id});
    entry(tx, fid, "create", &p.division, &summary, detail)?;
    if let Some(t) = target {
        PlaceRow::end(tx, t.fid, PlaceStatus::Historical, approval.date, Some(fid))?;
        let moved = AddressRow::rename_street(tx, t.fid, fid, &t.name, &p.name)?;
        let summary = format!("{}更名为{}", t.name, p.name);
        let detail = json!({"name": t.name, "new_name": p.name, "replaced_by": fid, "valid_to": approval.date, "addresses_moved": moved.len()});
        entry(tx, t.fid, "rename", t.division_code.as_str(), &summary, detail)?;
        for a in &moved {
            let summary = format!("{}更名为{}，地址改为“{}”", t.name, p.name, a.standard_address);
            let code = a.code.to_string();
            append_change(
                tx,
                &ChangeEntry {
                    actor: &actor.name,
                    entity: "address",
                    entity_key: &code,
                    action: "rename",
                    detail: json!({"street": p.name, "place": fid, "proposal": p.id}),
                    code: Some(&code),
                    division: Some(a.division_code.as_str()),
                    summary: Some(&summary),
                    by: actor.by(),
                },
            )?;
        }
    }
    Ok(fid)
}
