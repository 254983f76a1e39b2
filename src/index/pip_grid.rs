//! An exact point-in-polygon accelerator over a set of polygons (the base
//! layer of the division coverage).
//!
//! The plane (lon/lat degrees, CGCS2000) is cut into square cells. A cell
//! that no polygon boundary crosses lies wholly inside one polygon or wholly
//! outside all of them, so its answer is stored outright and a query there
//! costs one array read. A cell some boundary crosses keeps a short list of
//! candidates — every polygon whose boundary crosses it plus every polygon
//! that contains it whole — and a query there runs the exact test on those
//! candidates only. Answers are therefore identical to a brute-force scan.
//!
//! Build, numbered:
//! 1. mark every cell the bounding box of each boundary segment touches;
//! 2. for each cell, find the polygons containing its centre (R-tree over
//!    polygon bounding boxes, then the exact test);
//! 3. unmarked cells store that polygon (or nothing); marked cells store the
//!    union of both lists.

use geo::{Coord, MultiPolygon, Rect};
use rstar::{RTree, primitives::GeomWithData, primitives::Rectangle};

/// A cell holds `EMPTY` (no polygon), `id + 1` (the one polygon that
/// contains it whole) or `LIST | at` (its candidates are listed at `at` of
/// the lists: their count, then their ids).
const EMPTY: u32 = 0;
const LIST: u32 = 0x8000_0000;

/// The grid. Item ids are the caller's (indices into its own table).
pub struct PipGrid {
    min: Coord<f64>,
    cell: f64,
    nx: usize,
    ny: usize,
    cells: Vec<u32>,
    lists: Vec<u32>,
}

impl PipGrid {
    /// Builds the grid over `items` (`(id, polygon)`), with square cells of
    /// `cell` degrees, using `contains(id, point)` as the exact test.
    pub fn build<F>(items: &[(u32, &MultiPolygon<f64>)], cell: f64, contains: F) -> PipGrid
    where
        F: Fn(u32, Coord<f64>) -> bool + Sync,
    {
        use geo::BoundingRect;
        let rects: Vec<(u32, Rect<f64>)> =
            items.iter().filter_map(|(id, mp)| mp.bounding_rect().map(|r| (*id, r))).collect();
        let Some(total) = rects.iter().map(|(_, r)| *r).reduce(|a, b| {
            Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        }) else {
            return PipGrid {
                min: Coord { x: 0.0, y: 0.0 },
                cell,
                nx: 0,
                ny: 0,
                cells: vec![],
                lists: vec![],
            };
        };
        let nx = ((total.width() / cell).ceil() as usize).max(1);
        let ny = ((total.height() / cell).ceil() as usize).max(1);
        let mut grid = PipGrid { min: total.min(), cell, nx, ny, cells: vec![EMPTY; nx * ny], lists: vec![] };

        // 1. Boundary cells.
        let mut marks: Vec<(u32, u32)> = Vec::new();
        for (id, mp) in items {
            for poly in &mp.0 {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for seg in ring.lines() {
                        let (x0, y0) = grid.cell_of(seg.start.x.min(seg.end.x), seg.start.y.min(seg.end.y));
                        let (x1, y1) = grid.cell_of(seg.start.x.max(seg.end.x), seg.start.y.max(seg.end.y));
                        for cy in y0..=y1 {
                            for cx in x0..=x1 {
                                marks.push(((cy * nx + cx) as u32, *id));
                            }
                        }
                    }
                }
            }
        }
        marks.sort_unstable();
        marks.dedup();

