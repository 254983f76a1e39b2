//! Shared handles of the running service.

use crate::config::Settings;
use crate::index::Gazetteer;
use crate::review::Rules;
use crate::store::Store;
use arc_swap::ArcSwap;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared handles of the running service: one reference-counted block, so
/// that a request clones one pointer, not each handle.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// Wraps the handles.
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The handles themselves.
pub struct Shared {
    /// Settings, fixed at start-up.
    pub settings: Arc<Settings>,
    /// The store, for reads of full records and for writes.
    pub store: Arc<Store>,
    /// The current index snapshot; writers build a new one and swap it in,
    /// so readers never wait.
    pub gazetteer: Arc<ArcSwap<Gazetteer>>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The naming-review rules in force.
    pub rules: Arc<Rules>,
    /// Held while the indices are rebuilt after a change, so rebuilds run
    /// one at a time and each reads the newest store.
    pub reindexing: Arc<tokio::sync::Mutex<()>>,
    /// Vector tiles: the tile set, its cache or an archive.
    pub tiles: Arc<crate::tiles::service::TileService>,
}

impl Shared {
    /// The current index snapshot.
    pub fn gazetteer(&self) -> arc_swap::Guard<Arc<Gazetteer>> {
        self.gazetteer.load()
    }

    /// Rebuilds the indices from the store and swaps them in; requests
    /// already running finish on the old snapshot.
    pub async fn reindex(&self) -> Result<(), crate::store::StoreError> {
        let _one_at_a_time = self.reindexing.lock().await;
        let store = self.store.clone();
        let g = tokio::task::spawn_blocking(move || Gazetteer::load(&store))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        let plates = g.plates.clone();
        self.gazetteer.store(Arc::new(g));
        // The tiles follow: the changed features' tiles leave the cache.
        let (store, tiles) = (self.store.clone(), self.tiles.clone());
        tokio::task::spawn_blocking(move || tiles.reload(&store, plates))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))?;
        Ok(())
    }
}
