//! MVT 2.1 encoding: geometry commands (zig-zag deltas, one MoveTo per
//! line or ring, ClosePath for rings, no zero-length moves) into the
//! protobuf messages of `geozero::mvt`, keys and values shared per layer.

use super::world::EXTENT;
use geozero::mvt::tile::{Feature, GeomType, Layer};
use geozero::mvt::{Message, TagsBuilder, Tile, TileValue};

/// A property value.
pub type Value = TileValue;

/// Builds one layer.
pub struct LayerBuilder {
    name: &'static str,
    features: Vec<Feature>,
    tags: TagsBuilder,
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Writes geometry commands with a running cursor.
struct Pen {
    out: Vec<u32>,
    at: [i32; 2],
}

impl Pen {
    fn to(&mut self, p: [i32; 2]) {
        self.out.push(zigzag(p[0] - self.at[0]));
        self.out.push(zigzag(p[1] - self.at[1]));
        self.at = p;
    }

    /// A path: MoveTo its first point, LineTo the rest (repeats skipped).
    /// Returns false (writing nothing) when fewer than `min` distinct points.
    fn path(&mut self, pts: &[[i32; 2]], min: usize, close: bool) -> bool {
        let mut distinct: Vec<[i32; 2]> = Vec::with_capacity(pts.len());
        for p in pts {
            if distinct.last() != Some(p) {
                distinct.push(*p);
            }
        }
        if close {
            while distinct.len() > 1 && distinct.first() == distinct.last() {
                distinct.pop();
            }
        }
        if distinct.len() < min {
            return false;
        }
        self.out.push(command(MOVE_TO, 1));
        self.to(distinct[0]);
        self.out.push(command(LINE_TO, (distinct.len() - 1) as u32));
        for p in &distinct[1..] {
            self.to(*p);
        }
        if close {
            self.out.push(command(CLOSE_PATH, 1));
        }
        true
    }
}

impl LayerBuilder {
    /// An empty layer.
    pub fn new(name: &'static str) -> LayerBuilder {
        LayerBuilder { name, features: Vec::new(), tags: TagsBuilder::new() }
    }

    /// Number of features so far.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// Whether the layer has no feature.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    fn push(
        &mut self,
        id: Option<u64>,
        props: Vec<(&'static str, Value)>,
        kind: GeomType,
        geometry: Vec<u32>,
    ) {
        let mut tags = Vec::with_capacity(props.len() * 2);
        for (k, v) in props {
            let (ki, vi) = self.tags.insert_ref(k, v);
            tags.push(ki);
            tags.push(vi);
        }
        self.features.push(Feature { id, tags, r#type: Some(kind as i32), geometry });
    }

    /// Adds points (one feature; several points make a multipoint).
    pub fn points(&mut self, id: Option<u64>, props: Vec<(&'static str, Value)>, pts: &[[i32; 2]]) {
        if pts.is_empty() {
            return;
        }
        let mut pen = Pen { out: Vec::with_capacity(1 + 2 * pts.len()), at: [0, 0] };
        pen.out.push(command(MOVE_TO, pts.len() as u32));
        for p in pts {
            pen.to(*p);
        }
        self.push(id, props, GeomType::Point, pen.out);
    }

    /// Adds lines (one feature; several make a multilinestring).
    pub fn lines(&mut self, id: Option<u64>, props: Vec<(&'static str, Value)>, lines: &[Vec<[i32; 2]>]) {
        let mut pen = Pen { out: Vec::new(), at: [0, 0] };
        let mut any = false;
        for l in lines {
            any |= pen.path(l, 2, false);
        }
        if any {
            self.push(id, props, GeomType::Linestring, pen.out);
        }
    }

    /// Adds polygons (one feature): each an exterior ring, wound clockwise
    /// on screen, then its holes; rings unclosed.
    pub fn polygons(
        &mut self,
        id: Option<u64>,
        props: Vec<(&'static str, Value)>,
        polygons: &[Vec<Vec<[i32; 2]>>],
    ) {
        let mut pen = Pen { out: Vec::new(), at: [0, 0] };
        let mut any = false;
        for polygon in polygons {
            for ring in polygon {
                any |= pen.path(ring, 3, true);
            }
        }
        if any {
            self.push(id, props, GeomType::Polygon, pen.out);
        }
    }

    /// The finished layer.
    pub fn finish(self) -> Layer {
        let (keys, values) = self.tags.into_tags();
        Layer {
            version: 2,
            name: self.name.to_string(),
            features: self.features,
            keys,
            values: values.into_iter().map(Into::into).collect(),
            extent: Some(EXTENT as u32),
        }
    }
}

/// Encodes the non-empty layers into a tile; `None` when all are empty.
pub fn tile(layers: Vec<LayerBuilder>) -> Option<Vec<u8>> {
    let layers: Vec<Layer> = layers.into_iter().filter(|l| !l.is_empty()).map(LayerBuilder::finish).collect();
    if layers.is_empty() {
        return None;
    }
    Some(Tile { layers }.encode_to_vec())
}

/// A string value.
pub fn s(v: &str) -> Value {
    TileValue::Str(v.to_string())
}
