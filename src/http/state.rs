//! Shared handles of the running service.

use crate::config::Settings;
use crate::geocode::DivisionJsonCache;
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
    /// The JSON of the snapshot's divisions for `/reverse` (refreshed by
    /// the projections when they install a rebuilt division index).
    pub division_json: Arc<DivisionJsonCache>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
    /// The naming-review rules in force.
    pub rules: Arc<Rules>,
    /// Every write goes through here; it keeps the projections below in
    /// step with the store.
    pub service: crate::service::Service,
    /// The indices and tiles as projections of the change log, and the
    /// feed's announced head.
    pub projections: Arc<crate::service::Projections>,
    /// Vector tiles: the tile set, its cache or an archive.
    pub tiles: Arc<crate::tiles::service::TileService>,
    /// Permits for API writes admitted at once (see `write`).
    pub writes: Arc<tokio::sync::Semaphore>,
    /// Permits for batch jobs running at once.
    pub batch_jobs: Arc<tokio::sync::Semaphore>,
    /// Signs the change log's head, when the settings name a key.
    pub checkpointer: Option<Arc<crate::service::audit::Checkpointer>>,
    /// Rate limits per token and per client address.
    pub rates: Arc<super::rate::RateLimits>,
}

impl Shared {
    /// The current index snapshot.
    pub fn gazetteer(&self) -> arc_swap::Guard<Arc<Gazetteer>> {
        self.gazetteer.load()
    }

    /// The current index snapshot, held (to move into a blocking task).
    pub fn gazetteer_arc(&self) -> Arc<Gazetteer> {
        self.gazetteer.load_full()
    }

    /// Runs a write of the service on the blocking pool, so the async
    /// workers keep answering reads while it waits for the store's write
    /// lock and while the projections apply it. At most `write_queue`
    /// writes are admitted at once: while another process (a CLI import)
    /// holds the store's write lock, the rest are answered 503 at once
    /// rather than piling up threads that reads need.
    pub async fn write<T: Send + 'static, E: Into<super::error::ApiError> + Send + 'static>(
        &self,
        f: impl FnOnce(&crate::service::Service, &Rules) -> Result<T, E> + Send + 'static,
    ) -> Result<T, super::error::ApiError> {
        let permit = self.writes.clone().try_acquire_owned().map_err(|_| super::error::ApiError::busy())?;
        let (service, rules) = (self.service.clone(), self.rules.clone());
        tokio::task::spawn_blocking(move || {
            let out = f(&service, &rules);
            drop(permit);
            out
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
        .map_err(Into::into)
    }

    /// Runs `f` on a read connection of the store, on the blocking pool:
    /// a read never occupies an async worker, whatever the store is doing.
    pub async fn query<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> crate::store::StoreResult<T> + Send + 'static,
    ) -> crate::store::StoreResult<T> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || store.read(f))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }

    /// Runs a read of the store on the blocking pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::service::Service) -> T + Send + 'static,
    ) -> T {
        let service = self.service.clone();
        tokio::task::spawn_blocking(move || f(&service))
            .await
            .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }
}
