//! The change feed: the public view of the change log. Only the kinds in
//! [`ChangeKind`] appear (never tokens or datasets); each entry keeps its
//! log sequence number, so a client that stores the last number it applied
//! asks for what follows.

use super::StoreResult;
use crate::model::{ChangeAction, ChangeFilter, ChangeKind};
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter, types::Value};
use serde::Serialize;

/// One change as the feed shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FeedChange {
    /// The change log's sequence number.
    pub seq: i64,
    /// When it was committed (UTC, RFC 3339).
    pub at: String,
    /// The kind of record.
    pub kind: ChangeKind,
    /// What happened to it.
    pub action: ChangeAction,
    /// The record's id (place id, division or address code, proposal id).
    pub id: String,
    /// The record's public code, where it has one.
    pub code: Option<String>,
    /// The division the record lies in.
    pub division: Option<String>,
    /// What happened, in a line of Chinese.
    pub summary: Option<String>,
}

/// What a client asks of the feed: the window after `since` up to
/// `through`, at most `limit` changes, through a filter.
#[derive(Debug, Clone, Default)]
pub struct FeedQuery {
    /// Changes after this sequence number.
    pub since: i64,
    /// Changes up to this sequence number (the head the projections have
    /// announced: nothing a reader could not yet find).
    pub through: i64,
    /// At most this many.
    pub limit: usize,
    /// Which kinds, where.
    pub filter: ChangeFilter,
}

const COLUMNS: &str = "seq, at, entity, action, entity_key, code, division, summary";

fn from_row(r: &Row) -> rusqlite::Result<Option<FeedChange>> {
    let entity: String = r.get(2)?;
    let Some(kind) = ChangeKind::parse(&entity) else { return Ok(None) };
    let action: String = r.get(3)?;
    Ok(Some(FeedChange {
        seq: r.get(0)?,
        at: r.get(1)?,
        kind,
        action: ChangeAction::from_log(&action),
        id: r.get(4)?,
        code: r.get(5)?,
        division: r.get(6)?,
        summary: r.get(7)?,
    }))
}

/// The `WHERE` clause of a window through a filter, with its arguments:
/// the one definition the pages and the pending counts share.
fn window(since: i64, through: i64, f: &ChangeFilter) -> (String, Vec<Value>) {
    let mut args: Vec<Value> = vec![Value::Integer(since), Value::Integer(through)];
    let marks: Vec<String> = f
        .kinds_or_all()
        .iter()
        .map(|k| {
            args.push(Value::Text(k.as_str().into()));
            format!("?{}", args.len())
        })
        .collect();
    let mut sql = format!("seq > ?1 AND seq <= ?2 AND entity IN ({})", marks.join(","));
    if let Some(d) = &f.division {
        args.push(Value::Text(d.clone()));
        // A prefix match with no LIKE wildcards to escape: codes are digits.
        sql.push_str(&format!(" AND substr(division, 1, length(?{n})) = ?{n}", n = args.len()));
    }
    (sql, args)
}

/// The changes in the query's window that pass its filter, oldest first.
pub fn changes(c: &Connection, q: &FeedQuery) -> StoreResult<Vec<FeedChange>> {
    let (cond, mut args) = window(q.since, q.through, &q.filter);
    args.push(Value::Integer(i64::try_from(q.limit).unwrap_or(i64::MAX)));
    let sql = format!("SELECT {COLUMNS} FROM change_log WHERE {cond} ORDER BY seq LIMIT ?{}", args.len());
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), from_row)?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(change) = r? {
            out.push(change);
        }
    }
    Ok(out)
}

/// How many changes after `since` up to `through` pass the filter.
pub fn count(c: &Connection, since: i64, through: i64, f: &ChangeFilter) -> StoreResult<usize> {
    let (cond, args) = window(since, through, f);
    let sql = format!("SELECT COUNT(*) FROM change_log WHERE {cond}");
    let n: i64 = c.prepare_cached(&sql)?.query_row(params_from_iter(args), |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// The newest sequence number in the log (0 when empty).
pub fn head(c: &Connection) -> StoreResult<i64> {
    Ok(c.query_row("SELECT COALESCE(MAX(seq), 0) FROM change_log", [], |r| r.get(0))?)
}

/// The first sequence number committed at or after `at` (RFC 3339), or
/// the one after the head when none was: where a feed that keeps what
/// came after `at` begins.
pub fn first_since(c: &Connection, at: &str) -> StoreResult<i64> {
    let first: Option<i64> =
        c.query_row("SELECT MIN(seq) FROM change_log WHERE at >= ?1", [at], |r| r.get(0))?;
    match first {
        Some(s) => Ok(s),
        None => Ok(head(c)? + 1),
    }
}

/// The last change to one record, as `(seq, at)`: its own newest entry,
/// else the newest bulk load of the dataset it came with, else the log's
/// first entry; `None` for an empty log.
pub fn last_change(c: &Connection, entity: &str, key: &str) -> StoreResult<Option<(i64, String)>> {
    let own = c
        .prepare_cached(
            "SELECT seq, at FROM change_log WHERE entity = ?1 AND entity_key = ?2 ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([entity, key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if own.is_some() {
        return Ok(own);
    }
    Ok(c.prepare_cached(
        "SELECT seq, at FROM change_log WHERE entity = 'dataset' OR seq = (SELECT MIN(seq) FROM change_log) \
             ORDER BY (entity = 'dataset') DESC, seq DESC LIMIT 1",
    )?
    .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()?)
}

/// Every log entry after `since` up to `through`, of any entity, as
/// `(seq, entity, key, action)`: what the in-memory projections apply.
pub fn entries_between(c: &Connection, since: i64, through: i64) -> StoreResult<Vec<LogKey>> {
    let mut stmt = c.prepare_cached(
        "SELECT seq, entity, entity_key, action FROM change_log WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map([since, through], |r| {
        Ok(LogKey { seq: r.get(0)?, entity: r.get(1)?, key: r.get(2)?, action: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A change log entry's key fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogKey {
    /// Sequence number.
    pub seq: i64,
    /// The entity (`place`, `address`, `division`, `api_token`, …).
    pub entity: String,
    /// Its key.
    pub key: String,
    /// The action as logged.
    pub action: String,
}
