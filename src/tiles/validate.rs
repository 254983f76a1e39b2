//! Mapbox Vector Tile decoding and validation against specification 2.1
//! (<https://github.com/mapbox/vector-tile-spec/tree/master/2.1>).
//!
//! [`validate`] decodes a tile and lists every rule it breaks; [`decode`] reads as much as it can
//! and fails only on a protobuf that does not parse. Section numbers below are the spec's.
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
//! Two fixtures state a verdict this module does not give, because their tiles break the rules
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

use std::collections::HashSet;
use std::fmt;

use geozero::mvt::{Message, Tile, tile};

/// The extent a layer has when its `extent` field is absent (the proto2 default).
const DEFAULT_EXTENT: u32 = 4096;
/// Layer versions this validator accepts: the major versions of the specification.
const KNOWN_VERSIONS: [u32; 2] = [1, 2];

/// Command ids (4.3.1).
const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

/// Protobuf field numbers of `vector_tile.proto` that [`scan_tile`] looks for.
const TILE_LAYERS_FIELD: u64 = 3;
const LAYER_FEATURES_FIELD: u64 = 2;
const LAYER_VERSION_FIELD: u64 = 15;
const FEATURE_GEOMETRY_FIELD: u64 = 4;

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
    let wire = scan_tile(bytes).map_err(|violation| vec![violation])?;
    let mut violations = Vec::new();
    check_layer_names(&tile.layers, &mut violations);
    let layers = tile
        .layers
        .iter()
        .zip(&wire)
        .map(|(layer, wire)| read_layer(layer, Some(wire), &mut violations))
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
    Ok(tile.layers.iter().map(|layer| read_layer(layer, None, &mut ignored)).collect())
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

/// Where a violation is found: a layer, and possibly one of its features.
#[derive(Clone, Copy)]
struct Scope<'a> {
    layer: &'a str,
    feature: Option<usize>,
}

impl Scope<'_> {
    fn violation(&self, rule: &'static str, detail: String) -> Violation {
        let layer = (!self.layer.is_empty()).then(|| self.layer.to_owned());
        Violation { layer, feature: self.feature, rule, detail }
    }
}

/// Layer names must be present and unique within the tile (4.1).
fn check_layer_names(layers: &[tile::Layer], violations: &mut Vec<Violation>) {
    let mut seen = HashSet::new();
    for (index, layer) in layers.iter().enumerate() {
        let scope = Scope { layer: &layer.name, feature: None };
        if layer.name.is_empty() {
            violations.push(scope.violation("layer.name_missing", format!("layer #{index} has no name")));
        } else if !seen.insert(layer.name.as_str()) {
            let detail = format!("layer #{index} repeats the name of an earlier layer");
            violations.push(scope.violation("layer.name_duplicate", detail));
        }
    }
}

/// Checks one layer and decodes it. `wire` is absent when decoding leniently.
fn read_layer(
    layer: &tile::Layer,
    wire: Option<&WireLayer>,
    violations: &mut Vec<Violation>,
) -> DecodedLayer {
    let scope = Scope { layer: &layer.name, feature: None };
    check_layer_header(scope, layer, wire, violations);
    check_values(scope, &layer.values, violations);
    let features = layer
        .features
        .iter()
        .enumerate()
        .filter_map(|(index, feature)| {
            let scope = Scope { feature: Some(index), ..scope };
            let wire = wire.and_then(|wire| wire.features.get(index));
            read_feature(scope, layer, feature, wire, violations)
        })
        .collect();
    DecodedLayer {
        name: layer.name.clone(),
        version: layer.version,
        extent: layer.extent.unwrap_or(DEFAULT_EXTENT),
        features,
    }
}

/// The version must be present and known, the extent positive (4.1).
fn check_layer_header(
    scope: Scope<'_>,
    layer: &tile::Layer,
    wire: Option<&WireLayer>,
    violations: &mut Vec<Violation>,
) {
    if wire.is_some_and(|wire| !wire.has_version) {
        let detail = "the layer has no version field (2 for a layer following spec 2.x)".to_owned();
        violations.push(scope.violation("layer.version_missing", detail));
    } else if !KNOWN_VERSIONS.contains(&layer.version) {
        let detail =
            format!("version {} is not a major version of the specification (1 or 2)", layer.version);
        violations.push(scope.violation("layer.version_unknown", detail));
    }
    if layer.extent == Some(0) {
        violations.push(scope.violation("layer.extent_zero", "the layer extent is 0".to_owned()));
    }
}

/// Each value must have exactly one of its fields set (4.1).
fn check_values(scope: Scope<'_>, values: &[tile::Value], violations: &mut Vec<Violation>) {
    for (index, value) in values.iter().enumerate() {
        let count = value_field_count(value);
        if count != 1 {
            let detail = format!("value #{index} has {count} known fields set; it must have exactly one");
            violations.push(scope.violation("value.field_count", detail));
        }
    }
}

