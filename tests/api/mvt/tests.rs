//! The rules against the `@mapbox/mvt-fixtures` suite and hand-made tiles.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use geozero::mvt::{Message, Tile, tile};

use super::{DEFAULT_EXTENT, DecodedLayer, PropertyValue, TileGeometry, Violation, decode, validate};

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
        let integers: Vec<u64> = geometry.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
        assert_eq!(integers.len(), 3, "{number}: one pair of parameters");
        assert_eq!(integers[0], 4_294_967_289, "{number}: MoveTo with count 536870911");
        let violations = validate(&load(number).bytes).unwrap_err();
        assert_eq!(violations.iter().map(|v| v.rule).collect::<Vec<_>>(), ["geometry.missing_parameters"]);
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
            let tags: Vec<usize> =
                expected["tags"].as_array().unwrap().iter().map(|t| t.as_u64().unwrap() as usize).collect();
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
    let square = |x0: i32, y0: i32, x1: i32, y1: i32| vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]];
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
    tile::Feature { id: Some(id), tags: vec![0, 0], r#type: Some(tile::GeomType::Polygon as i32), geometry }
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
