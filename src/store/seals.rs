//! Seals of the records. Every row of a record table carries `row_hash`,
//! a digest of its content made when the service wrote it; each table's
//! seals add up (mod 2^128) to the digest `record_digests` keeps, and the
//! hash of those digests is chained into every change-log entry (`state`).
//! So a record edited in SQL behind the service no longer matches its seal
//! (and is named by its key), and a record resealed by hand no longer adds
//! up to what the signed log says.
//!
//! The writer connection reports every row it writes ([`watch`]); the rows
//! a transaction wrote are sealed before each log entry is appended and
//! before it commits. Records are never deleted (they are retired), so a
//! seal is only ever replaced.

use super::StoreResult;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::cell::{Cell, RefCell};

/// A sealed table: its name, the column a finding names a row by, and the
/// columns its seal leaves out (state that moves with no change of the
/// record: a subscription's delivery progress).
pub struct SealedTable {
    /// The table.
    pub name: &'static str,
    /// The column that names a row in a finding.
    pub key: &'static str,
    /// Columns outside the seal.
    pub skip: &'static [&'static str],
    /// The schema version that created the table with its seal column
    /// (earlier tables got theirs in version 5).
    pub since: i64,
}

const fn table(name: &'static str, key: &'static str) -> SealedTable {
    SealedTable { name, key, skip: &[], since: 5 }
}

/// The record tables.
pub const SEALED: &[SealedTable] = &[
    table("divisions", "code"),
    table("division_aliases", "alias"),
    table("division_changes", "fid"),
    table("places", "fid"),
    table("addresses", "code"),
    table("boundary_lines", "code"),
    table("boundary_markers", "number"),
    table("inspections", "fid"),
    table("api_tokens", "fid"),
    SealedTable { since: 6, ..table("accounts", "id") },
    SealedTable { since: 6, ..table("account_roles", "fid") },
    table("proposals", "fid"),
    SealedTable { since: 7, ..table("marker_changes", "id") },
    SealedTable { since: 8, ..table("inspection_rounds", "id") },
    SealedTable { since: 8, ..table("inspection_findings", "id") },
    SealedTable { since: 8, ..table("inspection_photos", "id") },
    SealedTable { since: 8, ..table("inspection_repairs", "id") },
    SealedTable { since: 9, ..table("division_change_requests", "id") },
    SealedTable { since: 9, ..table("address_aliases", "old_code") },
    SealedTable { since: 10, ..table("address_applications", "id") },
    SealedTable { since: 11, ..table("address_links", "id") },
    SealedTable { since: 11, ..table("signs", "id") },
    SealedTable { since: 11, ..table("sign_events", "id") },
    SealedTable { since: 11, ..table("public_reports", "id") },
    SealedTable {
        name: "subscriptions",
        key: "id",
        skip: &["delivered_seq", "attempts", "next_attempt_at", "last_attempt_at", "last_error"],
        since: 5,
    },
];

thread_local! {
    /// Rows the writer wrote since they were last sealed: (table, rowid).
    static TOUCHED: RefCell<Vec<(u8, i64)>> = const { RefCell::new(Vec::new()) };
    /// Set while seals are written (their own updates are not records).
    static SEALING: Cell<bool> = const { Cell::new(false) };
}

/// Makes `conn` (the writer) report every row of a record table it writes.
pub(super) fn watch(conn: &Connection) {
    conn.update_hook(Some(|_action, _db: &str, table: &str, rowid: i64| {
        if SEALING.get() {
            return;
        }
        if let Some(i) = SEALED.iter().position(|t| t.name == table) {
            TOUCHED.with(|t| t.borrow_mut().push((i as u8, rowid)));
        }
    }));
}

/// Forgets rows reported by a transaction that did not commit.
pub(super) fn forget() {
    TOUCHED.with(|t| t.borrow_mut().clear());
}

/// Resets the sealing flag however sealing ends.
struct Sealing;

impl Sealing {
    fn start() -> Sealing {
        SEALING.set(true);
        Sealing
    }
}

impl Drop for Sealing {
    fn drop(&mut self) {
        SEALING.set(false);
    }
}

/// The columns of `t` a seal covers, in table order.
fn columns(conn: &Connection, t: &SealedTable) -> StoreResult<Vec<String>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT name FROM pragma_table_info('{}') ORDER BY cid", t.name))?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(names.into_iter().filter(|n| n != "row_hash" && !t.skip.contains(&n.as_str())).collect())
}