fn value_field_count(value: &tile::Value) -> usize {
    [
        value.string_value.is_some(),
        value.float_value.is_some(),
        value.double_value.is_some(),
        value.int_value.is_some(),
        value.uint_value.is_some(),
        value.sint_value.is_some(),
        value.bool_value.is_some(),
    ]
    .into_iter()
    .filter(|&set| set)
    .count()
}

/// The first field set in a value, if any.
fn property_value(value: &tile::Value) -> Option<PropertyValue> {
    let tile::Value {
        string_value,
        float_value,
        double_value,
        int_value,
        uint_value,
        sint_value,
        bool_value,
    } = value;
    string_value
        .clone()
        .map(PropertyValue::String)
        .or(float_value.map(PropertyValue::Float))
        .or(double_value.map(PropertyValue::Double))
        .or(int_value.map(PropertyValue::Int))
        .or(uint_value.map(PropertyValue::Uint))
        .or(sint_value.map(PropertyValue::Sint))
        .or(bool_value.map(PropertyValue::Bool))
}

/// The geometry types a feature can be decoded as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Point,
    Line,
    Polygon,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Point => "POINT",
            Kind::Line => "LINESTRING",
            Kind::Polygon => "POLYGON",
        }
    }
}

/// Checks one feature and decodes it; `None` for features of type UNKNOWN or an unknown type.
fn read_feature(
    scope: Scope<'_>,
    layer: &tile::Layer,
    feature: &tile::Feature,
    wire: Option<&WireFeature>,
    violations: &mut Vec<Violation>,
) -> Option<DecodedFeature> {
    let properties = read_tags(scope, layer, &feature.tags, violations);
    let kind = feature_kind(scope, feature.r#type, violations);
    if feature.geometry.is_empty() {
        let detail = "the feature has no geometry".to_owned();
        violations.push(scope.violation("feature.geometry_missing", detail));
    }
    if let Some(wire) = wire.filter(|wire| wire.geometry_fields > 1) {
        let detail = format!("the geometry field appears {} times; a feature has one", wire.geometry_fields);
        violations.push(scope.violation("feature.geometry_repeated", detail));
    }
    let kind = kind?;
    let (geometry, errors) = decode_geometry(kind, &feature.geometry);
    violations.extend(errors.into_iter().map(|error| scope.violation(error.rule, error.detail)));
    Some(DecodedFeature { id: feature.id, properties, geometry })
}

/// The feature's geometry type (4.3.4); `None` for UNKNOWN, an absent type, or an unknown value.
fn feature_kind(scope: Scope<'_>, raw: Option<i32>, violations: &mut Vec<Violation>) -> Option<Kind> {
    let Some(raw) = raw else {
        let detail = "the feature has no type field".to_owned();
        violations.push(scope.violation("feature.type_missing", detail));
        return None;
    };
    match tile::GeomType::try_from(raw) {
        Ok(tile::GeomType::Unknown) => None,
        Ok(tile::GeomType::Point) => Some(Kind::Point),
        Ok(tile::GeomType::Linestring) => Some(Kind::Line),
        Ok(tile::GeomType::Polygon) => Some(Kind::Polygon),
        Err(_) => {
            let detail = format!("geometry type {raw} is not one of UNKNOWN (0), POINT, LINESTRING, POLYGON");
            violations.push(scope.violation("feature.type_invalid", detail));
            None
        }
    }
}

/// Resolves tags against the layer's keys and values (4.2, 4.4), skipping broken pairs.
fn read_tags(
    scope: Scope<'_>,
    layer: &tile::Layer,
    tags: &[u32],
    violations: &mut Vec<Violation>,
) -> Vec<(String, PropertyValue)> {
    if !tags.len().is_multiple_of(2) {
        let detail =
            format!("the tags field holds an odd number of integers ({}); tags are pairs", tags.len());
        violations.push(scope.violation("feature.tags_odd", detail));
    }
    let mut properties = Vec::with_capacity(tags.len() / 2);
    for pair in tags.chunks_exact(2) {
        let (key_index, value_index) = (pair[0], pair[1]);
        let key = layer.keys.get(key_index as usize);
        let value = layer.values.get(value_index as usize);
        if key.is_none() {
            let detail = format!(
                "tag key index {key_index} is out of range for a layer of {} key(s)",
                layer.keys.len()
            );
            violations.push(scope.violation("feature.tag_key_out_of_range", detail));
        }
        if value.is_none() {
            let count = layer.values.len();
            let detail =
                format!("tag value index {value_index} is out of range for a layer of {count} value(s)");
            violations.push(scope.violation("feature.tag_value_out_of_range", detail));
        }
        if let (Some(key), Some(value)) = (key, value.and_then(property_value)) {
            properties.push((key.clone(), value));
        }
    }
    properties
}

/// A geometry rule broken inside a command stream.
#[derive(Debug)]
struct GeometryError {
    rule: &'static str,
    detail: String,
}

/// One command integer (4.3.1) and its position in the stream.
#[derive(Clone, Copy)]
struct Command {
    id: u32,
    count: u32,
    offset: usize,
}

fn command_name(id: u32) -> &'static str {
    match id {
        MOVE_TO => "MoveTo",
        LINE_TO => "LineTo",
        CLOSE_PATH => "ClosePath",
        _ => "an unknown command",
    }
}

