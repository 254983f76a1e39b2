//! A part whose overlay has grown folded into a new base (its plates
//! numbered afresh) from one snapshot, while changes go on being applied
//! to the current one; then swapped in with what changed there since.

use super::part::PlatePart;
use super::{Plate, PlateIndex};
use std::sync::Arc;

/// A part's overlay is folded into a new base once it carries this share
/// of the base (1/8), or the configured limit if that is less.
const PART_RATIO: usize = 8;

/// ... and never before it carries this many plates.
const PART_MIN: usize = 4096;

impl PlateIndex {
    /// The part whose overlay most needs folding into a new base: one
    /// carrying more than an eighth of its base (at least 4,096 plates),
    /// or more than `limit`.
    pub fn part_to_compact(&self, limit: usize) -> Option<usize> {
        self.parts()
            .map(|(k, p)| (k, p.overlay_len(), p.base.plates.len()))
            .filter(|&(_, over, base)| over > limit.min((base / PART_RATIO).max(PART_MIN)))
            .max_by_key(|&(_, over, _)| over)
            .map(|(k, _, _)| k)
    }

    /// Part `k` with its overlay folded into a new base (its plates
    /// numbered afresh), to be installed by [`PlateIndex::with_compacted`].
    pub fn compacted_part(&self, k: usize) -> Option<CompactedPart> {
        let part = self.parts.get(k)?.as_ref()?;
        Some(CompactedPart { k, from: (**part).clone(), fresh: part.compacted() })
    }

    /// This index with part `c`, which was compacted from an older
    /// snapshot, and what changed in that part since: the plates that died
    /// since are removed from it, the plates added since are added again.
    pub fn with_compacted(&self, c: CompactedPart) -> PlateIndex {
        let mut parts = self.parts.clone();
        let Some(now) = parts[c.k].as_ref() else { return self.clone() };
        let (from, now) = (&c.from, &**now);
        let mut part = c.fresh;
        if !Arc::ptr_eq(&from.base, &now.base) {
            // Rebuilt since (a whole reload): the part as it is now stands.
            return self.clone();
        }
        let known = from.id_count() as u32;
        let died: Vec<u64> = now
            .dead
            .differing(&from.dead)
            .filter(|&i| i < known && !now.is_live(i))
            .map(|i| now.get(i).code)
            .collect();
        let added: Vec<([f64; 2], Plate)> = now
            .added_plates()
            .filter(|&(i, _)| i >= known && now.is_live(i))
            .map(|(_, e)| e.clone())
            .collect();
        if !died.is_empty() || !added.is_empty() {
            part = part.with_changes(&died, added).0;
        }
        parts[c.k] = Some(Arc::new(part));
        PlateIndex { parts }
    }
}

/// A part folded into a new base, and the part it was folded from.
pub struct CompactedPart {
    k: usize,
    from: PlatePart,
    fresh: PlatePart,
}
