//! A static grid of small square cells for "nearest item within r metres":
//! items are sorted by cell (row, then column) into one array, and each row
//! keeps the sorted list of its occupied cells (a compressed sparse row
//! layout). A query reads a few contiguous runs of that array, ring by ring
//! outward from the query's cell, and stops as soon as nothing outside the
//! rings read so far can be nearer than the best item found. Memory is
//! proportional to the items, not to the extent, so it serves a national
//! layer as well as one city; lookups touch far fewer cache lines than a
//! pointer-linked tree.
//!
//! An item with extent (a road segment) is filed under every cell its box
//! meets; a point under one cell.
//!
//! [`NearGrid`] stacks grids from fine to coarse: the fine grid answers
//! near queries in a few cells, and coarser ones answer queries with
//! nothing close by without walking dozens of fine rings.

use super::metric::M_PER_DEG;
use geo::Coord;

/// The grid; `T` is what a cell holds (a point or a segment plus an id).
pub struct CellGrid<T> {
    origin: Coord<f64>,
    cell: f64,
    nx: i64,
    ny: i64,
    /// `rows[y]..rows[y + 1]` are the occupied cells of row `y` in `cells`.
    rows: Vec<u32>,
    /// Occupied cells: `(column, first item)`, sorted by row then column;
    /// a cell's items end where the next cell's begin.
    cells: Vec<(u32, u32)>,
    items: Vec<T>,
}

impl<T: Copy> CellGrid<T> {
    /// Builds the grid with cells of `cell` degrees from items and their
    /// boxes `(min, max)` (a point is a box with `min == max`).
    pub fn build(entries: &[(Coord<f64>, Coord<f64>, T)], cell: f64) -> CellGrid<T> {
        let (mut lo, mut hi) = (Coord { x: f64::MAX, y: f64::MAX }, Coord { x: f64::MIN, y: f64::MIN });
        for (a, b, _) in entries {
            lo = Coord { x: lo.x.min(a.x), y: lo.y.min(a.y) };
            hi = Coord { x: hi.x.max(b.x), y: hi.y.max(b.y) };
        }
        if entries.is_empty() {
            return CellGrid {
                origin: Coord { x: 0.0, y: 0.0 },
                cell,
                nx: 0,
                ny: 0,
                rows: vec![0],
                cells: vec![],
                items: vec![],
            };
        }
        let nx = ((hi.x - lo.x) / cell) as i64 + 1;
        let ny = ((hi.y - lo.y) / cell) as i64 + 1;
        let mut g = CellGrid { origin: lo, cell, nx, ny, rows: vec![], cells: vec![], items: vec![] };
        let mut filed: Vec<(u64, T)> = Vec::with_capacity(entries.len());
        for &(a, b, t) in entries {
            let (x0, y0) = g.cell_of(a);
            let (x1, y1) = g.cell_of(b);
            for y in y0..=y1 {
                for x in x0..=x1 {
                    filed.push(((y as u64) << 32 | x as u64, t));
                }
            }
        }
        filed.sort_by_key(|f| f.0);
        g.rows = vec![0; ny as usize + 1];
        let mut last = u64::MAX;
        for (i, (key, t)) in filed.into_iter().enumerate() {
            if key != last {
                let y = (key >> 32) as usize;
                g.rows[y + 1] += 1;
                g.cells.push((key as u32, i as u32));
                last = key;
            }
            g.items.push(t);
        }
        for y in 0..ny as usize {
            g.rows[y + 1] += g.rows[y];
        }
        g
    }

