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

/// The names of divisions and of places, in two indices: division names
/// change with the division tree, place names with every published or
/// imported place, and the second is small enough to rebuild on each.
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
    /// name for life: a rename makes a new place), rebuilt with each
    /// addition while small.
    pub added: Arc<NameIndex>,
    /// The keys `added` was built from.
    pub added_keys: Arc<NameIndexBuilder>,
}

impl Names {
    /// Division names, place names and names of places added since.
    pub fn with_places(divisions: Arc<NameIndex>, places: NameIndexBuilder) -> Names {
        Names {
            divisions,
            places: Arc::new(places.clone().build()),
            place_keys: Arc::new(places),
            added: Arc::new(NameIndexBuilder::default().build()),
            added_keys: Arc::default(),
        }
    }

    fn parts(&self) -> [&NameIndex; 3] {
        [&self.divisions, &self.places, &self.added]
    }

    /// Number of distinct keys of the three.
    pub fn len(&self) -> usize {
        self.parts().iter().map(|p| p.len()).sum()
    }

    /// Whether all are empty.
    pub fn is_empty(&self) -> bool {
        self.parts().iter().all(|p| p.is_empty())
    }

    /// Exact matches of a name or alias.
    pub fn exact(&self, q: &str) -> Vec<NameMatch> {
        self.parts().iter().flat_map(|p| p.exact(q)).collect()
    }

    /// Every name `text` starts with, shortest first (see
    /// [`NameIndex::prefixes_of`]); a length two indices hold comes twice.
    pub fn prefixes_of<'a>(&'a self, text: &str) -> Vec<(usize, &'a [u32])> {
        let mut out = self.divisions.prefixes_of(text);
        let (places, added) = (self.places.prefixes_of(text), self.added.prefixes_of(text));
        if !places.is_empty() || !added.is_empty() {
            out.extend(places);
            out.extend(added);
            out.sort_by_key(|(len, _)| *len);
        }
        out
    }

    /// Every match of `q`, best kind first (see [`NameIndex::search`]):
    /// fuzzy matches only when no index matches directly.
    pub fn search(&self, q: &str, limit: usize) -> Vec<NameMatch> {
        let mut out: Vec<NameMatch> = self.parts().iter().flat_map(|p| p.direct(q, limit)).collect();
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
