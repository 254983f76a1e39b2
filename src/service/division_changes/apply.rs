//! Applying a planned division change in one transaction: versions end and
//! start, the divisions below follow (re-coded under a re-coded parent),
//! addresses and places follow their divisions, boundary lines follow
//! their sides, and every record changed is logged.

use super::records::{log_place, move_places, recode_addresses, rename_in_addresses};
use super::*;
use crate::model::DivisionClass;
use crate::store::{AliasRow, BoundaryLineRow, ChangeRow, PlaceRow};
use geo::{Contains, InteriorPoint, Point};
use std::collections::{BTreeMap, HashSet};

/// What applying a change did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Applied {
    /// Division versions ended.
    pub versions_ended: usize,
    /// Division versions started (the new ones and the re-coded ones below).
    pub versions_started: usize,
    /// Divisions below that took a new code with their parent: old → new.
    pub recoded: BTreeMap<String, String>,
    /// Addresses that took a new code (the old one kept as an alias).
    pub addresses_recoded: usize,
    /// Addresses whose standard form changed (a new division name).
    pub addresses_renamed: usize,
    /// Places now in another division.
    pub places_moved: usize,
    /// Boundary lines new, changed or retired.
    pub lines_changed: usize,
}

impl Applied {
    /// As JSON, for the request's record.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// One division version that ends and the version of it that starts.
struct Recode {
    old: DivisionRow,
    new: DivisionRow,
}

fn log_division(
    tx: &Transaction,
    row: &DivisionRow,
    action: &str,
    detail: Value,
    summary: &str,
    by: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    let parent = row.parent_code.as_ref().map(|p| p.as_str().to_string());
    append_change(
        tx,
        &ChangeEntry {
            actor: "division_change",
            entity: "division",
            entity_key: row.code.as_str(),
            action,
            detail,
            code: Some(row.code.as_str()),
            division: Some(parent.as_deref().unwrap_or(row.code.as_str())),
            summary: Some(summary),
            by,
        },
    )?;
    Ok(())
}

/// A representative point of a division: inside its polygon, else its seat.
fn point_of(row: &DivisionRow) -> Option<Point<f64>> {
    row.geom.as_ref().and_then(|g| g.interior_point()).or(row.seat.map(|(x, y)| Point::new(x, y)))
}

/// The starts that may take land of `code`: those made from it, or, in a
/// boundary adjustment, every division adjusted.
fn takers<'p>(plan: &'p Plan, code: &DivisionCode) -> Vec<&'p Start> {
    if plan.kind == ChangeKind::AdjustBoundary {
        return plan.starts.iter().collect();
    }
    plan.starts.iter().filter(|s| s.from.contains(code)).collect()
}

/// The start a record of `parent` at `at` goes to: the only start taking
/// its parent's land, else the one its point falls in, else the one that
/// keeps the parent's code, else the first taking its land.
fn target_of<'p>(plan: &'p Plan, parent: &DivisionCode, at: Option<Point<f64>>) -> Option<&'p Start> {
    let takers = takers(plan, parent);
    if takers.len() == 1 {
        return takers.first().copied();
    }
    at.and_then(|p| takers.iter().find(|s| s.row.geom.as_ref().is_some_and(|g| g.contains(&p))).copied())
        .or_else(|| takers.iter().find(|s| &s.row.code == parent).copied())
        .or_else(|| takers.first().copied())
}

/// A code for a child of `parent` (re-coded, so under a new prefix): its
/// old suffix if free, else the next free code of its class.
fn child_code(
    child: &DivisionCode,
    old_parent: &DivisionCode,
    parent: &DivisionCode,
    taken: &mut HashSet<DivisionCode>,
) -> Result<DivisionCode, DivisionChangeError> {
    let suffix = &child.as_str()[old_parent.prefix().len()..];
    let same =
        DivisionCode::parse(&format!("{}{suffix}", parent.prefix())).ok().filter(|c| !taken.contains(c));
    let code = match same {
        Some(c) => c,
        None => {
            let all: Vec<DivisionCode> = taken.iter().cloned().collect();
            match DivisionClass::of_code(child) {
                Some(class) => class.next_code(parent, &all),
                None => {
                    let width = child.as_str().len() - parent.prefix().len();
                    let next = all
                        .iter()
                        .filter(|c| {
                            c.as_str().len() == child.as_str().len()
                                && c.as_str().starts_with(parent.prefix())
                        })
                        .filter_map(|c| c.as_str()[parent.prefix().len()..].parse::<u64>().ok())
                        .max()
                        .unwrap_or(0)
                        + 1;
                    DivisionCode::parse(&format!("{}{next:0width$}", parent.prefix())).ok()
                }
            }
            .ok_or_else(|| {
                DivisionChangeError::Conflict(format!("{parent} 下已没有可用的代码安置 {child}"))
            })?
        }
    };
    taken.insert(code.clone());
    Ok(code)
}

