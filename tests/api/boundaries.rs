//! Boundary lines at province, prefecture and county level derived from
//! the national polygons, their markers numbered by GB/T 17796, their
//! coordinates in the Gauss-Krüger zones (checked against `cs2cs`), and
//! marker changes that one side alone cannot make.

use crate::helpers::{app, sqlite, writable_app};
use crate::review::send;
use fangyu::boundaries::numbering::Walk;
use geo::{Coord, LineString, MultiLineString};
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

fn features(fc: &Value) -> &Vec<Value> {
    fc["features"].as_array().unwrap_or_else(|| panic!("not a FeatureCollection: {fc}"))
}

fn multiline(g: &Value) -> MultiLineString<f64> {
    let parts = g["coordinates"].as_array().expect("parts");
    MultiLineString(
        parts
            .iter()
            .map(|p| {
                LineString(
                    p.as_array()
                        .expect("part")
                        .iter()
                        .map(|c| Coord {
                            x: c[0].as_f64().unwrap_or(f64::NAN),
                            y: c[1].as_f64().unwrap_or(f64::NAN),
                        })
                        .collect(),
                )
            })
            .collect(),
    )
}

/// The number of the live line between two divisions.
pub(crate) fn line_between(left: &str, right: &str) -> String {
    sqlite()
        .query_row(
            "SELECT code FROM boundary_lines WHERE left_code = ?1 AND right_code = ?2 AND retired_on IS NULL",
            [left, right],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("line {left}–{right}: {e}"))
}

#[tokio::test]
async fn lines_are_derived_nationwide_at_three_levels() {
    let conn = sqlite();
    let per_level = |level: i64| -> i64 {
        conn.query_row(
            "SELECT COUNT(*) FROM boundary_lines WHERE level = ?1 AND retired_on IS NULL",
            [level],
            |r| r.get(0),
        )
        .expect("count")
    };
    // 31 provinces on the mainland border one another along some 60–70 lines.
    assert!((55..=80).contains(&per_level(1)), "{}", per_level(1));
    assert!(per_level(2) > 500, "{}", per_level(2));
    assert!(per_level(3) > 3000, "{}", per_level(3));

    let (status, fc) = app().get_json("/boundaries?division=330000&level=province").await;
    assert_eq!(status, 200, "{fc}");
    let names: Vec<&str> = features(&fc).iter().filter_map(|f| f["properties"]["name"].as_str()).collect();
    for expected in ["浙闽线", "浙皖线", "浙赣线", "苏浙线", "沪浙线"] {
        assert!(names.contains(&expected), "{expected} not in {names:?}");
    }
    let zm = features(&fc).iter().find(|f| f["properties"]["name"] == "浙闽线").expect("浙闽线");
    assert_eq!(
        (zm["properties"]["left"]["code"].as_str(), zm["properties"]["right"]["code"].as_str()),
        (Some("330000"), Some("350000"))
    );
    assert_eq!(zm["properties"]["right"]["name"], "福建省");
    let km = zm["properties"]["length_m"].as_f64().unwrap_or(0.0) / 1000.0;
    assert!((250.0..700.0).contains(&km), "浙闽线 {km} km");

    // A county line lies between two counties of one prefecture; a line
    // between counties of two prefectures is the prefectures' line.
    let (_, fc) = app().get_json("/boundaries?division=330200&level=county&limit=100").await;
    assert!(features(&fc).len() >= 10);
    for f in features(&fc) {
        let (l, r) = (
            f["properties"]["left"]["code"].as_str().unwrap_or(""),
            f["properties"]["right"]["code"].as_str().unwrap_or(""),
        );
        assert!(l.starts_with("3302") && r.starts_with("3302") && l < r, "{f}");
    }
    // Paging by number, and a box.
    let (_, page) = app().get_json("/boundaries?level=prefecture&limit=5").await;
    let next = page["next"].as_str().expect("next page");
    let (_, page2) = app().get_json(&format!("/boundaries?level=prefecture&limit=5&after={next}")).await;
    let first2 = features(&page2)[0]["id"].as_str().unwrap_or("");
    assert!(first2 > next, "{first2} after {next}");
    let (_, boxed) = app().get_json("/boundaries?bbox=121.2,29.6,121.6,29.9&level=county").await;
    assert!(features(&boxed).iter().any(|f| f["properties"]["name"] == "鄞奉线"), "{boxed}");
    for (q, field) in [
        ("level=town", "level"),
        ("division=12", "division"),
        ("crs=EPSG:3857", "crs"),
        ("bbox=1,2,3", "bbox"),
    ] {
        let (status, body) = app().get_json(&format!("/boundaries?{q}")).await;
        assert_eq!((status, body["errors"][0]["field"].as_str()), (400, Some(field)), "{q}: {body}");
    }
}

