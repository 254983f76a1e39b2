//! `fangyu audit`: the change log's hash chain recomputed and checked
//! against signed checkpoints; checkpoint keys made; checkpoints signed.

use anyhow::{Context, Result};
use fangyu::audit::{CheckpointCheck, VerifyingKey};
use fangyu::config::AuditSettings;
use fangyu::service::audit::Checkpointer;
use fangyu::store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn open(path: &Path) -> Result<Arc<Store>> {
    anyhow::ensure!(path.exists(), "{} does not exist", path.display());
    Ok(Arc::new(Store::open(path)?))
}

/// Verifies the chain of the store at `path`, checks it against the
/// checkpoints, and the records against their seals; exits with 1 when
/// anything is wrong.
pub fn verify(path: &Path, settings: &AuditSettings, extra: &[PathBuf]) -> Result<()> {
    let store = open(path)?;
    // The public key beside a signing key, or the key given.
    let key = match &settings.key {
        Some(k) => {
            let public = fangyu::audit::public_path(k);
            Some(VerifyingKey::read(if public.exists() { &public } else { k })?)
        }
        None => None,
    };
    let mut logs = vec![settings.checkpoint_log_path()];
    logs.extend(extra.iter().cloned());
    let outcome = fangyu::service::audit::audit(&store, key.as_ref(), &logs)?;
    if let Some((seq, why)) = &outcome.chain.broken {
        return broken(*seq, why);
    }
    println!("audit log intact: {} entries, head {}", outcome.chain.entries, outcome.chain.head);
    match (&outcome.checkpoints, &key) {
        (Some(CheckpointCheck { broken: Some((seq, why)), .. }), _) => broken(*seq, why)?,
        (Some(CheckpointCheck { latest: Some(latest), checked, .. }), Some(key)) => {
            println!(
                "checked against {checked} signed checkpoints (key {}), the newest of entry {latest}",
                key.id()
            )
        }
        (Some(_), _) => println!("no signed checkpoint yet: truncation cannot be detected"),
        (None, _) => println!(
            "no checkpoint key given (--key or [audit] key): truncation and rewriting cannot be detected"
        ),
    }
    let records = outcome.records.unwrap_or_default();
    if records.count > 0 {
        println!("records BROKEN: {} records are not what the service wrote", records.count);
        for f in &records.findings {
            println!("  {} {}: {}", f.table, f.key, f.why);
        }
        std::process::exit(1);
    }
    println!("records intact: {} rows match their seals and the log", records.rows);
    Ok(())
}

fn broken(seq: i64, why: &str) -> Result<()> {
    println!("audit log BROKEN at entry {seq}: {why}");
    std::process::exit(1);
}

/// Makes a key pair at the configured path.
pub fn keygen(settings: &AuditSettings) -> Result<()> {
    let path = settings.key.as_ref().context("say where the key goes: --key PATH (or [audit] key)")?;
    let key = fangyu::audit::keygen(path)?;
    println!(
        "signing key {} (keep it outside the store), public key {}",
        path.display(),
        fangyu::audit::public_path(path).display()
    );
    println!("key id {}", key.id());
    Ok(())
}

/// Signs the head of the store's log now.
pub fn checkpoint(path: &Path, settings: &AuditSettings) -> Result<()> {
    let store = open(path)?;
    let c = Checkpointer::open(settings, store)?.context("no checkpoint key: --key PATH (or [audit] key)")?;
    let written = c.checkpoint(true)?;
    println!("{}", serde_json::to_string(&written)?);
    Ok(())
}
