//! The name index: exact, prefix, pinyin (full and initials) and fuzzy
//! (one edit) lookups over division names, aliases and place names, as a
//! finite-state transducer (`fst`) mapping each key to a posting list.
//!
//! Three key spaces share the map, told apart by a leading byte: names as
//! written; `\x01` + pinyin (full and initials); `\x02` + every
//! one-character deletion of a name. Fuzzy search is the symmetric-delete
//! scheme: a query is one edit from a name when the query equals a deletion
//! of the name, a deletion of the query equals the name, or the two share a
//! deletion.
//!
//! Segmenting an address asks, at each point of the text, for every name
//! the rest starts with. The transducer answers that a byte at a time;
//! a character-wise double-array trie (`crawdad`) over the names as written
//! answers it a character at a time with two array reads per step, so the
//! names as written are also kept there.
//!
//! `keys.rs` holds the keys a name is filed under and their builder,
//! `index.rs` the built index and its lookups; this file what a name
//! points at and the division and place names together.

mod index;
mod keys;

pub use index::NameIndex;
pub use keys::NameIndexBuilder;

use serde::Serialize;
use std::sync::Arc;

/// What a name points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameRef {
    /// A division (index into the division index).
    Division(u32),
    /// A place (index into the place index).
    Place(u32),
}

impl NameRef {
    /// A posting: bit 31 tells places from divisions, bits 1–30 hold the
    /// index, bit 0 whether the key is the target's own name.
    pub(super) fn pack(self, own: bool) -> u32 {
        let (place, i) = match self {
            NameRef::Division(i) => (0, i),
            NameRef::Place(i) => (0x8000_0000, i),
        };
        debug_assert!(i < 1 << 30, "index {i} fits in 30 bits");
        place | (i << 1) | u32::from(own)
    }

    pub(super) fn unpack(v: u32) -> NameRef {
        let i = (v & 0x7FFF_FFFF) >> 1;
        if v & 0x8000_0000 == 0 { NameRef::Division(i) } else { NameRef::Place(i) }
    }
}

/// How a name matched a query, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The whole name or alias.
    Exact,
    /// The name starts with the query.
    Prefix,
    /// The query is the name's pinyin or pinyin initials (or their prefix).
    Pinyin,
    /// One edit away.
    Fuzzy,
}

impl MatchKind {
    /// The stable identifier shown in answers (`exact`, `prefix`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Prefix => "prefix",
            MatchKind::Pinyin => "pinyin",
            MatchKind::Fuzzy => "fuzzy",
        }
    }
}

/// A match: what, how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameMatch {
    /// The matched entity.
    pub target: NameRef,
    /// How it matched.
    pub kind: MatchKind,
}

/// Whether a query that matched nothing directly is tried one edit away
/// (Chinese text; Latin letters are pinyin).
pub(super) fn wants_fuzzy(q: &str) -> bool {
    let pinyin = q.is_ascii() && q.chars().all(|c| c.is_ascii_alphabetic());
    !q.is_empty() && !pinyin
}

/// Keeps each target's first (best) match.
pub(super) fn dedup_targets(out: &mut Vec<NameMatch>) {
    let mut seen = std::collections::HashSet::new();
    out.retain(|m| seen.insert(m.target));
}

/// The names of divisions and of places: division names change with the
/// division tree; place names are built with the indices, and the names of
/// places added since go into tiers beside them.
#[derive(Clone)]
pub struct Names {
    /// Names, short forms, aliases of divisions.
    pub divisions: Arc<NameIndex>,
    /// Names of places.
    pub places: Arc<NameIndex>,
    /// The keys `places` was built from (pinyin and deletions included),
    /// so that a change computes only the keys of the places it touches.
    pub place_keys: Arc<NameIndexBuilder>,
    /// Names of places added since `places` was built (a place keeps its
    /// name for life: a rename makes a new place), in tiers sized by keys
    /// (see `index/tiers.rs`).
    pub added: Vec<Arc<AddedTier>>,
}

