//! Ids no longer live (plates retired or replaced, roads no longer
//! current), one bit each, in fixed pages that snapshots share: marking an
//! id copies one page, and two snapshots are compared page by page, the
//! shared pages skipped.

use std::sync::Arc;

/// Words per page: 65,536 ids.
const WORDS: usize = 1024;
const PAGE_BITS: usize = WORDS * 64;

type Page = [u64; WORDS];

/// A set of dead ids.
#[derive(Clone, Default)]
pub struct DeadSet {
    pages: Vec<Option<Arc<Page>>>,
    count: usize,
}

impl DeadSet {
    /// Whether `i` is dead.
    pub fn contains(&self, i: u32) -> bool {
        let i = i as usize;
        match self.pages.get(i / PAGE_BITS) {
            Some(Some(p)) => p[i % PAGE_BITS / 64] & (1 << (i % 64)) != 0,
            _ => false,
        }
    }

    /// Marks `i` dead; whether it was live.
    pub fn insert(&mut self, i: u32) -> bool {
        let i = i as usize;
        let at = i / PAGE_BITS;
        if self.pages.len() <= at {
            self.pages.resize(at + 1, None);
        }
        let page = Arc::make_mut(self.pages[at].get_or_insert_with(|| Arc::new([0; WORDS])));
        let (w, bit) = (i % PAGE_BITS / 64, 1u64 << (i % 64));
        let was_live = page[w] & bit == 0;
        page[w] |= bit;
        self.count += usize::from(was_live);
        was_live
    }

    /// Forgets every id from `first` on (they are numbered afresh).
    pub fn clear_from(&mut self, first: u32) {
        let first = first as usize;
        for (k, page) in self.pages.iter_mut().enumerate().skip(first / PAGE_BITS) {
            let Some(p) = page else { continue };
            let start = first.saturating_sub(k * PAGE_BITS);
            if start == 0 {
                self.count -= p.iter().map(|w| w.count_ones() as usize).sum::<usize>();
                *page = None;
                continue;
            }
            let p = Arc::make_mut(p);
            for (w, word) in p.iter_mut().enumerate().skip(start / 64) {
                let keep = if w == start / 64 { (1u64 << (start % 64)) - 1 } else { 0 };
                self.count -= (*word & !keep).count_ones() as usize;
                *word &= keep;
            }
        }
    }

    /// How many ids are dead.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The ids dead in one set and not the other.
    pub fn differing<'a>(&'a self, other: &'a DeadSet) -> impl Iterator<Item = u32> + 'a {
        let pages = self.pages.len().max(other.pages.len());
        (0..pages).flat_map(move |k| {
            let (a, b) = (self.pages.get(k).cloned().flatten(), other.pages.get(k).cloned().flatten());
            let same = match (&a, &b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            };
            let words = if same { 0 } else { WORDS };
            (0..words).flat_map(move |w| {
                let word = |p: &Option<Arc<Page>>| p.as_ref().map_or(0, |p| p[w]);
                let mut diff = word(&a) ^ word(&b);
                std::iter::from_fn(move || {
                    if diff == 0 {
                        return None;
                    }
                    let bit = diff.trailing_zeros() as usize;
                    diff &= diff - 1;
                    Some((k * PAGE_BITS + w * 64 + bit) as u32)
                })
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_shares_its_pages_and_differs_only_where_marked() {
        let mut a = DeadSet::default();
        for i in [3, 70_000, 200_000] {
            assert!(a.insert(i));
        }
        assert!(!a.insert(3), "marking twice counts once");
        let mut b = a.clone();
        b.insert(70_001);
        b.insert(400_000);
        assert_eq!((a.len(), b.len()), (3, 5));
        assert!(b.contains(70_000) && b.contains(400_000) && !a.contains(400_000) && !b.contains(4));
        let mut d: Vec<u32> = b.differing(&a).collect();
        d.sort_unstable();
        assert_eq!(d, vec![70_001, 400_000]);
        assert_eq!(a.differing(&a.clone()).count(), 0);
        b.clear_from(70_001);
        assert_eq!(b.len(), 2, "3 and 70,000 stay");
        assert!(b.contains(70_000) && !b.contains(70_001) && !b.contains(200_000) && !b.contains(400_000));
    }
}
