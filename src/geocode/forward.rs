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

use super::normalize::{Correction, normalize, numerals_to_digits};
use super::number::{DoorNumber, parse_door_number};
use crate::index::{Gazetteer, NameIndex, NameRef};
use crate::model::Level;
use geo::Coord;
use rustc_hash::FxHashMap;
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

    fn of_division(l: Level) -> MatchLevel {
        match l {
            Level::Province => MatchLevel::Province,
            Level::Prefecture => MatchLevel::Prefecture,
            Level::County => MatchLevel::County,
            Level::Township => MatchLevel::Township,
            Level::Village => MatchLevel::Village,
        }
    }

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
pub struct Options<'a> {
    /// Most candidates returned.
    pub limit: usize,
    /// Only answers inside this division (index).
    pub within: Option<u32>,
    /// Names valid on this date (YYYY-MM-DD) are standard, not old.
    pub at: Option<&'a str>,
}

/// A run of the input that names divisions.
struct Span<'t> {
    text: &'t str,
    /// Division versions the text names (current or historical), each
    /// with whether the text is its own name (not a short form or alias).
    divisions: Vec<(u32, bool)>,
}

/// Generic terms of thoroughfares: a division short name followed by one of
/// these is the head of a road name (浙江路), not a division.
const ROAD_GENERICS: &[&str] = &["路", "街", "大道", "巷", "弄", "胡同"];

/// Most readings listed in an `ambiguous` note.
const MAX_LISTED: usize = 8;

/// Generic terms of divisions.
const DIVISION_GENERICS: &[&str] =
    &["省", "市", "县", "区", "州", "盟", "旗", "镇", "乡", "街道", "村", "社区"];

/// Geocodes one address.
pub fn geocode(g: &Gazetteer, q: &str, opts: Options<'_>) -> Vec<Candidate> {
    let (text, base_notes) = normalize(q);
    let (spans, rest_at, rest_names) = segment(g, &text);
    let rest = &text[rest_at..];
    let hyps = resolve(g, &spans, opts.within, opts.at);
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
    for h in hyps.iter().take(opts.limit.max(1) * 2) {
        let mut notes = base_notes.clone();
        notes.extend(h.notes.iter().cloned());
        if let Some(a) = &ambiguity {
            notes.push(a.clone());
        }
        out.extend(match_detail(g, h.division, rest, &rest_names, &written, notes));
    }
    if out.is_empty() && !rest.is_empty() && spans.is_empty() {
        // Nothing named a division: the street alone, anywhere.
        out.extend(match_detail(g, opts.within, rest, &rest_names, &written, base_notes));
    }
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.match_level.cmp(&b.match_level)));
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.standard_address.clone()));
    out.truncate(opts.limit);
    out
}

/// Names a text starts with: `(length in bytes, postings)`, shortest first.
type Prefixes<'g> = Vec<(usize, &'g [u32])>;

