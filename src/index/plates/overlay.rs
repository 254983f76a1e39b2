//! Changes to the plate index over a shared base: plates no longer live
//! are marked, plates added are numbered after the base's in tiers with
//! grids of their own, and a plate is found by its code (the base's in code
//! order, each tier's in a hash table); what changed between two snapshots.

use super::{LEVELS, Plate, PlateIndex, PlateTier, fine_cell};
use crate::index::cell_grid::NearGrid;
use crate::index::dead::DeadSet;
use geo::Coord;
use hashbrown::HashTable;
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

impl PlateTier {
    fn build(first: u32, plates: Vec<([f64; 2], Plate)>, dead: &DeadSet) -> PlateTier {
        let entries: Vec<(Coord<f64>, Coord<f64>, u32)> = plates
            .iter()
            .enumerate()
            .map(|(k, (p, _))| (first + k as u32, Coord { x: p[0], y: p[1] }))
            .filter(|&(i, _)| !dead.contains(i))
            .map(|(i, c)| (c, c, i))
            .collect();
        let grid = (!entries.is_empty()).then(|| NearGrid::build(&entries, &LEVELS));
        let mut by_code = HashTable::with_capacity(plates.len());
        for (k, (_, p)) in plates.iter().enumerate() {
            let code_of = |&i: &u32| code_hash(plates[(i - first) as usize].1.code);
            by_code.insert_unique(code_hash(p.code), first + k as u32, code_of);
        }
        PlateTier { first, plates, grid, by_code }
    }
}

impl PlateIndex {
    /// The index after `changes`: the base and the older tiers are shared.
    /// Ids never change: a plate that leaves is marked, one that enters
    /// gets the next id. Returns the ids the added plates got, in order.
    pub fn with_changes(&self, changes: &PlateChanges) -> (PlateIndex, Vec<u32>) {
        let mut dead = self.dead.clone();
        let mut live = self.live;
        for &code in &changes.removed {
            if let Some(i) = self.find_code(code)
                && dead.insert(i)
            {
                live -= 1;
            }
        }
        let mut first = self.id_count() as u32;
        let ids = (first..first + changes.added.len() as u32).collect();
        live += changes.added.len();
        let mut tiers = self.tiers.clone();
        let mut plates = changes.added.clone();
        for last in super::super::tiers::absorbed(&mut tiers, plates.len(), |t| t.plates.len()) {
            let mut merged = last.plates.clone();
            merged.append(&mut plates);
            plates = merged;
            first = last.first;
        }
        if !plates.is_empty() {
            tiers.push(Arc::new(PlateTier::build(first, plates, &dead)));
        }
        (PlateIndex { base: self.base.clone(), dead, tiers, live }, ids)
    }

    /// The live plate with `code`, if any.
    pub fn find_code(&self, code: u64) -> Option<u32> {
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

    /// How many plates the overlay holds (added, and plates no longer
    /// live): when it grows large, the index is rebuilt.
    pub fn overlay_len(&self) -> usize {
        self.tiers.iter().map(|t| t.plates.len()).sum::<usize>() + self.dead.len()
    }

    /// The plates added since the base, with their ids.
    fn added_plates(&self) -> impl Iterator<Item = (u32, &([f64; 2], Plate))> + '_ {
        self.tiers.iter().flat_map(|t| (t.first..).zip(&t.plates))
    }

    /// The cell grids of the tiers of added plates.
    pub(super) fn tier_grids(&self) -> impl Iterator<Item = &NearGrid<u32>> + '_ {
        self.tiers.iter().filter_map(|t| t.grid.as_ref())
    }

    /// Where plates were added, removed, moved or relabelled between `old`
    /// and this index (old and new places of a moved plate). Over the same
    /// base, from the overlays (the plates one added after the other's
    /// last id, and the plates dead in one and not the other); otherwise one
    /// merge over both bases, which are kept in the same order.
    pub fn changed_since(&self, old: &PlateIndex) -> Vec<Coord<f64>> {
        let point = |c: &[f64; 2]| Coord { x: c[0], y: c[1] };
        if Arc::ptr_eq(&self.base, &old.base) {
            let (newer, older) = if self.id_count() >= old.id_count() { (self, old) } else { (old, self) };
            let mut out: Vec<Coord<f64>> = newer
                .added_plates()
                .filter(|&(i, _)| i as usize >= older.id_count())
                .map(|(_, (p, _))| point(p))
                .collect();
            out.extend(self.dead.differing(&old.dead).map(|i| newer.point(i)));
            return out;
        }
        let key = |ix: &PlateIndex, i: usize| (fine_cell(ix.base.points[i]), ix.base.plates[i].code);
        let (a, b) = (&old.base, &self.base);
        let (mut i, mut j, mut out) = (0, 0, Vec::new());
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
        for ix in [self, old] {
            out.extend(ix.added_plates().map(|(_, (p, _))| point(p)));
        }
        out
    }
}

/// The hash a plate code is filed under in [`PlateIndex::find_code`]'s
/// table of added plates.
pub(super) fn code_hash(code: u64) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::OptId;
    use crate::index::metric::LocalFrame;
    use rand::{RngExt, SeedableRng};

    fn plate(code: u64, label: &str) -> Plate {
        Plate { code, label: label.into(), division: OptId::some(0), street: OptId::NONE }
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

    #[test]
    fn an_overlay_answers_as_a_rebuilt_index_would() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut items: Vec<([f64; 2], Plate)> = (0..8_000u64)
            .map(|i| {
                (
                    [121.5 + rng.random_range(-0.03..0.03), 29.9 + rng.random_range(-0.03..0.03)],
                    plate(i, "1号"),
                )
            })
            .collect();
        let mut index = PlateIndex::build(items.clone());
        // Three rounds of changes: retire some, move some, add new ones.
        for round in 0..3u64 {
            let mut changes = PlateChanges::default();
            for k in 0..300u64 {
                let code = (round * 997 + k * 13) % 8_000;
                changes.removed.push(code);
                items.retain(|(_, p)| p.code != code);
                if k % 3 == 0 {
                    let moved = (
                        [121.5 + rng.random_range(-0.03..0.03), 29.9 + rng.random_range(-0.03..0.03)],
                        plate(code, "2号"),
                    );
                    changes.added.push(moved.clone());
                    items.push(moved);
                }
            }
            for k in 0..100u64 {
                let new = (
                    [121.5 + rng.random_range(-0.03..0.03), 29.9 + rng.random_range(-0.03..0.03)],
                    plate(10_000 + round * 100 + k, "3号"),
                );
                changes.added.push(new.clone());
                items.push(new);
            }
            let (next, ids) = index.with_changes(&changes);
            assert_eq!(ids.len(), changes.added.len());
            for (id, (_, p)) in ids.iter().zip(&changes.added) {
                assert_eq!(next.find_code(p.code), Some(*id), "a changed plate is found by its code");
            }
            assert!(!next.changed_since(&index).is_empty());
            index = next;
        }
        assert_eq!(index.len(), items.len());
        let rebuilt = PlateIndex::build(items.clone());
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
        assert_eq!(count(&index), count(&rebuilt));
        assert_eq!(index.ids().count(), items.len());
    }
}
