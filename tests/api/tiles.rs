//! Vector tiles: TileJSON, the tile route's HTTP behaviour, tiles checked
//! by the project's validator and by two independent decoders (GDAL's MVT
//! driver, @mapbox/vector-tile under node), shared county borders at z5,
//! z8 and z11, archives read by independent readers, and the map page in
//! headless Chromium.

use crate::helpers::{app, demo_store, fangyu, serve, settings_for, tile_of};
use crate::mvt::{self, DecodedLayer, PropertyValue, TileGeometry};
use gdal::vector::LayerAccess;
use geo::{Area, BooleanOps, Coord, Intersects, LineString, MultiPolygon, Polygon};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// 宁波 city centre.
const NINGBO: (f64, f64) = (121.55, 29.87);

fn tmp(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tiles");
    std::fs::create_dir_all(&dir).expect("tmp dir");
    dir.join(name)
}

/// GETs a tile of the `base` tileset uncompressed: status, body, headers.
async fn get_tile(base: &str, z: u8, x: u32, y: u32, encoding: Option<&str>) -> reqwest::Response {
    get_tile_of(base, "base", (z, x, y), encoding).await
}

/// GETs a tile of a tileset uncompressed.
async fn get_tile_of(base: &str, set: &str, t: (u8, u32, u32), encoding: Option<&str>) -> reqwest::Response {
    let (z, x, y) = t;
    let mut req = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .expect("client")
        .get(format!("{base}/tiles/{set}/{z}/{x}/{y}"));
    if let Some(e) = encoding {
        req = req.header("Accept-Encoding", e);
    }
    req.send().await.expect("GET tile")
}

async fn raw_tile(base: &str, t: (u8, u32, u32)) -> Vec<u8> {
    let r = get_tile(base, t.0, t.1, t.2, None).await;
    assert_eq!(r.status().as_u16(), 200, "tile {t:?}");
    r.bytes().await.expect("body").to_vec()
}

fn node(script: &str, args: &[&str]) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js").join(script);
    let out = Command::new("node").arg(path).args(args).output().expect("node runs");
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("json from node")
}

fn prop<'a>(props: &'a [(String, PropertyValue)], key: &str) -> Option<&'a PropertyValue> {
    props.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn layer<'a>(layers: &'a [DecodedLayer], name: &str) -> Option<&'a DecodedLayer> {
    layers.iter().find(|l| l.name == name)
}

