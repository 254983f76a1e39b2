//! Integration tests: the real service on port 0 over a real demo store,
//! real HTTP, GDAL as the independent oracle.

mod helpers;

mod accounts;
mod address_applications;
mod audit;
mod boundaries;
mod changes;
mod compounds;
mod consistency;
mod crash;
mod division_changes;
mod errors;
mod evaluation;
mod feed;
mod geocode;
mod import;
mod inspections;
mod limits;
mod links;
mod lookups;
mod marker_import;
mod mvt;
mod numbering;
mod renumbering;
mod reverse;
mod review;
mod signs;
mod store;
mod tiles;
mod topology;
mod transport;
