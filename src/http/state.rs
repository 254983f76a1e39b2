//! Shared handles of the running service.

use crate::config::Settings;
use crate::index::Gazetteer;
use crate::store::Store;
use arc_swap::ArcSwap;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Shared handles of the running service.
#[derive(Clone)]
pub struct AppState {
    /// Settings, fixed at start-up.
    pub settings: Arc<Settings>,
    /// The store, for reads of full records and for writes.
    pub store: Arc<Store>,
    /// The current index snapshot; writers build a new one and swap it in,
    /// so readers never wait.
    pub gazetteer: Arc<ArcSwap<Gazetteer>>,
    /// Renders `/metrics`.
    pub metrics: PrometheusHandle,
}

impl AppState {
    /// The current index snapshot.
    pub fn gazetteer(&self) -> arc_swap::Guard<Arc<Gazetteer>> {
        self.gazetteer.load()
    }
}
