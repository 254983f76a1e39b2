//! Liveness, readiness and metrics.

use super::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Liveness: 200 while the process serves.
#[utoipa::path(get, path = "/health", tag = "service", responses((status = 200, description = "Serving")))]
pub async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Readiness: the store and indices are loaded; counts of what is served,
/// and whether the tiles' start-up work (generalising every zoom, on
/// another thread) is still running (`tiles`: `preparing` or `ready`); the
/// change-log head the indices answer (`head`) and how many plates and roads
/// they carry as changes over their built grids (`index_overlay`).
#[utoipa::path(get, path = "/ready", tag = "service", responses((status = 200, description = "Ready, with counts")))]
pub async fn ready(State(s): State<AppState>) -> Json<Value> {
    let g = s.gazetteer();
    Json(json!({
        "status": "ready",
        "divisions": g.divisions.all().len(),
        "places": g.places.len(),
        "door_plates": g.plates.len(),
        "roads": g.roads.len(),
        "markers": g.markers.len(),
        "name_keys": g.names.len(),
        "head": s.projections.head(),
        "index_overlay": s.projections.overlay_len(),
        "tiles": if s.tiles.prepared() { "ready" } else { "preparing" },
    }))
}

/// Prometheus metrics (text exposition format).
#[utoipa::path(get, path = "/metrics", tag = "service", responses((status = 200, description = "Prometheus text")))]
pub async fn metrics(State(s): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render())
}
