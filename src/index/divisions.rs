//! The division tree in memory: every version of every division, the
//! current parent/child links, and exact point-in-polygon location of the
//! whole chain (province → village).
//!
//! Location runs top-down in three steps:
//! 1. the base layer (the finest level at or above the county that has a
//!    polygon: counties, plus prefectures and provinces without counties of
//!    their own) is answered by a [`PipGrid`];
//! 2. the township is found among that division's children, then the
//!    village among the township's, each by bounding box then exact test;
//! 3. the ancestors come from the parent links.

use super::pip_grid::PipGrid;
use crate::model::Level;
use crate::store::{ChangeRow, DivisionRow};
use geo::indexed::IntervalTreeMultiPolygon;
use geo::{BoundingRect, Contains, Coord, MultiPolygon, Rect};
use std::collections::HashMap;

/// Grid cell size for the base layer, degrees (about 2 km).
const GRID_CELL_DEG: f64 = 0.02;
/// Grid cell size for the fallback layers, degrees (about 10 km).
const FALLBACK_CELL_DEG: f64 = 0.1;

/// One division version in memory.
#[derive(Debug, Clone)]
pub struct Division {
    /// Store row id.
    pub fid: i64,
    /// Division code.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Short name, if any.
    pub short_name: Option<String>,
    /// Level.
    pub level: Level,
    /// Parent (index into [`DivisionIndex::all`]), current version.
    pub parent: Option<u32>,
    /// Stored parent code.
    pub parent_code: Option<String>,
    /// Romanised name.
    pub pinyin: Option<String>,
    /// Validity start (ISO date).
    pub valid_from: Option<String>,
    /// Validity end (ISO date), `None` while current.
    pub valid_to: Option<String>,
    /// Seat, lon/lat CGCS2000.
    pub seat: Option<(f64, f64)>,
    /// Bounding box of the boundary, if it has one.
    pub bbox: Option<Rect<f64>>,
}

impl Division {
    /// Whether this version is valid on `date` (ISO `YYYY-MM-DD`), or now
    /// when `date` is `None`.
    pub fn valid_on(&self, date: Option<&str>) -> bool {
        match date {
            None => self.valid_to.is_none(),
            Some(d) => {
                self.valid_from.as_deref().is_none_or(|f| f <= d)
                    && self.valid_to.as_deref().is_none_or(|t| d < t)
            }
        }
    }
}

enum Shape {
    Indexed(Box<IntervalTreeMultiPolygon<f64>>),
    Plain(MultiPolygon<f64>),
}

impl Shape {
    #[inline]
    fn contains(&self, c: Coord<f64>) -> bool {
        match self {
            Shape::Indexed(t) => t.contains(&c),
            Shape::Plain(mp) => mp.contains(&c),
        }
    }
}

/// The division tree and its point-in-polygon index.
pub struct DivisionIndex {
    all: Vec<Division>,
    shapes: Vec<Option<Shape>>,
    by_code: HashMap<String, Vec<u32>>,
    children: Vec<Vec<u32>>,
    grid: PipGrid,
    /// Prefectures, then provinces, for points that fall in no base
    /// polygon (gaps and slivers between county polygons, counties that
    /// have none).
    fallback: [PipGrid; 2],
    /// new code → (change date, old code), from the change history.
    predecessors: HashMap<String, Vec<(String, String)>>,
    /// old code → (change date, new code), the same history read forwards.
    successors: HashMap<String, Vec<(String, String)>>,
    /// Names of the chain down to the township (a village's is its
    /// township's): the head of every standard address in the division.
    prefixes: Vec<Box<str>>,
    /// For each division, its current children below the county that have
    /// a boundary, with their bounding boxes, packed contiguously so that
    /// the descent from county to village reads a few cache lines.
    descent: Vec<Vec<(u32, [f64; 4])>>,
    /// Each division's ancestors, nearest first, padded with `u32::MAX`:
    /// a walk up the tree reads one 32-byte record, not a chain of
    /// dependent reads (the geocoder walks up from every village of a
    /// common name: 27 on average in the benchmark's sample, 309 for 马庄村).
    ancestors: Vec<[u32; MAX_DEPTH]>,
    /// [`DivisionIndex::current_of`] for every division (`u32::MAX` for
    /// none), worked out once: the geocoder asks it of every division a
    /// common name stands for.
    currents: Vec<u32>,
    /// The last division under each division: divisions are numbered in
    /// the order of a walk down the tree (each followed by everything under
    /// it), so `d` lies under `a` when `a < d <= below_end[a]`, with no
    /// read of `d`'s record. Empty when the parent links of a bad store do
    /// not form such a tree (the lineage is walked instead).
    below_end: Vec<u32>,
    /// Each division's level, apart from the records (read for every
    /// reading the geocoder scores).
    levels: Vec<Level>,
}

