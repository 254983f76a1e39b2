//! Start-up: open the store (building the demo store first when it is
//! missing), load the indices, bind and serve.

use crate::config::Settings;
use crate::demo::{self, Scale};
use crate::index::Gazetteer;
use crate::store::Store;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Builds the demo store at `path` if it does not exist. The build writes
/// to a temporary file renamed into place at the end, so an interrupted
/// build never leaves a half store behind.
pub fn ensure_demo_store(settings: &Settings, path: &Path, scale: Scale) -> Result<()> {
    if path.exists() {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("building");
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", tmp.display()));
    }
    let started = Instant::now();
    {
        let store = Store::open(&tmp)?;
        let report = demo::build(&store, settings, scale)?;
        for n in &report.notes {
            tracing::info!("demo: {n}");
        }
        tracing::info!(
            "demo store: {} divisions, {} places, {} addresses, {} signs in {:.1}s",
            report.divisions,
            report.places,
            report.addresses,
            report.signs,
            started.elapsed().as_secs_f64()
        );
        store.checkpoint()?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("rename to {}", path.display()))?;
    Ok(())
}

/// Opens the store and builds the indices.
pub fn load(settings: &Settings) -> Result<(Arc<Store>, Gazetteer)> {
    let path = settings.store.path.clone();
    ensure_demo_store(settings, &path, Scale::Demo)?;
    let store = Arc::new(Store::open(&path)?);
    let started = Instant::now();
    let g = Gazetteer::load(&store)?;
    for (step, d) in &g.timings {
        tracing::debug!("index: {step} {:.2}s", d.as_secs_f64());
    }
    tracing::info!(
        "indices ready in {:.1}s: {} divisions, {} places, {} door plates, {} roads",
        started.elapsed().as_secs_f64(),
        g.divisions.all().len(),
        g.places.len(),
        g.plates.len(),
        g.roads.len()
    );
    Ok((store, g))
}
