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
//! A grid of at most [`DENSE_MAX_CELLS`] cells (a city's roads) also keeps
//! where each cell's items begin, for every cell, occupied or not: a run is
//! then two reads instead of two binary searches in its row.
//!
//! [`NearGrid`] stacks grids from fine to coarse: the fine grid answers
//! near queries in a few cells, and coarser ones answer queries with
//! nothing close by without walking dozens of fine rings.

use super::metric::{LocalFrame, M_PER_DEG};
use geo::Coord;

/// Grids up to this many cells keep a dense table of where each cell's
/// items begin (4 bytes a cell: 16 MB at most).
pub const DENSE_MAX_CELLS: i64 = 4 << 20;

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
    /// For grids of at most [`DENSE_MAX_CELLS`] cells: cell `(x, y)`'s items
    /// are `items[dense[y * nx + x]..dense[y * nx + x + 1]]`.
    dense: Option<Vec<u32>>,
    items: Vec<T>,
}

impl<T: Copy> CellGrid<T> {
    /// Builds the grid with cells of `cell` degrees from items and their
    /// boxes `(min, max)` (a point is a box with `min == max`).
    pub fn build(entries: &[(Coord<f64>, Coord<f64>, T)], cell: f64) -> CellGrid<T> {
        // A dense table is worth its memory and its fill only when the
        // cells are not mostly empty (a few changed plates over a city are).
        let dense_max = DENSE_MAX_CELLS.min(64 * entries.len() as i64);
        Self::build_with(entries, cell, dense_max)
    }