        // 2. Containers of each cell's centre, in parallel over rows.
        let tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>> = RTree::bulk_load(
            rects
                .iter()
                .map(|(id, r)| {
                    GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        *id,
                    )
                })
                .collect(),
        );
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let rows_per = ny.div_ceil(threads);
        let centre_hits: Vec<Vec<(u32, u32)>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (tree, grid, contains) = (&tree, &grid, &contains);
                    s.spawn(move || {
                        let mut out = Vec::new();
                        for cy in (t * rows_per)..((t + 1) * rows_per).min(ny) {
                            for cx in 0..nx {
                                let c = Coord {
                                    x: grid.min.x + (cx as f64 + 0.5) * cell,
                                    y: grid.min.y + (cy as f64 + 0.5) * cell,
                                };
                                for hit in tree.locate_all_at_point(&[c.x, c.y]) {
                                    if contains(hit.data, c) {
                                        out.push(((cy * nx + cx) as u32, hit.data));
                                    }
                                }
                            }
                        }
                        out
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        });
        let mut centres: Vec<(u32, u32)> = centre_hits.into_iter().flatten().collect();
        centres.sort_unstable();

        // 3. Fill cells.
        let (mut mi, mut ci) = (0, 0);
        let mut list: Vec<u32> = Vec::new();
        for cell_ix in 0..(nx * ny) as u32 {
            list.clear();
            let mut boundary = false;
            while mi < marks.len() && marks[mi].0 == cell_ix {
                list.push(marks[mi].1);
                boundary = true;
                mi += 1;
            }
            let mut inside: Option<u32> = None;
            while ci < centres.len() && centres[ci].0 == cell_ix {
                inside.get_or_insert(centres[ci].1);
                if !list.contains(&centres[ci].1) {
                    list.push(centres[ci].1);
                }
                ci += 1;
            }
            grid.cells[cell_ix as usize] = if boundary {
                let at = grid.lists.len() as u32;
                grid.lists.push(list.len() as u32);
                grid.lists.extend_from_slice(&list);
                at | LIST
            } else {
                inside.map_or(EMPTY, |id| {
                    debug_assert!(id + 1 < LIST, "id {id} fits beside the list flag");
                    id + 1
                })
            };
        }
        grid
    }

    fn cell_of(&self, x: f64, y: f64) -> (usize, usize) {
        let cx = (((x - self.min.x) / self.cell) as isize).clamp(0, self.nx as isize - 1) as usize;
        let cy = (((y - self.min.y) / self.cell) as isize).clamp(0, self.ny as isize - 1) as usize;
        (cx, cy)
    }

    /// The id of a polygon containing `p`, if any, using `contains` for the
    /// exact test in boundary cells.
    #[inline]
    pub fn locate(&self, p: Coord<f64>, contains: impl Fn(u32, Coord<f64>) -> bool) -> Option<u32> {
        let fx = (p.x - self.min.x) / self.cell;
        let fy = (p.y - self.min.y) / self.cell;
        if !(fx >= 0.0 && fy >= 0.0 && fx < self.nx as f64 && fy < self.ny as f64) {
            return None;
        }
        let v = self.cells[fy as usize * self.nx + fx as usize];
        if v == EMPTY {
            None
        } else if v & LIST == 0 {
            Some(v - 1)
        } else {
            let at = (v & !LIST) as usize;
            let n = self.lists[at] as usize;
            self.lists[at + 1..at + 1 + n].iter().copied().find(|&id| contains(id, p))
        }
    }

    /// Share of cells that need an exact test (for reports and tuning).
    pub fn boundary_share(&self) -> f64 {
        let b = self.cells.iter().filter(|&&v| v != EMPTY && v & LIST != 0).count();
        b as f64 / self.cells.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, polygon};
    use rand::{RngExt, SeedableRng};

    #[test]
    fn grid_answers_match_a_brute_force_scan() {
        // Two squares sharing an edge, one triangle overlapping the first,
        // and a square with a hole holding a fourth square.
        let shapes: Vec<MultiPolygon<f64>> = vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)].into(),
            polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)].into(),
            polygon![(x: 0.2, y: 0.2), (x: 0.9, y: 0.3), (x: 0.5, y: 0.95)].into(),
            geo::Polygon::new(
                geo::LineString::from(vec![(3.0, 0.0), (5.0, 0.0), (5.0, 2.0), (3.0, 2.0)]),
                vec![geo::LineString::from(vec![(3.5, 0.5), (4.5, 0.5), (4.5, 1.5), (3.5, 1.5)])],
            )
            .into(),
            polygon![(x: 3.6, y: 0.6), (x: 4.4, y: 0.6), (x: 4.4, y: 1.4), (x: 3.6, y: 1.4)].into(),
        ];
        let items: Vec<(u32, &MultiPolygon<f64>)> =
            shapes.iter().enumerate().map(|(i, m)| (i as u32, m)).collect();
        let contains = |id: u32, c: Coord<f64>| shapes[id as usize].contains(&c);
        let grid = PipGrid::build(&items, 0.13, contains);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for _ in 0..20_000 {
            let c = Coord { x: rng.random_range(-0.5..5.5), y: rng.random_range(-0.5..2.5) };
            let truth: Vec<u32> = (0..shapes.len() as u32).filter(|&i| contains(i, c)).collect();
            match grid.locate(c, contains) {
                Some(id) => assert!(truth.contains(&id), "{c:?}: {id} not in {truth:?}"),
                None => assert!(truth.is_empty(), "{c:?}: missed {truth:?}"),
            }
        }
        assert!(grid.boundary_share() > 0.0 && grid.boundary_share() < 1.0);
    }
}