#[tokio::test]
async fn markers_are_numbered_along_the_line_with_a_on_the_smaller_codes_side() {
    let code = line_between("330212", "330213");
    let (status, line) = app().get_json(&format!("/boundaries/{code}")).await;
    assert_eq!(status, 200, "{line}");
    assert_eq!(line["properties"]["name"], "鄞奉线");
    let markers = line["properties"]["markers"].as_array().expect("markers");
    assert!(markers.len() >= 10, "{} markers", markers.len());
    let walk = Walk::new(&multiline(&line["geometry"]));
    let mut last = (0u32, f64::MIN);
    for m in markers {
        let number = m["properties"]["number"].as_str().expect("number");
        let kind = m["properties"]["kind"].as_str().expect("kind");
        assert_eq!(number.len(), code.len() + 4, "{number}: line + sequence (3) + type (1)");
        assert!(number.starts_with(&code) && number.ends_with(kind), "{number}");
        let seq: u32 = number[code.len()..code.len() + 3].parse().expect("sequence");
        let c = &m["geometry"]["coordinates"];
        let at = Coord { x: c[0].as_f64().unwrap_or(0.0), y: c[1].as_f64().unwrap_or(0.0) };
        let here = walk.locate(at);
        assert!(here.off_m < 10.0, "{number} {} m off its line", here.off_m);
        if seq > last.0 {
            assert!(here.along_m > last.1, "{number} comes before marker {:03} along the line", last.0);
            last = (seq, here.along_m);
        }
        // A stands in the division with the smaller code, B in the other.
        if kind == "A" || kind == "B" {
            let (_, r) = app().get_json(&format!("/reverse?lon={}&lat={}", at.x, at.y)).await;
            let county =
                r["divisions"].as_array().and_then(|d| d.iter().find(|x| x["level"] == "county")).cloned();
            let expected = if kind == "A" { "330212" } else { "330213" };
            assert_eq!(
                county.and_then(|c| c["code"].as_str().map(String::from)).as_deref(),
                Some(expected),
                "{number}"
            );
        }
    }
    assert!(markers.iter().any(|m| m["properties"]["kind"] == "A"), "a pair");
}

