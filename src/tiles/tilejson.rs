//! TileJSON 3.0 for the tilesets (`base`, or some of its layers), and the
//! same description stored in archives.

use super::layers::Selection;
use serde_json::{Value, json};

/// Bounds of the data: China (west, south, east, north).
pub const BOUNDS: [f64; 4] = [73.0, 3.0, 136.0, 54.0];
/// Where a map opens: Ningbo.
pub const CENTER: [f64; 2] = [121.55, 29.87];
/// The zoom a map opens at.
pub const CENTER_ZOOM: u8 = 9;

/// `vector_layers`: each chosen layer's id, fields, zoom range and
/// description.
pub fn vector_layers(sel: &Selection, max: u8) -> Value {
    sel.layers()
        .filter(|l| sel.minzoom(l) <= max)
        .map(|l| {
            let fields: serde_json::Map<String, Value> =
                l.fields.iter().map(|(k, t)| (k.to_string(), Value::String(t.to_string()))).collect();
            json!({"id": l.id, "fields": fields, "minzoom": sel.minzoom(l), "maxzoom": max, "description": l.description})
        })
        .collect()
}

/// What a tileset holds, in words.
pub fn description(sel: &Selection) -> String {
    if sel.is_all() {
        return "方舆 行政区划、界线界桩、地名、道路与门牌".into();
    }
    sel.layers().map(|l| l.description).collect::<Vec<_>>().join("；")
}

/// The first zoom a tileset holds anything at, within the `min` served.
pub fn first_zoom(sel: &Selection, min: u8) -> u8 {
    sel.layers().map(|l| sel.minzoom(l)).min().unwrap_or(min).max(min)
}

/// The TileJSON document of a tileset; `base` is the public base URL (no
/// trailing slash).
pub fn document(base: &str, sel: &Selection, min: u8, max: u8) -> Value {
    let id = sel.tileset_id();
    json!({
        "tilejson": "3.0.0",
        "name": id,
        "description": description(sel),
        "version": env!("CARGO_PKG_VERSION"),
        "attribution": "方舆 Fangyu",
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{id}/{{z}}/{{x}}/{{y}}")],
        "minzoom": first_zoom(sel, min),
        "maxzoom": max,
        "bounds": BOUNDS,
        "center": [CENTER[0], CENTER[1], CENTER_ZOOM],
        "vector_layers": vector_layers(sel, max),
    })
}

/// The metadata written into archives of the chosen layers.
pub fn archive_metadata(sel: &Selection, min: u8, max: u8) -> Value {
    json!({
        "name": sel.tileset_id(),
        "format": "pbf",
        "minzoom": min,
        "maxzoom": max,
        "vector_layers": vector_layers(sel, max),
    })
}