#[tokio::test]
async fn tilejson_describes_the_layers_with_absolute_urls() {
    let a = app();
    let (status, tj) = a.get_json("/tiles/base").await;
    assert_eq!(status, 200);
    assert_eq!(tj["tilejson"], "3.0.0");
    let url = tj["tiles"][0].as_str().expect("tile url");
    assert_eq!(url, format!("{}/tiles/base/{{z}}/{{x}}/{{y}}", a.base));
    assert_eq!(tj["bounds"].as_array().map(Vec::len), Some(4));
    assert_eq!((tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()), (Some(0), Some(16)));
    let layers = tj["vector_layers"].as_array().expect("vector_layers");
    let ids: Vec<&str> = layers.iter().filter_map(|l| l["id"].as_str()).collect();
    for id in [
        "province",
        "prefecture",
        "county",
        "township",
        "village",
        "division_label",
        "boundary",
        "marker",
        "place",
        "road",
        "door_plate",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let county = layers.iter().find(|l| l["id"] == "county").expect("county");
    for f in ["code", "name", "level", "pinyin", "status"] {
        assert!(county["fields"][f].is_string(), "county field {f}: {county}");
    }
    let (status, list) = a.get_json("/tiles").await;
    assert_eq!(status, 200);
    assert_eq!(list["tilesets"][0]["tilejson"], format!("{}/tiles/base", a.base));

    // Behind a proxy the configured public URL is used.
    let mut s = settings_for(&demo_store());
    s.server.public_url = Some("https://map.example.gov.cn/fangyu/".into());
    let proxied = serve(s);
    let (_, tj) = proxied.get_json("/tiles/base").await;
    assert_eq!(tj["tiles"][0], "https://map.example.gov.cn/fangyu/tiles/base/{z}/{x}/{y}");
    let style: Value = proxied.get("/styles/base.json").await.json().await.expect("style");
    assert_eq!(style["sources"]["fangyu"]["url"], "https://map.example.gov.cn/fangyu/tiles/base");
}

#[tokio::test]
async fn each_layer_and_any_set_of_layers_is_a_tileset_of_its_own() {
    let a = app();
    let (status, list) = a.get_json("/tiles").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> =
        list["tilesets"].as_array().expect("tilesets").iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(ids.first(), Some(&"base"));
    assert!(ids.contains(&"county") && ids.contains(&"door_plate"), "{ids:?}");

    // TileJSON of a composed set: its layers only, its own tile URL; the
    // same layers in another order are the same tileset.
    let (status, tj) = a.get_json("/tiles/county,boundary").await;
    assert_eq!(status, 200);
    let layers: Vec<&str> =
        tj["vector_layers"].as_array().expect("layers").iter().filter_map(|l| l["id"].as_str()).collect();
    assert_eq!(layers, ["county", "boundary"]);
    assert_eq!(tj["tiles"][0], format!("{}/tiles/county,boundary/{{z}}/{{x}}/{{y}}", a.base));
    let (_, county) = a.get_json("/tiles/county").await;
    assert_eq!(county["minzoom"], 5, "the county layer starts at z5: {county}");

    for z in [8, 11] {
        let t = tile_of(NINGBO.0, NINGBO.1, z);
        let whole = mvt::decode(&raw_tile(&a.base, t).await).expect("base tile decodes");
        let r = get_tile_of(&a.base, "county", t, None).await;
        assert_eq!(r.status().as_u16(), 200);
        let alone = mvt::decode(&r.bytes().await.expect("body")).expect("county tile decodes");
        assert_eq!(alone.len(), 1, "one layer at z{z}");
        assert_eq!(Some(&alone[0]), layer(&whole, "county"), "the county layer as in base at z{z}");

        let r = get_tile_of(&a.base, "county,boundary", t, None).await;
        let etag = r.headers()["etag"].clone();
        let two = mvt::decode(&r.bytes().await.expect("body")).expect("decodes");
        let names: BTreeSet<&str> = two.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, BTreeSet::from(["boundary", "county"]));
        for l in &two {
            assert_eq!(Some(l), layer(&whole, &l.name), "{} as in base at z{z}", l.name);
        }
        let swapped = get_tile_of(&a.base, "boundary,county", t, None).await;
        assert_eq!(swapped.headers()["x-tile-cache"], "hit", "one cache entry for one set of layers");
        assert_eq!(swapped.headers()["etag"], etag);
    }

    for path in ["/tiles/nope", "/tiles/county,nope/8/213/107", "/tiles/,/8/213/107"] {
        let (status, p) = a.get_json(path).await;
        assert_eq!((status, p["type"].as_str()), (404, Some("/problems/not-found")), "{path}: {p}");
    }
}

#[tokio::test]
async fn tiles_come_compressed_as_asked_with_etags_and_the_right_statuses() {
    let base = &app().base;
    let (z, x, y) = tile_of(NINGBO.0, NINGBO.1, 10);
    let plain = get_tile(base, z, x, y, None).await;
    assert_eq!(plain.status().as_u16(), 200);
    assert_eq!(plain.headers()["content-type"], "application/vnd.mapbox-vector-tile");
    assert!(plain.headers().get("content-encoding").is_none());
    assert!(plain.headers()["cache-control"].to_str().unwrap_or("").contains("max-age"));
    let etag = plain.headers()["etag"].to_str().expect("etag").to_string();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong etag: {etag}");
    let raw = plain.bytes().await.expect("body");

    let gz = get_tile(base, z, x, y, Some("gzip")).await;
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_etag = gz.headers()["etag"].to_str().expect("etag").to_string();
    assert_ne!(gz_etag, etag, "each encoding has its own strong ETag");
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.expect("body")[..])
        .read_to_end(&mut unzipped)
        .expect("gunzip");
    assert_eq!(unzipped, raw);

    let br = get_tile(base, z, x, y, Some("gzip, deflate, br")).await;
    assert_eq!(br.headers()["content-encoding"], "br");
    let mut unbrotli = Vec::new();
    brotli::Decompressor::new(&br.bytes().await.expect("body")[..], 4096)
        .read_to_end(&mut unbrotli)
        .expect("brotli");
    assert_eq!(unbrotli, raw);

    // Revalidation.
    let client = reqwest::Client::builder().no_gzip().build().expect("client");
    let url = format!("{base}/tiles/base/{z}/{x}/{y}");
    let r = client.get(&url).header("If-None-Match", &etag).send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 304);
    assert_eq!(r.headers()["etag"].to_str().ok(), Some(etag.as_str()));
    let r = client.get(&url).header("If-None-Match", "\"something-else\"").send().await.expect("GET");
    assert_eq!(r.status().as_u16(), 200);

    // Nothing there: 204. Out of range or not a number: 400 naming the field.
    let sea = tile_of(-150.0, -40.0, 6);
    assert_eq!(get_tile(base, sea.0, sea.1, sea.2, None).await.status().as_u16(), 204);
    for (path, field) in [("17/0/0", "z"), ("3/8/0", "x"), ("3/0/8", "y"), ("a/0/0", "z"), ("2/1/-1", "y")] {
        let (status, p) = app().get_json(&format!("/tiles/base/{path}")).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(p["type"], "/problems/invalid-parameter", "{path}");
        assert_eq!(p["errors"][0]["field"], field, "{path}: {p}");
    }
}