/// Reads command and parameter integers (4.3.1, 4.3.2), keeping the cursor.
struct CommandReader<'a> {
    integers: &'a [u32],
    position: usize,
    cursor: [i32; 2],
}

impl<'a> CommandReader<'a> {
    fn new(integers: &'a [u32]) -> Self {
        CommandReader { integers, position: 0, cursor: [0, 0] }
    }

    fn is_done(&self) -> bool {
        self.position >= self.integers.len()
    }

    /// Reads the next command, which must be `expected`, in a geometry of type `kind`.
    fn expect(&mut self, expected: u32, kind: Kind) -> Result<Command, GeometryError> {
        let offset = self.position;
        let Some(&integer) = self.integers.get(offset) else {
            let detail = format!(
                "the {} geometry ends at integer {offset} where a {} command must follow",
                kind.name(),
                command_name(expected)
            );
            return Err(GeometryError { rule: "geometry.truncated", detail });
        };
        self.position += 1;
        let command = Command { id: integer & 0x7, count: integer >> 3, offset };
        if ![MOVE_TO, LINE_TO, CLOSE_PATH].contains(&command.id) {
            let detail =
                format!("command id {} at integer {offset} is not MoveTo, LineTo or ClosePath", command.id);
            return Err(GeometryError { rule: "geometry.unknown_command", detail });
        }
        if command.id != expected {
            let detail = format!(
                "expected {} at integer {offset} of the {} geometry, found {}",
                command_name(expected),
                kind.name(),
                command_name(command.id)
            );
            return Err(GeometryError { rule: "geometry.unexpected_command", detail });
        }
        Ok(command)
    }

    /// Reads the `count` coordinate pairs of a MoveTo or LineTo, moving the cursor. All the
    /// parameters must be there, which is checked before anything is allocated.
    fn points(&mut self, command: Command) -> Result<Vec<[i32; 2]>, GeometryError> {
        let needed = command.count as usize * 2;
        let remaining = self.integers.len() - self.position;
        if needed > remaining {
            let detail = format!(
                "{} with count {} at integer {} needs {needed} parameter integers; \
                 the geometry has {remaining} left",
                command_name(command.id),
                command.count,
                command.offset
            );
            return Err(GeometryError { rule: "geometry.missing_parameters", detail });
        }
        let integers = self.integers;
        let parameters = &integers[self.position..self.position + needed];
        self.position += needed;
        let points = parameters
            .chunks_exact(2)
            .map(|pair| {
                let x = self.cursor[0].wrapping_add(zigzag(pair[0]));
                let y = self.cursor[1].wrapping_add(zigzag(pair[1]));
                self.cursor = [x, y];
                self.cursor
            })
            .collect();
        Ok(points)
    }
}

/// Decodes a parameter integer (4.3.2).
fn zigzag(parameter: u32) -> i32 {
    ((parameter >> 1) as i32) ^ -((parameter & 1) as i32)
}

/// Decodes a command stream as `kind`, returning what could be read and every rule broken.
/// An empty stream decodes to an empty geometry without errors (the caller reports it).
fn decode_geometry(kind: Kind, integers: &[u32]) -> (TileGeometry, Vec<GeometryError>) {
    let mut reader = CommandReader::new(integers);
    let mut errors = Vec::new();
    let geometry = match kind {
        Kind::Point => {
            let mut points = Vec::new();
            if let Err(error) = read_points(&mut reader, &mut points) {
                errors.push(error);
            }
            TileGeometry::Points(points)
        }
        Kind::Line => {
            let mut lines = Vec::new();
            if let Err(error) = read_lines(&mut reader, &mut lines, &mut errors) {
                errors.push(error);
            }
            TileGeometry::Lines(lines)
        }
        Kind::Polygon => {
            let mut rings = Vec::new();
            let stopped = read_rings(&mut reader, &mut rings, &mut errors).err();
            let polygons = assemble_polygons(rings, &mut errors);
            errors.extend(stopped);
            TileGeometry::Polygons(polygons)
        }
    };
    (geometry, errors)
}