    /// As [`CellGrid::build`], with the dense table up to `dense_max` cells.
    fn build_with(entries: &[(Coord<f64>, Coord<f64>, T)], cell: f64, dense_max: i64) -> CellGrid<T> {
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
                dense: None,
                items: vec![],
            };
        }
        let nx = ((hi.x - lo.x) / cell) as i64 + 1;
        let ny = ((hi.y - lo.y) / cell) as i64 + 1;
        let mut g =
            CellGrid { origin: lo, cell, nx, ny, rows: vec![], cells: vec![], dense: None, items: vec![] };
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
        if nx * ny <= dense_max {
            g.dense = Some(g.dense_starts());
        }
        g
    }

    /// Where each cell's items begin, every cell in row-major order, and
    /// the end of the items last.
    fn dense_starts(&self) -> Vec<u32> {
        let mut starts = Vec::with_capacity((self.nx * self.ny) as usize + 1);
        // Empty cells take the start of the next cell: they wait in
        // `empty` until it is known.
        let mut empty = 0;
        for y in 0..self.ny {
            let row = self.rows[y as usize] as usize..self.rows[y as usize + 1] as usize;
            let mut cells = self.cells[row].iter().peekable();
            for x in 0..self.nx as u32 {
                match cells.next_if(|c| c.0 == x) {
                    Some(c) => {
                        starts.extend(std::iter::repeat_n(c.1, empty + 1));
                        empty = 0;
                    }
                    None => empty += 1,
                }
            }
        }
        starts.extend(std::iter::repeat_n(self.items.len() as u32, empty + 1));
        starts
    }

    /// The items, in cell order.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    fn cell_of(&self, c: Coord<f64>) -> (i64, i64) {
        (floor_i64((c.x - self.origin.x) / self.cell), floor_i64((c.y - self.origin.y) / self.cell))
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
        if let Some(dense) = &self.dense {
            let at = (y * self.nx) as usize;
            return &self.items[dense[at + x0 as usize] as usize..dense[at + x1 as usize + 1] as usize];
        }
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
    /// metres of the origin of `frame`, with its distance in metres.
    /// `dist2` must be the squared distance from that origin to the item's
    /// geometry (for instance as `frame` measures it), which must lie
    /// inside the box the item was filed with.
    pub fn nearest(&self, frame: &LocalFrame, max_m: f64, dist2: impl Fn(&T) -> f64) -> Option<(f64, T)> {
        let c = frame.origin();
        if self.items.is_empty() {
            return None;
        }
        let (cx, cy) = self.cell_of(c);
        let mut best: Option<(f64, T)> = None;
        // Metres per degree of longitude anywhere the search can reach
        // (the search never goes beyond a few kilometres).
        let kx_min = frame.kx_min();
        let max2 = max_m * max_m;
        // Reads the cells x0..=x1 of row y, less those wholly farther than
        // the best so far (or than `max_m`): what lies in them cannot be
        // nearer, and what lies partly in a nearer cell is read there.
        let visit = |y: i64, x0: i64, x1: i64, best: &mut Option<(f64, T)>| {
            let bound2 = best.map_or(max2, |(b, _)| b);
            let south = self.origin.y + y as f64 * self.cell;
            let gap_deg = (south - c.y).max(c.y - (south + self.cell)).max(0.0);
            let gap2 = (gap_deg * M_PER_DEG).powi(2);
            if gap2 > bound2 {
                return;
            }
            let reach = (bound2 - gap2).sqrt() / kx_min;
            let x0 = x0.max(floor_i64((c.x - reach - self.origin.x) / self.cell));
            let x1 = x1.min(floor_i64((c.x + reach - self.origin.x) / self.cell));
            if x0 > x1 {
                return;
            }
            for t in self.run(y, x0, x1) {
                let d2 = dist2(t);
                // An item at no finite distance (one no longer live) is
                // passed over.
                if d2.is_finite() && best.is_none_or(|(b, _)| d2 < b) {
                    *best = Some((d2, *t));
                }
            }
        };
        for k in 0i64.. {
            if k == 0 {
                visit(cy, cx, cx, &mut best);
            } else {
                visit(cy - k, cx - k, cx + k, &mut best);
                visit(cy + k, cx - k, cx + k, &mut best);
                for y in cy - k + 1..cy + k {
                    visit(y, cx - k, cx - k, &mut best);
                    visit(y, cx + k, cx + k, &mut best);
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

/// `v.floor() as i64` without a call: on the baseline x86-64 target
/// `f64::floor` is a library function, and the nearest searches take it
/// for every run of cells they read.
#[inline]
fn floor_i64(v: f64) -> i64 {
    let i = v as i64;
    i - i64::from((i as f64) > v)
}

/// [`CellGrid`]s over the same items, from fine to coarse.
pub struct NearGrid<T> {
    /// Each grid with how far queries read it, metres; the last reaches
    /// any distance.
    levels: Vec<(CellGrid<T>, f64)>,
}

/// Entries below which a grid is built on one thread.
const SMALL: usize = 100_000;

impl<T: Copy + Send + Sync> NearGrid<T> {
    /// Builds one grid per `(cell size in degrees, reach in metres)`, fine
    /// first; a query reads a grid out to its reach and moves to the next,
    /// coarser grid only when nothing lies that close.
    pub fn build(entries: &[(Coord<f64>, Coord<f64>, T)], levels: &[(f64, f64)]) -> NearGrid<T> {
        use rayon::prelude::*;
        // A few entries (an overlay of changes) are built on the calling
        // thread: the rayon pool may be busy for minutes with the tiles'
        // generalisation, and a change must not wait behind it.
        if entries.len() < SMALL {
            return NearGrid {
                levels: levels.iter().map(|&(deg, reach)| (CellGrid::build(entries, deg), reach)).collect(),
            };
        }
        NearGrid {
            levels: levels.par_iter().map(|&(deg, reach)| (CellGrid::build(entries, deg), reach)).collect(),
        }
    }

    /// The finest level.
    pub fn finest(&self) -> &CellGrid<T> {
        &self.levels[0].0
    }

    /// As [`CellGrid::nearest`]. Whatever lies within a level's reach is
    /// found in that level (and nothing beyond the reach can be nearer).
    pub fn nearest(&self, frame: &LocalFrame, max_m: f64, dist2: impl Fn(&T) -> f64) -> Option<(f64, T)> {
        let last = self.levels.len().saturating_sub(1);
        for (i, (grid, reach)) in self.levels.iter().enumerate() {
            let r = if i == last { max_m } else { reach.min(max_m) };
            if let Some(found) = grid.nearest(frame, r, &dist2) {
                return Some(found);
            }
            if r >= max_m {
                break;
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn floor_without_a_call_is_floor() {
        for v in [-2.5, -2.0, -1e-12, -0.0, 0.0, 1e-12, 0.999_999, 1.0, 3.7, 1e15, -1e15, f64::NAN] {
            assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
        }
    }

    #[test]
    fn the_dense_table_reads_the_same_runs_as_the_rows() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        // Points and small boxes, clustered so that most cells are empty.
        let entries: Vec<(Coord<f64>, Coord<f64>, u32)> = (0..3000u32)
            .map(|i| {
                let (cx, cy) = [(121.5, 29.8), (121.9, 30.1), (121.2, 29.5)][i as usize % 3];
                let a =
                    Coord { x: cx + rng.random_range(-0.05..0.05), y: cy + rng.random_range(-0.05..0.05) };
                let d = if i % 2 == 0 { 0.0 } else { rng.random_range(0.0..0.004) };
                (a, Coord { x: a.x + d, y: a.y + d }, i)
            })
            .collect();
        let sparse = CellGrid::build_with(&entries, 0.002, 0);
        let dense = CellGrid::build_with(&entries, 0.002, i64::MAX);
        assert!(sparse.dense.is_none() && dense.dense.is_some());
        for _ in 0..2000 {
            let c = Coord { x: rng.random_range(121.1..122.0), y: rng.random_range(29.4..30.2) };
            let hi = Coord { x: c.x + rng.random_range(0.0..0.02), y: c.y + rng.random_range(0.0..0.02) };
            let a: Vec<u32> = sparse.within(c, hi).copied().collect();
            let b: Vec<u32> = dense.within(c, hi).copied().collect();
            assert_eq!(a, b, "{c:?}..{hi:?}");
            let frame = LocalFrame::new(c);
            let near = |g: &CellGrid<u32>| {
                g.nearest(&frame, 3000.0, |&i| {
                    frame.distance2_to_segment(entries[i as usize].0, entries[i as usize].1)
                })
            };
            assert_eq!(near(&sparse).map(|n| n.1), near(&dense).map(|n| n.1));
        }
    }
}
