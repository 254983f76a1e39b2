//! Segmentation: from the left, the longest division name (full, short,
//! alias or old name) the text starts with, one after another, stopping at
//! a road or compound name or at text no division is called.

use crate::index::{Gazetteer, NameIndex, NameRef};
use crate::model::Level;

/// A run of the input that names divisions.
pub(super) struct Span<'t> {
    pub(super) text: &'t str,
    /// Division versions the text names (current or historical), each
    /// with whether the text is its own name (not a short form or alias).
    pub(super) divisions: Vec<(u32, bool)>,
}

/// Generic terms of thoroughfares: a division short name followed by one of
/// these is the head of a road name (浙江路), not a division.
const ROAD_GENERICS: &[&str] = &["路", "街", "大道", "巷", "弄", "胡同"];

/// Generic terms of divisions.
const DIVISION_GENERICS: &[&str] =
    &["省", "市", "县", "区", "州", "盟", "旗", "镇", "乡", "街道", "村", "社区"];

/// Names a text starts with: `(length in bytes, postings)`, shortest first.
pub(super) type Prefixes<'g> = Vec<(usize, &'g [u32])>;

/// Splits the head of `text` into division names; returns them, where the
/// rest begins (byte offset) and the names the rest starts with.
pub(super) fn segment<'t, 'g>(g: &'g Gazetteer, text: &'t str) -> (Vec<Span<'t>>, usize, Prefixes<'g>) {
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
            // A short form, or a village's name, that fits none of the
            // divisions already read is more likely the start of a street
            // name than a contradiction (东莞市虎门镇新华街: not a village
            // 新华街 in another province).
            let villages = divisions.iter().all(|&(d, _)| g.divisions.level(d) == Level::Village);
            if (named_short || villages) && !spans.is_empty() && !fits(g, &spans, &divisions) {
                continue;
            }
            // 济南市中区 written 济南市中: a city's name ending in 市 that
            // leaves text no name starts, where the city's short form would
            // leave a division under it (市中), is the short form.
            if written.ends_with('市')
                && !after.is_empty()
                && g.names.prefixes_of(after).is_empty()
                && let Some(short) = written.strip_suffix('市')
                && starts_with_division_under(g, &rest[short.len()..], &divisions)
            {
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