#[tokio::test]
async fn markers_answer_in_cgcs2000_and_their_gauss_kruger_zone() {
    let code = line_between("330212", "330213");
    let (_, line) = app().get_json(&format!("/boundaries/{code}?crs=EPSG:4529")).await;
    assert_eq!(line["crs"], "EPSG:4529");
    let first = &line["geometry"]["coordinates"][0][0];
    let easting = first[0].as_f64().unwrap_or(0.0);
    // Zone 41 (central meridian 123°E): eastings carry the zone number.
    assert!((41_300_000.0..41_500_000.0).contains(&easting), "{first}");
    // Each marker in the zone its longitude falls in (the line crosses
    // 121.5°E, the edge of zones 40 and 41).
    let mut zones = std::collections::BTreeSet::new();
    for m in line["properties"]["markers"].as_array().expect("markers") {
        let lon = m["properties"]["positions"]["cgcs2000"]["lon"].as_f64().expect("lon");
        let gk = &m["properties"]["positions"]["gauss_kruger"];
        let zone = (lon / 3.0).round() as i64;
        assert_eq!(gk["zone"].as_i64(), Some(zone), "{m}");
        assert_eq!(gk["crs"].as_str().map(String::from), Some(format!("EPSG:{}", 4513 + zone - 25)));
        assert_eq!(gk["central_meridian"].as_i64(), Some(zone * 3));
        zones.insert(zone);
    }
    let m = &line["properties"]["markers"][0];
    let gk = &m["properties"]["positions"]["gauss_kruger"];
    let crs = gk["crs"].as_str().expect("crs");
    let number = m["properties"]["number"].as_str().expect("number");
    let (status, one) = app().get_json(&format!("/markers/{number}?crs={crs}")).await;
    assert_eq!(status, 200, "{one}");
    let c = &one["geometry"]["coordinates"];
    assert!((c[0].as_f64().unwrap_or(0.0) - gk["easting"].as_f64().unwrap_or(1.0)).abs() < 0.002, "{one}");
    assert!((c[1].as_f64().unwrap_or(0.0) - gk["northing"].as_f64().unwrap_or(1.0)).abs() < 0.002, "{one}");
    let (status, _) = app().get_json("/markers/3302999999Q").await;
    assert_eq!(status, 404);
}

#[test]
fn gauss_kruger_coordinates_agree_with_cs2cs_to_a_millimetre() {
    use fangyu::boundaries::crs::{from_store, gauss_kruger_zone};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261207);
    let points: Vec<Coord<f64>> = (0..1000)
        .map(|_| Coord { x: rng.random_range(73.6..134.9), y: rng.random_range(18.0..53.5) })
        .collect();
    let mut by_zone: std::collections::BTreeMap<u32, Vec<Coord<f64>>> = Default::default();
    for p in &points {
        by_zone.entry(gauss_kruger_zone(p.x).expect("a zone").0).or_default().push(*p);
    }
    let mut worst = 0.0f64;
    for (epsg, pts) in &by_zone {
        let ours = from_store(fangyu::boundaries::crs::Crs(*epsg), pts).expect("transform");
        // cs2cs takes and gives coordinates in the systems' axis order:
        // latitude, longitude in; northing, easting out.
        let input: String = pts.iter().map(|p| format!("{:.10} {:.10}\n", p.y, p.x)).collect();
        let mut child = std::process::Command::new("cs2cs")
            .args(["-f", "%.6f", "EPSG:4490", &format!("EPSG:{epsg}")])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("cs2cs (proj-bin)");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), input.as_bytes()).expect("write");
        let out = child.wait_with_output().expect("cs2cs output");
        let text = String::from_utf8(out.stdout).expect("utf-8");
        let theirs: Vec<(f64, f64)> = text
            .lines()
            .map(|l| {
                let v: Vec<f64> = l.split_whitespace().filter_map(|t| t.parse().ok()).collect();
                (v[1], v[0])
            })
            .collect();
        assert_eq!(theirs.len(), pts.len());
        for (a, (e, n)) in ours.iter().zip(&theirs) {
            worst = worst.max((a.x - e).abs()).max((a.y - n).abs());
        }
    }
    assert!(by_zone.len() >= 18, "points in {} zones", by_zone.len());
    assert!(worst <= 0.001, "largest difference {worst} m");
}

/// Creates an account with the boundary role for `divisions` and a token;
/// returns the secret.
pub(crate) async fn officer(w: &crate::helpers::WritableApp, name: &str, divisions: &[&str]) -> String {
    person(w, name, "boundary", divisions).await
}