/// The tiles the decoder checks: one per zoom band, over Ningbo.
fn sample_tiles() -> Vec<(u8, u32, u32)> {
    [0, 3, 5, 8, 11, 13, 14, 16].iter().map(|&z| tile_of(NINGBO.0, NINGBO.1, z)).collect()
}

#[tokio::test]
async fn tiles_pass_the_spec_and_two_independent_decoders() {
    let base = &app().base;
    let mut files = Vec::new();
    for t in sample_tiles() {
        let bytes = raw_tile(base, t).await;
        assert!(bytes.len() < 500 * 1024, "{t:?} is {} bytes", bytes.len());
        let layers = mvt::validate(&bytes).unwrap_or_else(|v| panic!("tile {t:?} breaks the spec: {v:?}"));
        let file = tmp(&format!("{}-{}-{}.mvt", t.0, t.1, t.2));
        std::fs::write(&file, &bytes).expect("write tile");
        files.push((t, file, layers));
    }
    let expected: &[(u8, &[&str])] = &[
        (0, &["province", "boundary"]),
        (5, &["province", "prefecture", "county", "boundary", "division_label"]),
        (8, &["county", "township", "boundary", "division_label"]),
        (11, &["township", "village", "boundary", "marker", "division_label"]),
        (14, &["village", "road", "boundary"]),
        (16, &["village", "door_plate"]),
    ];
    // @mapbox/vector-tile: layers, attributes, and every polygon's first
    // ring wound as the spec says (positive area in tile coordinates).
    let paths: Vec<&str> = files.iter().map(|(_, f, _)| f.to_str().expect("path")).collect();
    let js = node("decode-mvt.mjs", &paths);
    for (t, file, ours) in &files {
        let theirs = &js[file.to_str().expect("path")];
        for (z, names) in expected {
            if *z == t.0 {
                for n in *names {
                    assert!(
                        theirs[n]["features"].as_array().is_some_and(|f| !f.is_empty()),
                        "{t:?} lacks {n}"
                    );
                }
            }
        }
        for l in ours {
            let their = theirs[&l.name]["features"].as_array().expect("same layers");
            assert_eq!(their.len(), l.features.len(), "{t:?} {}", l.name);
            assert_eq!(theirs[&l.name]["extent"], 4096);
            assert_eq!(theirs[&l.name]["version"], 2);
            for f in their {
                if let Some(areas) = f["ring_areas"].as_array() {
                    assert!(
                        areas[0].as_f64().unwrap_or(0.0) > 0.0,
                        "{t:?} {}: exterior wound wrong: {f}",
                        l.name
                    );
                }
            }
            if ["province", "prefecture", "county", "township", "village"].contains(&l.name.as_str()) {
                for f in their {
                    let p = &f["properties"];
                    assert!(p["code"].is_string() && p["name"].is_string() && p["level"].is_number(), "{p}");
                    assert_eq!(p["status"], "current");
                }
            }
        }
    }
    // GDAL's MVT driver: the same layers; every geometry valid (GEOS).
    for (t, file, ours) in &files {
        let ds = gdal::Dataset::open(file).unwrap_or_else(|e| panic!("GDAL opens {t:?}: {e}"));
        let names: BTreeSet<String> = ds.layers().map(|l| l.name()).collect();
        let mine: BTreeSet<String> = ours.iter().map(|l| l.name.clone()).collect();
        assert_eq!(names, mine, "{t:?}");
        for mut l in ds.layers() {
            let name = l.name();
            for f in l.features() {
                let g = f.geometry().expect("geometry");
                assert!(g.is_valid(), "{t:?} {name}: invalid geometry {:?}", g.wkt());
            }
        }
    }
    // A residential compound is labelled at z14 in its tile.
    let (_, found) = app().get_json("/places?class=compound&limit=1").await;
    let compound = &found["features"][0];
    let name = compound["properties"]["name"].as_str().expect("a compound");
    let c = compound["geometry"]["coordinates"].to_string();
    let nums: Vec<f64> = c
        .split(|ch: char| !(ch.is_ascii_digit() || ch == '.' || ch == '-'))
        .filter_map(|n| n.parse().ok())
        .collect();
    let (_, cx, cy) = tile_of(nums[0], nums[1], 14);
    let mut seen = false;
    for dx in [-1i64, 0, 1] {
        for dy in [-1i64, 0, 1] {
            let t = (14, (i64::from(cx) + dx) as u32, (i64::from(cy) + dy) as u32);
            let r = get_tile(base, t.0, t.1, t.2, None).await;
            if r.status().as_u16() != 200 {
                continue;
            }
            let layers = mvt::validate(&r.bytes().await.expect("body")).expect("valid");
            seen |= layer(&layers, "place").is_some_and(|l| {
                l.features.iter().any(
                    |f| matches!(prop(&f.properties, "name"), Some(PropertyValue::String(n)) if n == name),
                )
            });
        }
    }
    assert!(seen, "{name} is not in the place layer around its z14 tile");

    // The county around Ningbo carries its attributes.
    let (_, _, z8) = files.iter().find(|(t, _, _)| t.0 == 8).expect("z8");
    let counties = layer(z8, "county").expect("county layer");
    let haishu = counties
        .features
        .iter()
        .find(|f| matches!(prop(&f.properties, "name"), Some(PropertyValue::String(n)) if n == "海曙区"))
        .expect("海曙区 in the z8 tile");
    assert!(matches!(prop(&haishu.properties, "code"), Some(PropertyValue::String(c)) if c == "330203"));
    assert!(
        matches!(prop(&haishu.properties, "pinyin"), Some(PropertyValue::String(p)) if p.starts_with("Haishu"))
    );
}

