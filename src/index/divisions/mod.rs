//! The division tree in memory: every version of every division, the
//! current parent/child links, and exact point-in-polygon location of the
//! whole chain (province → village). `tree.rs` holds the numbering and
//! the walks up and down the tree, `locate.rs` point-in-polygon location,
//! `history.rs` the change history (a division on a date, today's
//! division for a former one), `names.rs` the names of a chain and the
//! head of every standard address.

mod history;
mod locate;
mod names;
mod tree;

use super::OptId;
use crate::model::{DivisionCode, Level};
use crate::store::{ChangeRow, DivisionRow};
use chrono::NaiveDate;
use geo::{BoundingRect, MultiPolygon, Rect};
use history::History;
use locate::Locator;
use std::collections::HashMap;

/// One division version in memory.
#[derive(Debug, Clone)]
pub struct Division {
    /// Store row id.
    pub fid: i64,
    /// Division code.
    pub code: DivisionCode,
    /// Full name.
    pub name: String,
    /// Short name, if any.
    pub short_name: Option<String>,
    /// Level.
    pub level: Level,
    /// Parent (index into [`DivisionIndex::all`]), current version.
    pub parent: Option<u32>,
    /// Stored parent code.
    pub parent_code: Option<DivisionCode>,
    /// Romanised name.
    pub pinyin: Option<String>,
    /// Validity start.
    pub valid_from: Option<NaiveDate>,
    /// Validity end, `None` while current.
    pub valid_to: Option<NaiveDate>,
    /// Seat, lon/lat CGCS2000.
    pub seat: Option<(f64, f64)>,
    /// Bounding box of the boundary, if it has one.
    pub bbox: Option<Rect<f64>>,
}

impl Division {
    /// Whether this version is valid on `date`, or now when `date` is
    /// `None`.
    pub fn valid_on(&self, date: Option<NaiveDate>) -> bool {
        match date {
            None => self.valid_to.is_none(),
            Some(d) => self.valid_from.is_none_or(|f| f <= d) && self.valid_to.is_none_or(|t| d < t),
        }
    }
}

/// The division tree and its point-in-polygon index.
pub struct DivisionIndex {
    all: Vec<Division>,
    by_code: HashMap<DivisionCode, Vec<u32>>,
    children: Vec<Vec<u32>>,
    /// Point-in-polygon location.
    locator: Locator,
    /// Renames, merges and splits, by code.
    history: History,
    /// Names of the chain down to the township (a village's is its
    /// township's): the head of every standard address in the division.
    prefixes: Vec<Box<str>>,
    /// Each division's ancestors, nearest first, padded with none:
    /// a walk up the tree reads one 32-byte record, not a chain of
    /// dependent reads (the geocoder walks up from every village of a
    /// common name: 27 on average in the benchmark's sample, 309 for 马庄村).
    ancestors: Vec<[OptId; MAX_DEPTH]>,
    /// [`DivisionIndex::current_of`] for every division, worked out once:
    /// the geocoder asks it of every division a common name stands for.
    currents: Vec<OptId>,
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

impl DivisionIndex {
    /// Builds the index from stored rows (with geometry).
    pub fn build(rows: Vec<DivisionRow>, changes: &[ChangeRow]) -> DivisionIndex {
        let rows = tree::tree_order(rows);
        let mut all = Vec::with_capacity(rows.len());
        let mut geoms: Vec<Option<MultiPolygon<f64>>> = Vec::with_capacity(rows.len());
        let mut by_code: HashMap<DivisionCode, Vec<u32>> = HashMap::new();
        for (i, r) in rows.into_iter().enumerate() {
            by_code.entry(r.code.clone()).or_default().push(i as u32);
            all.push(Division {
                fid: r.fid,
                code: r.code,
                name: r.name,
                short_name: r.short_name,
                level: r.level,
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
            all.iter().map(|d| d.parent_code.as_ref().and_then(|p| current(p.as_str()))).collect();
        let mut children = vec![Vec::new(); all.len()];
        for (i, p) in parents.iter().enumerate() {
            all[i].parent = *p;
            if let Some(p) = p
                && all[i].valid_to.is_none()
            {
                children[*p as usize].push(i as u32);
            }
        }
        let locator = Locator::build(&all, &geoms, &children);
        let mut index = DivisionIndex {
            ancestors: vec![],
            currents: vec![],
            below_end: vec![],
            levels: vec![],
            all,
            by_code,
            children,
            locator,
            history: History::build(changes),
            prefixes: vec![],
        };
        index.ancestors = index.ancestors_of_all();
        index.below_end = index.ranges_below().unwrap_or_default();
        index.levels = index.all.iter().map(|d| d.level).collect();
        index.currents =
            (0..index.all.len() as u32).map(|i| OptId::from(index.current_of_uncached(i))).collect();
        index.prefixes = index.address_prefixes();
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
    pub fn by_code(&self, code: &str, date: Option<NaiveDate>) -> Option<u32> {
        self.by_code.get(code)?.iter().rev().copied().find(|&i| self.all[i as usize].valid_on(date))
    }

    /// Every version of `code`, oldest first.
    pub fn versions(&self, code: &str) -> &[u32] {
        self.by_code.get(code).map_or(&[], |v| v.as_slice())
    }

    /// Current children of a division.
    pub fn children(&self, i: u32) -> &[u32] {
        &self.children[i as usize]
    }

    /// The level of division `i`.
    pub fn level(&self, i: u32) -> Level {
        self.levels[i as usize]
    }
}
