//! The append-only change log, hash-chained: each entry stores the hash of
//! the one before it and its own SHA-256 over that hash and its fields, so
//! changing, deleting or inserting a row anywhere but at the end breaks the
//! chain ([`verify`]). Triggers refuse UPDATE and DELETE; the chain catches
//! whoever goes around them. The head hash, kept elsewhere, also pins the
//! end of the log.

use super::StoreResult;
use rusqlite::{Connection, Transaction, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the append-only change log.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeEntry<'a> {
    /// Who made the change (a user, `import:FILE`, `demo`).
    pub actor: &'a str,
    /// The table or entity kind (`division`, `place`, `address`).
    pub entity: &'a str,
    /// The entity's key (code or id).
    pub entity_key: &'a str,
    /// `insert`, `update`, `retire`, `bulk_load` …
    pub action: &'a str,
    /// What changed, as JSON.
    pub detail: serde_json::Value,
    /// The record's public code, where it has one (division code, address
    /// code, marker number).
    pub code: Option<&'a str>,
    /// The code of the division the record lies in (the change feed
    /// filters on its prefix).
    pub division: Option<&'a str>,
    /// One line in Chinese for people reading the feed (…路更名为…路).
    pub summary: Option<&'a str>,
    /// The account and the token that made the change (a request's
    /// bearer); none for the command line, imports and the demo.
    pub by: Option<(i64, i64)>,
}

/// The fields an entry's hash covers.
struct Fields<'a> {
    seq: i64,
    at: &'a str,
    actor: &'a str,
    entity: &'a str,
    entity_key: &'a str,
    action: &'a str,
    detail: &'a str,
    code: Option<&'a str>,
    division: Option<&'a str>,
    summary: Option<&'a str>,
    /// The records' state after the change ([`super::seals::state`]).
    state: Option<&'a str>,
    /// The account and token that made it.
    by: Option<(i64, i64)>,
}

/// SHA-256 (hex) over the previous hash and each field, every part
/// length-prefixed so no two different entries hash the same bytes. The
/// feed's fields (code, division, summary) came later: an entry with none
/// of them hashes as entries did before them; one with any hashes all
/// three, each with a presence byte.
fn entry_hash(prev: &str, f: &Fields) -> String {
    let mut h = Sha256::new();
    let seq = f.seq.to_string();
    for part in [prev, &seq, f.at, f.actor, f.entity, f.entity_key, f.action, f.detail] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    if f.code.is_some() || f.division.is_some() || f.summary.is_some() {
        for part in [f.code, f.division, f.summary] {
            match part {
                Some(p) => {
                    h.update([1]);
                    h.update((p.len() as u64).to_le_bytes());
                    h.update(p.as_bytes());
                }
                None => h.update([0]),
            }
        }
    }
    // The records' state came later still: marked by a byte no entry
    // before it can have there.
    if let Some(state) = f.state {
        h.update([2]);
        h.update((state.len() as u64).to_le_bytes());
        h.update(state.as_bytes());
    }
    // Who made it (account, token) came with accounts.
    if let Some((account, token)) = f.by {
        h.update([3]);
        h.update(account.to_le_bytes());
        h.update(token.to_le_bytes());
    }
    hex::encode(h.finalize())
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Appends an entry in the caller's transaction; returns its sequence
/// number.
pub fn append_change(tx: &Transaction, e: &ChangeEntry) -> StoreResult<i64> {
    let (last, prev): (i64, String) = tx
        .query_row("SELECT seq, COALESCE(hash, '') FROM change_log ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .or_else(|err| match err {
            rusqlite::Error::QueryReturnedNoRows => Ok((0, GENESIS.to_string())),
            other => Err(other),
        })?;
    let at: String = tx.query_row("SELECT strftime('%Y-%m-%dT%H:%M:%fZ','now')", [], |r| r.get(0))?;
    let detail = e.detail.to_string();
    // The records this transaction wrote are sealed first, so the entry
    // chains the state they leave.
    super::seals::seal_touched(tx)?;
    let state = super::seals::state(tx)?;
    let seq = last + 1;
    let fields = Fields {
        seq,
        at: &at,
        actor: e.actor,
        entity: e.entity,
        entity_key: e.entity_key,
        action: e.action,
        detail: &detail,
        code: e.code,
        division: e.division,
        summary: e.summary,
        state: Some(&state),
        by: e.by,
    };
    let hash = entry_hash(&prev, &fields);
    tx.prepare_cached(
        "INSERT INTO change_log (seq, at, actor, entity, entity_key, action, detail, prev_hash, hash, \
         code, division, summary, state, account, token) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        seq,
        at,
        e.actor,
        e.entity,
        e.entity_key,
        e.action,
        detail,
        prev,
        hash,
        e.code,
        e.division,
        e.summary,
        state,
        e.by.map(|b| b.0),
        e.by.map(|b| b.1)
    ])?;
    Ok(seq)
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries checked.
    pub entries: u64,
    /// Hash of the last entry (pin it elsewhere to detect truncation).
    pub head: String,
    /// The first entry that breaks the chain: (sequence number, why).
    pub broken: Option<(i64, String)>,
}

