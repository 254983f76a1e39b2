//! Resolution: every division named is mapped to today's division (old
//! names through the change history), and the deepest division best
//! supported by the others wins; equally supported divisions of the same
//! level (鼓楼区 in 南京 and 徐州) are all answered.

use super::segment::Span;
use crate::geocode::normalize::Correction;
use crate::index::Gazetteer;
use crate::model::Level;
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

/// A reading of the division part.
pub(super) struct Hypothesis {
    pub(super) division: Option<u32>,
    /// With `at=`: the version of `division` the text named as it was on
    /// that date (鄞县 in 2000 for today's 鄞州区), to answer with.
    pub(super) as_of: Option<u32>,
    pub(super) notes: Vec<Correction>,
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
    let code = div.code.as_str();
    &code[..n.min(code.len())]
}

/// Whether the division coded `code` (a place's) lies under division
/// `ancestor`. Under a county or a larger division the code prefix says so;
/// under a township only the parent links do (52,606 of the 596,619 villages
/// in the national division table belong to a township whose code is not
/// their prefix, after townships were merged).
pub(super) fn is_under(g: &Gazetteer, code: &str, ancestor: u32) -> bool {
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

/// The readings of the division part `spans` names, best supported first
/// (all equally supported), within `within` if given.
pub(super) fn resolve(
    g: &Gazetteer,
    spans: &[Span],
    within: Option<u32>,
    at: Option<NaiveDate>,
) -> Vec<Hypothesis> {
    // Each span's divisions as today's divisions, with how they were named
    // (the best naming when several versions lead to the same division).
    let mut per_span: Vec<FxHashMap<u32, Naming>> = Vec::new();
    let mut as_of: FxHashMap<u32, u32> = FxHashMap::default();
    for s in spans {
        let numeric = s.text.bytes().all(|b| b.is_ascii_digit());
        let mut cur: FxHashMap<u32, Naming> = FxHashMap::default();
        // Read after other divisions, a name stands for a division under
        // one of them when it can (新村 names thousands of villages; 淮安
        // after 淮安市 is its 淮安区).
        // (Those under the most spans read before: 淮安区 under both 江苏
        // and 淮安市 before 淮安市 under 江苏 alone.)
        let under = |d: u32| {
            let Some(c) = g.divisions.current_of(d) else { return 0 };
            per_span.iter().filter(|p| p.keys().any(|&a| a != c && g.divisions.is_within(c, a))).count()
        };
        let counts: Vec<usize> = s.divisions.iter().map(|&(d, _)| under(d)).collect();
        let most = counts.iter().copied().max().unwrap_or(0);
        let in_context: Vec<(u32, bool)> = if most == 0 {
            Vec::new()
        } else {
            s.divisions.iter().zip(&counts).filter(|&(_, &n)| n == most).map(|(&d, _)| d).collect()
        };
        let candidates = if in_context.is_empty() { &s.divisions } else { &in_context };
        // Of the readings left, a division's own name before a short form
        // or alias (宿县 the county, not 宿县地区 the prefecture), then the
        // higher level (城关区 before a 城关镇 elsewhere in the city, 虎丘区
        // before 虎丘街道), then the latest version of a name given up.
        let rank = |&(d, own): &(u32, bool)| {
            let v = g.divisions.get(d);
            (!own, v.level, std::cmp::Reverse(v.valid_to.unwrap_or(NaiveDate::MAX)))
        };
        let best = candidates.iter().map(rank).min();
        let candidates: Vec<(u32, bool)> =
            candidates.iter().copied().filter(|c| best == Some(rank(c))).collect();
        for &(d, own) in &candidates {
            let Some(c) = g.divisions.current_of(d) else { continue };
            let (old, now) = (g.divisions.get(d), g.divisions.get(c));
            let naming = if d != c && at.is_some_and(|a| old.valid_on(Some(a))) {
                as_of.insert(c, d);
                Naming::Standard
            } else if d != c && numeric && old.code != now.code {
                Naming::OldCode
            } else if d != c && !numeric && old.name != now.name {
                Naming::OldName
            } else if if numeric { now.code == s.text } else { own } {
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
            Some(w) => vec![Hypothesis { division: Some(w), as_of: None, notes: vec![] }],
            None => vec![],
        };
    }
    // Score each named division by how many spans name it or an ancestor,
    // less the spans it contradicts (naming only divisions neither above
    // nor below it): contradicting a county or a larger division costs
    // more than contradicting a township or a village, so a township of
    // another county does not outrank the county the text names.
    let mut scored: FxHashMap<u32, (i64, Level)> = FxHashMap::default();
    for cands in &per_span {
        for &c in cands.keys() {
            if scored.contains_key(&c) || within.is_some_and(|w| !g.divisions.is_within(c, w)) {
                continue;
            }
            let mut score = 0;
            for cs in &per_span {
                if cs.contains_key(&c) || lies_under_any(g, c, cs) {
                    score += 2;
                } else if !cs.keys().any(|&a| g.divisions.is_within(a, c)) {
                    let named = cs.keys().map(|&a| g.divisions.level(a)).min();
                    score -= if named.is_some_and(|l| l <= Level::County) { 3 } else { 1 };
                }
            }
            scored.insert(c, (score, g.divisions.level(c)));
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
                            let to =
                                if naming == Naming::OldCode { now.code.as_str() } else { now.name.as_str() };
                            notes.push(Correction::new(kind, s.text, to));
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
            Hypothesis { division: Some(c), as_of: as_of.get(&c).copied(), notes }
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
