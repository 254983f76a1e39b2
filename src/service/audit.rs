//! Signed checkpoints of the change log, written by a running server every
//! `checkpoint_secs` and on shutdown, and on demand by `fangyu audit
//! checkpoint`: each one goes into the store and, as one JSON line, into
//! the checkpoint log outside it (which other agencies may copy).

use crate::audit::{KeyError, SigningKey, sign};
use crate::config::AuditSettings;
use crate::store::checkpoints::{CheckpointRow, log_head};
use crate::store::{Store, StoreError};
use std::io::Write;
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
        let log_err = |source| CheckpointError::Log { path: self.log.clone(), source };
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).map_err(log_err)?;
        writeln!(f, "{line}").and_then(|_| f.sync_data()).map_err(log_err)?;
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

/// Reads a checkpoint log (one JSON checkpoint a line); a line that is not
/// a checkpoint is an error naming it.
pub fn read_checkpoint_log(path: &std::path::Path) -> anyhow::Result<Vec<CheckpointRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l).map_err(|e| anyhow::anyhow!("{} line {}: {e}", path.display(), n + 1))
        })
        .collect()
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
/// checkpoint of the store and of `logs`, then the records.
pub fn audit(
    store: &Store,
    key: Option<&crate::audit::VerifyingKey>,
    logs: &[PathBuf],
) -> anyhow::Result<AuditOutcome> {
    let chain = store.read(crate::store::verify_audit)?;
    // A broken chain is the finding: the checkpoints are not read then.
    let checkpoints = match key {
        Some(key) if chain.broken.is_none() => {
            let mut checkpoints = store.read(|c| CheckpointRow::after(c, 0, usize::MAX))?;
            for log in logs.iter().filter(|l| l.exists()) {
                checkpoints.extend(read_checkpoint_log(log)?);
            }
            Some(store.read(|c| crate::audit::verify_checkpoints(c, &chain, key, &checkpoints))?)
        }
        _ => None,
    };
    let broken = chain.broken.is_some() || checkpoints.as_ref().is_some_and(|c| c.broken.is_some());
    let records = if broken { None } else { Some(store.read(crate::store::seals::verify)?) };
    Ok(AuditOutcome { chain, checkpoints, records })
}
