//! Tile paths as `/tiles/{tileset}/{z}/{x}/{y}` reads them: the tileset id
//! through `Selection::tileset` (`base`, or layer ids joined by commas),
//! the coordinates as the handler reads them (a `.mvt` or `.pbf` suffix
//! on `y`, whole numbers, the zoom in the range served) into `TileId::new`.
//!
//! Checked: a tileset reads back from its own id (the id TileJSON puts in
//! its tile URL) as the same layers, every id named is among them; a tile
//! exists exactly when its column and row are below 2^z, prints as its
//! path, has a parent chain down to 0/0/0, is the only tile covering its
//! own box, sees a point inside it inside its extent, and is addressable
//! in a PMTiles archive.

#![no_main]

use fangyu::tiles::TileId;
use fangyu::tiles::layers::{MAX_ZOOM, Selection};
use fangyu::tiles::tilejson;
use fangyu::tiles::world::{EXTENT, EXTENT_BITS, unit};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else { return };
    let path = path.trim_start_matches('/');
    let path = path.strip_prefix("tiles/").unwrap_or(path);
    let parts: Vec<&str> = path.split('/').collect();
    if let Some(id) = parts.first() {
        check_tileset(id);
    }
    if let [_, z, x, y] = parts[..] {
        check_tile(z, x, y);
    }
});

fn check_tileset(id: &str) {
    let Some(sel) = Selection::tileset(id) else { return };
    let own = sel.tileset_id();
    assert_eq!(Selection::tileset(&own), Some(sel), "{id:?} reads as {own:?}, which reads otherwise");
    assert!(sel.layers().next().is_some(), "{id:?} chose no layer");
    if id != "base" {
        for named in id.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            assert!(sel.has(named), "{named} named in {id:?} but not chosen");
        }
    }
    let doc = tilejson::document("http://localhost", &sel, 0, MAX_ZOOM);
    let url = doc["tiles"][0].as_str().expect("a tile URL");
    assert_eq!(url, format!("http://localhost/tiles/{own}/{{z}}/{{x}}/{{y}}"));
    assert!(doc["minzoom"].as_u64().is_some_and(|m| m <= u64::from(MAX_ZOOM)), "{doc}");
}

fn check_tile(z: &str, x: &str, y: &str) {
    let y = y.strip_suffix(".mvt").or_else(|| y.strip_suffix(".pbf")).unwrap_or(y);
    let (Ok(z), Ok(x), Ok(y)) = (z.parse::<u32>(), x.parse::<u32>(), y.parse::<u32>()) else { return };
    if z > u32::from(MAX_ZOOM) {
        return;
    }
    let z = z as u8;
    let exists = u64::from(x) < 1u64 << z && u64::from(y) < 1u64 << z;
    let Some(t) = TileId::new(z, x, y) else {
        assert!(!exists, "{z}/{x}/{y} refused");
        return;
    };
    assert!(exists, "{z}/{x}/{y} accepted");
    assert_eq!((t.z, t.x, t.y), (z, x, y));
    assert_eq!(t.to_string(), format!("{z}/{x}/{y}"));

    // Parents lead to the world tile.
    let mut p = t;
    while let Some(up) = p.parent() {
        assert_eq!(up.z + 1, p.z);
        assert!(TileId::new(up.z, up.x, up.y).is_some(), "parent {up} of {p} does not exist");
        p = up;
    }
    assert_eq!((p.z, p.x, p.y), (0, 0, 0));

    // Its box: one tile wide, inside the buffered box, covered by itself alone.
    let b = t.bounds(0);
    let size = unit(z) << EXTENT_BITS;
    assert_eq!((b[2] - b[0], b[3] - b[1]), (size, size), "{t}");
    let wide = t.bounds(fangyu::tiles::layers::BUFFER);
    assert!(wide[0] < b[0] && wide[1] < b[1] && wide[2] > b[2] && wide[3] > b[3], "{t}");
    let cover: Vec<TileId> = TileId::covering(z, [b[0], b[1], b[2] - 1, b[3] - 1]).collect();
    assert_eq!(cover, vec![t], "the box of {t}");
    let mid = [b[0] + size / 2, b[1] + size / 2];
    let [tx, ty] = t.to_tile(mid);
    assert!((0..EXTENT).contains(&tx) && (0..EXTENT).contains(&ty), "{t}: ({tx}, {ty})");
    let [fx, fy] = t.to_tile_f64(b[..2].try_into().expect("two"));
    assert_eq!((fx, fy), (0.0, 0.0), "{t}");

    // An archive addresses it.
    let coord = pmtiles::TileCoord::new(z, x, y).unwrap_or_else(|e| panic!("{t} not addressable: {e}"));
    let _ = pmtiles::TileId::from(coord);
}
