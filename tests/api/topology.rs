//! The topology check over HTTP and from the command line: an overlap
//! brought in by importing an enlarged county is found between exactly
//! the two counties with the area SpatiaLite (GEOS, on the ellipsoid)
//! measures; a marker placed under a looser tolerance is reported with
//! its distance; lines without markers are the ones the store says have
//! none; the route wants a division.

use crate::boundaries::{line_between, officer};
use crate::helpers::{app, fangyu, serve, settings_for, sqlite, store_copy, writable_app};
use crate::review::send;
use fangyu::boundaries::numbering::Walk;
use fangyu::index::metric::{LocalFrame, M_PER_DEG};
use fangyu::store::{BoundaryLineRow, DivisionRow, Store};
use geo::{BooleanOps, Coord, LineString, MultiPolygon, Polygon};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn problems<'a>(fc: &'a Value, kind: &str) -> Vec<&'a Value> {
    fc["features"]
        .as_array()
        .unwrap_or_else(|| panic!("not a FeatureCollection: {fc}"))
        .iter()
        .filter(|f| f["properties"]["kind"] == kind)
        .collect()
}

fn codes(f: &Value) -> Vec<&str> {
    f["properties"]["codes"]
        .as_array()
        .map(|c| c.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// One number SpatiaLite (through GDAL's SQLite dialect) computes over
/// the store.
fn spatialite(store: &Path, sql: &str) -> f64 {
    let out = Command::new("ogrinfo")
        .args([store.to_str().expect("path"), "-dialect", "SQLite", "-sql", sql])
        .output()
        .expect("ogrinfo runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix("v (Real) = "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{sql}: {text}{}", String::from_utf8_lossy(&out.stderr)))
}

#[tokio::test]
async fn an_enlarged_county_overlaps_exactly_its_neighbour_by_the_area_brought_in() {
    // Before: nothing between the two counties.
    let (status, before) = app().get_json("/checks/topology?division=330213").await;
    assert_eq!(status, 200, "{before}");
    assert!(problems(&before, "overlap").is_empty() && problems(&before, "gap").is_empty(), "{before}");

    // 奉化区 grows by a 600 m square centred on the middle of its line with
    // 鄞州区 (inside 宁波市), imported as a new polygon of 330213.
    let path = store_copy("topology-overlap");
    let store = Store::open(&path).expect("store");
    let line = line_between("330212", "330213");
    let (fenghua, walk) = store
        .read(|c| {
            let fid: i64 = c.query_row(
                "SELECT fid FROM divisions WHERE code = '330213' AND valid_to IS NULL",
                [],
                |r| r.get(0),
            )?;
            let line = BoundaryLineRow::get(c, &line)?.and_then(|l| l.geom).expect("line geometry");
            Ok((DivisionRow::geometry(c, fid)?.expect("polygon"), Walk::new(&line)))
        })
        .expect("read");
    drop(store);
    let middle = walk.point_at(walk.length_m / 2.0).expect("middle of the line");
    let frame = LocalFrame::new(middle);
    let square: Vec<Coord<f64>> =
        [(-300.0, -300.0), (300.0, -300.0), (300.0, 300.0), (-300.0, 300.0), (-300.0, -300.0)]
            .iter()
            .map(|&(x, y)| frame.unproject(x, y))
            .collect();
    let enlarged: MultiPolygon<f64> = fenghua.union(&Polygon::new(LineString(square.clone()), vec![]));
    let source = path.with_extension("fenghua.geojson");
    let doc = json!({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}},
        "features": [{"type": "Feature", "properties": {"code": "330213", "name": "奉化区"},
            "geometry": geojson::Geometry::from(&enlarged)}],
    });
    std::fs::write(&source, doc.to_string()).expect("write source");
    let report = path.with_extension("rejected.csv");
    let store_arg = path.to_str().expect("path");
    let imported: Value = serde_json::from_str(&fangyu(&[
        "import",
        source.to_str().expect("path"),
        "--kind",
        "divisions",
        "--report",
        report.to_str().expect("path"),
        "--store",
        store_arg,
    ]))
    .expect("import report");
    assert_eq!(
        (imported["updated"].as_u64(), imported["rejected"].as_u64()),
        (Some(1), Some(0)),
        "{imported}"
    );

    // The land brought in from 鄞州区, as GEOS measures it on the
    // ellipsoid (the union and the import also leave slivers of a few
    // centimetres along the rest of the line, below any tolerance).
    let wkt: Vec<String> = square.iter().map(|c| format!("{} {}", c.x, c.y)).collect();
    let expected = spatialite(
        &path,
        &format!(
            "SELECT ST_Area(ST_Intersection(geom, GeomFromText('POLYGON(({}))', 4490)), 1) AS v \
             FROM divisions WHERE code = '330212' AND valid_to IS NULL",
            wkt.join(",")
        ),
    );
    assert!((100_000.0..260_000.0).contains(&expected), "about half the 36 ha square: {expected} m²");

    let checked = serve(settings_for(&path));
    let (status, fc) = checked.get_json("/checks/topology?division=330213").await;
    assert_eq!(status, 200, "{fc}");
    let overlaps = problems(&fc, "overlap");
    assert_eq!(overlaps.len(), 1, "{fc}");
    let o = &overlaps[0]["properties"];
    assert_eq!(codes(overlaps[0]), ["330212", "330213"]);
    let area = o["area_m2"].as_f64().expect("area");
    assert!((area - expected).abs() <= expected * 0.002, "overlap {area} m², SpatiaLite {expected} m²");
    let width = o["width_m"].as_f64().expect("width");
    assert!((100.0..=600.0 * 1.5).contains(&width), "width {width} m");
    let said = o["description"].as_str().unwrap_or_default();
    assert!(said.contains("鄞州区（330212）与奉化区（330213）重叠"), "{said}");
    assert_eq!(overlaps[0]["geometry"]["type"], "MultiPolygon");
    // The county's new land is no township's: a gap of the same area
    // inside 330213; nothing reaches outside 宁波市.
    let gaps = problems(&fc, "gap");
    assert!(!gaps.is_empty() && gaps.iter().all(|g| codes(g)[0] == "330213"), "{fc}");
    let gap: f64 = gaps.iter().filter_map(|g| g["properties"]["area_m2"].as_f64()).sum();
    assert!((gap - expected).abs() <= expected * 0.002, "gap {gap} m², SpatiaLite {expected} m²");
    assert!(problems(&fc, "child_outside_parent").is_empty(), "{fc}");
    assert_eq!(fc["summary"]["overlap"], 1);
    assert_eq!(fc["summary"]["gap"], gaps.len());
    // The prefecture's check holds the same overlap; another county's
    // check does not.
    let (_, prefecture) = checked.get_json("/checks/topology?division=330200").await;
    assert_eq!(problems(&prefecture, "overlap").len(), 1, "{prefecture}");
    let (_, other) = checked.get_json("/checks/topology?division=330203").await;
    assert!(problems(&other, "overlap").is_empty(), "{other}");
}

