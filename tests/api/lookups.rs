//! Lookups by code, name, class, division, box and proximity.

use crate::helpers::{app, sqlite};
use serde_json::Value;

fn names(fc: &Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_division_by_code_has_its_names_level_parent_and_chain() {
    let (status, f) = app().get_json("/divisions/330212").await;
    assert_eq!(status, 200);
    assert_eq!(f["type"], "Feature");
    let p = &f["properties"];
    assert_eq!(p["name"], "鄞州区");
    assert_eq!(p["short_name"], "鄞州");
    assert_eq!(p["level"], "county");
    assert_eq!(p["pinyin"], "Yinzhou Qu");
    assert_eq!(p["parent"]["name"], "宁波市");
    assert_eq!(p["divisions"].as_array().map(Vec::len), Some(3));
    assert!(f["geometry"].is_null(), "no boundary unless asked");
    let (_, f) = app().get_json("/divisions/330212?geometry=true").await;
    assert_eq!(f["geometry"]["type"], "MultiPolygon");
}

#[tokio::test]
async fn a_retired_code_resolves_with_its_validity_and_successor() {
    let (status, f) = app().get_json("/divisions/510124").await;
    assert_eq!(status, 200);
    assert_eq!(f["properties"]["name"], "郫县");
    assert_eq!(f["properties"]["status"], "historical");
    assert!(f["properties"]["valid_to"].as_str().is_some_and(|d| d.starts_with("2016")));
    let changes = f["properties"]["changes"].as_array().expect("changes");
    assert!(changes.iter().any(|c| c["new_code"] == "510117" && c["new_name"] == "郫都区"), "{changes:?}");
    let (_, then) = app().get_json("/divisions/510117?at=2010-01-01").await;
    assert_eq!(
        then["properties"]["name"], "郫县",
        "asking for today's code on an old date answers its predecessor"
    );
}

#[tokio::test]
async fn children_are_every_current_township_of_the_county() {
    let (status, fc) = app().get_json("/divisions/330212/children").await;
    assert_eq!(status, 200);
    let expected: i64 = sqlite()
        .query_row(
            "SELECT COUNT(*) FROM divisions WHERE parent_code = '330212' AND valid_to IS NULL",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(expected > 10);
    assert_eq!(fc["features"].as_array().map(Vec::len), Some(expected as usize));
    assert!(
        fc["features"].as_array().expect("features").iter().all(|f| f["properties"]["level"] == "township")
    );
}

#[tokio::test]
async fn divisions_are_found_by_name_short_name_pinyin_alias_and_typo() {
    let (_, fc) = app().get_json("/divisions?q=鄞州区").await;
    assert_eq!(fc["features"][0]["properties"]["code"], "330212");
    assert_eq!(fc["features"][0]["properties"]["match"], "exact");
    let (_, fc) = app().get_json("/divisions?q=鄞州&level=county").await;
    assert_eq!(fc["features"][0]["properties"]["code"], "330212");
    let (_, fc) = app().get_json("/divisions?q=yinzhou&level=county").await;
    let codes: Vec<&str> = fc["features"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["properties"]["code"].as_str())
        .collect();
    assert!(codes.contains(&"330212"), "{codes:?}");
    let (_, fc) = app().get_json("/divisions?q=nbs&level=prefecture").await;
    assert_eq!(fc["features"][0]["properties"]["name"], "宁波市");
    // An old name from the alias list resolves to today's division.
    let (_, fc) = app().get_json("/divisions?q=襄樊").await;
    assert!(names(&fc).contains(&"襄阳市".to_string()), "{:?}", names(&fc));
    let (_, fc) = app().get_json("/divisions?q=宁皮市").await;
    assert!(names(&fc).contains(&"宁波市".to_string()), "one-character typo: {:?}", names(&fc));
    // Ambiguous names list every match.
    let (_, fc) = app().get_json("/divisions?q=鼓楼区").await;
    assert!(fc["features"].as_array().map(Vec::len).unwrap_or(0) >= 3);
}

#[tokio::test]
async fn places_are_found_by_name_class_division_box_and_proximity() {
    let conn = sqlite();
    let (fid, name, division): (i64, String, String) = conn
        .query_row(
            "SELECT fid, name, division_code FROM places WHERE class = 'road' ORDER BY fid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a road");
    let (status, fc) = app().get_json(&format!("/places?q={name}")).await;
    assert_eq!(status, 200);
    let first = &fc["features"][0];
    assert_eq!(first["properties"]["name"], name.as_str());
    assert_eq!(first["properties"]["match"], "exact");
    assert_eq!(first["geometry"]["type"], "LineString");
    let (_, fc) = app().get_json(&format!("/places?class=compound&division={}", &division[..6])).await;
    let feats = fc["features"].as_array().expect("features");
    assert!(feats.iter().all(|f| {
        f["properties"]["class"] == "compound"
            && f["properties"]["division_code"].as_str().is_some_and(|d| d.starts_with(&division[..6]))
    }));
    let (_, one) = app().get_json(&format!("/places/{fid}")).await;
    assert_eq!(one["properties"]["name"], name.as_str());
    assert_eq!(one["properties"]["status"], "current");
    assert!(one["properties"]["pinyin"].as_str().is_some_and(|p| p.ends_with(" Lu")
        || p.ends_with(" Jie")
        || p.ends_with(" Dadao")
        || p.ends_with(" Xiang")));
    // near= orders by distance, nearest first.
    let (_, fc) = app().get_json("/places?near=121.55,29.87&limit=10").await;
    let d: Vec<f64> = fc["features"]
        .as_array()
        .expect("f")
        .iter()
        .filter_map(|f| f["properties"]["distance_m"].as_f64())
        .collect();
    assert_eq!(d.len(), 10);
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    // bbox= returns only places meeting the box: each one's own extent
    // overlaps it.
    let (_, fc) = app().get_json("/places?bbox=121.5,29.8,121.6,29.9&limit=100").await;
    let feats = fc["features"].as_array().expect("f");
    assert!(!feats.is_empty());
    for f in feats {
        let mut xy = Vec::new();
        flatten(&f["geometry"]["coordinates"], &mut xy);
        assert!(!xy.is_empty(), "{f}");
        let (x0, x1) = xy.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (y0, y1) = xy.iter().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
        assert!(x1 >= 121.5 && x0 <= 121.6 && y1 >= 29.8 && y0 <= 29.9, "outside the box: {f}");
    }
    // A box far from every place holds none.
    let (_, fc) = app().get_json("/places?bbox=80.0,40.0,80.1,40.1").await;
    assert_eq!(fc["features"], serde_json::json!([]));
}

/// Every position of a GeoJSON coordinates array.
fn flatten(v: &Value, out: &mut Vec<(f64, f64)>) {
    match v.as_array() {
        Some(a) if a.len() >= 2 && a[0].is_number() => {
            out.push((a[0].as_f64().unwrap_or(0.0), a[1].as_f64().unwrap_or(0.0)))
        }
        Some(a) => a.iter().for_each(|x| flatten(x, out)),
        None => {}
    }
}

#[tokio::test]
async fn an_address_by_code_has_its_parts_point_and_chain() {
    let conn = sqlite();
    let (code, standard): (String, String) = conn
        .query_row("SELECT code, standard_address FROM addresses WHERE kind = 'room' LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("a room");
    let (status, f) = app().get_json(&format!("/addresses/{code}")).await;
    assert_eq!(status, 200);
    let p = &f["properties"];
    assert_eq!(p["standard_address"], standard.as_str());
    assert!(p["building"].as_str().is_some_and(|b| b.ends_with('幢')));
    assert!(p["unit"].as_str().is_some_and(|b| b.ends_with("单元")));
    assert!(p["room"].as_str().is_some_and(|b| b.ends_with('室')));
    assert_eq!(f["geometry"]["type"], "Point");
    assert_eq!(p["divisions"][0]["name"], "浙江省");
    // The standard address is the chain's names down to the township (a
    // compound's address does not name its community), the compound, and
    // the building, unit and room the record gives.
    let chain: String = p["divisions"]
        .as_array()
        .expect("chain")
        .iter()
        .filter(|d| d["level"] != "village")
        .filter_map(|d| d["name"].as_str())
        .collect();
    let parts = format!(
        "{}{}{}",
        p["building"].as_str().unwrap_or(""),
        p["unit"].as_str().unwrap_or(""),
        p["room"].as_str().unwrap_or("")
    );
    assert!(standard.starts_with(&chain), "{standard} starts with {chain}");
    assert!(standard.ends_with(&parts), "{standard} ends with {parts}");
    assert!(standard.contains(p["street"].as_str().unwrap_or("?")), "{standard}");
}

#[tokio::test]
async fn single_records_carry_validators_and_answer_304_when_unchanged() {
    let client = app().client();
    for path in
        ["/places/1", "/divisions/330212", "/divisions/330212?geometry=true", "/addresses/330203001001000001"]
    {
        let url = format!("{}{path}", app().base);
        let first = client.get(&url).send().await.expect("GET");
        assert_eq!(first.status().as_u16(), 200, "{path}");
        let etag = first.headers()["etag"].to_str().expect("etag").to_string();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "a strong tag: {etag}");
        let modified = first.headers()["last-modified"].to_str().expect("last-modified").to_string();
        let again = client.get(&url).header("if-none-match", &etag).send().await.expect("GET");
        assert_eq!(again.status().as_u16(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().ok(), Some(etag.as_str()));
        let since = client.get(&url).header("if-modified-since", &modified).send().await.expect("GET");
        assert_eq!(since.status().as_u16(), 304, "{path}: If-Modified-Since");
        let other = client.get(&url).header("if-none-match", "\"something-else\"").send().await.expect("GET");
        assert_eq!(other.status().as_u16(), 200, "{path}: another tag is not this version");
    }
    let plain = client.get(format!("{}/divisions/330212", app().base)).send().await.expect("GET");
    let with_geom =
        client.get(format!("{}/divisions/330212?geometry=true", app().base)).send().await.expect("GET");
    assert_ne!(plain.headers()["etag"], with_geom.headers()["etag"], "two representations, two tags");
}

#[tokio::test]
async fn door_plates_follow_the_numbering_rule() {
    // Beijing-style default: odd numbers on the north side of east–west
    // roads, numbering from the east end.
    let conn = sqlite();
    let mut stmt = conn
        .prepare(
            "SELECT a.place_fid, a.number_main, a.lon, a.lat FROM addresses a \
             WHERE a.kind = 'road_plate' AND a.number_sub IS NULL AND a.number_prefix IS NULL ORDER BY a.place_fid, a.number_main",
        )
        .expect("query");
    let mut by_road: std::collections::BTreeMap<i64, Vec<(i64, f64, f64)>> = Default::default();
    for r in stmt
        .query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, f64>(2)?, r.get::<_, f64>(3)?))
        })
        .expect("rows")
    {
        let (road, n, x, y) = r.expect("row");
        by_road.entry(road).or_default().push((n, x, y));
    }
    let mut checked = 0;
    for plates in by_road.values() {
        let (Some(first), Some(last)) =
            (plates.iter().find(|p| p.0 == 1), plates.iter().rfind(|p| p.0 % 2 == 1))
        else {
            continue;
        };
        let (dx, dy) = ((last.1 - first.1) * 29f64.to_radians().cos(), last.2 - first.2);
        if dx.abs() < 3.0 * dy.abs() || plates.len() < 20 {
            continue; // only clearly east–west roads
        }
        assert!(dx < 0.0, "numbering starts at the east end");
        let two = plates.iter().find(|p| p.0 == 2).expect("plate 2");
        assert!(first.2 > two.2, "1号 is north of 2号");
        checked += 1;
    }
    assert!(checked >= 10, "checked {checked} east–west roads");
}

#[tokio::test]
async fn province_and_prefecture_codes_filter_everything_inside_them() {
    let (_, fc) = app().get_json("/places?class=compound&division=330200&limit=5").await;
    assert_eq!(fc["features"].as_array().map(Vec::len), Some(5), "compounds inside 宁波市");
    let (_, fc) = app().get_json("/places?class=compound&division=330000&limit=5").await;
    assert_eq!(fc["features"].as_array().map(Vec::len), Some(5), "compounds inside 浙江省");
    let (_, fc) = app().get_json("/divisions?q=海曙区&within=330200").await;
    assert_eq!(fc["features"][0]["properties"]["code"], "330203");
    let (_, fc) = app().get_json("/divisions?q=海曙区&within=110000").await;
    assert_eq!(fc["features"].as_array().map(Vec::len), Some(0));
}
