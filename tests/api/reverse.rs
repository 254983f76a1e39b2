//! Reverse geocoding against an independent oracle: GDAL reads the store's
//! division polygons through its own GeoPackage driver and GEOS decides
//! containment.

use crate::helpers::{app, demo_store};
use gdal::vector::{Geometry, LayerAccess};
use rand::{RngExt, SeedableRng};
use std::collections::HashMap;

struct Polygons {
    items: Vec<(String, i64, Option<String>, Geometry, gdal::vector::Envelope)>,
}

impl Polygons {
    fn load(filter: &str) -> Polygons {
        let ds = gdal::Dataset::open(demo_store()).expect("GDAL opens the store");
        let mut layer = ds.layer_by_name("divisions").expect("divisions layer");
        layer.set_attribute_filter(filter).expect("filter");
        let items = layer
            .features()
            .filter_map(|f| {
                let g = f.geometry()?.clone();
                let env = g.envelope();
                let code = f.field_as_string(f.field_index("code").ok()?).ok()??;
                let level = f.field_as_integer(f.field_index("level").ok()?).ok()?? as i64;
                let parent = f.field_as_string(f.field_index("parent_code").ok()?).ok().flatten();
                Some((code, level, parent, g, env))
            })
            .collect();
        Polygons { items }
    }

    fn containing(&self, x: f64, y: f64) -> Vec<(&str, i64, Option<&str>)> {
        let p = Geometry::from_wkt(&format!("POINT ({x} {y})")).expect("point");
        self.items
            .iter()
            .filter(|(_, _, _, _, e)| e.MinX <= x && x <= e.MaxX && e.MinY <= y && y <= e.MaxY)
            .filter(|(_, _, _, g, _)| g.contains(&p))
            .map(|(c, l, parent, _, _)| (c.as_str(), *l, parent.as_deref()))
            .collect()
    }
}

#[tokio::test]
async fn reverse_geocoding_agrees_with_gdal_on_random_points_across_china() {
    let app = app();
    let base = Polygons::load("valid_to IS NULL AND level <= 3");
    let townships = Polygons::load("valid_to IS NULL AND level = 4");
    // Divisions with a child polygon at or above county level are not leaves.
    let parents_with_counties: std::collections::HashSet<String> =
        base.items.iter().filter(|i| i.1 >= 2).filter_map(|i| i.2.clone()).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261122);
    let (mut inside, mut outside, mut checked) = (0, 0, 0);
    while inside < 10_000 {
        let (x, y) = (rng.random_range(73.0..135.5), rng.random_range(3.5..54.0));
        let truth: Vec<(&str, i64, Option<&str>)> = base
            .containing(x, y)
            .into_iter()
            .filter(|(c, _, _)| !parents_with_counties.contains(*c))
            .collect();
        let (status, body) = app.get_json(&format!("/reverse?lon={x}&lat={y}")).await;
        assert_eq!(status, 200);
        let chain: Vec<(String, String)> = body["divisions"]
            .as_array()
            .expect("divisions array")
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap_or_default().to_string(),
                    d["level"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        checked += 1;
        if truth.is_empty() {
            // In no leaf polygon: the service answers with the prefecture,
            // else the province, whose own polygon contains the point.
            let wider: Vec<&str> = base
                .containing(x, y)
                .into_iter()
                .filter(|(c, l, _)| *l <= 2 && parents_with_counties.contains(*c))
                .map(|(c, _, _)| c)
                .collect();
            let deepest = chain.last().map(|(c, _)| c.as_str());
            match deepest {
                None => assert!(wider.is_empty(), "({x}, {y}): GDAL finds {wider:?}, service nothing"),
                Some(d) => assert!(wider.contains(&d), "({x}, {y}): service says {d}, GDAL finds {wider:?}"),
            }
            if wider.is_empty() {
                outside += 1;
            }
            continue;
        }
        inside += 1;
        let base_code = chain
            .iter()
            .rev()
            .find(|(_, l)| matches!(l.as_str(), "county" | "prefecture" | "province"))
            .map(|(c, _)| c.as_str())
            .unwrap_or_default();
        assert!(
            truth.iter().any(|(c, _, _)| *c == base_code),
            "({x}, {y}): GDAL says {truth:?}, service says {chain:?}"
        );
        // The township, where the county is partitioned into townships.
        let towns: Vec<&str> = townships
            .containing(x, y)
            .into_iter()
            .filter(|(_, _, p)| *p == Some(base_code))
            .map(|(c, _, _)| c)
            .collect();
        let town = chain.iter().find(|(_, l)| l == "township").map(|(c, _)| c.as_str());
        match town {
            Some(t) => assert!(towns.contains(&t), "({x}, {y}): township {t} not in GDAL's {towns:?}"),
            None => assert!(towns.is_empty(), "({x}, {y}): GDAL finds townships {towns:?}, service none"),
        }
    }
    assert!(outside > 1000, "the sample also covers points outside China ({outside} of {checked})");
}

