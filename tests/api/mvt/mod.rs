//! Mapbox Vector Tile decoding and validation against specification 2.1
//! (<https://github.com/mapbox/vector-tile-spec/tree/master/2.1>).
//!
//! [`validate`] decodes a tile and lists every rule it breaks; [`decode`] reads as much as it can
//! and fails only on a protobuf that does not parse. Section numbers below are the spec's. The
//! tests hold the tiles the service serves to these rules; the protobuf is read with prost (the
//! `vector_tile` messages of geozero, and in [`presence`] the field presence they hide), the
//! layers and features are checked in [`layer`], the geometry command streams in [`geometry`].
//!
//! Where the spec text leaves room, the rules read it the way the `@mapbox/mvt-fixtures` suite
//! (committed under `tests/fixtures/mvt-fixtures/`) does:
//!
//! - A layer must carry a `version` field (4.1). A missing one is a violation even though proto2
//!   would default it to 1; a present version must be a known major version, 1 or 2 (fixture 039
//!   encodes version 1 and is valid under 2.1).
//! - A missing `extent` takes the proto2 default of 4096 (fixture 009); an extent of 0 is a
//!   violation.
//! - A feature must carry a `type` field (4.2); UNKNOWN is allowed. UNKNOWN features are checked
//!   (tags, geometry present) but left out of the decoded layers: their geometry encoding is
//!   experimental and decoders may ignore them (4.3.4.1).
//! - A zero-length `LineTo` segment is a violation (4.3.3.2, fixture 046), not a warning.
//! - Feature ids may repeat within a layer: 4.2 says they SHOULD be unique, and no fixture asks
//!   for more.
//! - Coordinates wrap at the `i32` bounds (fixtures 049 and 050 are valid); the ring area is
//!   computed in `i128`, so it never overflows.
//! - A ring with zero area is a violation (4.3.4.4 says SHOULD NOT; such a ring is neither an
//!   exterior nor an interior ring).
//!
//! Not checked: self-intersection and self-tangency of rings, and whether interior rings lie
//! inside their exterior ring (4.3.4.4).
//!
//! Two fixtures state a verdict these rules do not give, because their tiles break the rules
//! above: 016 (byte-identical to 003, a feature without a type field) and 057 (a MoveTo whose
//! count asks for far more parameters than follow, like 051). The fixture test lists both.
//!
//! Rule ids of [`Violation::rule`]:
//!
//! - `protobuf.parse`: the bytes are not a `vector_tile.Tile` message.
//! - `layer.name_missing`, `layer.name_duplicate`: a layer has a name, unique in the tile (4.1).
//! - `layer.version_missing`, `layer.version_unknown`: a layer has a version, 1 or 2 (4.1).
//! - `layer.extent_zero`: the extent is positive (4.1).
//! - `value.field_count`: a value has exactly one field set (4.1).
//! - `feature.type_missing`, `feature.type_invalid`: a feature has a type of the `GeomType` enum (4.2).
//! - `feature.geometry_missing`, `feature.geometry_repeated`: a feature has one geometry field (4.2).
//! - `feature.tags_odd`, `feature.tag_key_out_of_range`, `feature.tag_value_out_of_range`: tags are pairs of
//!   valid indices (4.2).
//! - `geometry.unknown_command`, `geometry.unexpected_command`, `geometry.truncated`: the command sequence of
//!   the geometry type (4.3.4).
//! - `geometry.moveto_count`, `geometry.lineto_count`, `geometry.closepath_count`: command counts (4.3.3,
//!   4.3.4).
//! - `geometry.missing_parameters`: a command is followed by all its parameters (4.3.2).
//! - `geometry.point_extra_command`: a POINT geometry is a single MoveTo (4.3.4.2).
//! - `geometry.zero_length_lineto`: no LineTo segment has zero length (4.3.3.2).
//! - `geometry.ring_repeats_start`: a ring does not repeat its first point before ClosePath (4.3.4.4).
//! - `geometry.exterior_ring_missing`: a polygon starts with an exterior ring (4.3.4.4).
//! - `geometry.zero_area_ring`: no ring has zero area (4.3.4.4).

mod geometry;
mod layer;
mod presence;
#[cfg(test)]
mod tests;

use std::fmt;

use geozero::mvt::{Message, Tile};

