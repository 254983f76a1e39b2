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

use crate::model::romanize::syllables;
use fst::automaton::Str;
use fst::{Automaton, IntoStreamer, Map, MapBuilder, Streamer};
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
    fn pack(self, own: bool) -> u32 {
        let (place, i) = match self {
            NameRef::Division(i) => (0, i),
            NameRef::Place(i) => (0x8000_0000, i),
        };
        debug_assert!(i < 1 << 30, "index {i} fits in 30 bits");
        place | (i << 1) | u32::from(own)
    }
    fn unpack(v: u32) -> NameRef {
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

/// Collects keys before the index is built.
#[derive(Default, Clone)]
pub struct NameIndexBuilder {
    entries: Vec<(Vec<u8>, u32)>,
}

impl NameIndexBuilder {
    /// Adds the own (standard) name of `target` and its pinyin keys.
    pub fn add_name(&mut self, name: &str, target: NameRef) {
        self.add(name, target.pack(true));
    }

    /// Adds another name `target` goes by (a short form, an alias, a
    /// colloquial name) and its pinyin keys.
    pub fn add_alias(&mut self, name: &str, target: NameRef) {
        self.add(name, target.pack(false));
    }

    /// Keys collected so far.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key has been collected.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds every key of `other`.
    pub fn merge(&mut self, other: &NameIndexBuilder) {
        self.entries.extend(other.entries.iter().cloned());
    }

    /// Drops every key of the targets `drop` names.
    pub fn remove_targets(&mut self, drop: impl Fn(NameRef) -> bool) {
        self.entries.retain(|(_, p)| !drop(NameRef::unpack(*p)));
    }

    fn add(&mut self, name: &str, posting: u32) {
        if name.is_empty() {
            return;
        }
        self.entries.push((name.as_bytes().to_vec(), posting));
        for d in deletions(name) {
            self.entries.push((tagged(2, &d), posting));
        }
        let syl = syllables(name);
        if syl.iter().all(|s| s.is_ascii()) {
            let full: String = syl.concat().to_lowercase();
            let initials: String = syl.iter().filter_map(|s| s.chars().next()).collect();
            self.entries.push((pinyin_key(&full), posting));
            self.entries.push((pinyin_key(&initials), posting));
        }
    }

    /// Builds the index.
    pub fn build(mut self) -> NameIndex {
        self.entries.sort_unstable();
        self.entries.dedup();
        let mut postings: Vec<u32> = Vec::with_capacity(self.entries.len());
        let mut starts: Vec<u32> = vec![0];
        let mut written: Vec<(&str, u32)> = Vec::new();
        let mut builder = MapBuilder::memory();
        let mut i = 0;
        while i < self.entries.len() {
            let key = &self.entries[i].0;
            let v = (starts.len() - 1) as u32;
            let first = postings.len();
            while i < self.entries.len() && self.entries[i].0 == *key {
                let p = self.entries[i].1;
                // One posting per target: own name and alias alike (sorted
                // next to each other) are the own name.
                if let Some(last) = postings[first..].last_mut()
                    && *last >> 1 == p >> 1
                {
                    *last |= p;
                } else {
                    postings.push(p);
                }
                i += 1;
            }
            starts.push(postings.len() as u32);
            // Keys are sorted and unique, so insertion cannot fail.
            let _ = builder.insert(key, u64::from(v));
            // Names as written (not the tagged pinyin and deletion keys),
            // in the same sorted order.
            if let Ok(name) = std::str::from_utf8(key)
                && !name.starts_with(['\u{1}', '\u{2}'])
            {
                written.push((name, v));
            }
        }
        // Keys are sorted, unique and non-empty, so only an empty list fails.
        let trie = (!written.is_empty())
            .then(|| crawdad::Trie::from_records(written).expect("sorted, unique, non-empty names"));
        let map = builder.into_map();
        NameIndex { map, postings, starts, trie }
    }
}

/// Whether a query that matched nothing directly is tried one edit away
/// (Chinese text; Latin letters are pinyin).
fn wants_fuzzy(q: &str) -> bool {
    let pinyin = q.is_ascii() && q.chars().all(|c| c.is_ascii_alphabetic());
    !q.is_empty() && !pinyin
}

/// Keeps each target's first (best) match.
fn dedup_targets(out: &mut Vec<NameMatch>) {
    let mut seen = std::collections::HashSet::new();
    out.retain(|m| seen.insert(m.target));
}

/// Pinyin keys live under a `\u{1}` prefix so they never collide with
/// names written in Latin letters.
fn pinyin_key(s: &str) -> Vec<u8> {
    tagged(1, s)
}

fn tagged(tag: u8, s: &str) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend(s.bytes());
    k
}

