//! Changes to the plate index over shared parts: plates no longer live
//! are marked, plates added are numbered after the base's in tiers with
//! grids of their own, and a plate is found by its code (the base's in code
//! order, each tier's in a hash table); what changed between two
//! snapshots (`compaction.rs` folds a part's overlay into a new base).

use super::part::{PlatePart, PlateTier, code_hash};
use super::{LOCAL_BITS, PARTS, Plate, PlateIndex, fine_cell, id_of, part_of};
use crate::index::cell_grid::NearGrid;
use geo::Coord;
use std::sync::Arc;

/// A change to the plates: codes that are no longer live (or are replaced),
/// then plates added under their code.
#[derive(Debug, Default, Clone)]
pub struct PlateChanges {
    /// Codes whose current plate leaves the index.
    pub removed: Vec<u64>,
    /// Plates that enter it (a changed plate is removed and added).
    pub added: Vec<([f64; 2], Plate)>,
}

impl PlatePart {
    /// The part after removing the live plates of `removed` and adding
    /// `added`; returns the local ids the added plates got.
    pub(super) fn with_changes(
        &self,
        removed: &[u64],
        added: Vec<([f64; 2], Plate)>,
    ) -> (PlatePart, std::ops::Range<u32>) {
        let mut dead = self.dead.clone();
        let mut live = self.live;
        for &code in removed {
            if let Some(i) = self.find_code(code)
                && dead.insert(i)
            {
                live -= 1;
            }
        }
        let extent = self.extent.with(added.iter().map(|(p, _)| p));
        let mut first = self.id_count() as u32;
        let ids = first..first + added.len() as u32;
        live += added.len();
        let mut tiers = self.tiers.clone();
        let mut plates = added;
        for last in crate::index::tiers::absorbed(&mut tiers, plates.len(), |t| t.plates.len()) {
            let mut merged = last.plates.clone();
            merged.append(&mut plates);
            plates = merged;
            first = last.first;
        }
        if !plates.is_empty() {
            tiers.push(Arc::new(PlateTier::build(first, plates, &dead)));
        }
        (PlatePart { base: self.base.clone(), dead, tiers, live, extent }, ids)
    }

    /// The live plate with `code`, if any.
    fn find_code(&self, code: u64) -> Option<u32> {
        let b = &self.base;
        let at = b.by_code.partition_point(|&i| b.plates[i as usize].code < code);
        let base = b.by_code[at..]
            .iter()
            .take_while(|&&i| b.plates[i as usize].code == code)
            .copied()
            .find(|&i| self.is_live(i));
        // Of a code added more than once, the latest live plate.
        let added = self.tiers.iter().rev().find_map(|t| {
            let ids = t.by_code.iter_hash(code_hash(code)).copied();
            ids.filter(|&i| t.plates[(i - t.first) as usize].1.code == code && self.is_live(i)).max()
        });
        added.or(base)
    }

    /// How many plates the overlay holds (added, and no longer live).
    pub(super) fn overlay_len(&self) -> usize {
        self.tiers.iter().map(|t| t.plates.len()).sum::<usize>() + self.dead.len()
    }