/// A POINT geometry is a single MoveTo with a count greater than 0 (4.3.4.2).
fn read_points(reader: &mut CommandReader<'_>, points: &mut Vec<[i32; 2]>) -> Result<(), GeometryError> {
    if reader.is_done() {
        return Ok(());
    }
    let move_to = reader.expect(MOVE_TO, Kind::Point)?;
    if move_to.count == 0 {
        let detail = "the MoveTo of a POINT geometry has count 0".to_owned();
        return Err(GeometryError { rule: "geometry.moveto_count", detail });
    }
    points.extend(reader.points(move_to)?);
    if !reader.is_done() {
        let detail = format!(
            "a POINT geometry is a single MoveTo command, but integers follow it from integer {}",
            reader.position
        );
        return Err(GeometryError { rule: "geometry.point_extra_command", detail });
    }
    Ok(())
}

/// Reads a MoveTo with count 1 and returns its point.
fn read_start(reader: &mut CommandReader<'_>, kind: Kind) -> Result<[i32; 2], GeometryError> {
    let move_to = reader.expect(MOVE_TO, kind)?;
    if move_to.count != 1 {
        let detail = format!(
            "MoveTo at integer {} has count {}; in a {} geometry it must be 1",
            move_to.offset,
            move_to.count,
            kind.name()
        );
        return Err(GeometryError { rule: "geometry.moveto_count", detail });
    }
    let points = reader.points(move_to)?;
    Ok(points[0])
}

/// Reads a LineTo whose count is at least `minimum` and returns its points.
fn read_line_to(
    reader: &mut CommandReader<'_>,
    kind: Kind,
    minimum: u32,
) -> Result<(Command, Vec<[i32; 2]>), GeometryError> {
    let line_to = reader.expect(LINE_TO, kind)?;
    if line_to.count < minimum {
        let detail = format!(
            "LineTo at integer {} has count {}; in a {} geometry it must be at least {minimum}",
            line_to.offset,
            line_to.count,
            kind.name()
        );
        return Err(GeometryError { rule: "geometry.lineto_count", detail });
    }
    Ok((line_to, reader.points(line_to)?))
}

/// Every LineTo segment must have a length (4.3.3.2: dX and dY must not both be 0).
fn check_segments(vertices: &[[i32; 2]], line_to: Command, errors: &mut Vec<GeometryError>) {
    for (index, pair) in vertices.windows(2).enumerate() {
        if pair[0] == pair[1] {
            let detail = format!(
                "segment {} of the LineTo at integer {} has zero length (dX and dY are both 0)",
                index + 1,
                line_to.offset
            );
            errors.push(GeometryError { rule: "geometry.zero_length_lineto", detail });
        }
    }
}

/// A LINESTRING geometry repeats MoveTo (count 1), LineTo (count > 0) (4.3.4.3).
fn read_lines(
    reader: &mut CommandReader<'_>,
    lines: &mut Vec<Vec<[i32; 2]>>,
    errors: &mut Vec<GeometryError>,
) -> Result<(), GeometryError> {
    while !reader.is_done() {
        let start = read_start(reader, Kind::Line)?;
        let (line_to, points) = read_line_to(reader, Kind::Line, 1)?;
        let mut line = Vec::with_capacity(points.len() + 1);
        line.push(start);
        line.extend(points);
        check_segments(&line, line_to, errors);
        lines.push(line);
    }
    Ok(())
}

/// A ring read from a POLYGON geometry, closed, with the offset of its MoveTo.
struct Ring {
    vertices: Vec<[i32; 2]>,
    offset: usize,
}

/// Each ring of a POLYGON geometry is MoveTo (count 1), LineTo (count > 1), ClosePath (count 1)
/// (4.3.4.4, 4.3.3.3).
fn read_rings(
    reader: &mut CommandReader<'_>,
    rings: &mut Vec<Ring>,
    errors: &mut Vec<GeometryError>,
) -> Result<(), GeometryError> {
    while !reader.is_done() {
        let offset = reader.position;
        let start = read_start(reader, Kind::Polygon)?;
        let (line_to, points) = read_line_to(reader, Kind::Polygon, 2)?;
        let close = reader.expect(CLOSE_PATH, Kind::Polygon)?;
        if close.count != 1 {
            let detail =
                format!("ClosePath at integer {} has count {}; it must be 1", close.offset, close.count);
            return Err(GeometryError { rule: "geometry.closepath_count", detail });
        }
        let mut vertices = Vec::with_capacity(points.len() + 2);
        vertices.push(start);
        vertices.extend(points);
        check_segments(&vertices, line_to, errors);
        if vertices.last() == Some(&start) {
            let detail = format!(
                "the ring starting at integer {offset} returns to its first point before ClosePath, \
                 which makes a zero-length closing segment"
            );
            errors.push(GeometryError { rule: "geometry.ring_repeats_start", detail });
        }
        vertices.push(start);
        rings.push(Ring { vertices, offset });
    }
    Ok(())
}

/// Twice the signed area of a closed ring by the surveyor's formula, in tile coordinates (y down):
/// positive for an exterior ring, negative for an interior ring (4.3.4.4).
fn twice_signed_area(ring: &[[i32; 2]]) -> i128 {
    ring.windows(2)
        .map(|pair| {
            let ([x0, y0], [x1, y1]) = (pair[0], pair[1]);
            i128::from(x0) * i128::from(y1) - i128::from(x1) * i128::from(y0)
        })
        .sum()
}

