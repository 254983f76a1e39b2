//! Boundary management: the lines between neighbouring divisions derived
//! from their polygons (`derive.rs`), marker numbers by GB/T 17796 and the
//! rules a new marker must follow (`numbering.rs`), and the coordinate
//! systems boundary data is surveyed in (`crs.rs`).

pub mod crs;
pub mod derive;
pub mod numbering;
pub mod report;
mod report_pdf;
pub mod topology_check;