/// The columns of an entry that its hash covers, in [`StoredEntry`] order.
const ENTRY_COLUMNS: &str =
    "seq, at, actor, entity, entity_key, action, detail, code, division, summary, state, account, token";

/// The same before the feed's columns existed (the migration that chains
/// the log runs before they are added).
const ENTRY_COLUMNS_V2: &str =
    "seq, at, actor, entity, entity_key, action, detail, NULL, NULL, NULL, NULL, NULL, NULL";

/// An entry as read back from the log.
struct StoredEntry {
    seq: i64,
    at: String,
    actor: String,
    entity: String,
    entity_key: String,
    action: String,
    detail: String,
    code: Option<String>,
    division: Option<String>,
    summary: Option<String>,
    state: Option<String>,
    by: Option<(i64, i64)>,
}

impl StoredEntry {
    /// Reads the [`ENTRY_COLUMNS`] at the start of a row.
    fn read(r: &rusqlite::Row) -> rusqlite::Result<StoredEntry> {
        Ok(StoredEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            entity: r.get(3)?,
            entity_key: r.get(4)?,
            action: r.get(5)?,
            detail: r.get(6)?,
            code: r.get(7)?,
            division: r.get(8)?,
            summary: r.get(9)?,
            state: r.get(10)?,
            by: match (r.get::<_, Option<i64>>(11)?, r.get::<_, Option<i64>>(12)?) {
                (Some(a), Some(t)) => Some((a, t)),
                _ => None,
            },
        })
    }

    /// Its hash after `prev`, numbered `seq`.
    fn hash(&self, prev: &str, seq: i64) -> String {
        let fields = Fields {
            seq,
            at: &self.at,
            actor: &self.actor,
            entity: &self.entity,
            entity_key: &self.entity_key,
            action: &self.action,
            detail: &self.detail,
            code: self.code.as_deref(),
            division: self.division.as_deref(),
            summary: self.summary.as_deref(),
            state: self.state.as_deref(),
            by: self.by,
        };
        entry_hash(prev, &fields)
    }
}

/// Walks the whole log and recomputes the chain.
pub fn verify(conn: &Connection) -> StoreResult<AuditReport> {
    let mut stmt =
        conn.prepare(&format!("SELECT {ENTRY_COLUMNS}, prev_hash, hash FROM change_log ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut entries = 0;
    while let Some(r) = rows.next()? {
        entries += 1;
        let entry = StoredEntry::read(r)?;
        let seq = entry.seq;
        let stored_prev: Option<String> = r.get(13)?;
        let stored: Option<String> = r.get(14)?;
        let broken = |why: String| Ok(AuditReport { entries, head: prev.clone(), broken: Some((seq, why)) });
        if seq != expected_seq {
            return broken(format!("expected entry {expected_seq}, found {seq}: entries are missing"));
        }
        if stored_prev.as_deref() != Some(prev.as_str()) {
            return broken("its link to the previous entry does not match".into());
        }
        let hash = entry.hash(&prev, seq);
        if stored.as_deref() != Some(hash.as_str()) {
            return broken("its content does not match its hash: it was changed".into());
        }
        prev = hash;
        expected_seq += 1;
    }
    Ok(AuditReport { entries, head: prev, broken: None })
}

/// Migration step: chains the entries written before the log was chained
/// (the update trigger is lifted for the length of the step).
pub fn chain_existing(tx: &Transaction) -> rusqlite::Result<()> {
    tx.execute_batch("DROP TRIGGER change_log_no_update;")?;
    let rows: Vec<StoredEntry> = {
        let mut stmt = tx.prepare(&format!("SELECT {ENTRY_COLUMNS_V2} FROM change_log ORDER BY seq"))?;
        stmt.query_map([], StoredEntry::read)?.collect::<Result<_, _>>()?
    };
    let mut prev = GENESIS.to_string();
    // Renumber densely: the chain expects 1, 2, 3 …
    for (n, entry) in rows.into_iter().enumerate() {
        let new_seq = n as i64 + 1;
        let hash = entry.hash(&prev, new_seq);
        tx.execute(
            "UPDATE change_log SET seq = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            params![new_seq, prev, hash, entry.seq],
        )?;
        prev = hash;
    }
    tx.execute_batch(
        "CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
           BEGIN SELECT RAISE(ABORT, 'change_log is append-only'); END;",
    )
}
