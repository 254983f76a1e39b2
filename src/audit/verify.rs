//! The change log checked against signed checkpoints: each checkpoint's
//! signature, then whether the log still holds the entry it covers with
//! the hash it signed. A log shorter than a checkpoint was truncated; an
//! entry whose hash differs was rewritten (and everything after it chained
//! again), somewhere after the newest checkpoint that still matches.

use super::{VerifyingKey, is_signed_by};
use crate::store::checkpoints::{CheckpointRow, entry_hash};
use crate::store::{AuditReport, StoreResult};
use rusqlite::Connection;
use serde::Serialize;

/// What the checkpoints said of the log.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CheckpointCheck {
    /// Checkpoints whose signature verified.
    pub checked: usize,
    /// The newest of them, if any.
    pub latest: Option<i64>,
    /// The first problem: the entry it names, and why.
    pub broken: Option<(i64, String)>,
}

/// Checks `checkpoints` (in any order, duplicates allowed) against the log
/// of `conn`, whose chain `chain` has already been walked. A checkpoint
/// not signed by `key` is itself a finding: someone made it up.
pub fn verify_checkpoints(
    conn: &Connection,
    chain: &AuditReport,
    key: &VerifyingKey,
    checkpoints: &[CheckpointRow],
) -> StoreResult<CheckpointCheck> {
    let mut sorted: Vec<&CheckpointRow> = checkpoints.iter().collect();
    sorted.sort_by_key(|c| c.seq);
    sorted.dedup_by(|a, b| a == b);
    let mut out = CheckpointCheck { checked: 0, latest: None, broken: None };
    if let Some(forged) = sorted.iter().find(|c| !is_signed_by(c, key)) {
        let why = format!(
            "the checkpoint of entry {} (at {}) is not signed by key {}: it was made up or altered",
            forged.seq,
            forged.at,
            key.id()
        );
        out.broken = Some((forged.seq, why));
        return Ok(out);
    }
    out.checked = sorted.len();
    out.latest = sorted.last().map(|c| c.seq);
    let last_entry = chain.entries as i64;
    // The newest checkpoint the log still agrees with.
    let mut agreed = 0;
    for c in &sorted {
        if c.seq > last_entry {
            let why = format!(
                "the log ends at entry {last_entry}, but a checkpoint signed at {} covers entry {}: \
                 entries {}..={} were deleted",
                c.at,
                c.seq,
                last_entry + 1,
                c.seq
            );
            out.broken = Some((last_entry + 1, why));
            return Ok(out);
        }
        match entry_hash(conn, c.seq)? {
            Some(h) if h == c.head => agreed = c.seq,
            _ => {
                let first = agreed + 1;
                let which = if first == c.seq {
                    format!("entry {first} was")
                } else {
                    format!("entries {first}..={} were", c.seq)
                };
                let why = format!(
                    "entry {}'s hash differs from the checkpoint signed at {}: {which} rewritten after \
                     that checkpoint and the chain recomputed",
                    c.seq, c.at
                );
                out.broken = Some((first, why));
                return Ok(out);
            }
        }
    }
    Ok(out)
}