    /// The plates added since the base, with their ids.
    pub(super) fn added_plates(&self) -> impl Iterator<Item = (u32, &([f64; 2], Plate))> + '_ {
        self.tiers.iter().flat_map(|t| (t.first..).zip(&t.plates))
    }

    /// The cell grids of the tiers of added plates.
    pub(super) fn tier_grids(&self) -> impl Iterator<Item = &NearGrid<u32>> + '_ {
        self.tiers.iter().filter_map(|t| t.grid.as_ref())
    }

    /// Where plates were added, removed, moved or relabelled between `old`
    /// and this part (old and new places of a moved plate). Over the same
    /// base, from the overlays (the plates one added after the other's
    /// last id, and the plates dead in one and not the other); otherwise one
    /// merge over both bases, which are kept in the same order.
    fn changed_since(&self, old: &PlatePart, out: &mut Vec<Coord<f64>>) {
        let point = |c: &[f64; 2]| Coord { x: c[0], y: c[1] };
        if Arc::ptr_eq(&self.base, &old.base) {
            let (newer, older) = if self.id_count() >= old.id_count() { (self, old) } else { (old, self) };
            out.extend(
                newer
                    .added_plates()
                    .filter(|&(i, _)| i as usize >= older.id_count())
                    .map(|(_, (p, _))| point(p)),
            );
            out.extend(self.dead.differing(&old.dead).map(|i| newer.point(i)));
            return;
        }
        let key = |p: &PlatePart, i: usize| (fine_cell(p.base.points[i]), p.base.plates[i].code);
        let (a, b) = (&old.base, &self.base);
        let (mut i, mut j) = (0, 0);
        loop {
            let older = match (i < a.plates.len(), j < b.plates.len()) {
                (true, true) if key(old, i) == key(self, j) => {
                    if a.points[i] != b.points[j] || a.plates[i].label != b.plates[j].label {
                        out.extend([old.point(i as u32), self.point(j as u32)]);
                    }
                    (i, j) = (i + 1, j + 1);
                    continue;
                }
                (true, true) => key(old, i) < key(self, j),
                (true, false) => true,
                (false, true) => false,
                (false, false) => break,
            };
            if older {
                out.push(old.point(i as u32));
                i += 1;
            } else {
                out.push(self.point(j as u32));
                j += 1;
            }
        }
        for p in [self, old] {
            out.extend(p.added_plates().map(|(_, (c, _))| point(c)));
        }
    }
}

impl PlateIndex {
    /// The index after `changes`: the parts it does not touch, and the
    /// bases and older tiers of those it does, are shared. Ids of plates
    /// that stay never change: a plate that leaves is marked, one that
    /// enters gets the next id of its part. Returns the ids the added plates
    /// got, in order.
    pub fn with_changes(&self, changes: &PlateChanges) -> (PlateIndex, Vec<u32>) {
        let mut removed: Vec<Vec<u64>> = vec![Vec::new(); PARTS];
        let mut added: Vec<Vec<([f64; 2], Plate)>> = vec![Vec::new(); PARTS];
        for &code in &changes.removed {
            removed[part_of(code)].push(code);
        }
        // Where each added plate goes: its part and its place there.
        let mut slots = Vec::with_capacity(changes.added.len());
        for item in &changes.added {
            let k = part_of(item.1.code);
            slots.push((k, added[k].len() as u32));
            added[k].push(item.clone());
        }
        let mut parts = self.parts.clone();
        let mut first = vec![0u32; PARTS];
        for k in 0..PARTS {
            if removed[k].is_empty() && added[k].is_empty() {
                continue;
            }
            let mut part = parts[k].as_deref().cloned().unwrap_or_default();
            // Ids stay within the part's share of the id space.
            if part.id_count() + added[k].len() >= 1 << LOCAL_BITS {
                part = part.compacted();
            }
            let (next, ids) = part.with_changes(&removed[k], std::mem::take(&mut added[k]));
            first[k] = ids.start;
            parts[k] = Some(Arc::new(next));
        }
        let ids = slots.into_iter().map(|(k, n)| id_of(k, first[k] + n)).collect();
        (PlateIndex { parts }, ids)
    }

    /// The live plate with `code`, if any.
    pub fn find_code(&self, code: u64) -> Option<u32> {
        let k = part_of(code);
        let p = self.parts[k].as_ref()?;
        p.find_code(code).map(|i| id_of(k, i))
    }

    /// How many plates the overlays hold (added, and plates no longer
    /// live).
    pub fn overlay_len(&self) -> usize {
        self.parts().map(|(_, p)| p.overlay_len()).sum()
    }

