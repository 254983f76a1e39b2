//! Every route of the service, in one place.

use super::state::AppState;
use super::{addresses, divisions, geocode, health, markers, openapi, places, reverse};
use axum::Router;
use axum::routing::get;

/// The routes, without middleware.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/ready", get(health::ready))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/docs", get(openapi::docs))
        .route("/problems/{slug}", get(openapi::problem))
        .route("/reverse", get(reverse::reverse))
        .route("/geocode", get(geocode::geocode))
        .route("/geocode/structured", get(geocode::structured))
        .route("/standardize", get(geocode::standardize))
        .route("/autocomplete", get(geocode::autocomplete))
        .route("/divisions", get(divisions::search))
        .route("/divisions/{code}", get(divisions::one))
        .route("/divisions/{code}/children", get(divisions::children))
        .route("/places", get(places::search))
        .route("/places/{id}", get(places::one))
        .route("/addresses/{code}", get(addresses::one))
        .route("/markers", get(markers::search))
}
