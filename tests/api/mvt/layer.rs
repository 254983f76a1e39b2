//! The rules of layers, values, features and tags (4.1, 4.2, 4.4): names,
//! versions and extents, one field per value, a type and one geometry per
//! feature, tags that are pairs of valid indices.

use std::collections::HashSet;

use geozero::mvt::tile;

use super::geometry::{Kind, decode_geometry};
use super::presence::{FeaturePresence, LayerPresence};
use super::{DEFAULT_EXTENT, DecodedFeature, DecodedLayer, KNOWN_VERSIONS, PropertyValue, Violation};

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
pub(super) fn check_layer_names(layers: &[tile::Layer], violations: &mut Vec<Violation>) {
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
pub(super) fn read_layer(
    layer: &tile::Layer,
    wire: Option<&LayerPresence>,
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
    wire: Option<&LayerPresence>,
    violations: &mut Vec<Violation>,
) {
    if wire.is_some_and(|wire| wire.version.is_none()) {
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

/// Checks one feature and decodes it; `None` for features of type UNKNOWN or an unknown type.
fn read_feature(
    scope: Scope<'_>,
    layer: &tile::Layer,
    feature: &tile::Feature,
    wire: Option<&FeaturePresence>,
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