/// A tile's county polygons in tile units.
fn counties(bytes: &[u8]) -> Vec<(String, MultiPolygon<f64>)> {
    let layers = mvt::validate(bytes).expect("valid tile");
    let Some(l) = layer(&layers, "county") else { return Vec::new() };
    l.features
        .iter()
        .filter_map(|f| {
            let Some(PropertyValue::String(code)) = prop(&f.properties, "code") else { return None };
            let TileGeometry::Polygons(ps) = &f.geometry else { return None };
            let ring = |r: &Vec<[i32; 2]>| -> LineString<f64> {
                r.iter().map(|p| Coord { x: f64::from(p[0]), y: f64::from(p[1]) }).collect()
            };
            let mp =
                ps.iter().map(|p| Polygon::new(ring(&p[0]), p[1..].iter().map(ring).collect())).collect();
            Some((code.clone(), MultiPolygon(mp)))
        })
        .collect()
}

/// The source county polygons meeting a tile, in its units (unrounded).
fn source_counties(z: u8, x: u32, y: u32) -> Vec<MultiPolygon<f64>> {
    use fangyu::tiles::world::{TileId, to_world};
    static ROWS: std::sync::OnceLock<Vec<MultiPolygon<f64>>> = std::sync::OnceLock::new();
    let rows = ROWS.get_or_init(|| {
        let store = fangyu::store::Store::open(&demo_store()).expect("store");
        let rows = store.read(|c| fangyu::store::DivisionRow::load_all(c, true)).expect("divisions");
        rows.into_iter()
            .filter(|d| d.level == fangyu::model::Level::County && d.valid_to.is_none())
            .filter_map(|d| d.geom)
            .collect()
    });
    let t = TileId::new(z, x, y).expect("tile");
    let b = t.bounds(64);
    rows.iter()
        .filter(|mp| {
            use geo::BoundingRect;
            mp.bounding_rect().is_some_and(|r| {
                let (lo, hi) = (
                    to_world(Coord { x: r.min().x, y: r.max().y }),
                    to_world(Coord { x: r.max().x, y: r.min().y }),
                );
                lo[0] <= b[2] && hi[0] >= b[0] && lo[1] <= b[3] && hi[1] >= b[1]
            })
        })
        .map(|mp| {
            use geo::MapCoords;
            mp.map_coords(|c| {
                let [x, y] = t.to_tile_f64(to_world(c));
                Coord { x, y }
            })
        })
        .collect()
}

