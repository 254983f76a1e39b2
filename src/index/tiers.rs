//! The policy of tiered overlays: what changed since an index was built is
//! kept in tiers, oldest first, and each change adds a tier of its own.
//! A new tier first absorbs the newest tiers while they hold at most
//! [`TIER_RATIO`] times what it holds, so tier sizes grow geometrically
//! (about log4(n) tiers for n entries) and a change rebuilds in proportion
//! to what it adds, not to everything added before. Used by the roads and
//! by the names of new places.

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
