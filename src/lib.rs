//! # Fangyu (方舆)
//!
//! A place-name, address and administrative-boundary data service: the
//! system of record behind a "one standard address" (一址通) programme.
//!
//! ## Layout
//!
//! - [`model`]: domain values — division codes and levels, place classes,
//!   door plates and address codes, romanisation by the national rules.
//! - [`store`]: the embedded SQLite/GeoPackage store; all SQL lives here.
//! - [`index`]: in-memory indices built from the store — the point-in-polygon
//!   grid and division tree, cell grids of door plates and roads, the name index.
//! - [`geocode`]: reverse geocoding (point → division chain, nearest plate
//!   and road).
//! - [`review`]: naming review — proposals, the regulation's checks, the
//!   workflow from draft to published name, tokens with roles.
//! - [`eval`]: the nationwide forward-geocoding evaluation and its report.
//! - [`demo`]: the deterministic generator of the bundled demo dataset.
//! - [`io`]: GDAL/PROJ import with field mapping and a rejection report.
//! - [`http`]: the axum service: router, handlers, errors, OpenAPI.
//! - [`config`]: the typed settings tree.
//! - [`audit`]: signed checkpoints of the change log, and their checking.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod audit;
pub mod boundaries;
pub mod config;
pub mod demo;
pub mod eval;
pub mod geocode;
pub mod http;
pub mod index;
pub mod io;
pub mod model;
pub mod pdf;
pub mod plates;
pub mod progress;
pub mod review;
pub mod service;
pub mod startup;
pub mod store;
pub mod tiles;
