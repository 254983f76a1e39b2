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

/// Verifies the chain of the store at `path`, then checks it against the
/// checkpoints; exits with 1 when anything is wrong.
pub fn verify(path: &Path, settings: &AuditSettings, extra: &[PathBuf]) -> Result<()> {
    let store = open(path)?;
    let Some(key_path) = &settings.key else {
        let report = store.read(fangyu::store::verify_audit)?;
        return match report.broken {
            Some((seq, why)) => broken(seq, &why),
            None => {
                println!("audit log intact: {} entries, head {}", report.entries, report.head);
                println!(
                    "no checkpoint key given (--key or [audit] key): truncation and rewriting cannot be detected"
                );
                Ok(())
            }
        };
    };
    // The public key beside a signing key, or the key given.
    let public = fangyu::audit::public_path(key_path);
    let key = VerifyingKey::read(if public.exists() { &public } else { key_path })?;
    let mut logs = vec![settings.checkpoint_log_path()];
    logs.extend(extra.iter().cloned());
    let (report, check) = fangyu::service::audit::verify(&store, &key, &logs)?;
    if let Some((seq, why)) = &report.broken {
        return broken(*seq, why);
    }
    println!("audit log intact: {} entries, head {}", report.entries, report.head);
    let check = check.unwrap_or(CheckpointCheck { checked: 0, latest: None, broken: None });
    match (check.broken, check.latest) {
        (Some((seq, why)), _) => broken(seq, &why)?,
        (None, None) => println!("no signed checkpoint yet: truncation cannot be detected"),
        (None, Some(latest)) => println!(
            "checked against {} signed checkpoints (key {}), the newest of entry {latest}",
            check.checked,
            key.id()
        ),
    }
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
