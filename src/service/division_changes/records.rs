//! The records that follow a division change: addresses re-coded into
//! their new division (the old code kept as an alias), their standard
//! forms renamed, places moved; each logged.

use super::*;
use crate::model::AddressCode;
use crate::store::{AddressAlias, AddressRow};
use geo::Point;
use rusqlite::params;

/// A 12-digit address head for a division code (a township's padded).
fn head(code: &DivisionCode) -> String {
    format!("{:0<12}", code.as_str())
}

/// Whether an address code was ever used (by an address or as an alias).
fn code_used(tx: &Transaction, code: AddressCode) -> Result<bool, StoreError> {
    Ok(tx.prepare_cached("SELECT 1 FROM addresses WHERE code = ?1 UNION ALL SELECT 1 FROM address_aliases WHERE old_code = ?1")?
        .exists([code])?)
}

/// The address code in `division` for an address whose code was `old`:
/// the same serial if free, else the next free one.
fn address_code(
    tx: &Transaction,
    division: &DivisionCode,
    old: AddressCode,
) -> Result<AddressCode, DivisionChangeError> {
    let head = head(division);
    let serial = (old.0 % 1_000_000) as u32;
    if let Some(c) = AddressCode::new(&head, serial)
        && !code_used(tx, c)?
    {
        return Ok(c);
    }
    AddressRow::next_code(tx, division)?
        .ok_or_else(|| DivisionChangeError::Conflict(format!("{division} 的地址码已用尽")))
}

/// Re-codes the addresses of division `old` to the division `to` gives
/// for their position (`None`: they stay).
pub(super) fn recode_addresses(
    tx: &Transaction,
    req: &ChangeRequestRow,
    old: &DivisionCode,
    to: impl Fn(Point<f64>) -> Option<DivisionCode>,
    by: Option<(i64, i64)>,
) -> Result<Vec<AddressCode>, DivisionChangeError> {
    let rows: Vec<(AddressCode, f64, f64)> = {
        let mut stmt =
            tx.prepare_cached("SELECT code, lon, lat FROM addresses WHERE division_code = ?1 ORDER BY code")?;
        stmt.query_map([old], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?
    };
    let mut out = Vec::new();
    for (code, lon, lat) in rows {
        let Some(division) = to(Point::new(lon, lat)) else { continue };
        if &division == old {
            continue;
        }
        let new = address_code(tx, &division, code)?;
        tx.prepare_cached("UPDATE addresses SET code = ?2, division_code = ?3 WHERE code = ?1")?
            .execute(params![code, new, division])?;
        AddressAlias { old_code: code, new_code: new, change_id: Some(req.id), since: req.effective_on }
            .insert(tx)?;
        let key = new.to_string();
        append_change(
            tx,
            &ChangeEntry {
                actor: "division_change",
                entity: "address",
                entity_key: &key,
                action: "recode",
                detail: json!({"old_code": code, "division": division, "change": req.id}),
                code: Some(&key),
                division: Some(division.as_str()),
                summary: Some(&format!("地址码 {code} 随区划变更改为 {new}")),
                by,
            },
        )?;
        out.push(new);
    }
    Ok(out)
}

/// Rewrites the division name `old` to `new` in the standard addresses
/// inside `division`; returns those changed (code, division, new text).
pub(super) fn rename_in_addresses(
    tx: &Transaction,
    division: &DivisionCode,
    old: &str,
    new: &str,
) -> Result<Vec<(AddressCode, DivisionCode, String)>, StoreError> {
    let mut stmt = tx.prepare_cached(
        "UPDATE addresses SET standard_address = replace(standard_address, ?2, ?3) \
         WHERE division_code LIKE ?1 || '%' AND instr(standard_address, ?2) > 0 \
         RETURNING code, division_code, standard_address",
    )?;
    let rows =
        stmt.query_map(params![division.prefix(), old, new], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Moves the places of division `old` to `new`; returns how many moved.
pub(super) fn move_places(
    tx: &Transaction,
    old: &DivisionCode,
    new: &DivisionCode,
    by: Option<(i64, i64)>,
) -> Result<usize, StoreError> {
    let fids: Vec<i64> = {
        let mut stmt =
            tx.prepare_cached("UPDATE places SET division_code = ?2 WHERE division_code = ?1 RETURNING fid")?;
        stmt.query_map(params![old, new], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    for fid in &fids {
        log_place(tx, *fid, old, new, by)?;
    }
    Ok(fids.len())
}

pub(super) fn log_place(
    tx: &Transaction,
    fid: i64,
    old: &DivisionCode,
    new: &DivisionCode,
    by: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    let key = fid.to_string();
    append_change(
        tx,
        &ChangeEntry {
            actor: "division_change",
            entity: "place",
            entity_key: &key,
            action: "update",
            detail: json!({"division_code": new, "old_division_code": old}),
            code: None,
            division: Some(new.as_str()),
            summary: Some(&format!("地名随区划变更由 {old} 划归 {new}")),
            by,
        },
    )?;
    Ok(())
}