/// The extent a layer has when its `extent` field is absent (the proto2 default).
const DEFAULT_EXTENT: u32 = 4096;
/// Layer versions this validator accepts: the major versions of the specification.
const KNOWN_VERSIONS: [u32; 2] = [1, 2];

/// A decoded geometry in tile coordinates (y down), per spec 2.1 (4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TileGeometry {
    /// A point, or a multipoint when there are several.
    Points(Vec<[i32; 2]>),
    /// A linestring, or a multilinestring: the vertices of each line.
    Lines(Vec<Vec<[i32; 2]>>),
    /// A polygon, or a multipolygon: each polygon is its exterior ring then its interior rings,
    /// and every ring is closed (first == last).
    Polygons(Vec<Vec<Vec<[i32; 2]>>>),
}

/// One feature of a decoded layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedFeature {
    /// The feature id, when the feature has one.
    pub id: Option<u64>,
    /// Key/value pairs from the feature's tags, in tag order.
    pub properties: Vec<(String, PropertyValue)>,
    /// The geometry in tile coordinates.
    pub geometry: TileGeometry,
}

/// A property value, one variant per field of the protobuf `Value` message (4.1).
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyValue {
    /// `string_value`.
    String(String),
    /// `float_value`.
    Float(f32),
    /// `double_value`.
    Double(f64),
    /// `int_value`.
    Int(i64),
    /// `uint_value`.
    Uint(u64),
    /// `sint_value`.
    Sint(i64),
    /// `bool_value`.
    Bool(bool),
}

/// One decoded layer.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedLayer {
    /// The layer name.
    pub name: String,
    /// The layer version (1 when the field is absent, the proto2 default).
    pub version: u32,
    /// The extent (4096 when the field is absent, the proto2 default).
    pub extent: u32,
    /// The features, without those of type UNKNOWN or of an unknown type.
    pub features: Vec<DecodedFeature>,
}

/// A rule of the specification that a tile breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The name of the layer concerned, if any (`None` for tile-level problems and nameless layers).
    pub layer: Option<String>,
    /// The index of the feature concerned in its layer's protobuf `features`, if any (UNKNOWN
    /// features count, though [`DecodedLayer::features`] leaves them out).
    pub feature: Option<usize>,
    /// A stable short id of the rule, e.g. `"geometry.zero_length_lineto"`.
    pub rule: &'static str,
    /// What is wrong, in English.
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.rule)?;
        if let Some(layer) = &self.layer {
            write!(f, " layer '{layer}'")?;
        }
        if let Some(feature) = self.feature {
            write!(f, " feature {feature}")?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl std::error::Error for Violation {}

/// Decode a tile and check it against spec 2.1. Ok when valid; Err lists every violation found
/// (a protobuf that does not parse is one violation).
pub fn validate(bytes: &[u8]) -> Result<Vec<DecodedLayer>, Vec<Violation>> {
    let tile = parse(bytes).map_err(|violation| vec![violation])?;
    let wire = presence::scan(bytes).map_err(|violation| vec![violation])?;
    let mut violations = Vec::new();
    layer::check_layer_names(&tile.layers, &mut violations);
    let layers = tile
        .layers
        .iter()
        .zip(&wire)
        .map(|(layer, wire)| layer::read_layer(layer, Some(wire), &mut violations))
        .collect();
    if violations.is_empty() { Ok(layers) } else { Err(violations) }
}

/// Decode leniently (as much as can be read), for tools and tests.
///
/// Broken tags are skipped, a geometry is read up to its first structural error, and features of
/// type UNKNOWN or of an unknown type are left out. Only a protobuf that does not parse fails.
pub fn decode(bytes: &[u8]) -> Result<Vec<DecodedLayer>, Violation> {
    let tile = parse(bytes)?;
    let mut ignored = Vec::new();
    Ok(tile.layers.iter().map(|layer| layer::read_layer(layer, None, &mut ignored)).collect())
}

/// Parses the protobuf message.
fn parse(bytes: &[u8]) -> Result<Tile, Violation> {
    Tile::decode(bytes).map_err(|error| Violation {
        layer: None,
        feature: None,
        rule: "protobuf.parse",
        detail: format!("the tile is not a valid vector_tile protobuf message: {error}"),
    })
}
