//! Signed checkpoints of the change log, written by a running server every
//! `checkpoint_secs` and on shutdown, and on demand by `fangyu audit
//! checkpoint`: each one goes into the store and, as one JSON line, into
//! the checkpoint log outside it (which other agencies may copy).

use crate::audit::{KeyError, SigningKey, sign};
use crate::config::AuditSettings;
use crate::store::checkpoints::{CheckpointRow, log_head};
use crate::store::{Store, StoreError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Why a checkpoint could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The key could not be read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The checkpoint log could not be appended to.
    #[error("{path}: {source}")]
    Log {
        /// The checkpoint log.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// Writes checkpoints of one store with one key.
pub struct Checkpointer {
    store: Arc<Store>,
    key: SigningKey,
    log: PathBuf,
}

impl Checkpointer {
    /// The checkpointer the settings describe, or `None` when they name
    /// no key.
    pub fn open(
        settings: &AuditSettings,
        store: Arc<Store>,
    ) -> Result<Option<Checkpointer>, CheckpointError> {
        let Some(path) = &settings.key else { return Ok(None) };
        let key = SigningKey::read(path)?;
        Ok(Some(Checkpointer { store, key, log: settings.checkpoint_log_path() }))
    }

    /// The public half of the signing key.
    pub fn public_key(&self) -> crate::audit::VerifyingKey {
        self.key.verifying()
    }

    /// Signs the log's head, unless a checkpoint of it exists already
    /// (`force` signs it again, with the time of now, for the log).
    /// Returns the checkpoint written.
    pub fn checkpoint(&self, force: bool) -> Result<Option<CheckpointRow>, CheckpointError> {
        let (seq, head) = self.store.read(log_head)?;
        let last = self.store.read(CheckpointRow::last_seq)?;
        if !force && last == Some(seq) {
            return Ok(None);
        }
        let c = sign(&self.key, seq, &head);
        self.store.write(|tx| CheckpointRow::insert(tx, &c))?;
        let line = serde_json::to_string(&c).unwrap_or_default();
        append_line(&self.log, &line)
            .map_err(|source| CheckpointError::Log { path: self.log.clone(), source })?;
        Ok(Some(c))
    }

    /// Writes a checkpoint every `every` from a thread of its own, for as
    /// long as the process runs.
    pub fn every(self: Arc<Self>, every: std::time::Duration) {
        let spawned = std::thread::Builder::new().name("audit-checkpoints".into()).spawn(move || {
            loop {
                std::thread::sleep(every);
                if let Err(e) = self.checkpoint(false) {
                    tracing::warn!("writing an audit checkpoint: {e}");
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!("cannot start the audit checkpoints: {e}");
        }
    }
}

/// Appends `line` and its newline to the checkpoint log in one write, then
/// syncs it. A last line without its newline was cut short by a crash in
/// an earlier append (the checkpoint it held went into the store first):
/// it is dropped, so that the new line does not run on from it.
fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().create(true).truncate(false).read(true).write(true).open(path)?;
    let len = f.metadata()?.len();
    let whole = complete_lines_len(&mut f, len)?;
    if whole < len {
        tracing::warn!("{}: dropping a checkpoint line cut short by a crash", path.display());
        f.set_len(whole)?;
    }
    f.seek(SeekFrom::Start(whole))?;
    f.write_all(format!("{line}\n").as_bytes())?;
    f.sync_data()
}

/// How many of the first `len` bytes of `f` are whole lines: up to and
/// including the last newline.
fn complete_lines_len(f: &mut std::fs::File, len: u64) -> std::io::Result<u64> {
    let mut end = len;
    let mut chunk = vec![0u8; 4096];
    while end > 0 {
        let start = end.saturating_sub(chunk.len() as u64);
        let part = &mut chunk[..(end - start) as usize];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(part)?;
        if let Some(i) = part.iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Reads a checkpoint log (one JSON checkpoint a line); a line that is not
/// a checkpoint is an error naming it, except a last line without its
/// newline that does not parse: an append cut short by a crash, which
/// the next append drops.
pub fn read_checkpoint_log(path: &std::path::Path) -> anyhow::Result<Vec<CheckpointRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let whole = text.rfind('\n').map_or(0, |i| i + 1);
    let mut rows = text[..whole]
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| anyhow::anyhow!("{} line {}: {e}", path.display(), n + 1))
        })
        .collect::<anyhow::Result<Vec<CheckpointRow>>>()?;
    if let Ok(last) = serde_json::from_str(&text[whole..]) {
        rows.push(last);
    }
    Ok(rows)
}

impl Checkpointer {
    /// The whole audit, against every checkpoint this server knows of.
    pub fn audit(&self) -> anyhow::Result<AuditOutcome> {
        audit(&self.store, Some(&self.key.verifying()), std::slice::from_ref(&self.log))
    }
}

/// Everything `fangyu audit verify` checks: the chain, the checkpoints
/// (with a key) and the records against their seals and the log.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditOutcome {
    /// The chain.
    pub chain: crate::store::AuditReport,
    /// The checkpoints, when a key was given.
    pub checkpoints: Option<crate::audit::CheckpointCheck>,
    /// The records, when the chain and checkpoints hold.
    pub records: Option<crate::store::seals::RecordsReport>,
}

/// The whole audit of `store`: the chain, then (with `key`) every
/// checkpoint of the store and of `logs`, then the records — all read in
/// one snapshot, so that writes committed meanwhile (a live server's) are
/// neither half seen nor mistaken for tampering.
pub fn audit(
    store: &Store,
    key: Option<&crate::audit::VerifyingKey>,
    logs: &[PathBuf],
) -> anyhow::Result<AuditOutcome> {
    let mut outside = Vec::new();
    if key.is_some() {
        for log in logs.iter().filter(|l| l.exists()) {
            outside.extend(read_checkpoint_log(log)?);
        }
    }
    let (chain, checkpoints, records) = store.read_snapshot(|c| {
        let chain = crate::store::verify_audit(c)?;
        // A broken chain is the finding: the checkpoints are not read then.
        let checkpoints = match key {
            Some(key) if chain.broken.is_none() => {
                let mut checkpoints = CheckpointRow::after(c, 0, usize::MAX)?;
                checkpoints.extend(outside);
                Some(crate::audit::verify_checkpoints(c, &chain, key, &checkpoints)?)
            }
            _ => None,
        };
        let broken = chain.broken.is_some() || checkpoints.as_ref().is_some_and(|c| c.broken.is_some());
        let records = if broken { None } else { Some(crate::store::seals::verify(c)?) };
        Ok((chain, checkpoints, records))
    })?;
    Ok(AuditOutcome { chain, checkpoints, records })
}