/// Groups rings into polygons: an exterior ring (positive area) starts a polygon and the interior
/// rings (negative area) after it belong to it (4.3.4.4). The first ring must be exterior, and no
/// ring may have zero area; such rings are still kept, as best as they fit.
fn assemble_polygons(rings: Vec<Ring>, errors: &mut Vec<GeometryError>) -> Vec<Vec<Vec<[i32; 2]>>> {
    let mut polygons: Vec<Vec<Vec<[i32; 2]>>> = Vec::new();
    for Ring { vertices, offset } in rings {
        let area = twice_signed_area(&vertices);
        if area == 0 {
            let detail = format!("the ring starting at integer {offset} has zero area");
            errors.push(GeometryError { rule: "geometry.zero_area_ring", detail });
        } else if area < 0 && polygons.is_empty() {
            let detail = format!(
                "the first ring (at integer {offset}) has negative area, so it is an interior ring; \
                 a polygon must start with an exterior ring (positive area, clockwise with y down)"
            );
            errors.push(GeometryError { rule: "geometry.exterior_ring_missing", detail });
        }
        match polygons.last_mut() {
            Some(polygon) if area <= 0 => polygon.push(vertices),
            _ => polygons.push(vec![vertices]),
        }
    }
    polygons
}

/// What the prost types cannot tell about a layer: which fields were present on the wire.
struct WireLayer {
    has_version: bool,
    features: Vec<WireFeature>,
}

/// What the prost types cannot tell about a feature.
struct WireFeature {
    /// How many packed `geometry` records the feature has (prost concatenates them).
    geometry_fields: usize,
}

/// Walks the protobuf wire format of a tile that prost has already parsed, for field presence.
fn scan_tile(bytes: &[u8]) -> Result<Vec<WireLayer>, Violation> {
    let scan = || -> Result<Vec<WireLayer>, String> {
        records(bytes)?
            .into_iter()
            .filter(|record| record.field == TILE_LAYERS_FIELD)
            .filter_map(|record| record.payload)
            .map(scan_layer)
            .collect()
    };
    scan().map_err(|error| Violation {
        layer: None,
        feature: None,
        rule: "protobuf.parse",
        detail: format!("the tile's protobuf encoding cannot be walked: {error}"),
    })
}

fn scan_layer(bytes: &[u8]) -> Result<WireLayer, String> {
    let records = records(bytes)?;
    let has_version = records.iter().any(|record| record.field == LAYER_VERSION_FIELD);
    let features = records
        .iter()
        .filter(|record| record.field == LAYER_FEATURES_FIELD)
        .filter_map(|record| record.payload)
        .map(scan_feature)
        .collect::<Result<_, _>>()?;
    Ok(WireLayer { has_version, features })
}

fn scan_feature(bytes: &[u8]) -> Result<WireFeature, String> {
    let geometry_fields = records(bytes)?
        .iter()
        .filter(|record| record.field == FEATURE_GEOMETRY_FIELD && record.payload.is_some())
        .count();
    Ok(WireFeature { geometry_fields })
}

/// One field record of a protobuf message: its number and, if length-delimited, its bytes.
struct Record<'a> {
    field: u64,
    payload: Option<&'a [u8]>,
}

/// Splits a protobuf message into its field records.
fn records(bytes: &[u8]) -> Result<Vec<Record<'_>>, String> {
    let mut position = 0;
    let mut records = Vec::new();
    while position < bytes.len() {
        let key = read_varint(bytes, &mut position)?;
        let payload = match key & 0x7 {
            0 => read_varint(bytes, &mut position).map(|_| None)?,
            1 => take(bytes, &mut position, 8).map(|_| None)?,
            2 => {
                let length = read_varint(bytes, &mut position)?;
                let length = usize::try_from(length).map_err(|_| format!("length {length} is too large"))?;
                Some(take(bytes, &mut position, length)?)
            }
            5 => take(bytes, &mut position, 4).map(|_| None)?,
            wire_type => return Err(format!("wire type {wire_type} at byte {position} is not supported")),
        };
        records.push(Record { field: key >> 3, payload });
    }
    Ok(records)
}

fn read_varint(bytes: &[u8], position: &mut usize) -> Result<u64, String> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*position).ok_or_else(|| format!("varint cut off at byte {position}"))?;
        *position += 1;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(format!("varint longer than 10 bytes before byte {position}"))
}

fn take<'a>(bytes: &'a [u8], position: &mut usize, length: usize) -> Result<&'a [u8], String> {
    let start = *position;
    let end = start.checked_add(length).filter(|&end| end <= bytes.len());
    let end = end.ok_or_else(|| format!("{length} bytes at byte {start} run past the end"))?;
    *position = end;
    Ok(&bytes[start..end])
}