/// Most ancestors a division's lineage lists (five levels need four).
const MAX_DEPTH: usize = 8;

/// The rows in the order of a walk down the tree of parent links: each
/// division followed by everything under it (former versions included,
/// under the current division of their parent code), siblings in the
/// order given. Rows whose parent links loop (a bad store) come last.
fn tree_order(rows: Vec<DivisionRow>) -> Vec<DivisionRow> {
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
        match r.parent_code.as_deref().and_then(|p| current.get(p)) {
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
    /// Builds the index from stored rows (with geometry).
    pub fn build(rows: Vec<DivisionRow>, changes: &[ChangeRow]) -> DivisionIndex {
        let rows = tree_order(rows);
        let mut all = Vec::with_capacity(rows.len());
        let mut geoms: Vec<Option<MultiPolygon<f64>>> = Vec::with_capacity(rows.len());
        let mut by_code: HashMap<String, Vec<u32>> = HashMap::new();
        for (i, r) in rows.into_iter().enumerate() {
            let level = Level::from_i64(r.level).unwrap_or(Level::Village);
            by_code.entry(r.code.clone()).or_default().push(i as u32);
            all.push(Division {
                fid: r.fid,
                code: r.code,
                name: r.name,
                short_name: r.short_name,
                level,
                parent: None,
                parent_code: r.parent_code,
                pinyin: r.pinyin,
                valid_from: r.valid_from,
                valid_to: r.valid_to,
                seat: r.seat,
                bbox: r.geom.as_ref().and_then(|g| g.bounding_rect()),
            });
            geoms.push(r.geom);
        }
        for v in by_code.values_mut() {
            v.sort_by(|a, b| all[*a as usize].valid_from.cmp(&all[*b as usize].valid_from));
        }
        let current = |code: &str| -> Option<u32> {
            by_code.get(code)?.iter().copied().find(|&i| all[i as usize].valid_to.is_none())
        };
        let parents: Vec<Option<u32>> =
            all.iter().map(|d| d.parent_code.as_deref().and_then(current)).collect();
        let mut children = vec![Vec::new(); all.len()];
        for (i, p) in parents.iter().enumerate() {
            all[i].parent = *p;
            if let Some(p) = p
                && all[i].valid_to.is_none()
            {
                children[*p as usize].push(i as u32);
            }
        }
        // Counties and above get interval trees; townships and villages are
        // small generated polygons for which the plain test is as fast.
        let shapes: Vec<Option<Shape>> = geoms
            .iter()
            .zip(&all)
            .map(|(g, d)| {
                g.as_ref().map(|mp| {
                    if d.level <= Level::County {
                        Shape::Indexed(Box::new(IntervalTreeMultiPolygon::new(mp)))
                    } else {
                        Shape::Plain(mp.clone())
                    }
                })
            })
            .collect();
        // The base layer: current divisions at or above the county with a
        // polygon and no county-or-above child with one.
        let is_base = |i: usize| {
            let d = &all[i];
            d.valid_to.is_none()
                && d.level <= Level::County
                && geoms[i].is_some()
                && !children[i]
                    .iter()
                    .any(|&c| all[c as usize].level <= Level::County && geoms[c as usize].is_some())
        };
        let base: Vec<(u32, &MultiPolygon<f64>)> = (0..all.len())
            .filter(|&i| is_base(i))
            .filter_map(|i| geoms[i].as_ref().map(|g| (i as u32, g)))
            .collect();
        let contains = |id: u32, c: Coord<f64>| shapes[id as usize].as_ref().is_some_and(|s| s.contains(c));
        let grid = PipGrid::build(&base, GRID_CELL_DEG, contains);
        let layer = |level: Level| -> Vec<(u32, &MultiPolygon<f64>)> {
            (0..all.len())
                .filter(|&i| all[i].level == level && all[i].valid_to.is_none() && !is_base(i))
                .filter_map(|i| geoms[i].as_ref().map(|g| (i as u32, g)))
                .collect()
        };
        let fallback = [
            PipGrid::build(&layer(Level::Prefecture), FALLBACK_CELL_DEG, contains),
            PipGrid::build(&layer(Level::Province), FALLBACK_CELL_DEG, contains),
        ];
        let mut predecessors: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut successors: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for c in changes {
            if let (Some(old), Some(new)) = (&c.old_code, &c.new_code)
                && old != new
            {
                predecessors.entry(new.clone()).or_default().push((c.date.clone(), old.clone()));
                successors.entry(old.clone()).or_default().push((c.date.clone(), new.clone()));
            }
        }
        let descent = children
            .iter()
            .map(|kids| {
                kids.iter()
                    .filter(|&&c| all[c as usize].level > Level::County)
                    .filter_map(|&c| {
                        let b = all[c as usize].bbox?;
                        Some((c, [b.min().x, b.min().y, b.max().x, b.max().y]))
                    })
                    .collect()
            })
            .collect();
        let mut index = DivisionIndex {
            ancestors: vec![],
            currents: vec![],
            below_end: vec![],
            levels: vec![],
            all,
            shapes,
            by_code,
            children,
            grid,
            fallback,
            predecessors,
            successors,
            prefixes: vec![],
            descent,
        };
        index.ancestors = index
            .all
            .iter()
            .map(|d| {
                let mut up = [u32::MAX; MAX_DEPTH];
                let mut next = d.parent;
                // Parent links form a tree; the bound guards against a bad store.
                for slot in &mut up {
                    let Some(p) = next else { break };
                    *slot = p;
                    next = index.all[p as usize].parent;
                }
                up
            })
            .collect();
        index.below_end = index.ranges_below().unwrap_or_default();
        index.levels = index.all.iter().map(|d| d.level).collect();
        index.currents =
            (0..index.all.len() as u32).map(|i| index.current_of_uncached(i).unwrap_or(u32::MAX)).collect();
        index.prefixes = (0..index.all.len() as u32)
            .map(|i| {
                index
                    .chain(i)
                    .into_iter()
                    .map(|c| index.get(c))
                    .filter(|d| d.level <= Level::Township)
                    .map(|d| d.name.as_str())
                    .collect::<String>()
                    .into_boxed_str()
            })
            .collect();
        index
    }

    /// Every division version.
    pub fn all(&self) -> &[Division] {
        &self.all
    }

    /// One division by index.
    pub fn get(&self, i: u32) -> &Division {
        &self.all[i as usize]
    }

    /// The version of `code` valid on `date` (now if `None`).
    pub fn by_code(&self, code: &str, date: Option<&str>) -> Option<u32> {
        self.by_code.get(code)?.iter().rev().copied().find(|&i| self.all[i as usize].valid_on(date))
    }

    /// The division that stood for `code` on `date`: a version of the same
    /// code, else (following the change history back) a predecessor's.
    pub fn version_on(&self, code: &str, date: &str) -> Option<u32> {
        self.version_on_depth(code, date, 0)
    }

    fn version_on_depth(&self, code: &str, date: &str, depth: usize) -> Option<u32> {
        if let Some(i) = self.by_code(code, Some(date)) {
            return Some(i);
        }
        if depth > 8 {
            return None;
        }
        self.predecessors
            .get(code)?
            .iter()
            .filter(|(changed, _)| changed.as_str() > date)
            .find_map(|(_, old)| self.version_on_depth(old, date, depth + 1))
    }

    /// The current division that stands for version `i` today: itself if
    /// current, the current version of its code if it was renamed, else
    /// (following the change history forwards, latest change first) a
    /// successor's.
    pub fn current_of(&self, i: u32) -> Option<u32> {
        Some(self.currents[i as usize]).filter(|&c| c != u32::MAX)
    }

    fn current_of_uncached(&self, i: u32) -> Option<u32> {
        let d = self.get(i);
        if d.valid_to.is_none() {
            return Some(i);
        }
        self.current_of_code(&d.code, d.valid_to.as_deref().unwrap_or(""), 0)
    }

    fn current_of_code(&self, code: &str, after: &str, depth: usize) -> Option<u32> {
        if let Some(i) = self.by_code(code, None) {
            return Some(i);
        }
        if depth > 8 {
            return None;
        }
        let mut next: Vec<&(String, String)> =
            self.successors.get(code)?.iter().filter(|(date, _)| date.as_str() >= after).collect();
        next.sort_by(|a, b| b.0.cmp(&a.0));
        next.into_iter().find_map(|(date, new)| self.current_of_code(new, date, depth + 1))
    }

    /// The head of a standard address in division `i`: the names from the
    /// province down to the township (浙江省宁波市鄞州区首南街道).
    pub fn address_prefix(&self, i: u32) -> &str {
        &self.prefixes[i as usize]
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

    /// The names of division `i`'s chain joined (浙江省宁波市鄞州区…).
    pub fn chain_names(&self, i: u32) -> String {
        let (up, n) = self.chain_array(i);
        up[..n].iter().map(|&a| self.all[a as usize].name.as_str()).collect()
    }

    /// Every version of `code`, oldest first.
    pub fn versions(&self, code: &str) -> &[u32] {
        self.by_code.get(code).map_or(&[], |v| v.as_slice())
    }

    /// Current children of a division.
    pub fn children(&self, i: u32) -> &[u32] {
        &self.children[i as usize]
    }

    /// `i` and its ancestors, upwards, without allocating.
    pub fn lineage(&self, i: u32) -> impl Iterator<Item = u32> + '_ {
        std::iter::once(i).chain(self.ancestors[i as usize].iter().copied().take_while(|&a| a != u32::MAX))
    }

    /// The level of division `i`.
    pub fn level(&self, i: u32) -> Level {
        self.levels[i as usize]
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
    fn ranges_below(&self) -> Option<Vec<u32>> {
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

    /// Whether division `i`'s boundary contains the point.
    pub fn contains(&self, i: u32, c: Coord<f64>) -> bool {
        self.shapes[i as usize].as_ref().is_some_and(|s| s.contains(c))
    }

    /// The deepest current division containing the point (lon/lat
    /// CGCS2000), or `None` outside every boundary.
    pub fn locate(&self, c: Coord<f64>) -> Option<u32> {
        let mut cur = self.locate_base(c)?;
        loop {
            let next = self.descent[cur as usize].iter().find(|(ch, b)| {
                b[0] <= c.x && c.x <= b[2] && b[1] <= c.y && c.y <= b[3] && self.contains(*ch, c)
            });
            match next {
                Some(&(n, _)) => cur = n,
                None => return Some(cur),
            }
        }
    }

    /// The base-layer division containing the point (county level, or the
    /// prefecture/province where there is no county polygon); where no base
    /// polygon contains it, the prefecture or else the province that does.
    pub fn locate_base(&self, c: Coord<f64>) -> Option<u32> {
        let test = |id, p| self.contains(id, p);
        self.grid
            .locate(c, test)
            .or_else(|| self.fallback[0].locate(c, test))
            .or_else(|| self.fallback[1].locate(c, test))
    }

    /// Share of grid cells that need an exact test.
    pub fn grid_boundary_share(&self) -> f64 {
        self.grid.boundary_share()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, level: i64, parent: Option<&str>, valid_to: Option<&str>) -> DivisionRow {
        DivisionRow {
            code: code.into(),
            name: format!("区划{code}"),
            level,
            parent_code: parent.map(Into::into),
            valid_to: valid_to.map(Into::into),
            ..DivisionRow::default()
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
            row("330203", 3, Some("3302"), None),
            row("330281", 3, Some("3302"), Some("2016-01-01")),
            row("3302", 2, Some("33"), None),
            row("32", 1, None, None),
            row("330203001", 4, Some("330203"), None),
            row("33", 1, None, None),
            row("3201", 2, Some("32"), None),
        ];
        let index = DivisionIndex::build(rows, &[]);
        assert!(!index.below_end.is_empty(), "a tree is numbered as one");
        let id = |code: &str| index.by_code(code, None).expect(code);
        assert!(index.is_within(id("330203001"), id("33")));
        assert!(!index.is_within(id("330203001"), id("32")));
        assert!(!index.is_within(id("33"), id("330203")));
        assert_within_follows_lineage(&index);

        // A bad store: two divisions each other's parent.
        let rows = vec![
            row("11", 1, None, None),
            row("1101", 2, Some("1102"), None),
            row("1102", 2, Some("1101"), None),
        ];
        let index = DivisionIndex::build(rows, &[]);
        assert!(index.below_end.is_empty(), "no numbering fits a loop: the lineage is walked");
        assert_within_follows_lineage(&index);
    }
}