    /// Where plates were added, removed, moved or relabelled between `old`
    /// and this index (old and new places of a moved plate), part by part:
    /// the parts both share are skipped.
    pub fn changed_since(&self, old: &PlateIndex) -> Vec<Coord<f64>> {
        let mut out = Vec::new();
        for k in 0..PARTS {
            match (&old.parts[k], &self.parts[k]) {
                (Some(a), Some(b)) if Arc::ptr_eq(a, b) => {}
                (Some(a), Some(b)) => b.changed_since(a, &mut out),
                (Some(p), None) | (None, Some(p)) => out.extend(p.ids().map(|i| p.point(i))),
                (None, None) => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::OptId;
    use crate::index::metric::LocalFrame;
    use crate::index::plates::province_of_code;
    use rand::{RngExt, SeedableRng};

    fn plate(code: u64, label: &str) -> Plate {
        Plate { code, label: label.into(), division: OptId::some(0), street: OptId::some(0) }
    }

    #[test]
    fn changes_between_two_snapshots_are_the_added_removed_moved_and_relabelled_plates() {
        let base: Vec<([f64; 2], Plate)> = (0..1_000u32)
            .map(|i| ([121.5 + f64::from(i) * 1e-4, 29.9 + f64::from(i % 7) * 1e-4], plate(i.into(), "88号")))
            .collect();
        let old = PlateIndex::build(base.clone());
        let mut changed = base;
        changed.retain(|(_, p)| p.code != 10); // removed
        changed.push(([122.0, 30.0], plate(5_000, "1号"))); // added
        changed.iter_mut().filter(|(_, p)| p.code == 20).for_each(|(at, _)| at[1] += 0.01); // moved
        changed.iter_mut().filter(|(_, p)| p.code == 30).for_each(|(_, p)| p.label = "89号".into()); // relabelled
        let new = PlateIndex::build(changed);
        let mut got: Vec<(i64, i64)> = new
            .changed_since(&old)
            .into_iter()
            .map(|c| ((c.x * 1e6).round() as i64, (c.y * 1e6).round() as i64))
            .collect();
        got.sort_unstable();
        got.dedup();
        let at = |i: u32| {
            (
                (121.5e6 + f64::from(i) * 100.0).round() as i64,
                (29.9e6 + f64::from(i % 7) * 100.0).round() as i64,
            )
        };
        let mut want = vec![at(10), (122_000_000, 30_000_000), at(20), (at(20).0, at(20).1 + 10_000), at(30)];
        want.sort_unstable();
        assert_eq!(got, want);
        assert!(new.changed_since(&new).is_empty(), "a snapshot has no changes against itself");
    }

    /// Codes of two provinces (33 and 34), `i` within each.
    fn code(i: u64) -> u64 {
        (33 + i % 2) * 10u64.pow(16) + i
    }

    fn random_point(rng: &mut impl rand::Rng) -> [f64; 2] {
        [121.5 + rng.random_range(-0.03..0.03), 29.9 + rng.random_range(-0.03..0.03)]
    }

    /// One round of changes to `items`: some plates retired, a third of
    /// those moved (and relabelled), some new ones.
    fn random_round(
        rng: &mut impl rand::Rng,
        round: u64,
        items: &mut Vec<([f64; 2], Plate)>,
    ) -> PlateChanges {
        let mut changes = PlateChanges::default();
        for k in 0..300u64 {
            let c = code((round * 997 + k * 13) % 8_000);
            changes.removed.push(c);
            items.retain(|(_, p)| p.code != c);
            if k % 3 == 0 {
                let moved = (random_point(rng), plate(c, "2号"));
                changes.added.push(moved.clone());
                items.push(moved);
            }
        }
        for k in 0..100u64 {
            let new = (random_point(rng), plate(code(10_000 + round * 100 + k), "3号"));
            changes.added.push(new.clone());
            items.push(new);
        }
        changes
    }

    /// `index` answers "nearest", "in this box", "by code" and "by street"
    /// as an index built from `items` does.
    fn assert_answers_as_rebuilt(index: &PlateIndex, items: &[([f64; 2], Plate)], rng: &mut impl rand::Rng) {
        assert_eq!(index.len(), items.len());
        assert_eq!(index.ids().count(), items.len());
        let rebuilt = PlateIndex::build(items.to_vec());
        for _ in 0..1_000 {
            let q = Coord {
                x: 121.5 + rng.random_range(-0.035..0.035),
                y: 29.9 + rng.random_range(-0.035..0.035),
            };
            let frame = LocalFrame::new(q);
            let (a, b) = (index.nearest(&frame, 2000.0), rebuilt.nearest(&frame, 2000.0));
            let (a, b) = (a.expect("near"), b.expect("near"));
            assert!((a.distance_m - b.distance_m).abs() < 1e-9, "{q:?}");
            assert_eq!(index.get(a.index).label, rebuilt.get(b.index).label);
        }
        let (lo, hi) = (Coord { x: 121.49, y: 29.89 }, Coord { x: 121.51, y: 29.91 });
        let count = |ix: &PlateIndex| {
            let mut codes: Vec<u64> = ix
                .within(lo, hi)
                .filter(|&i| {
                    let c = ix.point(i);
                    c.x >= lo.x && c.x <= hi.x && c.y >= lo.y && c.y <= hi.y
                })
                .map(|i| ix.get(i).code)
                .collect();
            codes.sort_unstable();
            codes
        };
        assert_eq!(count(index), count(&rebuilt));
        for (at, p) in items {
            let i = index.find_code(p.code).expect("a live plate is found by its code");
            assert_eq!((index.point(i), &index.get(i).label), (Coord { x: at[0], y: at[1] }, &p.label));
            let on =
                index.on_street(province_of_code(p.code), 0, &p.label).map(|i| index.get(i).label.clone());
            assert_eq!(on.as_ref(), Some(&p.label), "a live plate is found by its street and label");
        }
    }

    #[test]
    fn an_overlay_answers_as_a_rebuilt_index_would() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut items: Vec<([f64; 2], Plate)> =
            (0..8_000u64).map(|i| (random_point(&mut rng), plate(code(i), "1号"))).collect();
        let mut index = PlateIndex::build(items.clone());
        // Three rounds of changes: retire some, move some, add new ones.
        for round in 0..3u64 {
            let changes = random_round(&mut rng, round, &mut items);
            let (next, ids) = index.with_changes(&changes);
            assert_eq!(ids.len(), changes.added.len());
            for (id, (_, p)) in ids.iter().zip(&changes.added) {
                assert_eq!(next.find_code(p.code), Some(*id), "a changed plate is found by its code");
            }
            assert!(!next.changed_since(&index).is_empty());
            index = next;
        }
        assert_answers_as_rebuilt(&index, &items, &mut rng);
    }

    #[test]
    fn a_part_compacted_while_changes_go_on_answers_as_a_rebuilt_index_would() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(13);
        let mut items: Vec<([f64; 2], Plate)> =
            (0..8_000u64).map(|i| (random_point(&mut rng), plate(code(i), "1号"))).collect();
        let mut index = PlateIndex::build(items.clone());
        for round in 0..2u64 {
            index = index.with_changes(&random_round(&mut rng, round, &mut items)).0;
        }
        let over = index.overlay_len();
        let k = index.part_to_compact(100).expect("an overlay of some 800 plates is over a limit of 100");
        let compacted = index.compacted_part(k).expect("the part exists");
        // Changes applied while the part is being compacted.
        for round in 2..4u64 {
            index = index.with_changes(&random_round(&mut rng, round, &mut items)).0;
        }
        let installed = index.with_compacted(compacted);
        assert!(installed.overlay_len() < index.overlay_len(), "{over} {}", installed.overlay_len());
        assert_answers_as_rebuilt(&installed, &items, &mut rng);
        // Nothing visible changed: only the points the overlay held.
        let moved = installed.changed_since(&index);
        assert!(moved.len() <= 2 * index.overlay_len(), "{} points for an overlay of {over}", moved.len());
        let mut both = installed;
        for part in [33, 34] {
            let fresh = both.compacted_part(part).expect("the part exists");
            both = both.with_compacted(fresh);
        }
        assert_eq!(both.overlay_len(), 0, "both parts compacted, no change since");
        assert_answers_as_rebuilt(&both, &items, &mut rng);
    }
}
