//! The divisions under one parent (a family) against each other and
//! against the parent: where two children overlap, where the parent is not
//! covered by any child (or, for the provinces, which have no parent
//! polygon, the holes in their union), and where a child reaches outside
//! the parent. Polygons are cut in lon/lat with `i_overlay` (through
//! `geo`'s boolean operations); each resulting piece is measured in metres
//! on its own (`pieces.rs`).

use super::pieces::{self, Piece, area_words};
use super::{Kind, Problem, Scope};
use crate::index::metric::M_PER_DEG;
use crate::model::DivisionCode;
use crate::store::DivisionRow;
use geo::algorithm::orient::Direction;
use geo::{
    Area, BooleanOps, BoundingRect, Contains, Geometry, Intersects, MultiPolygon, Orient, Point, Polygon,
    Rect, unary_union,
};
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Degrees within which a piece's corner counts as on a child's boundary
/// (about a metre; the overlay moves vertices by millimetres).
const ON_BOUNDARY_DEG: f64 = 1e-5;

/// A division with its polygon, wound one way (exteriors anticlockwise)
/// as a union of many needs.
pub struct Region<'a> {
    /// The row.
    pub row: &'a DivisionRow,
    geom: MultiPolygon<f64>,
    bbox: Rect<f64>,
}

impl<'a> Region<'a> {
    fn new(row: &'a DivisionRow) -> Option<Region<'a>> {
        let geom = row.geom.as_ref()?.orient(Direction::Default);
        let bbox = geom.bounding_rect()?;
        Some(Region { row, geom, bbox })
    }

    fn code(&self) -> &'a DivisionCode {
        &self.row.code
    }
}

/// `鄞州区（330212）`.
pub fn label(row: &DivisionRow) -> String {
    format!("{}（{}）", row.name, row.code)
}

/// The current divisions under one parent.
pub struct Family<'a> {
    /// The parent's code; `None` for the provinces.
    pub parent_code: Option<&'a DivisionCode>,
    /// The parent with its polygon, if it is a current division with one.
    pub parent: Option<Region<'a>>,
    /// The children with polygons.
    pub children: Vec<Region<'a>>,
    /// Children without a polygon.
    pub without_polygon: usize,
}

impl Family<'_> {
    /// Whether a problem of this family can involve a division in scope.
    pub fn in_scope(&self, scope: &Scope) -> bool {
        self.parent_code.is_some_and(|p| scope.takes(p))
            || self.children.iter().any(|c| scope.takes(c.code()))
    }

    /// Work to expect, for ordering: the vertices involved.
    pub fn weight(&self) -> usize {
        use geo::CoordsIter;
        self.parent.iter().chain(&self.children).map(|r| r.geom.coords_count()).sum()
    }
}

/// The families of the current divisions: every parent with at least one
/// child that has a polygon.
pub fn families(rows: &[DivisionRow]) -> Vec<Family<'_>> {
    let current: Vec<&DivisionRow> = rows.iter().filter(|r| r.valid_to.is_none()).collect();
    let by_code: HashMap<&str, &DivisionRow> = current.iter().map(|r| (r.code.as_str(), *r)).collect();
    let mut kids: BTreeMap<Option<&DivisionCode>, Vec<&DivisionRow>> = BTreeMap::new();
    for r in &current {
        kids.entry(r.parent_code.as_ref()).or_default().push(r);
    }
    kids.into_iter()
        .filter_map(|(parent_code, rows)| {
            let children: Vec<Region> = rows.iter().filter_map(|r| Region::new(r)).collect();
            if children.is_empty() {
                return None;
            }
            let parent = parent_code.and_then(|p| by_code.get(p.as_str())).and_then(|r| Region::new(r));
            Some(Family { parent_code, parent, without_polygon: rows.len() - children.len(), children })
        })
        .collect()
}

/// The children's boundaries, to find which children border a piece.
struct Edges(RTree<GeomWithData<Line<[f64; 2]>, usize>>);

impl Edges {
    fn new(children: &[Region]) -> Edges {
        let mut segments = Vec::new();
        for (i, c) in children.iter().enumerate() {
            for p in &c.geom.0 {
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    for s in ring.lines() {
                        segments.push(GeomWithData::new(
                            Line::new([s.start.x, s.start.y], [s.end.x, s.end.y]),
                            i,
                        ));
                    }
                }
            }
        }
        Edges(RTree::bulk_load(segments))
    }

    /// The children whose boundary a corner of `piece` lies on.
    fn bordering(&self, piece: &Polygon<f64>) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for ring in std::iter::once(piece.exterior()).chain(piece.interiors()) {
            for c in &ring.0 {
                for s in self.0.locate_within_distance([c.x, c.y], ON_BOUNDARY_DEG * ON_BOUNDARY_DEG) {
                    out.insert(s.data);
                }
            }
        }
        out
    }
}

/// One problem from the wide pieces of a gap, an overlap or a part
/// outside the parent.
fn from_pieces(
    kind: Kind,
    codes: Vec<DivisionCode>,
    pieces: &[Piece],
    say: impl Fn(&str, f64) -> String,
) -> Problem {
    let area: f64 = pieces.iter().map(|p| p.area_m2).sum();
    let width = pieces.iter().map(|p| p.width_m).fold(0.0, f64::max);
    let mut description = say(&area_words(area), width);
    if pieces.len() > 1 {
        description.push_str(&format!("（共 {} 处）", pieces.len()));
    }
    Problem {
        kind,
        codes,
        line: None,
        marker: None,
        geometry: Some(Geometry::MultiPolygon(MultiPolygon(
            pieces.iter().map(|p| p.polygon.clone()).collect(),
        ))),
        area_m2: Some(area),
        width_m: Some(width),
        distance_m: None,
        length_m: None,
        description,
    }
}

