//! The renderer: cuts one tile of the selected layers from a
//! [`TileSet`], division polygons, labels and boundaries first, then the
//! points and lines, thinning point layers until the tile is small enough.

use super::TileSet;
use super::features::{Features, PlacePoint, layer_min};
use crate::tiles::clip;
use crate::tiles::coverage::{DivisionFeature, query};
use crate::tiles::encode::{LayerBuilder, Value, s, tile};
use crate::tiles::layers::{BUFFER, MAX_TILE_BYTES, Selection, division_layer, label_minzoom};
use crate::tiles::world::{EXTENT, TileId, WorldPoint, to_lonlat, to_world};
use geo::{Coord, LineString, Simplify};

const PREFIX: [usize; 5] = [2, 4, 6, 9, 12];

impl TileSet {
    /// Cuts one tile; `None` when nothing is in it. Point layers are thinned
    /// harder until the tile is under [`MAX_TILE_BYTES`].
    pub fn render(&self, t: TileId, sel: &Selection) -> Option<Vec<u8>> {
        let mut thin = 1;
        loop {
            let bytes = self.render_thinned(t, sel, thin);
            match bytes {
                Some(b) if b.len() > MAX_TILE_BYTES && thin < 16 => thin *= 2,
                other => return other,
            }
        }
    }

    fn render_thinned(&self, t: TileId, sel: &Selection, thin: i32) -> Option<Vec<u8>> {
        let z = t.z;
        let buffered = t.bounds(BUFFER);
        let inner = t.bounds(0);
        let mut out: Vec<LayerBuilder> = Vec::new();
        let mut labels = LayerBuilder::new("division_label");
        let mut boundary = LayerBuilder::new("boundary");
        // Sub-pixel slivers left by the cut at the buffer edge are dropped.
        let min_area = 8;
        for cov in &self.divisions.levels {
            let spec = division_layer(cov.level);
            if z < sel.minzoom(spec) {
                continue;
            }
            let g = cov.at(z);
            let level = cov.level.as_i64();
            let mut lb = LayerBuilder::new(spec.id);
            let polygons =
                if sel.has(spec.id) { query(&cov.feature_tree, buffered).collect() } else { Vec::new() };
            for item in polygons {
                let f = &cov.features[item.id as usize];
                let polys = clip::polygons(&t, &cov.polygons(&g, item.id as usize), BUFFER, min_area);
                if !polys.is_empty() {
                    lb.polygons(f.code.parse().ok(), division_props(f, level), &polys);
                }
            }
            out.push(lb);
            if z >= label_minzoom(cov.level) && sel.has("division_label") {
                for item in query(&cov.feature_tree, inner) {
                    let Some(p) = g.labels[item.id as usize] else { continue };
                    if inside(p, inner) {
                        let f = &cov.features[item.id as usize];
                        labels.points(f.code.parse().ok(), division_props(f, level), &[t.to_tile(p)]);
                    }
                }
            }
            let topo = cov.topology();
            let arcs =
                if sel.has("boundary") { query(&cov.arc_tree, buffered).collect() } else { Vec::new() };
            for item in arcs {
                let [a, b] = topo.sides[item.id as usize];
                let (left, right) =
                    (&cov.features[a as usize].code, cov.features.get(b as usize).map(|f| &f.code));
                let sep = match right {
                    Some(r) => separating_level(left, r, level),
                    None => 1,
                };
                let drawn_here = if right.is_some() { sep == level } else { level == 1 };
                if !drawn_here {
                    continue;
                }
                let pieces = clip::lines(&t, cov.arc(&g, item.id as usize), BUFFER);
                let props = vec![
                    ("level", Value::Int(sep)),
                    ("left", s(left)),
                    ("right", s(right.map_or("", |r| r.as_str()))),
                ];
                boundary.lines(Some(u64::from(item.id)), props, &pieces);
            }
        }
        out.push(boundary);
        self.features.render(&t, sel, thin, &mut out);
        out.push(labels);
        tile(out)
    }
}

fn inside(p: WorldPoint, b: [i64; 4]) -> bool {
    p[0] >= b[0] && p[0] < b[2] && p[1] >= b[1] && p[1] < b[3]
}

fn division_props(f: &DivisionFeature, level: i64) -> Vec<(&'static str, Value)> {
    vec![
        ("code", s(&f.code)),
        ("name", s(&f.name)),
        ("level", Value::Int(level)),
        ("pinyin", s(f.pinyin.as_deref().unwrap_or(""))),
        ("status", s("current")),
    ]
}

