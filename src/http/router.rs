//! Every route of the service, in one place: [`routes`] are answered
//! within the request timeout and body limit; [`long_routes`] stream or
//! wait for as long as they need (batch geocoding, the change feed's long
//! poll and event stream) under limits of their own.

use super::state::AppState;
use super::{
    accounts, address_applications, addresses, audit, batch, boundaries, changes, checks, compounds,
    division_changes, divisions, geocode, health, inspections, links, map, marker_changes, markers, openapi,
    places, proposals, public_page, reverse, roads, signs, subscriptions, tiles, tokens,
};
use axum::Router;
use axum::routing::{delete, get, post, put};
use tower_http::limit::RequestBodyLimitLayer;

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
        .route("/addresses/{code}/retire", post(addresses::retire))
        .route("/addresses/{code}/certificate", get(addresses::certificate))
        .route("/addresses/{code}/links", get(links::list).post(links::create))
        .route("/links", get(links::find))
        .route("/signs", get(signs::list).post(signs::create))
        .route("/signs/summary", get(signs::summary))
        .route("/signs/{id}", get(signs::one))
        .route("/signs/{id}/inspections", post(signs::inspect))
        .route("/signs/{id}/{file}", get(signs::qr))
        .route("/p/{code}", get(public_page::address))
        .route("/p/{code}/reports", post(public_page::report))
        .route("/p/place/{id}", get(public_page::place))
        .route("/p/place/{id}/reports", post(public_page::report_place))
        .route("/p/division/{code}", get(public_page::division))
        .route("/p/division/{code}/reports", post(public_page::report_division))
        .route("/markers", get(markers::search).post(marker_changes::create))
        .route("/markers/overdue", get(inspections::overdue_markers))
        .route("/markers/{number}", get(marker_changes::one))
        .route("/markers/{number}/{action}", post(marker_changes::edit))
        .route("/roads/{id}/numbering", get(roads::numbering))
        .route("/roads/{id}/renumber", post(roads::renumber))
        .route("/compounds/{id}/addresses", get(compounds::list).post(compounds::create))
        .route("/address-applications", post(address_applications::create))
        .route("/address-applications/{id}", get(address_applications::one))
        .route("/address-applications/{id}/{action}", post(address_applications::decide))
        .route("/division-changes", get(division_changes::list).post(division_changes::create))
        .route("/division-changes/{id}", get(division_changes::one))
        .route("/division-changes/{id}/{action}", post(division_changes::decide))
        .route("/marker-changes", get(marker_changes::pending))
        .route("/marker-changes/{id}/{action}", post(marker_changes::decide))
        .route("/inspection-rounds", get(inspections::list).post(inspections::create))
        .route("/inspection-rounds/{id}", get(inspections::one))
        .route("/inspection-rounds/{id}/findings", post(inspections::add_finding))
        .route("/inspection-rounds/{id}/findings/{finding}/photos", post(inspections::add_photos))
        .route("/inspection-rounds/{id}/photos/{photo}", get(inspections::photo))
        .route("/inspection-rounds/{id}/repairs", post(inspections::add_repair))
        .route("/inspection-rounds/{id}/repairs/{repair}/complete", post(inspections::complete_repair))
        .route("/inspection-rounds/{id}/sign", post(inspections::sign))
        .route("/inspection-rounds/{id}/report", get(inspections::report))
        .route("/boundaries", get(boundaries::list))
        .route("/boundaries/{id}", get(boundaries::one))
        .route("/checks/topology", get(checks::topology))
        .route("/proposals", get(proposals::list).post(proposals::create))
        .route("/proposals/overdue", get(proposals::overdue))
        .route("/proposals/{id}", get(proposals::one).patch(proposals::revise))
        .route("/proposals/{id}/{action}", post(proposals::act))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route("/tokens/{id}/rotate", post(tokens::rotate))
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route("/accounts/{id}", get(accounts::one).delete(accounts::disable))
        .route("/accounts/{id}/activity", get(accounts::activity))
        .route("/accounts/{id}/roles/{role}", put(accounts::grant).delete(accounts::revoke_role))
        .route("/audit/checkpoints", get(audit::checkpoints))
        .route("/audit/verify", get(audit::verify))
        .route("/subscriptions", post(subscriptions::create))
        .route("/subscriptions/{id}", get(subscriptions::one).delete(subscriptions::delete))
        .route("/tiles", get(tiles::list))
        .route("/tiles/{tileset}", get(tiles::tilejson))
        .route("/tiles/{tileset}/{z}/{x}/{y}", get(tiles::tile))
        .route("/styles/base.json", get(map::style))
        .route("/fonts/{stack}/{range}", get(map::glyphs))
        .route("/map", get(map::page))
        .route("/map/{name}", get(map::asset))
}

/// The routes that stream or wait: no request timeout; batch geocoding
/// has its own body limit.
pub fn long_routes(batch_body_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/geocode/batch",
            post(batch::geocode_batch).layer(RequestBodyLimitLayer::new(batch_body_limit)),
        )
        .route("/links/match", post(links::match_records).layer(RequestBodyLimitLayer::new(batch_body_limit)))
        .route("/changes", get(changes::list))
        .route("/changes/stream", get(changes::stream))
}