/// Longest name whose deletions are indexed (longer names are rare and
/// are still found exactly and by prefix).
const MAX_FUZZY_CHARS: usize = 16;

/// Every string made by deleting one character (for names of two or more
/// characters).
fn deletions(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 2 || chars.len() > MAX_FUZZY_CHARS {
        return vec![];
    }
    let mut out: Vec<String> = (0..chars.len())
        .map(|i| chars.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, c)| c).collect())
        .collect();
    out.dedup();
    out
}

/// The built index.
pub struct NameIndex {
    map: Map<Vec<u8>>,
    /// Every key's targets, one list after another.
    postings: Vec<u32>,
    /// Where key `v`'s targets start in `postings` (and end, at `v + 1`).
    starts: Vec<u32>,
    /// The names as written, each to its key number.
    trie: Option<crawdad::Trie>,
}

impl NameIndex {
    /// Number of distinct keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the index has no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn posting(&self, v: u64) -> &[u32] {
        let v = v as usize;
        &self.postings[self.starts[v] as usize..self.starts[v + 1] as usize]
    }

    fn push(&self, v: u64, kind: MatchKind, out: &mut Vec<NameMatch>) {
        for &p in self.posting(v) {
            out.push(NameMatch { target: NameRef::unpack(p), kind });
        }
    }

    /// Exact matches of a name or alias.
    pub fn exact(&self, q: &str) -> Vec<NameMatch> {
        let mut out = Vec::new();
        if let Some(v) = self.map.get(q.as_bytes()) {
            self.push(v, MatchKind::Exact, &mut out);
        }
        out
    }

    /// Every name (or alias) that `text` starts with, shortest first, as
    /// `(length in bytes, targets)`: the dictionary step of segmenting an
    /// address, one walk down the trie.
    pub fn prefixes_of<'a>(&'a self, text: &str) -> Vec<(usize, &'a [u32])> {
        let Some(trie) = &self.trie else { return vec![] };
        let mut found = Vec::new();
        // The trie counts characters; answers are in bytes.
        let mut ends = text.char_indices().map(|(i, c)| i + c.len_utf8());
        let (mut chars, mut end) = (0, 0);
        for (v, len) in trie.common_prefix_search(text.chars()) {
            while chars < len {
                end = ends.next().unwrap_or(text.len());
                chars += 1;
            }
            found.push((end, self.posting(u64::from(v))));
        }
        found
    }

    /// Unpacks a posting of [`NameIndex::prefixes_of`].
    pub fn target(posting: u32) -> NameRef {
        NameRef::unpack(posting)
    }

    /// Whether a posting's key is its target's own name (not a short
    /// form or an alias), known without reading the target.
    pub fn is_own_name(posting: u32) -> bool {
        posting & 1 == 1
    }

    /// Every match of `q`, best kind first, at most `limit` keys per kind.
    /// Latin-letter queries match pinyin; Chinese ones match names by
    /// exact, prefix, then one-edit fuzzy.
    pub fn search(&self, q: &str, limit: usize) -> Vec<NameMatch> {
        let mut out = self.direct(q, limit);
        if out.is_empty() && wants_fuzzy(q) {
            self.fuzzy(q, &mut out);
        }
        dedup_targets(&mut out);
        out
    }

    /// Exact, then prefix (or pinyin) matches, without the fuzzy step.
    fn direct(&self, q: &str, limit: usize) -> Vec<NameMatch> {
        let mut out = self.exact(q);
        let q_lower = q.to_lowercase();
        if !q.is_empty() && q.is_ascii() && q.chars().all(|c| c.is_ascii_alphabetic()) {
            let key = pinyin_key(&q_lower);
            let key = String::from_utf8_lossy(&key).into_owned();
            self.stream(Str::new(&key).starts_with(), MatchKind::Pinyin, limit, &mut out);
        } else if !q.is_empty() {
            self.stream(Str::new(q).starts_with(), MatchKind::Prefix, limit, &mut out);
        }
        out
    }

    /// Names one edit from `q` (symmetric delete).
    fn fuzzy(&self, q: &str, out: &mut Vec<NameMatch>) {
        if let Some(v) = self.map.get(tagged(2, q)) {
            self.push(v, MatchKind::Fuzzy, out);
        }
        for d in deletions(q) {
            if let Some(v) = self.map.get(d.as_bytes()) {
                self.push(v, MatchKind::Fuzzy, out);
            }
            if let Some(v) = self.map.get(tagged(2, &d)) {
                self.push(v, MatchKind::Fuzzy, out);
            }
        }
    }

    fn stream<A: Automaton>(&self, aut: A, kind: MatchKind, limit: usize, out: &mut Vec<NameMatch>) {
        let mut s = self.map.search(aut).into_stream();
        let mut n = 0;
        while let Some((_, v)) = s.next() {
            self.push(v, kind, out);
            n += 1;
            if n >= limit {
                break;
            }
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> NameIndex {
        let mut b = NameIndexBuilder::default();
        b.add_name("鄞州区", NameRef::Division(1));
        b.add_alias("鄞州", NameRef::Division(1));
        b.add_name("中山东路", NameRef::Place(7));
        b.add_name("中山西路", NameRef::Place(8));
        b.add_name("G228国道", NameRef::Place(9));
        b.build()
    }

    #[test]
    fn exact_prefix_pinyin_and_fuzzy_all_find_names() {
        let ix = index();
        assert_eq!(ix.exact("鄞州")[0].target, NameRef::Division(1));
        let p = ix.search("中山", 10);
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|m| m.kind == MatchKind::Prefix));
        assert_eq!(ix.search("yzq", 10)[0].target, NameRef::Division(1));
        assert_eq!(ix.search("zhongshand", 10)[0].target, NameRef::Place(7));
        for typo in ["中三东路", "中东路", "中山东东路"] {
            let f = ix.search(typo, 10);
            assert_eq!(f[0].target, NameRef::Place(7), "{typo}");
            assert_eq!(f[0].kind, MatchKind::Fuzzy);
        }
        assert!(ix.search("北京东路", 10).is_empty(), "two edits away is not a match");
        let pre = ix.prefixes_of("鄞州区中山东路88号");
        let lens: Vec<usize> = pre.iter().map(|p| p.0).collect();
        assert_eq!(lens, ["鄞州".len(), "鄞州区".len()]);
        assert_eq!(NameIndex::target(pre[1].1[0]), NameRef::Division(1));
        assert_eq!(pre.iter().map(|p| NameIndex::is_own_name(p.1[0])).collect::<Vec<_>>(), [false, true]);
        assert_eq!(ix.prefixes_of("中山东路88号")[0].0, "中山东路".len());
        assert_eq!(ix.prefixes_of("G228国道3号")[0].0, "G228国道".len(), "Latin letters and digits");
        assert!(NameIndexBuilder::default().build().prefixes_of("鄞州").is_empty());
    }
}