/// The seal of one row: SHA-256 over the table's name and each non-null
/// column's name and value (typed, length-prefixed), first 16 bytes. A
/// column added later, null in the old rows, leaves their seals as they
/// were.
fn seal_of(table: &str, names: &[String], row: &rusqlite::Row, first: usize) -> rusqlite::Result<[u8; 16]> {
    let mut h = Sha256::new();
    let mut part = |tag: u8, bytes: &[u8]| {
        h.update([tag]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part(0, table.as_bytes());
    for (k, name) in names.iter().enumerate() {
        let v = row.get_ref(first + k)?;
        if matches!(v, ValueRef::Null) {
            continue;
        }
        part(1, name.as_bytes());
        match v {
            ValueRef::Null => {}
            ValueRef::Integer(i) => part(2, &i.to_le_bytes()),
            ValueRef::Real(f) => part(3, &f.to_bits().to_le_bytes()),
            ValueRef::Text(t) => part(4, t),
            ValueRef::Blob(b) => part(5, b),
        }
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize()[..16]);
    Ok(out)
}

fn as_u128(seal: &[u8]) -> u128 {
    let mut b = [0u8; 16];
    let n = seal.len().min(16);
    b[..n].copy_from_slice(&seal[..n]);
    u128::from_le_bytes(b)
}

/// A table's digest: the sum of its seals and how many rows are sealed.
fn digest(conn: &Connection, table: &str) -> StoreResult<(u128, i64)> {
    let row: Option<(String, i64)> = conn
        .query_row("SELECT digest, rows FROM record_digests WHERE tbl = ?1", [table], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(row.map_or((0, 0), |(d, n)| (u128::from_str_radix(&d, 16).unwrap_or(0), n)))
}

fn set_digest(conn: &Connection, table: &str, (sum, rows): (u128, i64)) -> StoreResult<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO record_digests (tbl, digest, rows) VALUES (?1, ?2, ?3)")?
        .execute(params![table, format!("{sum:032x}"), rows])?;
    Ok(())
}

/// Seals the rows the writer wrote since the last call and brings the
/// tables' digests up to date.
pub(super) fn seal_touched(conn: &Connection) -> StoreResult<()> {
    let mut touched = TOUCHED.with(|t| std::mem::take(&mut *t.borrow_mut()));
    if touched.is_empty() {
        return Ok(());
    }
    touched.sort_unstable();
    touched.dedup();
    let _sealing = Sealing::start();
    for rows in touched.chunk_by(|a, b| a.0 == b.0) {
        let t = &SEALED[rows[0].0 as usize];
        seal_rows(conn, t, rows.iter().map(|r| r.1))?;
    }
    Ok(())
}

/// Seals the rows `rowids` of `t` as they are now.
fn seal_rows(conn: &Connection, t: &SealedTable, rowids: impl Iterator<Item = i64>) -> StoreResult<()> {
    let names = columns(conn, t)?;
    let mut select = conn.prepare_cached(&format!(
        "SELECT row_hash, {} FROM {} WHERE rowid = ?1",
        quoted(&names),
        t.name
    ))?;
    let mut update = conn.prepare_cached(&format!("UPDATE {} SET row_hash = ?1 WHERE rowid = ?2", t.name))?;
    let (mut sum, mut count) = digest(conn, t.name)?;
    for rowid in rowids {
        let found = select
            .query_row([rowid], |r| Ok((r.get::<_, Option<Vec<u8>>>(0)?, seal_of(t.name, &names, r, 1)?)))
            .optional()?;
        let Some((old, new)) = found else { continue };
        if old.as_deref() == Some(&new[..]) {
            continue;
        }
        match &old {
            Some(o) => sum = sum.wrapping_sub(as_u128(o)),
            None => count += 1,
        }
        sum = sum.wrapping_add(as_u128(&new));
        update.execute(params![&new[..], rowid])?;
    }
    set_digest(conn, t.name, (sum, count))
}

/// Whether row `rowid` of `table` still matches its seal (a migration
/// that rewrites rows reseals only those it can vouch for).
pub(super) fn intact(conn: &Connection, table: &str, rowid: i64) -> StoreResult<bool> {
    let Some(t) = SEALED.iter().find(|t| t.name == table) else { return Ok(false) };
    let names = columns(conn, t)?;
    let sql = format!("SELECT row_hash, {} FROM {} WHERE rowid = ?1", quoted(&names), t.name);
    let found = conn
        .query_row(&sql, [rowid], |r| Ok((r.get::<_, Option<Vec<u8>>>(0)?, seal_of(t.name, &names, r, 1)?)))
        .optional()?;
    Ok(matches!(found, Some((Some(old), new)) if old[..] == new[..]))
}

/// Seals rows `rowids` of `table` as they are now (a migration step).
pub(super) fn reseal(conn: &Connection, table: &str, rowids: &[i64]) -> StoreResult<()> {
    let Some(t) = SEALED.iter().find(|t| t.name == table) else { return Ok(()) };
    let _sealing = Sealing::start();
    seal_rows(conn, t, rowids.iter().copied())
}

/// Seals every row of every record table (a migration step, and what a
/// store written before seals needs once).
pub(super) fn seal_all(conn: &Connection) -> StoreResult<()> {
    let _sealing = Sealing::start();
    for t in SEALED {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
            [t.name],
            |r| r.get(0),
        )?;
        if !exists {
            continue;
        }
        let ids: Vec<i64> = conn
            .prepare(&format!("SELECT rowid FROM {} WHERE row_hash IS NULL", t.name))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        seal_rows(conn, t, ids.into_iter())?;
    }
    Ok(())
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ")
}

/// The hash of every table's digest: what a log entry chains.
pub(super) fn state(conn: &Connection) -> StoreResult<String> {
    let mut stmt = conn.prepare_cached("SELECT tbl, digest, rows FROM record_digests ORDER BY tbl")?;
    let mut rows = stmt.query([])?;
    let mut h = Sha256::new();
    while let Some(r) = rows.next()? {
        let (t, d, n): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        h.update(format!("{t} {d} {n}\n").as_bytes());
    }
    Ok(hex::encode(h.finalize()))
}

/// One record that is not what the service wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordFinding {
    /// The table.
    pub table: String,
    /// The row's key (its key column's value), or `*` for the table.
    pub key: String,
    /// Why.
    pub why: String,
}

