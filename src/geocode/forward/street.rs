//! Street matching: the street (road, compound, or the village for rural
//! plates) within the division read, exactly, under a former name or one
//! edit away; then the plate on it, else the street itself, else the
//! division.

use super::confidence::candidate;
use super::plate::plate_candidate;
use super::resolve::is_under;
use super::{Candidate, Components, MAX_LISTED, MatchLevel};
use crate::geocode::normalize::{Correction, numerals_to_digits};
use crate::geocode::number::{DoorNumber, parse_door_number};
use crate::index::{Gazetteer, NameIndex, NameRef};
use crate::model::{Level, PlaceClass};
use geo::Coord;

/// Matches the text after the divisions within division `d` (`rest_names`:
/// the names `rest` starts with, as segmenting found them).
pub(super) fn match_detail(
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
    // (The towns of a city without districts: the city.)
    let scope = d.and_then(|d| g.divisions.lineage(d).find(|&a| g.divisions.level(a) <= Level::County));
    let mut streets: Vec<(u32, usize, Vec<Correction>)> = Vec::new(); // (street, bytes used, notes)
    for (len, posts) in rest_names.iter().rev() {
        for &p in *posts {
            let NameRef::Place(pi) = NameIndex::target(p) else { continue };
            // A former name (renamed road) stands for the current one.
            let current = g.places.current(pi);
            let Some(sid) = g.streets.of_place(current) else { continue };
            let place = g.places.get(current);
            if scope.is_some_and(|s| !is_under(g, place.division_code.as_str(), s)) {
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
                if scope.is_some_and(|s| !is_under(g, place.division_code.as_str(), s)) {
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
        let level = match street.place.map(|p| g.places.get(p).class) {
            Some(PlaceClass::Compound) => MatchLevel::Compound,
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
        || s.place.is_some_and(|p| is_under(g, g.places.get(p).division_code.as_str(), d))
}

/// The division a street answers with: its place's, else its plate's.
pub(super) fn street_division(g: &Gazetteer, s: &crate::index::Street) -> u32 {
    s.place
        .and_then(|p| g.divisions.by_code(g.places.get(p).division_code.as_str(), None))
        .unwrap_or(s.division)
}

/// The names above a street in its standard address (to the township).
pub(super) fn street_head<'g>(g: &'g Gazetteer, s: &crate::index::Street) -> &'g str {
    g.divisions.address_prefix(street_division(g, s))
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