/// Applies `plan` (request `req`) in `tx`.
pub(super) fn apply(
    tx: &Transaction,
    req: &ChangeRequestRow,
    plan: &Plan,
    by: Option<(i64, i64)>,
) -> Result<Applied, DivisionChangeError> {
    let t0 = std::time::Instant::now();
    let day = req.effective_on;
    let source = format!("区划变更 {}", req.id);
    let mut out = Applied::default();
    let mut taken: HashSet<DivisionCode> = DivisionRow::all_codes(tx)?.into_iter().collect();
    taken.extend(plan.starts.iter().map(|s| s.row.code.clone()));

    // The children of the ending versions, before anything changes.
    let mut children = Vec::new();
    for e in &plan.ends {
        children.extend(DivisionRow::current_children(tx, &e.code)?);
    }

    // The versions the change names.
    for e in &plan.ends {
        DivisionRow::end(tx, e.fid, day)?;
        out.versions_ended += 1;
        let summary = format!("{}自 {day} 起{}", crate::boundaries::topology_check::label(e), plan.label);
        log_division(tx, e, "retire", json!({"valid_to": day, "change": req.id}), &summary, by)?;
    }
    for s in &plan.starts {
        let mut row = s.row.clone();
        row.source = source.clone();
        row.insert(tx)?;
        out.versions_started += 1;
        for e in plan.ends.iter().filter(|e| s.from.contains(&e.code)) {
            link(tx, req, &plan.label, e, &row)?;
            if e.code != row.code && s.from.len() == 1 {
                copy_aliases(tx, &e.code, &row.code, &source)?;
            }
            if e.name != row.name {
                AliasRow {
                    code: row.code.clone(),
                    alias: e.name.clone(),
                    kind: "historical".into(),
                    source: Some(source.clone()),
                }
                .insert(tx)?;
            }
        }
        let summary =
            format!("{}自 {day} 起施行（{}）", crate::boundaries::topology_check::label(&row), plan.label);
        log_division(
            tx,
            &row,
            "create",
            json!({"name": row.name, "level": row.level.as_str(), "parent": row.parent_code, "valid_from": day,
                "from": s.from, "change": req.id}),
            &summary,
            by,
        )?;
    }

    // The divisions below follow their parent: those whose parent's code
    // changed (or whose land went to another division) take a code under
    // the new parent, and so, by prefix, does everything below them.
    let mut recodes: Vec<Recode> = Vec::new();
    for c in &children {
        let Some(parent) = &c.parent_code else { continue };
        let Some(target) = target_of(plan, parent, point_of(c)) else { continue };
        if &target.row.code == parent {
            continue;
        }
        let code = child_code(&c.code, parent, &target.row.code, &mut taken)?;
        let (old_prefix, new_prefix) = (c.code.prefix().to_string(), code.prefix().to_string());
        let mut new = c.clone();
        new.code = code;
        new.parent_code = Some(target.row.code.clone());
        recodes.push(Recode { old: c.clone(), new });
        for d in DivisionRow::current_descendants(tx, &c.code)? {
            let swap = |s: &str| format!("{new_prefix}{}", &s[old_prefix.len()..]);
            let mut new = d.clone();
            new.code = DivisionCode::parse(&swap(d.code.as_str()))
                .map_err(|e| DivisionChangeError::Conflict(format!("{} 无法改码：{e}", d.code)))?;
            new.parent_code = d
                .parent_code
                .as_ref()
                .filter(|p| p.as_str().starts_with(&old_prefix))
                .and_then(|p| DivisionCode::parse(&swap(p.as_str())).ok())
                .or(d.parent_code.clone());
            taken.insert(new.code.clone());
            recodes.push(Recode { old: d, new });
        }
    }
    let recode_label = format!("{}（随上级改码）", plan.label);
    for r in &recodes {
        DivisionRow::end(tx, r.old.fid, day)?;
        let mut new = r.new.clone();
        new.valid_from = Some(day);
        new.source = source.clone();
        new.insert(tx)?;
        out.versions_ended += 1;
        out.versions_started += 1;
        out.recoded.insert(r.old.code.to_string(), new.code.to_string());
        link(tx, req, &recode_label, &r.old, &new)?;
        copy_aliases(tx, &r.old.code, &new.code, &source)?;
        let summary = format!(
            "{}改码为 {}（{}）",
            crate::boundaries::topology_check::label(&r.old),
            new.code,
            plan.label
        );
        log_division(
            tx,
            &r.old,
            "retire",
            json!({"valid_to": day, "new_code": new.code, "change": req.id}),
            &summary,
            by,
        )?;
        log_division(
            tx,
            &new,
            "create",
            json!({"name": new.name, "level": new.level.as_str(), "parent": new.parent_code, "valid_from": day,
                "old_code": r.old.code, "change": req.id}),
            &summary,
            by,
        )?;
    }

    // Addresses: re-coded with their division (the old code an alias), or
    // moved by their position where their division's land was divided.
    let mut moves: Vec<(DivisionCode, DivisionCode)> =
        recodes.iter().map(|r| (r.old.code.clone(), r.new.code.clone())).collect();
    for e in &plan.ends {
        if let [s] = plan.starts.iter().filter(|s| s.from.contains(&e.code)).collect::<Vec<_>>().as_slice()
            && s.row.code != e.code
        {
            moves.push((e.code.clone(), s.row.code.clone()));
        }
    }
    let mut recoded = HashSet::new();
    for (old, new) in &moves {
        recoded.extend(recode_addresses(tx, req, old, |_| Some(new.clone()), by)?);
    }
    for e in &plan.ends {
        if takers(plan, &e.code).len() < 2 {
            continue;
        }
        let pick = |p: Point<f64>| target_of(plan, &e.code, Some(p)).map(|s| s.row.code.clone());
        recoded.extend(recode_addresses(tx, req, &e.code, pick, by)?);
    }
    out.addresses_recoded = recoded.len();
    let mut renamed = Vec::new();
    for s in &plan.starts {
        for e in plan.ends.iter().filter(|e| s.from.contains(&e.code) && e.name != s.row.name) {
            renamed.extend(rename_in_addresses(tx, &s.row.code, &e.name, &s.row.name)?);
        }
    }
    out.addresses_renamed = renamed.len();
    // A re-coded address is logged once, under its new code.
    for (code, division, text) in renamed.into_iter().filter(|(c, _, _)| !recoded.contains(c)) {
        let key = code.to_string();
        append_change(
            tx,
            &ChangeEntry {
                actor: "division_change",
                entity: "address",
                entity_key: &key,
                action: "update",
                detail: json!({"standard_address": text, "change": req.id}),
                code: Some(&key),
                division: Some(division.as_str()),
                summary: Some(&format!("地址 {code} 随区划更名改为{text}")),
                by,
            },
        )?;
    }

    // Places follow their division, or their position where its land
    // was divided.
    for (old, new) in &moves {
        out.places_moved += move_places(tx, old, new, by)?;
    }
    for e in &plan.ends {
        if takers(plan, &e.code).len() < 2 {
            continue;
        }
        for (fid, at) in PlaceRow::positions_in(tx, &e.code)? {
            let Some(target) = target_of(plan, &e.code, at) else { continue };
            if target.row.code != e.code {
                PlaceRow::move_division(tx, fid, &target.row.code)?;
                log_place(tx, fid, &e.code, &target.row.code, by)?;
                out.places_moved += 1;
            }
        }
    }

    // Boundary lines keep their numbers (their markers carry them): their
    // sides take the new codes, and lines are derived again where
    // boundaries or names changed.
    let county_or_above: Vec<&(DivisionCode, DivisionCode)> =
        moves.iter().filter(|(o, _)| keeps_lines(o.implied_level())).collect();
    for (old, new) in &county_or_above {
        for line in BoundaryLineRow::recode_side(tx, old, new)? {
            let summary = format!("界线 {line} 的一方 {old} 改码为 {new}，界线编号与界桩不变");
            crate::service::boundaries::log(
                tx,
                ("boundary", &line, "update"),
                json!({"old_side": old, "new_side": new, "change": req.id}),
                new.as_str(),
                &summary,
                by,
            )?;
            out.lines_changed += 1;
        }
    }
    if keeps_lines(plan.level) || !county_or_above.is_empty() {
        let mut affected: HashSet<String> = plan.ends.iter().map(|e| e.code.to_string()).collect();
        affected.extend(plan.starts.iter().map(|s| s.row.code.to_string()));
        affected.extend(county_or_above.iter().map(|(_, n)| n.to_string()));
        let report =
            crate::service::boundaries::sync_lines_in(tx, day, Some(&affected)).map_err(|e| match e {
                crate::service::boundaries::BoundaryError::Store(s) => DivisionChangeError::Store(s),
                other => DivisionChangeError::Conflict(other.to_string()),
            })?;
        out.lines_changed += report.added + report.changed + report.retired;
    }
    tracing::info!(
        "division change {} applied in {:.1?}: {} versions ended, {} started, {} addresses re-coded, {} places moved, {} lines changed",
        req.id,
        t0.elapsed(),
        out.versions_ended,
        out.versions_started,
        out.addresses_recoded,
        out.places_moved,
        out.lines_changed
    );
    Ok(out)
}

/// Records the change history link from `old` to `new`.
fn link(
    tx: &Transaction,
    req: &ChangeRequestRow,
    kind: &str,
    old: &DivisionRow,
    new: &DivisionRow,
) -> Result<(), StoreError> {
    ChangeRow {
        date: req.effective_on,
        kind: kind.to_string(),
        old_code: Some(old.code.clone()),
        old_name: Some(old.name.clone()),
        new_code: Some(new.code.clone()),
        new_name: Some(new.name.clone()),
        doc_no: req.doc_no.clone(),
        source: Some(format!("区划变更 {}", req.id)),
        change_id: Some(req.id),
    }
    .insert(tx)
}

fn copy_aliases(
    tx: &Transaction,
    from: &DivisionCode,
    to: &DivisionCode,
    source: &str,
) -> Result<(), StoreError> {
    for a in AliasRow::of(tx, from)? {
        AliasRow { code: to.clone(), source: Some(a.source.unwrap_or_else(|| source.to_string())), ..a }
            .insert(tx)?;
    }
    Ok(())
}