/// Undirected segments of a polygon's rings.
fn segments(mp: &MultiPolygon<f64>) -> BTreeSet<[(i64, i64); 2]> {
    let mut out = BTreeSet::new();
    for p in &mp.0 {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            for l in r.lines() {
                let (a, b) = ((l.start.x as i64, l.start.y as i64), (l.end.x as i64, l.end.y as i64));
                out.insert(if a <= b { [a, b] } else { [b, a] });
            }
        }
    }
    out
}

#[tokio::test]
async fn neighbouring_counties_share_their_borders_at_z5_z8_and_z11() {
    let base = &app().base;
    let inner = Polygon::new(
        LineString::from(vec![(0.0, 0.0), (4096.0, 0.0), (4096.0, 4096.0), (0.0, 4096.0)]),
        vec![],
    );
    let mut shared_pairs = 0;
    for z in [5u8, 8, 11] {
        let (_, cx, cy) = tile_of(NINGBO.0, NINGBO.1, z);
        for (x, y) in [(cx, cy), (cx - 1, cy), (cx, cy + 1)] {
            let bytes = raw_tile(base, (z, x, y)).await;
            let cs: Vec<(String, MultiPolygon<f64>)> =
                counties(&bytes).into_iter().map(|(c, mp)| (c, mp.intersection(&inner))).collect();
            if cs.len() < 2 {
                continue;
            }
            // No overlaps: no two counties cover the same ground.
            let mut overlaps = Vec::new();
            for (i, (a, ma)) in cs.iter().enumerate() {
                for (b, mb) in &cs[i + 1..] {
                    // Rounding two close borders to the integer grid can make
                    // them cross by a hair: allowed up to 2 square units
                    // (1/32 of a screen pixel at 512 px a tile).
                    let area = ma.intersection(mb).unsigned_area();
                    if area > 2.0 {
                        overlaps.push(format!("{a}∩{b}: {area:.1}"));
                    }
                }
            }
            assert!(overlaps.is_empty(), "z{z} {x}/{y}: counties overlap: {overlaps:?}");
            // No gaps: the union of the tile's counties leaves no more
            // ground uncovered than the union of the source polygons does
            // (holes under a quarter of a screen pixel, 16 square units,
            // are the union's rounding).
            let holes = |mps: Vec<MultiPolygon<f64>>| -> Vec<Polygon<f64>> {
                let union = mps.iter().fold(MultiPolygon::<f64>(vec![]), |u, mp| u.union(mp));
                union
                    .0
                    .iter()
                    .flat_map(|p| p.interiors())
                    .map(|h| Polygon::new(h.clone(), vec![]))
                    .filter(|h| h.unsigned_area() >= 16.0)
                    .collect()
            };
            let in_source =
                holes(source_counties(z, x, y).into_iter().map(|mp| mp.intersection(&inner)).collect());
            for h in holes(cs.iter().map(|(_, mp)| mp.clone()).collect()) {
                assert!(
                    in_source.iter().any(|s| s.intersects(&h)),
                    "z{z} {x}/{y}: a gap of {} square units between counties at {:?}",
                    h.unsigned_area(),
                    h.exterior().0.first()
                );
            }
            // Neighbours share their border segment for segment.
            for (i, (a, ma)) in cs.iter().enumerate() {
                for (b, mb) in &cs[i + 1..] {
                    let common = segments(ma).intersection(&segments(mb)).count();
                    if common > 0 {
                        shared_pairs += 1;
                    }
                    let _ = (a, b);
                }
            }
        }
    }
    assert!(shared_pairs >= 10, "only {shared_pairs} neighbouring pairs sharing segments");
}