/// The coarsest level at which two divisions of `level` differ (1 when
/// they are in different provinces), read from their codes.
pub fn separating_level(a: &str, b: &str, level: i64) -> i64 {
    for (k, &p) in PREFIX.iter().enumerate().take(level as usize - 1) {
        if a.get(..p) != b.get(..p) {
            return k as i64 + 1;
        }
    }
    level
}

impl Features {
    fn render(&self, t: &TileId, sel: &Selection, thin: i32, out: &mut Vec<LayerBuilder>) {
        let z = t.z;
        let (buffered, inner) = (t.bounds(BUFFER), t.bounds(0));
        if z >= layer_min("road") && sel.has("road") {
            let mut lb = LayerBuilder::new("road");
            let tolerance = 2.0;
            for r in self.roads_in(buffered) {
                let pieces: Vec<Vec<[i32; 2]>> = r
                    .lines
                    .iter()
                    .flat_map(|l| clip::lines(t, l, BUFFER))
                    .map(|piece| simplify_tile_line(&piece, tolerance))
                    .collect();
                lb.lines(Some(r.attrs.id as u64), r.attrs.props(), &pieces);
            }
            out.push(lb);
        }
        if z >= layer_min("marker") && sel.has("marker") {
            let mut lb = LayerBuilder::new("marker");
            for item in query(&self.marker_tree, inner) {
                let (m, at) = (&self.markers[item.id as usize], self.marker_at[item.id as usize]);
                if inside(at, inner) {
                    let props = vec![
                        ("code", s(&m.number)),
                        ("line", s(&m.line_code)),
                        ("kind", s(m.kind.as_str())),
                        ("status", s(m.condition.as_str())),
                    ];
                    lb.points(Some(u64::from(item.id)), props, &[t.to_tile(at)]);
                }
            }
            out.push(lb);
        }
        if z >= layer_min("place") && sel.has("place") {
            let mut candidates: Vec<&PlacePoint> =
                self.places_in(inner).filter(|p| p.minzoom <= z && inside(p.at, inner)).collect();
            candidates.sort_by_key(|p| (p.rank, p.attrs.id));
            let mut lb = LayerBuilder::new("place");
            let mut taken = Thinning::new(64 * thin);
            for p in candidates {
                let at = t.to_tile(p.at);
                if taken.take(at) {
                    let mut props = p.attrs.props();
                    props.push(("rank", Value::Int(p.rank)));
                    lb.points(Some(p.attrs.id as u64), props, &[at]);
                }
            }
            out.push(lb);
        }
        if let Some(plates) =
            self.plates.as_ref().filter(|_| z >= layer_min("door_plate") && sel.has("door_plate"))
        {
            let (nw, se) = (to_lonlat([inner[0], inner[1]]), to_lonlat([inner[2], inner[3]]));
            let cell = if z == layer_min("door_plate") { 32 * thin } else { thin };
            let mut taken = Thinning::new(cell);
            let mut lb = LayerBuilder::new("door_plate");
            for i in plates.within(Coord { x: nw.x, y: se.y }, Coord { x: se.x, y: nw.y }) {
                let w = to_world(plates.point(i));
                if inside(w, inner) {
                    let at = t.to_tile(w);
                    if taken.take(at) {
                        let p = plates.get(i);
                        let props = vec![
                            ("code", s(&p.code.to_string())),
                            ("name", s(&p.label)),
                            ("status", s("current")),
                        ];
                        lb.points(Some(p.code), props, &[at]);
                    }
                }
            }
            out.push(lb);
        }
    }
}

fn simplify_tile_line(piece: &[[i32; 2]], tolerance: f64) -> Vec<[i32; 2]> {
    if piece.len() <= 2 {
        return piece.to_vec();
    }
    let l: LineString<f64> = piece.iter().map(|p| Coord { x: f64::from(p[0]), y: f64::from(p[1]) }).collect();
    l.simplify(tolerance).0.iter().map(|c| [c.x as i32, c.y as i32]).collect()
}

/// One point per grid cell, first come first served.
struct Thinning {
    cell: i32,
    taken: rustc_hash::FxHashSet<(i32, i32)>,
}

impl Thinning {
    fn new(cell: i32) -> Thinning {
        Thinning { cell: cell.clamp(1, EXTENT), taken: Default::default() }
    }

    fn take(&mut self, p: [i32; 2]) -> bool {
        self.taken.insert((p[0].div_euclid(self.cell), p[1].div_euclid(self.cell)))
    }
}
