//! TileJSON 3.0 for the `base` tileset, and the same description stored in
//! archives.

use super::layers::LAYERS;
use serde_json::{Value, json};

/// Bounds of the data: China (west, south, east, north).
pub const BOUNDS: [f64; 4] = [73.0, 3.0, 136.0, 54.0];
/// Where a map opens: Ningbo.
pub const CENTER: [f64; 2] = [121.55, 29.87];
/// The zoom a map opens at.
pub const CENTER_ZOOM: u8 = 9;

/// `vector_layers`: each layer's id, fields, zoom range and description.
pub fn vector_layers(max: u8) -> Value {
    LAYERS
        .iter()
        .filter(|l| l.minzoom <= max)
        .map(|l| {
            let fields: serde_json::Map<String, Value> =
                l.fields.iter().map(|(k, t)| (k.to_string(), Value::String(t.to_string()))).collect();
            json!({"id": l.id, "fields": fields, "minzoom": l.minzoom, "maxzoom": max, "description": l.description})
        })
        .collect()
}

/// The TileJSON document; `base` is the public base URL (no trailing slash).
pub fn document(base: &str, min: u8, max: u8) -> Value {
    json!({
        "tilejson": "3.0.0",
        "name": "base",
        "description": "方舆 行政区划、界线界桩、地名、道路与门牌",
        "version": env!("CARGO_PKG_VERSION"),
        "attribution": "方舆 Fangyu",
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/base/{{z}}/{{x}}/{{y}}")],
        "minzoom": min,
        "maxzoom": max,
        "bounds": BOUNDS,
        "center": [CENTER[0], CENTER[1], CENTER_ZOOM],
        "vector_layers": vector_layers(max),
    })
}

/// The metadata written into archives.
pub fn archive_metadata(min: u8, max: u8) -> Value {
    json!({
        "name": "base",
        "format": "pbf",
        "minzoom": min,
        "maxzoom": max,
        "vector_layers": vector_layers(max),
    })
}