/// Splits the head of `text` into division names; returns them, where the
/// rest begins (byte offset) and the names the rest starts with.
fn segment<'t, 'g>(g: &'g Gazetteer, text: &'t str) -> (Vec<Span<'t>>, usize, Prefixes<'g>) {
    let mut spans = Vec::new();
    let mut i = 0;
    // A leading division code (330203, 330203100, 330203100201).
    let code_len = text.bytes().take_while(u8::is_ascii_digit).count();
    if matches!(code_len, 6 | 9 | 12) {
        let versions = g.divisions.versions(&text[..code_len]);
        if !versions.is_empty() {
            spans.push(Span {
                text: &text[..code_len],
                divisions: versions.iter().map(|&v| (v, false)).collect(),
            });
            i = code_len;
        }
    }
    let mut found = Vec::new();
    while i < text.len() {
        let rest = &text[i..];
        found = g.names.prefixes_of(rest);
        // The longest road or compound name the rest starts with, and the
        // longest reading as divisions (names longest first: the first
        // reading kept ends the search, as a shorter road name cannot
        // outrun it).
        let mut place_len = 0;
        let mut best: Option<(usize, Vec<(u32, bool)>)> = None;
        for (len, posts) in found.iter().rev() {
            if place_len < *len
                && posts
                    .iter()
                    .any(|&p| matches!(NameIndex::target(p), NameRef::Place(p) if g.places.carries_plates(p)))
            {
                place_len = *len;
            }
            let divisions: Vec<(u32, bool)> = posts
                .iter()
                .filter_map(|&p| match NameIndex::target(p) {
                    NameRef::Division(d) => Some((d, NameIndex::is_own_name(p))),
                    NameRef::Place(_) => None,
                })
                .collect();
            if divisions.is_empty() {
                continue;
            }
            let after = &rest[*len..];
            let written = &rest[..*len];
            let named_short = divisions.iter().all(|&(_, own)| !own);
            // 浙江路, 人民路 (short for 人民路街道): a short form running into
            // or ending with a road's generic term is the road.
            // (台州路桥区 is 台州 + 路桥区: a division named in full follows;
            // 宁海路下施村 is 宁海 + 路下施村, a village under it.)
            if named_short
                && (ROAD_GENERICS.iter().any(|r| after.starts_with(r))
                    || ROAD_GENERICS.iter().any(|r| written.ends_with(r)))
                && !starts_with_full_division(g, after)
                && !starts_with_division_under(g, after, &divisions)
            {
                continue;
            }
            // 火星 followed by 市 is not 火星街道: a short form running into
            // another division's generic term is part of a name we do not know.
            // (宁波镇海 is 宁波 + 镇海区, 奉化旗洞巷 is 奉化 + 旗洞巷: a
            // division under it, or a street, follows.)
            if named_short
                && DIVISION_GENERICS.iter().any(|r| after.starts_with(r))
                && !starts_with_division_under(g, after, &divisions)
                && !starts_with_street(g, after)
            {
                continue;
            }
            // A short form that fits none of the divisions already read is
            // more likely the start of a street name than a contradiction.
            if named_short && !spans.is_empty() && !fits(g, &spans, &divisions) {
                continue;
            }
            best = Some((*len, divisions));
            break;
        }
        match best {
            Some((len, divisions)) if len >= place_len => {
                spans.push(Span { text: &rest[..len], divisions });
                i += len;
                found.clear();
            }
            _ => break,
        }
    }
    (spans, i, found)
}

/// Whether `text` starts with a name standing for an entry that `wanted`
/// accepts (given the entry and whether the name is its own).
fn starts_with_name(g: &Gazetteer, text: &str, wanted: impl Fn(NameRef, bool) -> bool) -> bool {
    g.names
        .prefixes_of(text)
        .iter()
        .any(|(_, posts)| posts.iter().any(|&p| wanted(NameIndex::target(p), NameIndex::is_own_name(p))))
}

/// Whether `text` starts with the full name of a current county or a
/// larger division.
fn starts_with_full_division(g: &Gazetteer, text: &str) -> bool {
    starts_with_name(g, text, |t, own| {
        matches!(t, NameRef::Division(d)
            if own
                && g.divisions.level(d) <= Level::County
                && g.divisions.get(d).valid_to.is_none())
    })
}

/// Whether `text` starts with the name of a road or compound.
fn starts_with_street(g: &Gazetteer, text: &str) -> bool {
    starts_with_name(g, text, |t, _| matches!(t, NameRef::Place(p) if g.places.carries_plates(p)))
}

/// Whether `text` starts with the name (full or short) of a current division
/// that lies under one of `divisions`.
fn starts_with_division_under(g: &Gazetteer, text: &str, divisions: &[(u32, bool)]) -> bool {
    let above: Vec<u32> = divisions.iter().filter_map(|&(d, _)| g.divisions.current_of(d)).collect();
    starts_with_name(g, text, |t, _| {
        matches!(t, NameRef::Division(d)
            if above.iter().any(|&a| a != d && g.divisions.is_within(d, a))
                && g.divisions.get(d).valid_to.is_none())
    })
}

/// Whether any of `divisions` lies above or below a division the spans
/// already read name (comparing today's divisions).
fn fits(g: &Gazetteer, spans: &[Span], divisions: &[(u32, bool)]) -> bool {
    let now: Vec<u32> = divisions.iter().filter_map(|&(d, _)| g.divisions.current_of(d)).collect();
    spans
        .iter()
        .flat_map(|s| &s.divisions)
        .filter_map(|&(d, _)| g.divisions.current_of(d))
        .any(|p| now.iter().any(|&n| g.divisions.is_within(p, n) || g.divisions.is_within(n, p)))
}

