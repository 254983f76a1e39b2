//! The policy of tiered overlays: what changed since an index was built is
//! kept in tiers, oldest first, and each change adds a tier of its own.
//! A new tier first absorbs the newest tiers while they hold at most
//! [`TIER_RATIO`] times what it holds, so tier sizes grow geometrically
//! (about log4(n) tiers for n entries) and a change rebuilds in proportion
//! to what it adds, not to everything added before. Used by the roads, the
//! door plates, the streets, the names of new places, and the R-trees of
//! places and of tile features ([`TieredTree`]).

use std::sync::Arc;

/// A tier is merged into the one before it once it holds this share of
/// that one's size (1/4).
pub const TIER_RATIO: usize = 4;

/// Takes off `tiers` the newest tiers a new tier of `size` absorbs (newest
/// first); `size_of` is a tier's size in the same unit.
pub fn absorbed<T>(tiers: &mut Vec<Arc<T>>, mut size: usize, size_of: impl Fn(&T) -> usize) -> Vec<Arc<T>> {
    let mut out = Vec::new();
    while let Some(last) = tiers.pop_if(|t| size * TIER_RATIO >= size_of(t)) {
        size += size_of(&last);
        out.push(last);
    }
    out
}

/// An R-tree kept in tiers: the items it was built with, then each batch
/// added since, merged by the policy above. Items are never removed: a
/// reader skips the entries its own records say are stale (a slot emptied,
/// a box that moved).
pub struct TieredTree<T: rstar::RTreeObject> {
    tiers: Vec<Arc<rstar::RTree<T>>>,
}

impl<T: rstar::RTreeObject> Clone for TieredTree<T> {
    fn clone(&self) -> Self {
        TieredTree { tiers: self.tiers.clone() }
    }
}

impl<T: rstar::RTreeObject + Clone> TieredTree<T> {
    /// One tier of `items`.
    pub fn build(items: Vec<T>) -> TieredTree<T> {
        TieredTree { tiers: vec![Arc::new(rstar::RTree::bulk_load(items))] }
    }

    /// The tree with `items` added (in a tier that may absorb the newest).
    pub fn with_added(&self, mut items: Vec<T>) -> TieredTree<T> {
        let mut tiers = self.tiers.clone();
        if items.is_empty() {
            return TieredTree { tiers };
        }
        for last in absorbed(&mut tiers, items.len(), |t| t.size()) {
            items.extend(last.iter().cloned());
        }
        tiers.push(Arc::new(rstar::RTree::bulk_load(items)));
        TieredTree { tiers }
    }

    /// The entries whose envelope meets `env`, of every tier.
    pub fn intersecting(&self, env: T::Envelope) -> impl Iterator<Item = &T> + '_ {
        self.tiers.iter().flat_map(move |t| t.locate_in_envelope_intersecting(&env))
    }

    /// Every entry, of every tier.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.tiers.iter().flat_map(|t| t.iter())
    }
}
