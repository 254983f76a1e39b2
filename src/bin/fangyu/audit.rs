//! `fangyu audit verify`: the change log's hash chain recomputed.

use anyhow::Result;
use fangyu::store::Store;
use std::path::Path;

/// Verifies the chain of the store at `path`; exits with 1 when broken.
pub fn verify(path: &Path) -> Result<()> {
    anyhow::ensure!(path.exists(), "{} does not exist", path.display());
    let store = Store::open(path)?;
    let report = store.read(fangyu::store::verify_audit)?;
    match report.broken {
        None => {
            println!("audit log intact: {} entries, head {}", report.entries, report.head);
            Ok(())
        }
        Some((seq, why)) => {
            println!("audit log BROKEN at entry {seq}: {why}");
            std::process::exit(1);
        }
    }
}