/// An account with `role` in `divisions` (all for none), made by the
/// admin, and a token for it.
pub(crate) async fn person(
    w: &crate::helpers::WritableApp,
    name: &str,
    role: &str,
    divisions: &[&str],
) -> String {
    let body =
        json!({"name": name, "department": "民政局区划地名科", "roles": [role], "divisions": divisions});
    let (status, a, _) = send(w, "POST", "/accounts", Some(&w.admin), None, Some(body)).await;
    assert_eq!(status, 201, "{a}");
    let body = json!({"account": a["id"], "role": role, "days": 30});
    let (status, t, _) = send(w, "POST", "/tokens", Some(&w.admin), None, Some(body)).await;
    assert_eq!(status, 201, "{t}");
    t["token"].as_str().expect("secret").to_string()
}

fn marker_count(w: &crate::helpers::WritableApp, line: &str) -> i64 {
    rusqlite::Connection::open(&w.store)
        .and_then(|c| {
            c.query_row("SELECT COUNT(*) FROM boundary_markers WHERE line_code = ?1", [line], |r| r.get(0))
        })
        .expect("count")
}

#[tokio::test]
async fn a_marker_is_added_only_when_the_other_side_confirms() {
    let w = writable_app("boundaries-signoff", |_| {});
    let yinzhou = officer(&w, "鄞州界线员", &["330212"]).await;
    let yinzhou2 = officer(&w, "鄞州界线员二", &["330212"]).await;
    let fenghua = officer(&w, "奉化界线员", &["330213"]).await;
    let code = line_between("330212", "330213");
    let (_, line) = w.app.get_json(&format!("/boundaries/{code}")).await;
    let walk = Walk::new(&multiline(&line["geometry"]));
    // Beyond the last marker, in the line's numbering direction.
    let at = walk.point_at(walk.length_m - 200.0).expect("a point on the line");
    let before = marker_count(&w, &code);
    let body = json!({"line": code, "lon": at.x, "lat": at.y, "reason": "道路改建后增设界桩"});
    let (status, change, _) = send(&w, "POST", "/markers", Some(&yinzhou), None, Some(body.clone())).await;
    assert_eq!(status, 202, "{change}");
    assert_eq!(
        (change["state"].as_str(), change["proposed"]["side"].as_str()),
        (Some("pending"), Some("330212"))
    );
    let number = change["number"].as_str().expect("number").to_string();
    assert!(number.starts_with(&code) && number.ends_with('Q'), "{number}");
    let id = change["id"].as_i64().expect("id");
    // Pending: not yet a marker.
    assert_eq!(marker_count(&w, &code), before);
    let (status, _) = w.app.get_json(&format!("/markers/{number}")).await;
    assert_eq!(status, 404);
    // The proposer, and another officer of the same side, cannot confirm.
    for (who, token) in [("proposer", &yinzhou), ("same side", &yinzhou2)] {
        let (status, refused, _) =
            send(&w, "POST", &format!("/marker-changes/{id}/confirm"), Some(token), None, Some(json!({})))
                .await;
        assert_eq!(status, 403, "{who}: {refused}");
    }
    // The admin is not a boundary officer of either side.
    let (status, _, _) =
        send(&w, "POST", &format!("/marker-changes/{id}/confirm"), Some(&w.admin), None, Some(json!({})))
            .await;
    assert_eq!(status, 403);
    assert_eq!(marker_count(&w, &code), before);
    // The other side confirms: the marker exists at once.
    let (status, done, _) = send(
        &w,
        "POST",
        &format!("/marker-changes/{id}/confirm"),
        Some(&fenghua),
        None,
        Some(json!({"note": "现场核实无误"})),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["state"].as_str(), done["decided"]["side"].as_str()),
        (Some("confirmed"), Some("330213"))
    );
    assert_eq!(marker_count(&w, &code), before + 1);
    let (status, m) = w.app.get_json(&format!("/markers/{number}")).await;
    assert_eq!(status, 200, "{m}");
    assert_eq!(m["properties"]["changes"][0]["state"], "confirmed");
    let (_, near) = w.app.get_json(&format!("/markers?near={},{}&limit=1", at.x, at.y)).await;
    assert_eq!(features(&near)[0]["properties"]["number"].as_str(), Some(number.as_str()));
    // Both signatures are in the change log entry the feed shows.
    let (_, feed, _) = send(
        &w,
        "GET",
        "/changes?kind=marker&division=330212&since=0&limit=1000",
        Some(&w.admin),
        None,
        None,
    )
    .await;
    let entry = feed["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|e| e["code"] == number.as_str()))
        .cloned()
        .unwrap_or_else(|| panic!("{number} not in the feed: {feed}"));
    assert_eq!(entry["action"], "create");
    let conn = rusqlite::Connection::open(&w.store).expect("store");
    let detail: String = conn
        .query_row(
            "SELECT detail FROM change_log WHERE entity = 'marker' AND entity_key = ?1",
            [&number],
            |r| r.get(0),
        )
        .expect("log entry");
    let detail: Value = serde_json::from_str(&detail).expect("json");
    assert_eq!(detail["proposed_by"]["side"], "330212");
    assert_eq!(detail["confirmed_by"]["side"], "330213");
    // A decided change cannot be decided again.
    let (status, _, _) = send(
        &w,
        "POST",
        &format!("/marker-changes/{id}/reject"),
        Some(&fenghua),
        None,
        Some(json!({"note": "不同意"})),
    )
    .await;
    assert_eq!(status, 409);
}

