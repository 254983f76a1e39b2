//! Forward geocoding: a free-text Chinese address → ranked candidates.
//!
//! 1. [`normalize`]: width, spacing, punctuation, typos;
//! 2. segmentation: from the left, the longest division name (full, short,
//!    alias or old name) the text starts with, one after another, stopping
//!    at a road or compound name or at text no division is called;
//! 3. resolution: every division named is mapped to today's division (old
//!    names through the change history), and the deepest division best
//!    supported by the others wins; equally supported divisions of the same
//!    level (鼓楼区 in 南京 and 徐州) are all answered;
//! 4. the street (road, compound, or the village for rural plates) within
//!    that division, exactly or one edit away;
//! 5. the door number, then the plate on that street; failing that the
//!    answer falls back a level (road, compound, village … province).
//!
//! This file holds the answer's types and the query; step 2 is
//! `segment.rs`, step 3 `resolve.rs`, steps 4 and 5 `street.rs` and
//! `plate.rs`, `confidence.rs` scores a candidate by its corrections, and
//! `extract.rs` finds an address inside other text.

mod confidence;
mod extract;
mod plate;
mod resolve;
mod segment;
mod street;

use super::normalize::{Correction, normalize};
use super::number::DoorNumber;
use crate::index::Gazetteer;
use crate::model::Level;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::value::RawValue;

/// How deep a candidate matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchLevel {
    /// A door plate (road plate, compound building or rural plate).
    DoorPlate,
    /// A road, street or lane.
    Road,
    /// A residential compound.
    Compound,
    /// A village or community.
    Village,
    /// A township, town or subdistrict.
    Township,
    /// A county-level division.
    County,
    /// A prefecture-level division.
    Prefecture,
    /// A province-level division.
    Province,
}

impl MatchLevel {
    /// The stable identifier (`door_plate`, `road`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchLevel::DoorPlate => "door_plate",
            MatchLevel::Road => "road",
            MatchLevel::Compound => "compound",
            MatchLevel::Village => "village",
            MatchLevel::Township => "township",
            MatchLevel::County => "county",
            MatchLevel::Prefecture => "prefecture",
            MatchLevel::Province => "province",
        }
    }

    pub(super) fn of_division(l: Level) -> MatchLevel {
        match l {
            Level::Province => MatchLevel::Province,
            Level::Prefecture => MatchLevel::Prefecture,
            Level::County => MatchLevel::County,
            Level::Township => MatchLevel::Township,
            Level::Village => MatchLevel::Village,
        }
    }
}

/// What the parser read in the input.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Components {
    /// Division names as written, in input order.
    pub divisions: Vec<String>,
    /// Road, compound or village the plate hangs off, as matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    /// The door number and what follows it.
    pub number: DoorNumber,
}

/// One candidate answer.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// The standard address (division chain + street + number).
    pub standard_address: String,
    /// 18-digit address code, when matched to a door plate.
    pub address_code: Option<String>,
    /// How deep the match went.
    pub match_level: MatchLevel,
    /// In [0, 1].
    pub confidence: f64,
    /// The division chain, province first: `[{code, name, level}]`.
    pub divisions: Box<RawValue>,
    /// `[lon, lat]`, CGCS2000.
    pub location: [f64; 2],
    /// What the parser read.
    pub components: Components,
    /// What was non-standard in the input and how it was read.
    pub corrections: Vec<Correction>,
    /// The deepest division of the answer (index).
    #[serde(skip)]
    pub division: u32,
}

/// Options of a query.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Most candidates returned.
    pub limit: usize,
    /// Only answers inside this division (index).
    pub within: Option<u32>,
    /// Names valid on this date are standard, not old.
    pub at: Option<NaiveDate>,
}

/// Most readings listed in an `ambiguous` note.
pub(super) const MAX_LISTED: usize = 8;

/// Geocodes one address, found first in the text around it when there is
/// some (a label, a name and phone number, a sentence, several lines).
pub fn geocode(g: &Gazetteer, q: &str, opts: Options) -> Vec<Candidate> {
    let plain = || {
        let (text, notes) = normalize(q);
        read(g, &text, notes, opts)
    };
    // Plain text that reads a division is the address; otherwise look for
    // one inside it (and fall back to the plain reading, made once).
    let first = (!extract::may_be_wrapped(q)).then(plain);
    let read_a_division =
        first.as_ref().and_then(|out| out.first()).is_some_and(|c| !c.components.divisions.is_empty());
    if !read_a_division && let Some((address, ignored)) = extract::address_in(g, q) {
        let (text, mut notes) = normalize(&address);
        notes.extend(ignored.into_iter().map(|i| Correction::new("ignored_text", i, "")));
        return read(g, &text, notes, opts);
    }
    first.unwrap_or_else(plain)
}

/// A division answer given as the version the text named on the `at=`
/// date, when it named one that has changed since.
fn as_it_was(g: &Gazetteer, mut c: Candidate, h: &resolve::Hypothesis) -> Candidate {
    if let Some(old) = h.as_of.filter(|_| Some(c.division) == h.division && c.address_code.is_none()) {
        c.divisions = crate::geocode::division_json::chain_json(&g.divisions, old);
        c.standard_address = g.divisions.chain_names(old);
        c.division = old;
    }
    c
}

/// Geocodes a cleaned address (`base_notes`: what cleaning it changed).
fn read(g: &Gazetteer, text: &str, base_notes: Vec<Correction>, opts: Options) -> Vec<Candidate> {
    let (spans, rest_at, rest_names) = segment::segment(g, text);
    let rest = &text[rest_at..];
    let hyps = resolve::resolve(g, &spans, opts.within, opts.at);
    // The readings, named in the note (the first few of many).
    let ambiguity = (hyps.len() > 1).then(|| {
        let mut names: Vec<String> = hyps
            .iter()
            .filter_map(|o| o.division)
            .take(MAX_LISTED)
            .map(|d| g.divisions.chain_names(d))
            .collect();
        if hyps.len() > MAX_LISTED {
            names.push(format!("等{}处", hyps.len()));
        }
        let written: String = spans.iter().map(|s| s.text).collect();
        Correction::new("ambiguous", written, names.join("|"))
    });
    let mut out: Vec<Candidate> = Vec::new();
    let written: Vec<String> = spans.iter().map(|s| s.text.to_string()).collect();
    // The street search looks through the whole county: an answer asked
    // within a township or a village stays in it.
    let inside = |c: &Candidate| opts.within.is_none_or(|w| g.divisions.is_within(c.division, w));
    for h in hyps.iter().take(opts.limit.max(1) * 2) {
        let mut notes = base_notes.clone();
        notes.extend(h.notes.iter().cloned());
        if let Some(a) = &ambiguity {
            notes.push(a.clone());
        }
        let found = street::match_detail(g, h.division, rest, &rest_names, &written, notes);
        out.extend(found.into_iter().filter(inside).map(|c| as_it_was(g, c, h)));
    }
    if out.is_empty() && !rest.is_empty() && spans.is_empty() {
        // Nothing named a division: the street alone, anywhere.
        let found = street::match_detail(g, opts.within, rest, &rest_names, &written, base_notes);
        out.extend(found.into_iter().filter(inside));
    }
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.match_level.cmp(&b.match_level)));
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.standard_address.clone()));
    out.truncate(opts.limit);
    out
}