#[cfg(test)]
mod tests {
    use std::fs;
    use std::path::{Path, PathBuf};

    use serde_json::Value as Json;

    use super::*;

    /// Fixtures whose stated v2 verdict this validator does not give, and why. The test fails if
    /// any other fixture disagrees, or if one of these starts agreeing.
    const FIXTURE_DEFECTS: &[(&str, &str)] = &[
        (
            "016",
            "meant as a feature of type UNKNOWN, but the encoder left out the default-valued type \
             field: the tile is byte-identical to 003, which is invalid for its missing type (4.2). \
             An explicit UNKNOWN type (fixture 039) validates.",
        ),
        (
            "057",
            "its MoveTo has count 536870911 and is followed by a single (dX, dY) pair; 4.3.3.1 \
             requires one pair per count. Fixture 051 has the same command with one pair and is \
             marked invalid.",
        ),
    ];

    struct Fixture {
        number: String,
        description: String,
        valid_v2: bool,
        bytes: Vec<u8>,
        json: Json,
    }

    fn fixtures_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mvt-fixtures/fixtures")
    }

    fn read_json(path: &Path) -> Json {
        let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn load(number: &str) -> Fixture {
        let dir = fixtures_dir().join(number);
        let info = read_json(&dir.join("info.json"));
        Fixture {
            number: number.to_owned(),
            description: info["description"].as_str().unwrap().to_owned(),
            valid_v2: info["validity"]["v2"].as_bool().unwrap(),
            bytes: fs::read(dir.join("tile.mvt")).unwrap(),
            json: read_json(&dir.join("tile.json")),
        }
    }

    fn all_fixtures() -> Vec<Fixture> {
        let mut numbers: Vec<String> = fs::read_dir(fixtures_dir())
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        numbers.sort();
        numbers.iter().map(|number| load(number)).collect()
    }

    fn describe(result: &Result<Vec<DecodedLayer>, Vec<Violation>>) -> String {
        match result {
            Ok(_) => "validates".to_owned(),
            Err(violations) => violations.iter().map(|v| format!("\n      {v}")).collect(),
        }
    }

    #[test]
    fn every_fixture_gets_its_v2_verdict() {
        let fixtures = all_fixtures();
        assert_eq!(fixtures.len(), 74, "fixture folders");
        let mut disagreements = Vec::new();
        for fixture in &fixtures {
            let result = validate(&fixture.bytes);
            if result.is_ok() != fixture.valid_v2 {
                disagreements.push((fixture, describe(&result)));
            }
        }
        let known = |number: &str| FIXTURE_DEFECTS.iter().any(|(defect, _)| *defect == number);
        let unexpected: Vec<String> = disagreements
            .iter()
            .filter(|(fixture, _)| !known(&fixture.number))
            .map(|(f, result)| {
                format!("\n  {} (v2 valid: {}) {}\n    {}", f.number, f.valid_v2, f.description, result)
            })
            .collect();
        let now_agreeing: Vec<&str> = FIXTURE_DEFECTS
            .iter()
            .map(|(number, _)| *number)
            .filter(|number| !disagreements.iter().any(|(fixture, _)| fixture.number == *number))
            .collect();
        assert!(
            unexpected.is_empty() && now_agreeing.is_empty(),
            "fixtures whose verdict differs:{}\nlisted defects that now agree: {now_agreeing:?}",
            unexpected.concat()
        );
    }

    #[test]
    fn the_fixture_defects_are_what_they_say() {
        assert_eq!(load("003").bytes, load("016").bytes);
        assert!(validate(&load("039").bytes).is_ok(), "explicit UNKNOWN type");
        for number in ["051", "057"] {
            let geometry = &load(number).json["layers"][0]["features"][0]["geometry"];
            let integers: Vec<u64> =
                geometry.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
            assert_eq!(integers.len(), 3, "{number}: one pair of parameters");
            assert_eq!(integers[0], 4_294_967_289, "{number}: MoveTo with count 536870911");
            let violations = validate(&load(number).bytes).unwrap_err();
            assert_eq!(
                violations.iter().map(|v| v.rule).collect::<Vec<_>>(),
                ["geometry.missing_parameters"]
            );
        }
    }

    fn json_property(value: &Json) -> PropertyValue {
        let (field, value) = value.as_object().unwrap().iter().next().unwrap();
        match field.as_str() {
            // Fixture 076 lists the number 613 as a string value; its encoder wrote the string "613".
            "string_value" => {
                PropertyValue::String(value.as_str().map_or_else(|| value.to_string(), str::to_owned))
            }
            "float_value" => PropertyValue::Float(value.as_f64().unwrap() as f32),
            "double_value" => PropertyValue::Double(value.as_f64().unwrap()),
            "int_value" => PropertyValue::Int(value.as_i64().unwrap()),
            "uint_value" => PropertyValue::Uint(value.as_u64().unwrap()),
            "sint_value" => PropertyValue::Sint(value.as_i64().unwrap()),
            "bool_value" => PropertyValue::Bool(value.as_bool().unwrap()),
            other => panic!("unexpected value field {other}"),
        }
    }

    /// Checks the decoded layers against the fixture's JSON view: names, versions, extents, and
    /// for each feature not of type UNKNOWN its id and its tags resolved to properties.
    fn assert_matches_json(number: &str, layers: &[DecodedLayer], json: &Json) {
        let empty = Vec::new();
        let json_layers = json["layers"].as_array().unwrap_or(&empty);
        assert_eq!(layers.len(), json_layers.len(), "{number}: layer count");
        for (layer, expected) in layers.iter().zip(json_layers) {
            assert_eq!(layer.name, expected["name"].as_str().unwrap(), "{number}: name");
            assert_eq!(u64::from(layer.version), expected["version"].as_u64().unwrap(), "{number}");
            let extent = expected["extent"].as_u64().unwrap_or(u64::from(DEFAULT_EXTENT));
            assert_eq!(u64::from(layer.extent), extent, "{number}: extent");
            let keys = expected["keys"].as_array().unwrap();
            let values = expected["values"].as_array().unwrap();
            let features: Vec<&Json> = expected["features"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|feature| feature["type"].as_u64() != Some(0))
                .collect();
            assert_eq!(layer.features.len(), features.len(), "{number}: feature count");
            for (feature, expected) in layer.features.iter().zip(features) {
                assert_eq!(feature.id, expected["id"].as_u64(), "{number}: id");
                let tags: Vec<usize> = expected["tags"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_u64().unwrap() as usize)
                    .collect();
                let properties: Vec<(String, PropertyValue)> = tags
                    .chunks_exact(2)
                    .map(|pair| (keys[pair[0]].as_str().unwrap().to_owned(), json_property(&values[pair[1]])))
                    .collect();
                assert_eq!(feature.properties, properties, "{number}: properties");
            }
        }
    }

    #[test]
    fn valid_fixtures_decode_to_their_json() {
        let mut checked = 0;
        for fixture in all_fixtures() {
            if let Ok(layers) = validate(&fixture.bytes) {
                assert_matches_json(&fixture.number, &layers, &fixture.json);
                assert_eq!(decode(&fixture.bytes).unwrap(), layers, "{}: decode", fixture.number);
                checked += 1;
            }
        }
        assert_eq!(checked, 44, "fixtures that validate");
    }

    fn only_geometry(number: &str) -> TileGeometry {
        let layers = validate(&load(number).bytes).unwrap();
        layers[0].features[0].geometry.clone()
    }

    #[test]
    fn geometries_decode_to_tile_coordinates() {
        assert_eq!(only_geometry("017"), TileGeometry::Points(vec![[25, 17]]));
        assert_eq!(only_geometry("020"), TileGeometry::Points(vec![[5, 7], [3, 2]]));
        assert_eq!(only_geometry("018"), TileGeometry::Lines(vec![vec![[2, 2], [2, 10], [10, 10]]]));
        assert_eq!(
            only_geometry("021"),
            TileGeometry::Lines(vec![vec![[2, 2], [2, 10], [10, 10]], vec![[1, 1], [3, 5]]])
        );
        assert_eq!(
            only_geometry("019"),
            TileGeometry::Polygons(vec![vec![vec![[3, 6], [8, 12], [20, 34], [3, 6]]]])
        );
        let square =
            |x0: i32, y0: i32, x1: i32, y1: i32| vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
        let hole = vec![[13, 13], [13, 17], [17, 17], [17, 13], [13, 13]];
        assert_eq!(
            only_geometry("022"),
            TileGeometry::Polygons(vec![vec![square(0, 0, 10, 10)], vec![square(11, 11, 20, 20), hole]])
        );
        assert_eq!(only_geometry("053"), TileGeometry::Polygons(vec![vec![square(0, 0, 4096, 4096)]]));
        // Coordinates wrap at the i32 bounds.
        assert_eq!(only_geometry("049"), TileGeometry::Lines(vec![vec![[i32::MAX, 0], [i32::MIN, 1]]]));
    }

    #[test]
    fn all_value_types_decode() {
        let layers = validate(&load("038").bytes).unwrap();
        let properties = &layers[0].features[0].properties;
        let expected = [
            ("string_value", PropertyValue::String("ello".to_owned())),
            ("bool_value", PropertyValue::Bool(true)),
            ("int_value", PropertyValue::Int(6)),
            ("double_value", PropertyValue::Double(1.23)),
            ("float_value", PropertyValue::Float(3.1)),
            ("sint_value", PropertyValue::Sint(-87948)),
            ("uint_value", PropertyValue::Uint(87948)),
        ]
        .map(|(key, value)| (key.to_owned(), value));
        assert_eq!(properties, &expected);
    }

    fn rules(result: Result<Vec<DecodedLayer>, Vec<Violation>>) -> Vec<&'static str> {
        result.err().unwrap_or_default().iter().map(|v| v.rule).collect()
    }

    #[test]
    fn broken_fixtures_break_the_expected_rules() {
        let cases: &[(&str, &[&str])] = &[
            ("003", &["feature.type_missing"]),
            ("004", &["feature.geometry_missing"]),
            ("005", &["feature.tags_odd"]),
            ("006", &["feature.type_invalid"]),
            ("007", &["protobuf.parse"]),
            ("011", &["value.field_count"]),
            ("012", &["layer.version_unknown"]),
            ("014", &["layer.name_missing"]),
            ("015", &["layer.name_duplicate"]),
            ("024", &["layer.version_missing"]),
            ("030", &["feature.geometry_repeated", "geometry.point_extra_command"]),
            ("040", &["feature.tag_key_out_of_range"]),
            ("042", &["feature.tag_value_out_of_range"]),
            ("044", &["geometry.unexpected_command"]),
            ("045", &["geometry.missing_parameters"]),
            ("046", &["geometry.zero_length_lineto"]),
            ("047", &["geometry.closepath_count"]),
            ("048", &["geometry.closepath_count"]),
            ("061", &["layer.version_missing", "geometry.unexpected_command"]),
        ];
        for (number, expected) in cases {
            assert_eq!(rules(validate(&load(number).bytes)), *expected, "{number}");
        }
    }

    /// A one-layer tile holding `features`, with one key and one string value.
    fn tile_bytes(features: Vec<tile::Feature>, extent: Option<u32>) -> Vec<u8> {
        let value = tile::Value { string_value: Some("v".to_owned()), ..Default::default() };
        let layer = tile::Layer {
            version: 2,
            name: "test".to_owned(),
            features,
            keys: vec!["k".to_owned()],
            values: vec![value],
            extent,
        };
        Tile { layers: vec![layer] }.encode_to_vec()
    }

    fn polygon(id: u64, geometry: Vec<u32>) -> tile::Feature {
        tile::Feature {
            id: Some(id),
            tags: vec![0, 0],
            r#type: Some(tile::GeomType::Polygon as i32),
            geometry,
        }
    }

    #[test]
    fn ring_rules() {
        // Clockwise (y down) square (0,0) (4,0) (4,4) (0,4): exterior.
        let exterior = vec![9, 0, 0, 26, 8, 0, 0, 8, 7, 0, 15];
        // The same square counter-clockwise: interior.
        let interior = vec![9, 0, 0, 26, 0, 8, 8, 0, 0, 7, 15];
        assert!(validate(&tile_bytes(vec![polygon(1, exterior.clone())], None)).is_ok());
        let hole_only = tile_bytes(vec![polygon(1, interior)], None);
        assert_eq!(rules(validate(&hole_only)), ["geometry.exterior_ring_missing"]);
        // (0,0) (4,0) (8,0): a flat ring.
        let flat = tile_bytes(vec![polygon(1, vec![9, 0, 0, 18, 8, 0, 8, 0, 15])], None);
        assert_eq!(rules(validate(&flat)), ["geometry.zero_area_ring"]);
        // (0,0) (4,0) (4,4) (0,0) then ClosePath: the start repeated.
        let repeated = tile_bytes(vec![polygon(1, vec![9, 0, 0, 26, 8, 0, 0, 8, 7, 7, 15])], None);
        assert_eq!(rules(validate(&repeated)), ["geometry.ring_repeats_start"]);
        // Only two points in the ring.
        let short = tile_bytes(vec![polygon(1, vec![9, 0, 0, 10, 8, 0, 15])], None);
        assert_eq!(rules(validate(&short)), ["geometry.lineto_count"]);
        // Repeated ids are allowed; an extent of 0 is not.
        let twice = vec![polygon(7, exterior.clone()), polygon(7, exterior.clone())];
        assert!(validate(&tile_bytes(twice, None)).is_ok());
        let zero_extent = tile_bytes(vec![polygon(1, exterior)], Some(0));
        assert_eq!(rules(validate(&zero_extent)), ["layer.extent_zero"]);
    }

    #[test]
    fn decode_is_lenient() {
        // Missing type: the feature is left out, the layer is read.
        let layers = decode(&load("003").bytes).unwrap();
        assert_eq!((layers[0].name.as_str(), layers[0].features.len()), ("hello", 0));
        // Broken tag: the geometry is still read.
        let layers = decode(&load("040").bytes).unwrap();
        assert_eq!(layers[0].features[0].geometry, TileGeometry::Points(vec![[25, 17]]));
        assert!(layers[0].features[0].properties.is_empty());
        assert_eq!(decode(&load("008").bytes).unwrap_err().rule, "protobuf.parse");
    }
}
