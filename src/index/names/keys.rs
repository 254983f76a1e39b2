//! The keys a name is filed under: the name as written, `\x01` + its
//! pinyin (full and initials), `\x02` + each one-character deletion; and
//! the builder that collects them before the index is built.

use super::{NameIndex, NameRef};
use crate::model::romanize::syllables;
use fst::MapBuilder;

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
        NameIndex::from_parts(map, postings, starts, trie)
    }
}

/// Pinyin keys live under a `\u{1}` prefix so they never collide with
/// names written in Latin letters.
pub(super) fn pinyin_key(s: &str) -> Vec<u8> {
    tagged(1, s)
}

pub(super) fn tagged(tag: u8, s: &str) -> Vec<u8> {
    let mut k = vec![tag];
    k.extend(s.bytes());
    k
}

/// Longest name whose deletions are indexed (longer names are rare and
/// are still found exactly and by prefix).
const MAX_FUZZY_CHARS: usize = 16;

/// Every string made by deleting one character (for names of two or more
/// characters).
pub(super) fn deletions(s: &str) -> Vec<String> {
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