/// A reading of the division part.
struct Hypothesis {
    division: Option<u32>,
    notes: Vec<Correction>,
}

/// The code prefix every division under `d` shares (33, 3302, 330203 …).
fn code_prefix(g: &Gazetteer, d: u32) -> &str {
    let div = g.divisions.get(d);
    let n = match div.level {
        Level::Province => 2,
        Level::Prefecture => 4,
        Level::County => 6,
        Level::Township => 9,
        Level::Village => 12,
    };
    &div.code[..n.min(div.code.len())]
}

/// Whether the division coded `code` (a place's) lies under division
/// `ancestor`. Under a county or a larger division the code prefix says so;
/// under a township only the parent links do (52,606 of the 596,619 villages
/// in the national division table belong to a township whose code is not
/// their prefix, after townships were merged).
fn is_under(g: &Gazetteer, code: &str, ancestor: u32) -> bool {
    if g.divisions.get(ancestor).level <= Level::County {
        return code.starts_with(code_prefix(g, ancestor));
    }
    g.divisions.by_code(code, None).is_some_and(|d| g.divisions.is_within(d, ancestor))
}

/// How a span named a division (materialised as a [`Correction`] only for
/// the readings answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Naming {
    Standard,
    Short,
    Alias,
    OldName,
    OldCode,
}

fn resolve(g: &Gazetteer, spans: &[Span], within: Option<u32>, at: Option<&str>) -> Vec<Hypothesis> {
    // Each span's divisions as today's divisions, with how they were named
    // (the best naming when several versions lead to the same division).
    let mut per_span: Vec<FxHashMap<u32, Naming>> = Vec::new();
    for s in spans {
        let numeric = s.text.bytes().all(|b| b.is_ascii_digit());
        let mut cur: FxHashMap<u32, Naming> = FxHashMap::default();
        // A common name (新村 names thousands of villages) read after other
        // divisions: only those under a division already named, when any is.
        let in_context: Vec<(u32, bool)> = if s.divisions.len() > 8 && !per_span.is_empty() {
            // The few divisions already named, in one short list: each
            // candidate's ancestors are compared against it.
            let named: Vec<u32> = per_span.iter().flat_map(|p| p.keys().copied()).collect();
            s.divisions
                .iter()
                .copied()
                .filter(|&(d, _)| named.iter().any(|&a| a != d && g.divisions.is_within(d, a)))
                .collect()
        } else {
            vec![]
        };
        let candidates = if in_context.is_empty() { &s.divisions } else { &in_context };
        for &(d, own) in candidates {
            let Some(c) = g.divisions.current_of(d) else { continue };
            let (old, now) = (g.divisions.get(d), g.divisions.get(c));
            let naming = if d != c && at.is_some_and(|a| old.valid_on(Some(a))) {
                Naming::Standard
            } else if d != c && numeric && old.code != now.code {
                Naming::OldCode
            } else if d != c && !numeric && old.name != now.name {
                Naming::OldName
            } else if if numeric { s.text == now.code } else { own } {
                Naming::Standard
            } else if now.short_name.as_deref() == Some(s.text) || old.short_name.as_deref() == Some(s.text) {
                Naming::Short
            } else {
                Naming::Alias
            };
            cur.entry(c).and_modify(|n| *n = (*n).min(naming)).or_insert(naming);
        }
        // One name means one thing: of a division and its own subdivision
        // named alike (南山 for 南山区 and its 南山街道), the larger.
        let nested: Vec<u32> = cur.keys().copied().filter(|&c| lies_under_any(g, c, &cur)).collect();
        for c in nested {
            cur.remove(&c);
        }
        if !cur.is_empty() {
            per_span.push(cur);
        }
    }
    if per_span.is_empty() {
        return match within {
            Some(w) => vec![Hypothesis { division: Some(w), notes: vec![] }],
            None => vec![],
        };
    }
    // Score each named division by how many spans name it or an ancestor.
    let mut scored: FxHashMap<u32, (usize, Level)> = FxHashMap::default();
    for cands in &per_span {
        for &c in cands.keys() {
            if scored.contains_key(&c) || within.is_some_and(|w| !g.divisions.is_within(c, w)) {
                continue;
            }
            let support =
                per_span.iter().filter(|cs| cs.contains_key(&c) || lies_under_any(g, c, cs)).count();
            scored.insert(c, (support, g.divisions.level(c)));
        }
    }
    let Some(&best) = scored.values().max() else {
        return vec![];
    };
    let mut winners: Vec<u32> = scored.iter().filter(|(_, v)| **v == best).map(|(c, _)| *c).collect();
    winners.sort_unstable();
    winners
        .into_iter()
        .map(|c| {
            let mut notes = Vec::new();
            let mut named = Vec::new();
            for (s, cands) in spans.iter().zip(&per_span) {
                match g.divisions.lineage(c).find_map(|a| cands.get(&a).map(|n| (a, *n))) {
                    Some((a, naming)) => {
                        named.push(a);
                        let kind = match naming {
                            Naming::Standard => None,
                            Naming::Short => Some("short_name"),
                            Naming::Alias => Some("alias"),
                            Naming::OldName | Naming::OldCode => Some("old_name"),
                        };
                        if let Some(kind) = kind {
                            let now = g.divisions.get(a);
                            let to = if naming == Naming::OldCode { &now.code } else { &now.name };
                            notes.push(Correction::new(kind, s.text, to.as_str()));
                        }
                    }
                    None => notes.push(Correction::new("wrong_part", s.text, "")),
                }
            }
            let missing: String = g
                .divisions
                .chain(c)
                .iter()
                .filter(|&&a| a != c && !named.contains(&a))
                .map(|&a| g.divisions.get(a).name.as_str())
                .collect();
            if !missing.is_empty() {
                notes.push(Correction::new("missing_level", "", missing));
            }
            Hypothesis { division: Some(c), notes }
        })
        .collect()
}

