//! Webhook subscriptions and their delivery cursors. The change log is the
//! outbox; a subscription only remembers how far its receiver has
//! acknowledged and when to try again.

use super::StoreResult;
use super::feed::{FeedChange, FeedQuery, changes, count};
use crate::model::{ChangeFilter, ChangeKind};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscriptionRow {
    /// Id.
    pub id: i64,
    /// Where changes are POSTed.
    pub url: String,
    /// The kinds it receives (all when empty).
    pub kinds: Vec<ChangeKind>,
    /// The division code prefix it receives (all when empty).
    pub division: String,
    /// The HMAC key.
    pub secret: String,
    /// The token that created it.
    pub owner: i64,
    /// When it was created.
    pub created_at: String,
    /// The last sequence number its receiver acknowledged.
    pub delivered_seq: i64,
    /// Failed attempts at the current change.
    pub attempts: i64,
    /// When the next attempt is due (after a failure).
    pub next_attempt_at: Option<String>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<String>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

impl SubscriptionRow {
    /// The changes this subscription receives.
    pub fn filter(&self) -> ChangeFilter {
        ChangeFilter {
            kinds: self.kinds.clone(),
            division: (!self.division.is_empty()).then(|| self.division.clone()),
        }
    }
}

const COLUMNS: &str = "id, url, kinds, division, secret, owner, created_at, delivered_seq, attempts, \
    next_attempt_at, last_attempt_at, last_error";

fn from_row(r: &Row) -> rusqlite::Result<SubscriptionRow> {
    let kinds: String = r.get(2)?;
    Ok(SubscriptionRow {
        id: r.get(0)?,
        url: r.get(1)?,
        kinds: kinds.split(',').filter_map(ChangeKind::parse).collect(),
        division: r.get(3)?,
        secret: r.get(4)?,
        owner: r.get(5)?,
        created_at: r.get(6)?,
        delivered_seq: r.get(7)?,
        attempts: r.get(8)?,
        next_attempt_at: r.get(9)?,
        last_attempt_at: r.get(10)?,
        last_error: r.get(11)?,
    })
}

/// A new subscription's fields.
pub struct NewSubscription<'a> {
    /// Receiver URL.
    pub url: &'a str,
    /// Kinds (all when empty).
    pub kinds: &'a [ChangeKind],
    /// Division prefix (all when empty).
    pub division: &'a str,
    /// HMAC key.
    pub secret: &'a str,
    /// Owning token.
    pub owner: i64,
    /// Deliveries start after this sequence number.
    pub from_seq: i64,
}

/// Inserts a subscription; returns its id.
pub fn insert(tx: &Transaction, s: &NewSubscription) -> StoreResult<i64> {
    let kinds: Vec<&str> = s.kinds.iter().map(|k| k.as_str()).collect();
    tx.execute(
        "INSERT INTO subscriptions (url, kinds, division, secret, owner, delivered_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![s.url, kinds.join(","), s.division, s.secret, s.owner, s.from_seq],
    )?;
    Ok(tx.last_insert_rowid())
}

/// A live subscription by id.
pub fn get(c: &Connection, id: i64) -> StoreResult<Option<SubscriptionRow>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} FROM subscriptions WHERE id = ?1 AND deleted_at IS NULL"),
        [id],
        from_row,
    )
    .optional()?)
}

/// Every live subscription.
pub fn live(c: &Connection) -> StoreResult<Vec<SubscriptionRow>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM subscriptions WHERE deleted_at IS NULL ORDER BY id"
    ))?;
    Ok(stmt.query_map([], from_row)?.collect::<Result<_, _>>()?)
}

/// Ends a subscription; returns whether a live one was ended.
pub fn delete(tx: &Transaction, id: i64) -> StoreResult<bool> {
    Ok(tx.execute(
        "UPDATE subscriptions SET deleted_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1 AND deleted_at IS NULL",
        [id],
    )? == 1)
}

/// Records that the receiver acknowledged `seq` (only moving forward, so
/// a late duplicate acknowledgement cannot move the cursor back).
pub fn delivered(tx: &Transaction, id: i64, seq: i64, at: &str) -> StoreResult<()> {
    tx.execute(
        "UPDATE subscriptions SET delivered_seq = MAX(delivered_seq, ?2), attempts = 0, next_attempt_at = NULL, \
         last_attempt_at = ?3, last_error = NULL WHERE id = ?1",
        params![id, seq, at],
    )?;
    Ok(())
}

/// Moves the cursor past changes the subscription does not receive, so
/// that it does not scan them again.
pub fn skip_to(tx: &Transaction, id: i64, seq: i64) -> StoreResult<()> {
    tx.execute(
        "UPDATE subscriptions SET delivered_seq = MAX(delivered_seq, ?2) WHERE id = ?1",
        params![id, seq],
    )?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub fn failed(tx: &Transaction, id: i64, error: &str, at: &str, retry_at: &str) -> StoreResult<()> {
    tx.execute(
        "UPDATE subscriptions SET attempts = attempts + 1, last_error = ?2, last_attempt_at = ?3, \
         next_attempt_at = ?4 WHERE id = ?1",
        params![id, error, at, retry_at],
    )?;
    Ok(())
}

/// How many changes up to `through` the subscription has still to receive.
pub fn pending(c: &Connection, s: &SubscriptionRow, through: i64) -> StoreResult<usize> {
    count(c, s.delivered_seq, through, &s.filter())
}

/// The next changes up to `through` the subscription receives.
pub fn next_changes(
    c: &Connection,
    s: &SubscriptionRow,
    through: i64,
    limit: usize,
) -> StoreResult<Vec<FeedChange>> {
    changes(c, &FeedQuery { since: s.delivered_seq, through, limit, filter: s.filter() })
}
