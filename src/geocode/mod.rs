//! Geocoding: reverse (point → division chain, nearest plate and road).

pub mod reverse;

pub use reverse::{ReverseResult, reverse};