#[tokio::test]
async fn markers_that_break_the_rules_are_refused_and_nothing_is_written() {
    let w = writable_app("boundaries-refused", |_| {});
    let yinzhou = officer(&w, "鄞州界线员", &["330212"]).await;
    let outsider = officer(&w, "杭州界线员", &["330100"]).await;
    let code = line_between("330212", "330213");
    let (_, line) = w.app.get_json(&format!("/boundaries/{code}")).await;
    let walk = Walk::new(&multiline(&line["geometry"]));
    let on = walk.point_at(walk.length_m / 2.0).expect("middle");
    let pending = || async {
        let (_, p, _) = send(&w, "GET", "/marker-changes", Some(&w.admin), None, None).await;
        p["changes"].as_array().map_or(0, Vec::len)
    };
    let before = (marker_count(&w, &code), pending().await);
    let cases = [
        // Half a kilometre off the line.
        (json!({"line": code, "lon": on.x + 0.005, "lat": on.y + 0.003, "reason": "测试"}), 400, Some("lon")),
        // A number of another line, one without a type letter, one taken.
        (
            json!({"line": code, "number": "3302999001Q", "lon": on.x, "lat": on.y, "reason": "测试"}),
            400,
            Some("number"),
        ),
        (
            json!({"line": code, "number": format!("{code}001"), "lon": on.x, "lat": on.y, "reason": "测试"}),
            400,
            Some("number"),
        ),
        (
            json!({"line": code, "number": format!("{code}001Q"), "lon": on.x, "lat": on.y, "reason": "测试"}),
            400,
            Some("number"),
        ),
        // A triple marker far from any tri-point.
        (json!({"line": code, "kind": "C", "lon": on.x, "lat": on.y, "reason": "测试"}), 400, Some("lon")),
        (json!({"line": code, "lon": on.x, "lat": on.y, "reason": " "}), 400, Some("reason")),
        (json!({"line": "99999999", "lon": on.x, "lat": on.y, "reason": "测试"}), 404, None),
    ];
    for (body, status, field) in cases {
        let (got, problem, _) = send(&w, "POST", "/markers", Some(&yinzhou), None, Some(body.clone())).await;
        assert_eq!(got, status, "{body} → {problem}");
        assert_eq!(problem["errors"][0]["field"].as_str(), field, "{problem}");
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{problem}");
    }
    // An officer of neither side.
    let body = json!({"line": code, "lon": on.x, "lat": on.y, "reason": "测试"});
    let (status, _, _) = send(&w, "POST", "/markers", Some(&outsider), None, Some(body)).await;
    assert_eq!(status, 403);
    assert_eq!((marker_count(&w, &code), pending().await), before);
}
