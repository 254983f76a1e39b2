//! GeoJSON (RFC 7946) responses built from index and store records.

use crate::index::{Division, Gazetteer};
use geo::Geometry;
use serde_json::{Value, json};

/// A GeoJSON geometry value, or `null`.
pub fn geometry(g: Option<&Geometry<f64>>) -> Value {
    match g {
        Some(g) => serde_json::to_value(geojson::Geometry::from(g)).unwrap_or(Value::Null),
        None => Value::Null,
    }
}

/// A Feature.
pub fn feature(id: Value, geometry: Value, properties: Value) -> Value {
    json!({"type": "Feature", "id": id, "geometry": geometry, "properties": properties})
}

/// A FeatureCollection.
pub fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

/// `{code, name, level}` of a division.
pub fn division_ref(d: &Division) -> Value {
    json!({"code": d.code, "name": d.name, "level": d.level})
}

/// The chain of a division as `{code, name, level}` objects, province first.
pub fn chain(g: &Gazetteer, i: u32) -> Vec<Value> {
    g.divisions.chain(i).into_iter().map(|c| division_ref(g.divisions.get(c))).collect()
}

/// The properties of a division.
pub fn division_properties(g: &Gazetteer, i: u32) -> Value {
    let d = g.divisions.get(i);
    json!({
        "code": d.code,
        "name": d.name,
        "short_name": d.short_name,
        "level": d.level,
        "pinyin": d.pinyin,
        "parent": d.parent.map(|p| division_ref(g.divisions.get(p))),
        "divisions": chain(g, i),
        "valid_from": d.valid_from,
        "valid_to": d.valid_to,
        "status": if d.valid_to.is_none() { "current" } else { "historical" },
        "seat": d.seat.map(|(x, y)| [x, y]),
        "bbox": d.bbox.map(|b| [b.min().x, b.min().y, b.max().x, b.max().y]),
        "children": g.divisions.children(i).len(),
    })
}