/// Whether division `c` lies under one of the divisions keyed in `set`
/// (a span's few readings: each is a range check; for a long list, a walk
/// up from `c`).
fn lies_under_any<V>(g: &Gazetteer, c: u32, set: &FxHashMap<u32, V>) -> bool {
    if set.len() <= 16 {
        set.keys().any(|&a| a != c && g.divisions.is_within(c, a))
    } else {
        g.divisions.lineage(c).skip(1).any(|a| set.contains_key(&a))
    }
}

/// Matches the text after the divisions within division `d` (`rest_names`:
/// the names `rest` starts with, as segmenting found them).
fn match_detail(
    g: &Gazetteer,
    d: Option<u32>,
    rest: &str,
    rest_names: &[(usize, &[u32])],
    written: &[String],
    notes: Vec<Correction>,
) -> Vec<Candidate> {
    let mut out = Vec::new();
    // Scope of the street search: the county (a township named in the input
    // that does not hold the street is a wrong part, not a dead end).
    let scope = d.and_then(|d| {
        if g.divisions.get(d).level >= Level::County { g.divisions.county_of(d) } else { Some(d) }
    });
    let mut streets: Vec<(u32, usize, Vec<Correction>)> = Vec::new(); // (street, bytes used, notes)
    for (len, posts) in rest_names.iter().rev() {
        for &p in *posts {
            let NameRef::Place(pi) = NameIndex::target(p) else { continue };
            // A former name (renamed road) stands for the current one.
            let current = g.places.current(pi);
            let Some(sid) = g.streets.of_place(current) else { continue };
            let place = g.places.get(current);
            if scope.is_some_and(|s| !is_under(g, &place.division_code, s)) {
                continue;
            }
            if !streets.iter().any(|s| s.0 == sid) {
                let mut n = Vec::new();
                if current != pi {
                    n.push(Correction::new("old_name", g.places.get(pi).name.clone(), place.name.clone()));
                }
                streets.push((sid, *len, n));
            }
        }
        if !streets.is_empty() {
            break;
        }
    }
    // Rural plates hang off the village itself.
    if streets.is_empty()
        && let Some(d) = d
        && g.divisions.get(d).level == Level::Village
        && let Some(sid) = g.streets.find(&g.divisions.get(d).name, d)
    {
        streets.push((sid, 0, vec![]));
    }
    // One edit away (a typo in the street name).
    if streets.is_empty() {
        // Numerals of the door number become digits, so the head ends where
        // the number starts (and is a prefix of `rest`: nothing before the
        // first digit changes).
        let head: String = numerals_to_digits(rest).0.chars().take_while(|c| !c.is_ascii_digit()).collect();
        let head = head.trim_end_matches(['甲', '乙', '丙', '丁', '-']).to_string();
        if head.chars().count() >= 2 {
            for m in g.names.search(&head, 8) {
                // A village one edit away (rural plates hang off it).
                if let NameRef::Division(v) = m.target {
                    let vd = g.divisions.get(v);
                    if vd.level == Level::Village
                        && vd.valid_to.is_none()
                        && scope.is_none_or(|s| g.divisions.is_within(v, s))
                        && within_one_edit(&head, &vd.name)
                        && let Some(sid) = g.streets.find(&vd.name, v)
                        && !streets.iter().any(|s| s.0 == sid)
                    {
                        streets.push((
                            sid,
                            head.len(),
                            vec![Correction::new("fuzzy_name", &head, vd.name.clone())],
                        ));
                    }
                    continue;
                }
                let NameRef::Place(pi) = m.target else { continue };
                let place = g.places.get(pi);
                if !within_one_edit(&head, &place.name) {
                    continue;
                }
                if scope.is_some_and(|s| !is_under(g, &place.division_code, s)) {
                    continue;
                }
                if let Some(sid) = g.streets.of_place(pi)
                    && !streets.iter().any(|s| s.0 == sid)
                {
                    streets.push((
                        sid,
                        head.len(),
                        vec![Correction::new("fuzzy_name", &head, place.name.clone())],
                    ));
                }
            }
        }
    }
    if streets.len() > 1 {
        let names: Vec<String> = streets
            .iter()
            .take(MAX_LISTED)
            .map(|(sid, _, _)| {
                let st = g.streets.get(*sid);
                format!("{}{}", street_head(g, st), st.name)
            })
            .collect();
        let joined = names.join("|");
        for (_, _, n) in &mut streets {
            n.push(Correction::new("ambiguous", "", joined.clone()));
        }
    }
    for (sid, used, street_notes) in streets {
        let street = g.streets.get(sid);
        let (tail, numerals) = numerals_to_digits(&rest[used..]);
        let number = parse_door_number(&tail);
        let mut notes = notes.clone();
        notes.extend(street_notes);
        // A township (or village) named in the input that does not hold the street.
        if let Some(d) = d
            && g.divisions.get(d).level > Level::County
            && !street_in(g, street, d)
        {
            notes.push(Correction::new("wrong_part", g.divisions.get(d).name.clone(), ""));
        }
        if numerals {
            notes.push(Correction::new("numerals", &rest[used..], tail.clone()));
        }
        let components = Components {
            divisions: written.to_vec(),
            street: Some(street.name.to_string()),
            number: number.clone(),
        };
        if let Some(c) = plate_candidate(g, sid, &number, &notes, &components) {
            out.push(c);
            continue;
        }
        // The street itself.
        let level = match street.place.map(|p| g.places.get(p).class.as_str()) {
            Some("compound") => MatchLevel::Compound,
            None if g.divisions.get(street.division).name.as_str() == &*street.name => MatchLevel::Village,
            _ => MatchLevel::Road,
        };
        if let Some(text) = number.plate_text().or(number.building_text()) {
            notes.push(Correction::new("number_not_found", text, ""));
        }
        let head = street_head(g, street);
        out.push(candidate(
            g,
            format!("{head}{}", street.name),
            None,
            level,
            street_division(g, street),
            street.at,
            components,
            notes,
        ));
    }
    if out.is_empty()
        && let Some(d) = d
    {
        let div = g.divisions.get(d);
        let at = div
            .seat
            .map(|(x, y)| Coord { x, y })
            .or(div.bbox.map(|b| b.center()))
            .unwrap_or(Coord { x: 0.0, y: 0.0 });
        let mut notes = notes;
        if !rest.is_empty() {
            notes.push(Correction::new("unmatched", rest, ""));
        }
        let components =
            Components { divisions: written.to_vec(), street: None, number: DoorNumber::default() };
        out.push(candidate(
            g,
            g.divisions.chain_names(d),
            None,
            MatchLevel::of_division(div.level),
            d,
            at,
            components,
            notes,
        ));
    }
    out
}

