//! Confidence: a clean match's confidence by level, less a penalty for
//! each correction made to read the input, and the candidate built with it.

use super::{Candidate, Components, MatchLevel};
use crate::geocode::division_json::chain_json;
use crate::geocode::normalize::Correction;
use crate::index::Gazetteer;
use geo::Coord;

impl MatchLevel {
    /// Confidence of a clean match at this level.
    fn base_confidence(self) -> f64 {
        match self {
            MatchLevel::DoorPlate => 1.0,
            MatchLevel::Road | MatchLevel::Compound => 0.8,
            MatchLevel::Village => 0.7,
            MatchLevel::Township => 0.6,
            MatchLevel::County => 0.5,
            MatchLevel::Prefecture => 0.4,
            MatchLevel::Province => 0.3,
        }
    }
}

/// A candidate at `match_level` in `division`, its confidence that of a
/// clean match at that level less a penalty per correction.
#[allow(clippy::too_many_arguments)]
pub(super) fn candidate(
    g: &Gazetteer,
    standard_address: String,
    address_code: Option<String>,
    match_level: MatchLevel,
    division: u32,
    at: Coord<f64>,
    components: Components,
    corrections: Vec<Correction>,
) -> Candidate {
    let penalty: f64 = corrections
        .iter()
        .map(|c| match c.kind {
            "typo" | "missing_level" => 0.02,
            "short_name" | "alias" => 0.01,
            "old_name" => 0.05,
            "wrong_part" | "fuzzy_name" => 0.1,
            "number_not_found" => 0.15,
            "ambiguous" => 0.2,
            "unmatched" => 0.05,
            _ => 0.0,
        })
        .sum();
    let confidence = ((match_level.base_confidence() - penalty).clamp(0.05, 1.0) * 100.0).round() / 100.0;
    Candidate {
        standard_address,
        address_code,
        match_level,
        confidence,
        divisions: chain_json(&g.divisions, division),
        location: [at.x, at.y],
        components,
        corrections,
        division,
    }
}