/// What [`verify`] found in the records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RecordsReport {
    /// Rows checked.
    pub rows: u64,
    /// The findings (at most the first 100).
    pub findings: Vec<RecordFinding>,
    /// How many findings there were in all.
    pub count: u64,
}

impl RecordsReport {
    fn add(&mut self, table: &str, key: String, why: &str) {
        self.count += 1;
        if self.findings.len() < 100 {
            self.findings.push(RecordFinding { table: table.into(), key, why: why.into() });
        }
    }
}

/// Recomputes every record's seal, adds the seals up per table, and checks
/// the digests against the state the last log entry chains.
pub fn verify(conn: &Connection) -> StoreResult<RecordsReport> {
    let mut report = RecordsReport::default();
    for t in SEALED {
        let names = columns(conn, t)?;
        let mut stmt =
            conn.prepare(&format!("SELECT row_hash, \"{}\", {} FROM {}", t.key, quoted(&names), t.name))?;
        let mut rows = stmt.query([])?;
        let (mut sum, mut count) = (0u128, 0i64);
        while let Some(r) = rows.next()? {
            report.rows += 1;
            let stored: Option<Vec<u8>> = r.get(0)?;
            let key = match r.get_ref(1)? {
                ValueRef::Text(s) => String::from_utf8_lossy(s).into_owned(),
                ValueRef::Integer(i) => i.to_string(),
                other => format!("{other:?}"),
            };
            let seal = seal_of(t.name, &names, r, 2)?;
            match stored {
                None => report.add(t.name, key, "未经服务写入（无封记）：written outside the service"),
                Some(s) => {
                    sum = sum.wrapping_add(as_u128(&s));
                    count += 1;
                    if s[..] != seal[..] {
                        report.add(t.name, key, "内容与封记不符：changed outside the service");
                    }
                }
            }
        }
        if (sum, count) != digest(conn, t.name)? {
            report.add(
                t.name,
                "*".into(),
                "封记之和与摘要不符：rows were added, removed or resealed outside the service",
            );
        }
    }
    let chained: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT seq, state FROM change_log WHERE state IS NOT NULL ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    if let Some((seq, Some(chained))) = chained
        && chained != state(conn)?
    {
        report.add(
            "record_digests",
            seq.to_string(),
            "摘要与日志不符：the records' digests differ from those chained in the log at this entry",
        );
    }
    Ok(report)
}