#[tokio::test]
async fn archives_open_in_independent_readers_and_can_be_served() {
    let store = demo_store();
    let pm = tmp("base.pmtiles");
    let mb = tmp("base.mbtiles");
    let _ = (std::fs::remove_file(&pm), std::fs::remove_file(&mb));
    let store_arg = store.to_str().expect("path");
    fangyu(&[
        "tiles",
        "build",
        "--store",
        store_arg,
        "--min-zoom",
        "5",
        "--max-zoom",
        "9",
        "--out",
        pm.to_str().expect("path"),
    ]);
    fangyu(&[
        "tiles",
        "build",
        "--store",
        store_arg,
        "--min-zoom",
        "5",
        "--max-zoom",
        "7",
        "--layers",
        "county",
        "--out",
        mb.to_str().expect("path"),
    ]);

    // The pmtiles reader (JavaScript) reads the header, the metadata and
    // tiles identical to what the server cuts.
    let base = &app().base;
    let sample: Vec<(u8, u32, u32)> = [5, 7, 9].iter().map(|&z| tile_of(NINGBO.0, NINGBO.1, z)).collect();
    let names: Vec<String> = sample.iter().map(|t| format!("{}/{}/{}", t.0, t.1, t.2)).collect();
    let mut args = vec![pm.to_str().expect("path")];
    args.extend(names.iter().map(String::as_str));
    let read = node("read-pmtiles.mjs", &args);
    assert_eq!(read["header"]["specVersion"], 3);
    assert_eq!(read["header"]["tileType"], 1, "MVT");
    assert_eq!(read["header"]["tileCompression"], 2, "gzip");
    assert_eq!((read["header"]["minZoom"].as_u64(), read["header"]["maxZoom"].as_u64()), (Some(5), Some(9)));
    assert!(read["metadata"]["vector_layers"].as_array().is_some_and(|l| l.len() >= 5));
    for (t, name) in sample.iter().zip(&names) {
        let served = fangyu::store::changelog_hex(&Sha256::digest(raw_tile(base, *t).await));
        assert_eq!(read["tiles"][name], served, "tile {name} in the archive differs from the served one");
    }

    // GDAL reads the MBTiles archive: the county layer, valid geometry.
    let ds = gdal::Dataset::open(&mb).expect("GDAL opens the MBTiles");
    let mut county = ds.layer_by_name("county").expect("county layer");
    let mut n = 0;
    for f in county.features() {
        assert!(f.geometry().is_some_and(|g| g.is_valid()));
        n += 1;
    }
    assert!(n > 50, "{n} county features");

    // A server over the archive serves the same bytes.
    let mut s = settings_for(&store);
    s.tiles.archive = Some(pm.clone());
    let from_archive = serve(s);
    // It serves the archive's one tileset, not the store's layers apart.
    let (status, p) = from_archive.get_json("/tiles/county/7/106/53").await;
    assert_eq!((status, p["type"].as_str()), (404, Some("/problems/not-found")), "{p}");
    // Its zoom range is the archive's from the first request on.
    let (status, _) = from_archive.get_json("/tiles/base/12/0/0").await;
    assert_eq!(status, 400, "outside the archive's zooms");
    let (_, tj) = from_archive.get_json("/tiles/base").await;
    assert_eq!((tj["minzoom"].as_u64(), tj["maxzoom"].as_u64()), (Some(5), Some(9)));
    for t in &sample {
        assert_eq!(raw_tile(&from_archive.base, *t).await, raw_tile(base, *t).await);
    }
}

#[tokio::test]
async fn the_map_page_renders_boundaries_in_headless_chromium() {
    let a = app();
    let page = a.get("/map").await;
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("/map/maplibre-gl.js") && !html.contains("https://"), "served locally, no CDN");
    for asset in
        ["/map/maplibre-gl.js", "/map/maplibre-gl.css", "/map/map.js", "/map/map.css", "/styles/base.json"]
    {
        assert_eq!(a.get(asset).await.status().as_u16(), 200, "{asset}");
    }
    // Glyph ranges are not served: MapLibre then draws text with local fonts.
    assert_eq!(a.get("/fonts/Noto%20Sans%20Regular/0-255.pbf").await.status().as_u16(), 404);

    let png = tmp("map.png");
    let _ = std::fs::remove_file(&png);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/map-screenshot.js");
    let url = format!("{}/map#10/29.87/121.55", a.base);
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args([url.as_str(), tmp("map.png").to_str().expect("path")])
            .args(["--fail", "!!window.__mapError", "--timeout", "120000", "--size", "1024x768"])
            .output()
            .expect("node runs")
    })
    .await
    .expect("screenshot");
    assert!(
        out.status.success(),
        "screenshot: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Not blank: many colours, and a good share of pixels differ from the
    // background (#e9edf0).
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).expect("png")));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let bpp = info.line_size / info.width as usize;
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(bpp).collect();
    let colours: BTreeSet<&[u8]> = pixels.iter().map(|p| &p[..3]).collect();
    let background = pixels.iter().filter(|p| p[..3] == [0xe9, 0xed, 0xf0]).count();
    assert!(colours.len() > 300, "only {} colours: a blank map", colours.len());
    assert!(background < pixels.len() * 9 / 10, "{background} of {} pixels are background", pixels.len());
}