#[tokio::test]
async fn the_chain_runs_from_province_to_village_with_plate_and_road_in_ningbo() {
    let app = app();
    // A sample of door plates from the store: reverse at each plate's own
    // point must return that plate (distance 0) and a chain ending in the
    // plate's division.
    let conn = crate::helpers::sqlite();
    let mut stmt = conn
        .prepare("SELECT code, lon, lat, division_code, standard_address FROM addresses WHERE kind = 'road_plate' AND fid % 997 = 0 LIMIT 50")
        .expect("query");
    let rows: Vec<(String, f64, f64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    assert!(rows.len() >= 20);
    for (code, lon, lat, division, standard) in rows {
        let (_, body) = app.get_json(&format!("/reverse?lon={lon}&lat={lat}")).await;
        let levels: Vec<&str> =
            body["divisions"].as_array().expect("array").iter().filter_map(|d| d["level"].as_str()).collect();
        assert_eq!(&levels[..3], ["province", "prefecture", "county"], "{body}");
        assert_eq!(body["divisions"][0]["name"], "浙江省");
        let last = body["divisions"].as_array().and_then(|a| a.last()).expect("chain");
        assert_eq!(last["code"], division.as_str());
        let names: String =
            body["divisions"].as_array().expect("array").iter().filter_map(|d| d["name"].as_str()).collect();
        assert_eq!(body["formatted_address"], names.as_str(), "the chain's names joined");
        assert_eq!(body["door_plate"]["address_code"], code.as_str());
        assert_eq!(body["door_plate"]["standard_address"], standard.as_str());
        assert_eq!(body["door_plate"]["distance_m"], 0.0);
        let road = body["road"]["distance_m"].as_f64().expect("a road nearby");
        assert!(road > 5.0 && road < 20.0, "plates stand 12 m from their road centreline, got {road}");
    }
}

#[tokio::test]
async fn a_renamed_county_answers_with_its_old_name_for_an_old_date() {
    let app = app();
    // 郫县 became 郫都区 (510117) in 2016.
    let (_, now) = app.get_json("/reverse?lon=103.88&lat=30.80").await;
    let (_, then) = app.get_json("/reverse?lon=103.88&lat=30.80&at=2010-06-01").await;
    let county = |b: &serde_json::Value| -> HashMap<String, String> {
        b["divisions"]
            .as_array()
            .expect("array")
            .iter()
            .map(|d| {
                (
                    d["level"].as_str().unwrap_or_default().to_string(),
                    d["name"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(county(&now)["county"], "郫都区");
    assert_eq!(county(&then)["county"], "郫县");
    let formatted = then["formatted_address"].as_str().expect("formatted address");
    assert!(formatted.contains("郫县") && !formatted.contains("郫都区"), "{formatted}");
    assert_eq!(then["at"], "2010-06-01");
}

#[tokio::test]
async fn points_outside_china_get_an_empty_chain_and_bad_points_a_problem() {
    let app = app();
    let (status, body) = app.get_json("/reverse?lon=2.35&lat=48.85").await;
    assert_eq!(status, 200);
    assert_eq!(body["divisions"], serde_json::json!([]));
    for (q, field) in [
        ("lon=abc&lat=30", "lon"),
        ("lon=120&lat=95", "lat"),
        ("lat=30", "lon"),
        ("lon=120&lat=30&at=2020-13-01", "at"),
    ] {
        let r = app.get(&format!("/reverse?{q}")).await;
        assert_eq!(r.status(), 400, "{q}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = r.json().await.expect("json");
        assert_eq!(body["type"], "/problems/invalid-parameter");
        assert_eq!(body["errors"][0]["field"], field, "{q}");
    }
}
