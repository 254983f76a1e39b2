//! The built name index: a finite-state transducer from each key to its
//! posting list, and a double-array trie of the names as written; exact,
//! prefix, pinyin and one-edit lookups.

use super::keys::{deletions, pinyin_key, tagged};
use super::{MatchKind, NameMatch, NameRef, dedup_targets, wants_fuzzy};
use fst::automaton::Str;
use fst::{Automaton, IntoStreamer, Map, Streamer};

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
    /// The index of a built map, its postings and trie.
    pub(super) fn from_parts(
        map: Map<Vec<u8>>,
        postings: Vec<u32>,
        starts: Vec<u32>,
        trie: Option<crawdad::Trie>,
    ) -> NameIndex {
        NameIndex { map, postings, starts, trie }
    }

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
    pub(super) fn direct(&self, q: &str, limit: usize) -> Vec<NameMatch> {
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
    pub(super) fn fuzzy(&self, q: &str, out: &mut Vec<NameMatch>) {
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

#[cfg(test)]
mod tests {
    use super::super::NameIndexBuilder;
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