/// Whether `a` becomes `b` by at most one insertion, deletion or
/// substitution of a character.
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix + 1.min(short.len() - prefix)..] == long[prefix + 1.min(long.len() - prefix)..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

/// Whether street `s` lies (at least partly) in division `d`.
fn street_in(g: &Gazetteer, s: &crate::index::Street, d: u32) -> bool {
    g.divisions.is_within(s.division, d)
        || s.place.is_some_and(|p| is_under(g, &g.places.get(p).division_code, d))
}

/// The division a street answers with: its place's, else its plate's.
fn street_division(g: &Gazetteer, s: &crate::index::Street) -> u32 {
    s.place.and_then(|p| g.divisions.by_code(&g.places.get(p).division_code, None)).unwrap_or(s.division)
}

/// The names above a street in its standard address (to the township).
fn street_head<'g>(g: &'g Gazetteer, s: &crate::index::Street) -> &'g str {
    g.divisions.address_prefix(street_division(g, s))
}

/// The plate the number names on street `sid`, falling back to the main
/// number when a sub-number or prefix is unknown.
fn plate_candidate(
    g: &Gazetteer,
    sid: u32,
    number: &DoorNumber,
    notes: &[Correction],
    components: &Components,
) -> Option<Candidate> {
    let find = |suffix: &str| g.streets.live_plate(&g.plates, sid, suffix);
    let mut notes = notes.to_vec();
    let mut found = None;
    if let Some(b) = number.building_text() {
        let with_plate = number.plate_text().map(|p| format!("{p}{b}"));
        found = with_plate.as_deref().and_then(find).or_else(|| find(&b));
    }
    // 358弄81号: plates inside a numbered lane are not registered here; the
    // lane's entrance is plate 358 of the road.
    if let Some(lane) = number.lane {
        found = find(&format!("{lane}号"));
        if found.is_some() {
            let asked = format!("{lane}弄{}", number.plate_text().unwrap_or_default());
            notes.push(Correction::new("number_not_found", asked, format!("{lane}号")));
        }
    }
    if found.is_none()
        && number.lane.is_none()
        && let Some(t) = number.plate_text()
    {
        found = find(&t);
        if found.is_none()
            && let Some(m) = number.main_text()
            && m != t
        {
            found = find(&m);
            if found.is_some() {
                notes.push(Correction::new("number_not_found", t, m));
            }
        }
    }
    let p = found?;
    let plate = g.plates.get(p);
    let mut standard_address = format!("{}{}", g.divisions.address_prefix(plate.division), plate.label);
    let mut code = plate.code;
    // A room of the building: its own code when registered.
    let unit_room = number.unit_room_text();
    if !unit_room.is_empty() {
        match g.streets.room(p, &unit_room) {
            Some(room) => {
                standard_address.push_str(&unit_room);
                code = room;
            }
            None => notes.push(Correction::new("number_not_found", unit_room, "")),
        }
    }
    Some(candidate(
        g,
        standard_address,
        Some(format!("{code:018}")),
        MatchLevel::DoorPlate,
        plate.division,
        g.plates.point(p),
        components.clone(),
        notes,
    ))
}

#[allow(clippy::too_many_arguments)]
fn candidate(
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
        divisions: super::division_json::chain_json(&g.divisions, division),
        location: [at.x, at.y],
        components,
        corrections,
        division,
    }
}

#[cfg(test)]
mod tests {
    use super::within_one_edit;

    #[test]
    fn one_edit_means_one_insertion_deletion_or_substitution() {
        assert!(within_one_edit("中三东路", "中山东路"));
        assert!(within_one_edit("中东路", "中山东路"));
        assert!(within_one_edit("中山东东路", "中山东路"));
        assert!(within_one_edit("中山东路", "中山东路"));
        assert!(!within_one_edit("浙江路", "江广路"), "a shared deletion at two places is two edits");
        assert!(!within_one_edit("北京东路", "中山东路"));
    }
}
