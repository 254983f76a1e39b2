//! One address, every department: a department's system links its records
//! to address codes (one at a time, or the matched rows of a bulk match in
//! one transaction a chunk). Only the system an account belongs to (its
//! department) may link that system's records.

use super::Service;
use super::address_applications::AddressError;
use crate::model::{AddressCode, Role, Timestamp};
use crate::review::lifecycle::Actor;
use crate::store::{AddressRow, ChangeEntry, LinkRow, append_change};
use serde_json::json;

/// What linking one record did.
#[derive(Debug, Clone)]
pub enum Linked {
    /// A new link.
    Created(LinkRow),
    /// The record was already linked to this address.
    Existing(LinkRow),
}

fn text(field: &'static str, v: &str, most: usize) -> Result<String, AddressError> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > most || v.chars().any(char::is_control) {
        return Err(AddressError::Invalid {
            field,
            reason: format!("须填写（至多 {most} 字，不含控制字符）"),
        });
    }
    Ok(v.to_string())
}

/// Whether `actor` may act for `system`: its own department's system, or
/// an administrator.
pub fn may_act_for(actor: &Actor, system: &str) -> Result<(), AddressError> {
    match actor.role {
        Role::Admin => Ok(()),
        Role::Department if actor.department == system => Ok(()),
        Role::Department => Err(AddressError::Forbidden(format!(
            "该账户属于“{}”，不能操作“{system}”的记录",
            actor.department
        ))),
        other => Err(AddressError::Forbidden(format!(
            "部门记录须由部门业务系统（department）关联，当前角色为{}",
            other.label()
        ))),
    }
}

/// Links one record in `tx`; the address is resolved to the one now.
fn link_in(
    tx: &rusqlite::Transaction,
    actor: &Actor,
    code: AddressCode,
    system: &str,
    record: &str,
) -> Result<(Linked, AddressRow), AddressError> {
    let a = AddressRow::resolve(tx, code)?.ok_or_else(|| match AddressRow::by_code(tx, code) {
        Ok(Some(_)) => AddressError::Conflict(format!("地址 {code} 已注销，不能关联")),
        _ => AddressError::NotFound("地址", code.to_string()),
    })?;
    if let Some(l) = LinkRow::by_record(tx, system, record)? {
        let now =
            AddressCode::parse(&l.address_code).map(|c| AddressRow::resolve(tx, c)).transpose()?.flatten();
        if now.as_ref().is_some_and(|n| n.code == a.code) {
            return Ok((Linked::Existing(l), a));
        }
        return Err(AddressError::Conflict(format!(
            "{system} 记录 {record} 已关联到地址 {}",
            now.map_or(l.address_code.clone(), |n| n.code.to_string())
        )));
    }
    let mut l = LinkRow {
        id: 0,
        address_code: a.code.to_string(),
        system: system.to_string(),
        record: record.to_string(),
        linked_by: (actor.account.0, actor.id.0),
        linked_at: Timestamp::now(),
    };
    l.id = l.insert(tx)?;
    let key = l.id.to_string();
    append_change(
        tx,
        &ChangeEntry {
            actor: "address_link",
            entity: "address_link",
            entity_key: &key,
            action: "create",
            detail: json!({"system": system, "record": record, "address_code": l.address_code}),
            code: Some(&l.address_code),
            division: Some(a.division_code.as_str()),
            summary: Some(&format!("{system} 记录 {record} 关联地址 {}", a.standard_address)),
            by: actor.by(),
        },
    )?;
    Ok((Linked::Created(l), a))
}

impl Service {
    /// Links record `record` of `system` to address `code` (the address
    /// that holds its place now, if `code` was superseded).
    pub fn link_address(
        &self,
        actor: &Actor,
        code: AddressCode,
        system: &str,
        record: &str,
    ) -> Result<(Linked, AddressRow), AddressError> {
        let system = text("system", system, 40)?;
        let record = text("record", record, 120)?;
        may_act_for(actor, &system)?;
        let out = self.store.write(|tx| link_in(tx, actor, code, &system, &record))?;
        self.committed();
        Ok(out)
    }

    /// Links many records of `system` in one transaction; each row's
    /// outcome in order (a row that cannot be linked says why and the
    /// others go on).
    pub fn link_many(
        &self,
        actor: &Actor,
        system: &str,
        rows: &[(String, AddressCode)],
    ) -> Result<Vec<Result<Linked, String>>, AddressError> {
        may_act_for(actor, system)?;
        let out = self.store.write(|tx| {
            let mut out = Vec::with_capacity(rows.len());
            for (record, code) in rows {
                out.push(match text("record", record, 120) {
                    Err(e) => Err(e.to_string()),
                    // A row is refused before it writes anything; a store
                    // failure undoes the whole chunk.
                    Ok(record) => match link_in(tx, actor, *code, system, &record) {
                        Ok((l, _)) => Ok(l),
                        Err(AddressError::Store(e)) => return Err(AddressError::Store(e)),
                        Err(e) => Err(e.to_string()),
                    },
                });
            }
            Ok::<_, AddressError>(out)
        })?;
        self.committed();
        Ok(out)
    }
}
