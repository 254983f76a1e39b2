//! Departments' records linked to address codes (一址通): a police
//! household, a business licence, a property title each names the
//! standard address it is at. A link keeps the code it was made with;
//! readers follow the address's supersession to the address now.

use super::{AddressAlias, AddressRow, StoreResult};
use crate::model::{AddressCode, PlaceStatus, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;

/// A department's record linked to an address.
#[derive(Debug, Clone, Serialize)]
pub struct LinkRow {
    /// Id.
    pub id: i64,
    /// The address code it was linked to.
    pub address_code: String,
    /// The department's system (公安户籍, 市场监管 …).
    pub system: String,
    /// The record's key in that system.
    pub record: String,
    /// The account and token that linked it.
    #[serde(skip)]
    pub linked_by: (i64, i64),
    /// When.
    pub linked_at: Timestamp,
}

const COLUMNS: &str = "id, address_code, system, record, linked_by, linked_token, linked_at";

fn from_row(r: &Row) -> rusqlite::Result<LinkRow> {
    Ok(LinkRow {
        id: r.get(0)?,
        address_code: r.get(1)?,
        system: r.get(2)?,
        record: r.get(3)?,
        linked_by: (r.get(4)?, r.get(5)?),
        linked_at: r.get(6)?,
    })
}

impl LinkRow {
    /// Inserts the link; returns its id.
    pub fn insert(&self, tx: &Transaction) -> StoreResult<i64> {
        tx.prepare_cached(
            "INSERT INTO address_links (address_code, system, record, linked_by, linked_token, linked_at) \
             VALUES (?1,?2,?3,?4,?5,?6)",
        )?
        .execute(params![
            self.address_code,
            self.system,
            self.record,
            self.linked_by.0,
            self.linked_by.1,
            self.linked_at
        ])?;
        Ok(tx.last_insert_rowid())
    }

    /// The link of a system's record.
    pub fn by_record(conn: &Connection, system: &str, record: &str) -> StoreResult<Option<LinkRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM address_links WHERE system = ?1 AND record = ?2"
        ))?;
        Ok(stmt.query_row(params![system, record], from_row).optional()?)
    }

    /// The links made to any of `codes`, oldest first.
    pub fn of_codes(conn: &Connection, codes: &[String]) -> StoreResult<Vec<LinkRow>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM address_links WHERE address_code = ?1 ORDER BY id"
        ))?;
        let mut out = Vec::new();
        for c in codes {
            out.extend(stmt.query_map([c], from_row)?.collect::<Result<Vec<_>, _>>()?);
        }
        out.sort_by_key(|l| l.id);
        Ok(out)
    }
}

impl AddressRow {
    /// The address `code` stands for now: itself when current; else the
    /// end of its chain of successors, or the address a division change
    /// re-coded it to. `None` when there is none (unknown, or retired
    /// without successor).
    pub fn resolve(conn: &Connection, code: AddressCode) -> StoreResult<Option<AddressRow>> {
        match AddressRow::by_code(conn, code)? {
            Some(a) if a.status == PlaceStatus::Current => Ok(Some(a)),
            Some(a) => AddressRow::current_successor(conn, a.code),
            None => match AddressAlias::of(conn, code)? {
                Some(alias) => AddressRow::current_successor(conn, alias.new_code),
                None => Ok(None),
            },
        }
    }

    /// Every code that ever stood for address `a`: its own, the ones it
    /// replaced (renumbered), and the old codes of division changes.
    pub fn every_code(conn: &Connection, a: &AddressRow) -> StoreResult<Vec<String>> {
        let mut codes = vec![a.code];
        codes.extend(AddressRow::predecessors(conn, a.code)?.into_iter().map(|p| p.code));
        let mut aliases = Vec::new();
        for c in &codes {
            aliases.extend(AddressAlias::former(conn, *c)?);
        }
        codes.extend(aliases);
        Ok(codes.into_iter().map(|c| c.to_string()).collect())
    }
}