/// One tier of added place names: the index and the keys it was built
/// from (to merge it into a bigger tier later).
pub struct AddedTier {
    /// The names.
    pub index: NameIndex,
    /// Its keys.
    pub keys: NameIndexBuilder,
}

impl Names {
    /// Division names, place names and no names added since.
    pub fn with_places(divisions: Arc<NameIndex>, places: NameIndexBuilder) -> Names {
        Names {
            divisions,
            places: Arc::new(places.clone().build()),
            place_keys: Arc::new(places),
            added: Vec::new(),
        }
    }

    /// These names with `keys` (names of new places) added as a tier of
    /// their own, merged into the tiers before while they are small
    /// beside it.
    pub fn with_added(&self, mut keys: NameIndexBuilder) -> Names {
        let mut tiers = self.added.clone();
        for last in super::tiers::absorbed(&mut tiers, keys.len(), |t| t.keys.len()) {
            keys.merge(&last.keys);
        }
        tiers.push(Arc::new(AddedTier { index: keys.clone().build(), keys }));
        Names { added: tiers, ..self.clone() }
    }

    /// Every added tier's keys, merged.
    pub fn added_keys(&self) -> NameIndexBuilder {
        let mut all = NameIndexBuilder::default();
        for t in self.added.iter() {
            all.merge(&t.keys);
        }
        all
    }

    fn parts(&self) -> impl Iterator<Item = &NameIndex> {
        [&*self.divisions, &*self.places].into_iter().chain(self.added.iter().map(|t| &t.index))
    }

    /// Number of distinct keys of every part.
    pub fn len(&self) -> usize {
        self.parts().map(|p| p.len()).sum()
    }

    /// Whether every part is empty.
    pub fn is_empty(&self) -> bool {
        self.parts().all(|p| p.is_empty())
    }

    /// Exact matches of a name or alias.
    pub fn exact(&self, q: &str) -> Vec<NameMatch> {
        self.parts().flat_map(|p| p.exact(q)).collect()
    }

    /// Every name `text` starts with, shortest first (see
    /// [`NameIndex::prefixes_of`]); a length two indices hold comes twice.
    pub fn prefixes_of<'a>(&'a self, text: &str) -> Vec<(usize, &'a [u32])> {
        let mut out = self.divisions.prefixes_of(text);
        let before = out.len();
        for p in self.parts().skip(1) {
            out.extend(p.prefixes_of(text));
        }
        if out.len() > before {
            out.sort_by_key(|(len, _)| *len);
        }
        out
    }

    /// Every match of `q`, best kind first (see [`NameIndex::search`]):
    /// fuzzy matches only when no index matches directly.
    pub fn search(&self, q: &str, limit: usize) -> Vec<NameMatch> {
        let mut out: Vec<NameMatch> = self.parts().flat_map(|p| p.direct(q, limit)).collect();
        if out.is_empty() && wants_fuzzy(q) {
            for p in self.parts() {
                p.fuzzy(q, &mut out);
            }
        }
        out.sort_by_key(|m| m.kind);
        dedup_targets(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_added_one_change_at_a_time_are_all_found_in_few_tiers() {
        let mut base = NameIndexBuilder::default();
        base.add_name("中山东路", NameRef::Place(0));
        let mut names = Names::with_places(Arc::new(NameIndexBuilder::default().build()), base);
        let digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
        let name_of = |i: u32| {
            let t: String = i.to_string().chars().map(|c| digits[c as usize - '0' as usize]).collect();
            format!("衡{t}路")
        };
        for i in 1..=2000u32 {
            let mut keys = NameIndexBuilder::default();
            keys.add_name(&name_of(i), NameRef::Place(i));
            names = names.with_added(keys);
        }
        assert!(names.added.len() <= 8, "{} tiers for 2,000 changes", names.added.len());
        for i in [1, 2, 777, 1999, 2000] {
            let found = names.exact(&name_of(i));
            assert!(found.iter().any(|m| m.target == NameRef::Place(i)), "{} not found", name_of(i));
        }
        assert!(names.exact("中山东路").iter().any(|m| m.target == NameRef::Place(0)));
    }
}