    /// The items, in cell order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    fn cell_of(&self, c: Coord<f64>) -> (i64, i64) {
        (
            ((c.x - self.origin.x) / self.cell).floor() as i64,
            ((c.y - self.origin.y) / self.cell).floor() as i64,
        )
    }

    /// The items filed under the cells that meet the box `lo..=hi` (an
    /// item with extent comes once for each of its cells there).
    pub fn within(&self, lo: Coord<f64>, hi: Coord<f64>) -> impl Iterator<Item = &T> {
        let ((x0, y0), (x1, y1)) = (self.cell_of(lo), self.cell_of(hi));
        (y0..=y1).flat_map(move |y| self.run(y, x0, x1))
    }

    /// The items of row `y` in columns `x0..=x1` (one contiguous run).
    fn run(&self, y: i64, x0: i64, x1: i64) -> &[T] {
        if y < 0 || y >= self.ny || x1 < 0 || x0 >= self.nx {
            return &[];
        }
        let (x0, x1) = (x0.max(0) as u32, x1.min(self.nx - 1) as u32);
        let y = y as usize;
        let row = &self.cells[self.rows[y] as usize..self.rows[y + 1] as usize];
        let first = row.partition_point(|&(x, _)| x < x0);
        let end = first + row[first..].partition_point(|&(x, _)| x <= x1);
        if first == end {
            return &[];
        }
        let start = row[first].1 as usize;
        let stop = self.cells.get(self.rows[y] as usize + end).map_or(self.items.len(), |c| c.1 as usize);
        &self.items[start..stop]
    }

    /// The item with the least `dist2` (squared metres) within `max_m`
    /// metres of `c`, with its distance in metres. `dist2` must be the
    /// squared distance from `c` to the item's geometry (for instance in a
    /// [`LocalFrame`](super::metric::LocalFrame) centred on `c`), which must
    /// lie inside the box the item was filed with.
    pub fn nearest(&self, c: Coord<f64>, max_m: f64, dist2: impl Fn(&T) -> f64) -> Option<(f64, T)> {
        if self.items.is_empty() {
            return None;
        }
        let (cx, cy) = self.cell_of(c);
        let mut best: Option<(f64, T)> = None;
        let take = |run: &[T], best: &mut Option<(f64, T)>| {
            for t in run {
                let d2 = dist2(t);
                if best.is_none_or(|(b, _)| d2 < b) {
                    *best = Some((d2, *t));
                }
            }
        };
        // Metres per degree of longitude anywhere the search can reach
        // (the search never goes beyond a few kilometres).
        let kx_min = M_PER_DEG * ((c.y.abs() + 1.0).min(89.0)).to_radians().cos();
        let max2 = max_m * max_m;
        for k in 0i64.. {
            if k == 0 {
                take(self.run(cy, cx, cx), &mut best);
            } else {
                take(self.run(cy - k, cx - k, cx + k), &mut best);
                take(self.run(cy + k, cx - k, cx + k), &mut best);
                for y in cy - k + 1..cy + k {
                    take(self.run(y, cx - k, cx - k), &mut best);
                    take(self.run(y, cx + k, cx + k), &mut best);
                }
            }
            // Everything not yet read lies outside the window of cells
            // cx-k..=cx+k × cy-k..=cy+k.
            let west = c.x - (self.origin.x + (cx - k) as f64 * self.cell);
            let east = self.origin.x + (cx + k + 1) as f64 * self.cell - c.x;
            let south = c.y - (self.origin.y + (cy - k) as f64 * self.cell);
            let north = self.origin.y + (cy + k + 1) as f64 * self.cell - c.y;
            let outside_m = (west.min(east) * kx_min).min(south.min(north) * M_PER_DEG);
            let outside2 = outside_m * outside_m;
            let done = best.is_some_and(|(b, _)| b <= outside2);
            let beyond_grid = cx - k <= 0 && cy - k <= 0 && cx + k >= self.nx - 1 && cy + k >= self.ny - 1;
            if done || outside2 > max2 || beyond_grid {
                break;
            }
        }
        best.filter(|(d2, _)| *d2 <= max2).map(|(d2, t)| (d2.sqrt(), t))
    }
}

/// [`CellGrid`]s over the same items, from fine to coarse.
pub struct NearGrid<T> {
    /// Each grid with how far queries read it, metres; the last reaches
    /// any distance.
    levels: Vec<(CellGrid<T>, f64)>,
}

impl<T: Copy + Send + Sync> NearGrid<T> {
    /// Builds one grid per `(cell size in degrees, reach in metres)`, fine
    /// first; a query reads a grid out to its reach and moves to the next,
    /// coarser grid only when nothing lies that close.
    pub fn build(entries: &[(Coord<f64>, Coord<f64>, T)], levels: &[(f64, f64)]) -> NearGrid<T> {
        use rayon::prelude::*;
        NearGrid {
            levels: levels.par_iter().map(|&(deg, reach)| (CellGrid::build(entries, deg), reach)).collect(),
        }
    }

    /// As [`CellGrid::nearest`]. Whatever lies within a level's reach is
    /// found in that level (and nothing beyond the reach can be nearer).
    pub fn nearest(&self, c: Coord<f64>, max_m: f64, dist2: impl Fn(&T) -> f64) -> Option<(f64, T)> {
        let last = self.levels.len().saturating_sub(1);
        for (i, (grid, reach)) in self.levels.iter().enumerate() {
            let r = if i == last { max_m } else { reach.min(max_m) };
            if let Some(found) = grid.nearest(c, r, &dist2) {
                return Some(found);
            }
            if r >= max_m {
                break;
            }
        }
        None
    }
}
