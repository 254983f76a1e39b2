//! Geocoding: reverse (point → division chain, nearest plate and road) and
//! forward (free-text address → standard address, with its parts and what
//! was corrected).

pub mod batch;
pub mod batch_rows;
pub mod division_json;
pub mod forward;
pub mod normalize;
pub mod number;
pub mod reverse;
mod reverse_json;

pub use division_json::{DivisionJson, DivisionJsonCache};
pub use forward::{Candidate, MatchLevel, Options, geocode};
pub use reverse::{ReverseResult, reverse};
