//! GeoJSON as the proposal API takes it: the request body read by
//! `http::params::json_body` into `ProposalInput` (what `POST /proposals`
//! and `PATCH /proposals/{id}` do), then its `geometry` through
//! `review::lifecycle::geometry`, the check every proposal's geometry
//! passes (GeoJSON, no collection, not empty, inside China's extent,
//! valid). A bare geometry is read by the same check.
//!
//! Checked: an accepted geometry keeps those promises, survives the store's
//! GeoPackage blob unchanged, and its GeoJSON as the API answers it
//! (`http::features::geometry`) is accepted again as the same geometry.

#![no_main]

use fangyu::http::params::json_body;
use fangyu::review::lifecycle::{ProposalInput, geometry};
use fangyu::store::gpkg;
use geo::{CoordsIter, Geometry, Validation};
use http::{HeaderMap, HeaderValue, header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(input) = json_body::<ProposalInput>(&headers, data)
        && let Some(v) = &input.geometry
    {
        check(v);
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        check(&v);
    }
});

fn check(v: &serde_json::Value) {
    let Ok(g) = geometry(v) else { return };
    assert!(!matches!(g, Geometry::GeometryCollection(_)), "a collection was accepted");
    assert!(g.coords_count() > 0, "an empty geometry was accepted");
    for c in g.coords_iter() {
        assert!((73.0..=136.0).contains(&c.x) && (3.0..=54.0).contains(&c.y), "({}, {}) accepted", c.x, c.y);
    }
    assert!(g.is_valid(), "an invalid geometry was accepted: {g:?}");

    let blob = gpkg::encode(&g).expect("an accepted geometry encodes");
    let back = gpkg::decode(&blob).expect("its blob decodes");
    assert_eq!(back, g, "the store's blob changed the geometry");

    let answered = fangyu::http::features::geometry(Some(&g));
    let again = geometry(&answered).expect("the geometry as answered is accepted again");
    assert_eq!(again, g, "the geometry as answered reads back differently");
}
