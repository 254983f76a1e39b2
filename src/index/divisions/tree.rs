//! The tree of divisions: rows numbered in the order of a walk down the
//! parent links (so "lies under" is a range check), each division's
//! ancestors in one record, and the walks up the tree.

use super::{DivisionIndex, MAX_DEPTH, OptId};
use crate::model::Level;
use crate::store::DivisionRow;
use std::collections::HashMap;

/// The rows in the order of a walk down the tree of parent links: each
/// division followed by everything under it (former versions included,
/// under the current division of their parent code), siblings in the
/// order given. Rows whose parent links loop (a bad store) come last.
pub(super) fn tree_order(rows: Vec<DivisionRow>) -> Vec<DivisionRow> {
    let n = rows.len();
    let mut current: HashMap<&str, usize> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.valid_to.is_none() {
            current.entry(r.code.as_str()).or_insert(i);
        }
    }
    let mut below: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        match r.parent_code.as_ref().and_then(|p| current.get(p.as_str())) {
            Some(&p) if p != i => below[p].push(i),
            _ => roots.push(i),
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        if !std::mem::replace(&mut seen[i], true) {
            order.push(i);
            stack.extend(below[i].iter().rev());
        }
    }
    order.extend((0..n).filter(|&i| !seen[i]));
    let mut slots: Vec<Option<DivisionRow>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

impl DivisionIndex {
    /// Each division's ancestors, nearest first (see `ancestors`).
    pub(super) fn ancestors_of_all(&self) -> Vec<[OptId; MAX_DEPTH]> {
        self.all
            .iter()
            .map(|d| {
                let mut up = [OptId::NONE; MAX_DEPTH];
                let mut next = d.parent;
                // Parent links form a tree; the bound guards against a bad store.
                for slot in &mut up {
                    let Some(p) = next else { break };
                    *slot = OptId::some(p);
                    next = self.all[p as usize].parent;
                }
                up
            })
            .collect()
    }

    /// `i` and its ancestors, province first, without allocating:
    /// `up[..n]` of `(up, n)`.
    pub fn chain_array(&self, i: u32) -> ([u32; 8], usize) {
        let mut up = [0u32; 8];
        let mut n = 0;
        for a in self.lineage(i) {
            up[n] = a;
            n += 1;
        }
        up[..n].reverse();
        (up, n)
    }

    /// `i` and its ancestors, upwards, without allocating.
    pub fn lineage(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(i).chain(self.ancestors[i as usize].iter().map_while(|a| a.get()))
    }

    /// Whether division `i` is `a` or lies under it (`a` is in its
    /// lineage).
    pub fn is_within(&self, i: u32, a: u32) -> bool {
        match self.below_end.get(a as usize) {
            Some(&end) => a <= i && i <= end,
            None => self.lineage(i).any(|x| x == a),
        }
    }

    /// For each division, the last division under it, when the numbering
    /// puts everything under each division right after it (checked: the
    /// count of divisions under each must fill the range exactly).
    pub(super) fn ranges_below(&self) -> Option<Vec<u32>> {
        let n = self.all.len();
        let mut end: Vec<u32> = (0..n as u32).collect();
        let mut count = vec![0u32; n];
        for i in 0..n as u32 {
            for a in self.lineage(i).skip(1) {
                if a > i {
                    return None;
                }
                end[a as usize] = end[a as usize].max(i);
                count[a as usize] += 1;
            }
        }
        (0..n).all(|a| end[a] - a as u32 == count[a]).then_some(end)
    }

    /// The chain from the province down to `i`.
    pub fn chain(&self, i: u32) -> Vec<u32> {
        let mut out: Vec<u32> = self.lineage(i).collect();
        out.reverse();
        out
    }

    /// The county-level division `i` lies in (itself if a county).
    pub fn county_of(&self, i: u32) -> Option<u32> {
        self.lineage(i).find(|&a| self.all[a as usize].level == Level::County)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, level: i64, parent: Option<&str>, valid_to: Option<&str>) -> DivisionRow {
        let code_of = |c: &str| crate::model::DivisionCode::parse(c).expect("a code");
        DivisionRow {
            name: format!("区划{code}"),
            parent_code: parent.map(code_of),
            valid_to: valid_to.map(|d| d.parse().expect("a date")),
            ..DivisionRow::new(code_of(code), Level::from_i64(level).expect("a level"))
        }
    }

    /// Every pair agrees with the parent links, whatever order the rows
    /// came in, and a loop of parent links does not break it.
    fn assert_within_follows_lineage(index: &DivisionIndex) {
        let n = index.all().len() as u32;
        for i in 0..n {
            for a in 0..n {
                assert_eq!(index.is_within(i, a), index.lineage(i).any(|x| x == a), "{i} under {a}");
            }
        }
    }

    #[test]
    fn under_is_a_range_check_that_agrees_with_the_parent_links() {
        // Children listed before their parents, a former county under its
        // prefecture, a second province.
        let rows = vec![
            row("330203", 3, Some("330200"), None),
            row("330281", 3, Some("330200"), Some("2016-01-01")),
            row("330200", 2, Some("330000"), None),
            row("320000", 1, None, None),
            row("330203001", 4, Some("330203"), None),
            row("330000", 1, None, None),
            row("320100", 2, Some("320000"), None),
        ];
        let index = DivisionIndex::build(rows, &[]);
        assert!(!index.below_end.is_empty(), "a tree is numbered as one");
        let id = |code: &str| index.by_code(code, None).expect(code);
        assert!(index.is_within(id("330203001"), id("330000")));
        assert!(!index.is_within(id("330203001"), id("320000")));
        assert!(!index.is_within(id("330000"), id("330203")));
        assert_within_follows_lineage(&index);

        // A bad store: two divisions each other's parent.
        let rows = vec![
            row("110000", 1, None, None),
            row("110100", 2, Some("110200"), None),
            row("110200", 2, Some("110100"), None),
        ];
        let index = DivisionIndex::build(rows, &[]);
        assert!(index.below_end.is_empty(), "no numbering fits a loop: the lineage is walked");
        assert_within_follows_lineage(&index);
    }
}
