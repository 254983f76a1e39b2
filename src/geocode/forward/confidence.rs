//! Confidence: how likely an answer is right at the level it answers (the
//! very door plate; else the road, compound, village or division it
//! names). A reading that explained the whole input is 1; each correction
//! made to read it costs what being wrong after such a correction costs,
//! as measured by `fangyu eval` (the tuning set: seed 20261203; measured
//! on others): an ambiguity or a contradiction takes an answer well below
//! 0.9, a short form or a dropped province hardly moves it.

use super::{Candidate, Components, MatchLevel};
use crate::geocode::division_json::chain_json;
use crate::geocode::normalize::Correction;
use crate::index::Gazetteer;
use geo::Coord;

/// Generic terms of counties and larger divisions: left-over text holding
/// one is a division part the reading missed (云梦|泽省…市: not 云梦县).
const COUNTY_TERMS: &[char] = &['省', '市', '区', '县', '旗', '州', '盟'];

/// Generic terms of townships.
const TOWNSHIP_TERMS: &[char] = &['镇', '乡'];

/// Terms that end a street or a door number.
const STREET_TERMS: &[char] = &['路', '街', '巷', '弄', '道', '号', '村', '幢', '栋', '院', '组'];

/// What text left unread costs: little after a street or plate, or a
/// township name after a county or a deeper answer (the answer is right as
/// far as it goes: a township the tree no longer has does not make its
/// county doubtful); much when it holds a county's or a larger division's
/// term (云梦|泽省…市), or looks like a division part and the answer stopped
/// at a prefecture or a province (济南市|中: the text named a county).
fn unmatched_cost(text: &str, level: MatchLevel) -> f64 {
    let head: String =
        text.chars().take_while(|c| !c.is_ascii_digit() && !STREET_TERMS.contains(c)).collect();
    let short = text.chars().count() <= 2 && !text.chars().any(|c| c.is_ascii_digit());
    let shallow = matches!(level, MatchLevel::Prefecture | MatchLevel::Province);
    let missed = head.contains(COUNTY_TERMS) || (shallow && (short || head.contains(TOWNSHIP_TERMS)));
    if missed { 0.4 } else { 0.08 }
}

/// What a correction costs.
fn cost(c: &Correction, level: MatchLevel) -> f64 {
    match c.kind {
        "ambiguous" => 0.5,
        "wrong_part" => 0.45,
        "fuzzy_name" => 0.2,
        "unmatched" => unmatched_cost(&c.from, level),
        "number_not_found" => 0.06,
        "typo" => 0.04,
        "old_name" | "alias" | "renumbered" => 0.02,
        "short_name" => 0.01,
        // A dropped province or prefecture, widths, spacing, numerals.
        _ => 0.0,
    }
}

/// A candidate at `match_level` in `division`, its confidence 1 less the
/// cost of each correction (and of naming no division at all: a street
/// name alone, anywhere in the country).
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
    let mut penalty: f64 = corrections.iter().map(|c| cost(c, match_level)).sum();
    // Text around the address costs once, however many pieces it had.
    if corrections.iter().any(|c| c.kind == "ignored_text") {
        penalty += 0.02;
    }
    if components.divisions.is_empty() {
        penalty += 0.2;
    }
    let confidence = ((1.0 - penalty).clamp(0.05, 1.0) * 100.0).round() / 100.0;
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