/// The problems of one family wider than `tolerance_m` that involve a
/// division in `scope`.
pub fn check(f: &Family, tolerance_m: f64, scope: &Scope) -> Vec<Problem> {
    let kids = &f.children;
    let union = unary_union(kids.iter().map(|c| &c.geom));
    let Some(bbox) = union.bounding_rect() else { return Vec::new() };
    let mut edges: Option<Edges> = None;
    let mut bordering = |piece: &Polygon<f64>| -> BTreeSet<usize> {
        edges.get_or_insert_with(|| Edges::new(kids)).bordering(piece)
    };
    let mut out = Vec::new();

    // Overlaps: a piece wider than the tolerance holds a disc of that
    // diameter, so the children's areas add up to more than their union
    // by at least its area. Only then are pairs intersected (half of it:
    // the planar measure at the family's middle latitude is off by less
    // than 30 % even across the country).
    let m2_per_deg2 = M_PER_DEG * M_PER_DEG * bbox.center().y.to_radians().cos();
    let excess =
        (kids.iter().map(|c| c.geom.unsigned_area()).sum::<f64>() - union.unsigned_area()) * m2_per_deg2;
    let smallest = std::f64::consts::PI * tolerance_m * tolerance_m / 4.0;
    if excess >= smallest / 2.0 {
        for (i, a) in kids.iter().enumerate() {
            for b in &kids[i + 1..] {
                if !(scope.takes(a.code()) || scope.takes(b.code())) || !a.bbox.intersects(&b.bbox) {
                    continue;
                }
                let wide: Vec<Piece> = a
                    .geom
                    .intersection(&b.geom)
                    .0
                    .iter()
                    .filter_map(|p| pieces::measure(p, tolerance_m))
                    .collect();
                if !wide.is_empty() {
                    let (la, lb) = (label(a.row), label(b.row));
                    out.push(from_pieces(
                        Kind::Overlap,
                        vec![a.code().clone(), b.code().clone()],
                        &wide,
                        |area, w| format!("{la}与{lb}重叠 {area}，最宽约 {w:.0} 米"),
                    ));
                }
            }
        }
    }

    // Gaps: the parent less its children, or the holes in the provinces.
    let gaps: Vec<Polygon<f64>> = match &f.parent {
        Some(p) => p.geom.difference(&union).0,
        None => union
            .0
            .iter()
            .flat_map(|p| p.interiors().iter().map(|r| Polygon::new(r.clone(), vec![])))
            .collect(),
    };
    let note = match f.without_polygon {
        0 => String::new(),
        n => format!("；另有 {n} 个下级区划没有边界面"),
    };
    for piece in gaps.iter().filter_map(|g| pieces::measure(g, tolerance_m)) {
        let near: Vec<&Region> = bordering(&piece.polygon).into_iter().map(|i| &kids[i]).collect();
        let codes: Vec<DivisionCode> =
            f.parent_code.into_iter().chain(near.iter().map(|r| r.code())).cloned().collect();
        if !codes.iter().any(|c| scope.takes(c)) {
            continue;
        }
        let names = near.iter().map(|r| label(r.row)).collect::<Vec<_>>().join("、");
        let said = |area: &str, w: f64| match &f.parent {
            Some(p) if near.is_empty() => {
                format!("{}内有 {area}不属于任何下级区划，最宽约 {w:.0} 米{note}", label(p.row))
            }
            Some(p) => {
                format!(
                    "{}内有 {area}不属于任何下级区划（邻接{names}），最宽约 {w:.0} 米{note}",
                    label(p.row)
                )
            }
            None if near.len() == 1 => {
                format!("{names}的区划面中有 {area}的空洞，不属于任何区划，最宽约 {w:.0} 米")
            }
            None => format!("{names}之间有 {area}的缝隙，不属于任何区划，最宽约 {w:.0} 米"),
        };
        out.push(from_pieces(Kind::Gap, codes, std::slice::from_ref(&piece), said));
    }

    // Children reaching outside the parent, each piece given to the
    // children it lies in.
    if let Some(p) = &f.parent {
        let mut per_child: BTreeMap<usize, Vec<Piece>> = BTreeMap::new();
        for piece in union.difference(&p.geom).0.iter().filter_map(|o| pieces::measure(o, tolerance_m)) {
            let at = Point::from(piece.inside);
            let mut owners: BTreeSet<usize> = kids
                .iter()
                .enumerate()
                .filter(|(_, c)| c.bbox.intersects(&at) && c.geom.contains(&at))
                .map(|(i, _)| i)
                .collect();
            if owners.is_empty() {
                owners = bordering(&piece.polygon);
            }
            for i in owners {
                per_child.entry(i).or_default().push(piece.clone());
            }
        }
        for (i, wide) in per_child {
            let c = &kids[i];
            if !(scope.takes(c.code()) || scope.takes(p.code())) {
                continue;
            }
            let (lc, lp) = (label(c.row), label(p.row));
            out.push(from_pieces(
                Kind::ChildOutsideParent,
                vec![c.code().clone(), p.code().clone()],
                &wide,
                |area, w| format!("{lc}有 {area}超出上级{lp}的范围，最宽约 {w:.0} 米"),
            ));
        }
    }
    out
}
