//! `fangyu boundaries …`: boundary lines in the store.

use anyhow::Result;
use fangyu::config::Settings;
use fangyu::store::Store;
use std::sync::Arc;

/// `fangyu boundaries derive`: every line derived from the polygons, the
/// store brought to them through the service (a running server on the
/// same store follows the log).
pub fn derive(settings: &Settings) -> Result<()> {
    let store = Arc::new(Store::open(&settings.store.path)?);
    let service = fangyu::service::Service::offline(store);
    let started = std::time::Instant::now();
    let today = chrono::Local::now().date_naive();
    let r = service.derive_boundaries(today)?;
    let [p, f, c] = r.per_level;
    let [pk, fk, ck] = r.km_per_level;
    println!(
        "boundary lines: {p} provincial ({pk:.0} km), {f} prefectural ({fk:.0} km), {c} county-level ({ck:.0} km); \
         {} new, {} changed, {} retired, {} unchanged, in {:.1} s",
        r.added,
        r.changed,
        r.retired,
        r.unchanged,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
