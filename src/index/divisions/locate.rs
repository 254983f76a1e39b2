//! Point-in-polygon location of the whole chain, top-down in three steps:
//! 1. the base layer (the finest level at or above the county that has a
//!    polygon: counties, plus prefectures and provinces without counties of
//!    their own) is answered by a [`PipGrid`];
//! 2. the township is found among that division's children, then the
//!    village among the township's, each by bounding box then exact test;
//! 3. the ancestors come from the parent links.

use super::{Division, DivisionIndex};
use crate::index::pip_grid::PipGrid;
use crate::model::Level;
use geo::indexed::IntervalTreeMultiPolygon;
use geo::{Contains, Coord, MultiPolygon};

/// Grid cell size for the base layer, degrees (about 2 km).
const GRID_CELL_DEG: f64 = 0.02;
/// Grid cell size for the fallback layers, degrees (about 10 km).
const FALLBACK_CELL_DEG: f64 = 0.1;

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

/// The boundaries of the divisions and the grids over them.
pub(super) struct Locator {
    shapes: Vec<Option<Shape>>,
    grid: PipGrid,
    /// Prefectures, then provinces, for points that fall in no base
    /// polygon (gaps and slivers between county polygons, counties that
    /// have none).
    fallback: [PipGrid; 2],
    /// For each division, its current children below the county that have
    /// a boundary, with their bounding boxes, packed contiguously so that
    /// the descent from county to village reads a few cache lines.
    descent: Vec<Vec<(u32, [f64; 4])>>,
}

impl Locator {
    /// The boundaries `geoms` of the divisions `all` (current children in
    /// `children`) and the grids over them.
    pub(super) fn build(
        all: &[Division],
        geoms: &[Option<MultiPolygon<f64>>],
        children: &[Vec<u32>],
    ) -> Locator {
        // Counties and above get interval trees; townships and villages are
        // small generated polygons for which the plain test is as fast.
        let shapes: Vec<Option<Shape>> = geoms
            .iter()
            .zip(all)
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
        Locator { shapes, grid, fallback, descent }
    }
}

impl DivisionIndex {
    /// Whether division `i`'s boundary contains the point.
    pub fn contains(&self, i: u32, c: Coord<f64>) -> bool {
        self.locator.shapes[i as usize].as_ref().is_some_and(|s| s.contains(c))
    }

    /// The deepest current division containing the point (lon/lat
    /// CGCS2000), or `None` outside every boundary.
    pub fn locate(&self, c: Coord<f64>) -> Option<u32> {
        let mut cur = self.locate_base(c)?;
        loop {
            let next = self.locator.descent[cur as usize].iter().find(|(ch, b)| {
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
        self.locator
            .grid
            .locate(c, test)
            .or_else(|| self.locator.fallback[0].locate(c, test))
            .or_else(|| self.locator.fallback[1].locate(c, test))
    }

    /// Share of grid cells that need an exact test.
    pub fn grid_boundary_share(&self) -> f64 {
        self.locator.grid.boundary_share()
    }
}
