//! The audit trail's trust anchor: signed checkpoints of the change log's
//! head. The log is hash-chained, but anyone who can write the store could
//! truncate it or rewrite an entry and chain again; a checkpoint signed
//! with an Ed25519 key kept outside the store pins the head at a moment,
//! and copies kept by other agencies pin it beyond the reach of whoever
//! holds the store. [`verify`] checks the chain against every checkpoint
//! it is given (`verify.rs`).

mod keys;
mod verify;

pub use keys::{KeyError, SigningKey, VerifyingKey, keygen, public_path};
pub use verify::{CheckpointCheck, verify_checkpoints};

use crate::store::checkpoints::CheckpointRow;

/// What a checkpoint signs: a domain tag, the entry's sequence number and
/// hash, and the time, one per line.
fn message(seq: i64, head: &str, at: &str) -> Vec<u8> {
    format!("fangyu audit checkpoint v1\n{seq}\n{head}\n{at}\n").into_bytes()
}

/// A checkpoint of entry `seq` with hash `head`, signed now.
pub fn sign(key: &SigningKey, seq: i64, head: &str) -> CheckpointRow {
    let at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let signature = key.sign(&message(seq, head, &at));
    CheckpointRow { seq, head: head.to_string(), at, key_id: key.verifying().id(), signature }
}

/// Whether `c` carries a valid signature of `key`.
pub fn is_signed_by(c: &CheckpointRow, key: &VerifyingKey) -> bool {
    c.key_id == key.id() && key.verify(&message(c.seq, &c.head, &c.at), &c.signature)
}