#[tokio::test]
async fn a_marker_placed_under_a_looser_tolerance_is_reported_with_its_distance() {
    // A service that allowed markers 300 m from their line.
    let w = writable_app("topology-marker", |s| s.boundaries.marker_off_line_m = 300.0);
    let yinzhou = officer(&w, "鄞州界线员", &["330212"]).await;
    let fenghua = officer(&w, "奉化界线员", &["330213"]).await;
    let line = line_between("330212", "330213");
    let (_, geometry) = w.app.get_json(&format!("/boundaries/{line}")).await;
    let parts: Vec<LineString<f64>> = geometry["geometry"]["coordinates"]
        .as_array()
        .expect("parts")
        .iter()
        .map(|p| {
            LineString(
                p.as_array()
                    .expect("part")
                    .iter()
                    .map(|c| Coord { x: c[0].as_f64().unwrap_or(0.0), y: c[1].as_f64().unwrap_or(0.0) })
                    .collect(),
            )
        })
        .collect();
    let walk = Walk::new(&geo::MultiLineString(parts));
    // Beyond the last marker, 120 m north of the line.
    let on = walk.point_at(walk.length_m - 200.0).expect("a point on the line");
    let at = Coord { x: on.x, y: on.y + 120.0 / M_PER_DEG };
    let body = json!({"line": line, "lon": at.x, "lat": at.y, "reason": "按原界线协议位置立桩"});
    let (status, change, _) = send(&w, "POST", "/markers", Some(&yinzhou), None, Some(body)).await;
    assert_eq!(status, 202, "{change}");
    let number = change["number"].as_str().expect("number").to_string();
    let path = format!("/marker-changes/{}/confirm", change["id"]);
    let (status, done, _) = send(&w, "POST", &path, Some(&fenghua), None, Some(json!({}))).await;
    assert_eq!(status, 200, "{done}");

    // Under the tolerance in force it is not a problem.
    let (status, loose) = w.app.get_json("/checks/topology?division=330212").await;
    assert_eq!(status, 200, "{loose}");
    assert!(problems(&loose, "marker_off_line").is_empty(), "{loose}");
    assert_eq!(loose["tolerances"]["marker_off_line_m"], 300.0);

    // The command line with the default 50 m reports it, as far from the
    // line as SpatiaLite measures on the ellipsoid.
    let out = w.store.with_extension("topology.geojson");
    let store = w.store.to_str().expect("path");
    let printed = fangyu(&[
        "check",
        "topology",
        "--division",
        "330212",
        "--store",
        store,
        "--out",
        out.to_str().expect("path"),
    ]);
    assert!(printed.is_empty(), "the GeoJSON goes to the file: {printed}");
    let fc: Value = serde_json::from_slice(&std::fs::read(&out).expect("output")).expect("geojson");
    let off = problems(&fc, "marker_off_line");
    assert_eq!(off.len(), 1, "{fc}");
    let p = &off[0]["properties"];
    assert_eq!((p["marker"].as_str(), p["line"].as_str()), (Some(number.as_str()), Some(line.as_str())));
    assert_eq!(codes(off[0]), ["330212", "330213"]);
    let expected = spatialite(
        &w.store,
        &format!(
            "SELECT ST_Distance(geom, MakePoint({}, {}, 4490), 1) AS v FROM boundary_lines WHERE code = '{line}'",
            at.x, at.y
        ),
    );
    let distance = p["distance_m"].as_f64().expect("distance");
    assert!((distance - expected).abs() < 1.0, "{distance} m, SpatiaLite {expected} m");
    assert!(expected > 50.0 && expected <= 120.5, "{expected}");
    assert!(p["description"].as_str().is_some_and(|d| d.contains(&number) && d.contains("超过允许的 50 米")));
    let c = &off[0]["geometry"]["coordinates"];
    assert!(
        (c[0].as_f64().unwrap_or(0.0) - at.x).abs() < 1e-6
            && (c[1].as_f64().unwrap_or(0.0) - at.y).abs() < 1e-6
    );
}

#[tokio::test]
async fn lines_without_markers_are_those_the_store_has_no_marker_on() {
    let conn = sqlite();
    let mut stmt = conn
        .prepare(
            "SELECT code, length_m FROM boundary_lines l WHERE retired_on IS NULL \
             AND (left_code LIKE '3302%' OR right_code LIKE '3302%') AND NOT EXISTS \
             (SELECT 1 FROM boundary_markers m WHERE m.line_code = l.code AND m.retired_on IS NULL)",
        )
        .expect("prepare");
    let bare: Vec<(String, f64)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").map(|r| r.expect("row")).collect();
    assert!(!bare.is_empty());
    let (status, fc) = app().get_json("/checks/topology?division=330200").await;
    assert_eq!(status, 200, "{fc}");
    let reported = problems(&fc, "line_without_markers");
    let lines: BTreeSet<&str> = reported.iter().filter_map(|f| f["properties"]["line"].as_str()).collect();
    assert_eq!(lines, bare.iter().map(|(c, _)| c.as_str()).collect::<BTreeSet<_>>());
    assert_eq!(fc["summary"]["line_without_markers"], bare.len());
    for (code, length) in &bare {
        let f = reported.iter().find(|f| f["properties"]["line"] == code.as_str()).expect("reported");
        assert_eq!(f["geometry"]["type"], "MultiLineString");
        assert!((f["properties"]["length_m"].as_f64().unwrap_or(0.0) - length).abs() < 0.1, "{f}");
        assert!(f["properties"]["description"].as_str().is_some_and(|d| d.contains("没有界桩")), "{f}");
    }
    // 鄞奉线 has its markers.
    assert!(!lines.contains(line_between("330212", "330213").as_str()));
}

#[tokio::test]
async fn the_route_wants_a_known_division() {
    for (query, status, field) in [("", 400, Some("division")), ("?division=12", 400, Some("division"))] {
        let r = app().get(&format!("/checks/topology{query}")).await;
        assert_eq!(r.status().as_u16(), status, "{query}");
        let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert_eq!(ct, "application/problem+json", "{query}");
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_eq!(body["errors"][0]["field"].as_str(), field, "{body}");
    }
    let (status, body) = app().get_json("/checks/topology?division=339999").await;
    assert_eq!(status, 404, "{body}");
}
