//! The sign inventory over HTTP on the demo store: the generated signs are
//! listed by division, road, kind, state and box and counted per year; a
//! sign is put up, found damaged and replaced, and the year's figures move;
//! its QR code (decoded with `zbarimg`) opens its public page, which renders
//! the name at a phone's size in headless Chromium; the public reports a
//! damaged sign without a token, a few times an hour.

use crate::division_changes::staff;
use crate::helpers::{tool_output, writable_app};
use crate::review::send;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

#[tokio::test]
async fn signs_are_listed_counted_kept_and_open_their_public_page() {
    let w = writable_app("signs", |_| {});
    let clerk = staff(&w, "区民政局地名科", "reviewer").await;
    let applicant = staff(&w, "开发商", "applicant").await;

    // The demo's inventory: road-name signs of 海曙区, by state and box.
    let (status, all) = w.app.get_json("/signs?division=330203&kind=road_name&limit=1000").await;
    assert_eq!(status, 200, "{all}");
    let signs = all["signs"].as_array().expect("signs");
    assert!(all["total"].as_i64().expect("total") > 20, "{}", all["total"]);
    assert!(
        signs
            .iter()
            .all(|s| s["kind"] == "road_name" && s["division_code"].as_str().unwrap().starts_with("330203"))
    );
    let road_sign = signs.iter().find(|s| s["content"]["odd"].is_string()).expect("a road sign with numbers");
    assert!(road_sign["content"]["arrows"].as_array().is_some_and(|a| a.len() == 2), "{road_sign}");
    assert!(!road_sign["pinyin"].as_str().unwrap().is_empty());
    let road = road_sign["place_id"].as_i64().expect("road");
    let (_, on_road) = w.app.get_json(&format!("/signs?road={road}")).await;
    assert!(on_road["signs"].as_array().unwrap().iter().all(|s| s["place_id"] == road), "{on_road}");
    assert!(on_road["total"].as_i64().unwrap() >= 2, "both ends of the road: {on_road}");
    let (_, damaged) = w.app.get_json("/signs?state=damaged&limit=50").await;
    assert!(damaged["total"].as_i64().unwrap() > 0);
    assert!(damaged["signs"].as_array().unwrap().iter().all(|s| s["state"] == "damaged"));
    let (lon, lat) = (road_sign["lon"].as_f64().unwrap(), road_sign["lat"].as_f64().unwrap());
    let (_, boxed) = w
        .app
        .get_json(&format!("/signs?bbox={},{},{},{}", lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001))
        .await;
    assert!(boxed["signs"].as_array().unwrap().iter().any(|s| s["id"] == road_sign["id"]), "{boxed}");
    for bad in ["/signs?kind=poster", "/signs?state=new", "/signs?bbox=1,2", "/signs?limit=0"] {
        let (status, p) = w.app.get_json(bad).await;
        assert_eq!(status, 400, "{bad}: {p}");
    }

    // The yearly figures agree with the inventory.
    let (status, y) = w.app.get_json("/signs/summary?year=2024&division=3302").await;
    assert_eq!(status, 200, "{y}");
    let installed_2024: i64 = rusqlite::Connection::open(&w.store)
        .and_then(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM signs WHERE division_code LIKE '3302%' AND installed_on LIKE '2024-%'",
                [],
                |r| r.get(0),
            )
        })
        .expect("count");
    let kinds = y["kinds"].as_array().expect("kinds");
    let sum = |field: &str| kinds.iter().map(|k| k[field].as_i64().unwrap()).sum::<i64>();
    assert_eq!(sum("installed"), installed_2024, "{y}");
    assert!(sum("replaced") > 0 && sum("damaged") > 0, "{y}");

    // A sign put up by staff, found damaged, then replaced.
    let body = json!({"kind": "road_name", "place": road, "lon": lon, "lat": lat, "material": "铝板反光膜"});
    let (status, _, _) = send(&w, "POST", "/signs", Some(&applicant), None, Some(body.clone())).await;
    assert_eq!(status, 403);
    let (status, sign, _) = send(&w, "POST", "/signs", Some(&clerk), None, Some(body)).await;
    assert_eq!(status, 201, "{sign}");
    assert_eq!(
        (sign["name"].clone(), sign["content"].clone()),
        (road_sign["name"].clone(), road_sign["content"].clone())
    );
    let id = sign["id"].as_i64().unwrap();
    let this_year = chrono::Local::now().date_naive().format("%Y").to_string();
    let summary_path = format!("/signs/summary?year={this_year}&division=330203");
    let road_kind = |y: Value| {
        y["kinds"].as_array().unwrap().iter().find(|k| k["kind"] == "road_name").cloned().expect("road_name")
    };
    let before = road_kind(w.app.get_json(&summary_path).await.1);
    let path = format!("/signs/{id}/inspections");
    let (status, r, _) = send(
        &w,
        "POST",
        &path,
        Some(&clerk),
        None,
        Some(json!({"action": "inspect", "state": "damaged", "note": "被车辆刮擦"})),
    )
    .await;
    assert_eq!((status, r["sign"]["state"].as_str()), (200, Some("damaged")), "{r}");
    let (status, r, _) =
        send(&w, "POST", &path, Some(&clerk), None, Some(json!({"action": "replace"}))).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["sign"]["state"], "replaced");
    assert_eq!(r["replacement"]["replaces"], id);
    let after = road_kind(w.app.get_json(&summary_path).await.1);
    for (field, more) in [("damaged", 1), ("replaced", 1), ("installed", 1)] {
        assert_eq!(
            after[field].as_i64().unwrap(),
            before[field].as_i64().unwrap() + more,
            "{field}: {before} → {after}"
        );
    }
    let (status, _, _) = send(&w, "POST", &path, Some(&clerk), None, Some(json!({"action": "repair"}))).await;
    assert_eq!(status, 409, "a replaced sign takes no more records");
    let (_, one) = w.app.get_json(&format!("/signs/{id}")).await;
    let actions: Vec<&str> =
        one["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["install", "inspect", "replace"], "{one}");
    for (body, field) in [
        (json!({"kind": "billboard", "place": road, "lon": lon, "lat": lat, "material": "铝"}), "kind"),
        (
            json!({"kind": "door_plate", "address_code": "1", "lon": lon, "lat": lat, "material": "铝"}),
            "address_code",
        ),
        (json!({"kind": "road_name", "place": road, "lon": lon, "lat": lat, "material": ""}), "material"),
        (json!({"kind": "road_name", "place": road, "lon": 500, "lat": lat, "material": "铝"}), "lon"),
    ] {
        let (status, p, _) = send(&w, "POST", "/signs", Some(&clerk), None, Some(body)).await;
        assert_eq!((status, p["errors"][0]["field"].as_str()), (400, Some(field)), "{p}");
    }

    // The new sign's QR code opens its place's page.
    let new_id = r["replacement"]["id"].as_i64().unwrap();
    let png = reqwest::get(format!("{}/signs/{new_id}/qr.png", w.app.base)).await.expect("qr");
    assert_eq!(png.headers()["content-type"], "image/png");
    let png = png.bytes().await.expect("png");
    let decoded = tool_output(&png, "sign-qr.png", "zbarimg", &["--quiet", "--raw", "{}"]);
    let url = format!("{}/p/place/{road}?sign={new_id}", w.app.base);
    assert_eq!(decoded.trim(), url);
    let svg = reqwest::get(format!("{}/signs/{new_id}/qr.svg", w.app.base))
        .await
        .expect("qr")
        .text()
        .await
        .expect("svg");
    let decoded = tool_output(svg.as_bytes(), "sign-qr.svg", "zbarimg", &["--quiet", "--raw", "{}"]);
    assert_eq!(decoded.trim(), url, "the SVG encodes the same link");

    let page = reqwest::get(&url).await.expect("page").text().await.expect("html");
    let name = road_sign["name"].as_str().unwrap();
    assert!(
        page.contains(name) && page.contains(road_sign["pinyin"].as_str().unwrap()) && page.contains("<svg")
    );

    // At a phone's size in headless Chromium: the name is the heading, no
    // page error, something drawn.
    let shot = std::env::temp_dir().join(format!("fangyu-{}-sign-page.png", std::process::id()));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/map-screenshot.js");
    let wait = format!(
        "document.querySelector('h1') && document.querySelector('h1').textContent === {}",
        json!(name)
    );
    let (u, s) = (url.clone(), shot.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(script)
            .args([
                u.as_str(),
                s.to_str().unwrap(),
                "--size",
                "390x844",
                "--wait",
                wait.as_str(),
                "--timeout",
                "60000",
            ])
            .args(["--min-colors", "20"])
            .output()
            .expect("node runs")
    })
    .await
    .expect("screenshot");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').find(|l| l.starts_with(b"{")).unwrap())
            .expect("json");
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0), "{report}");
    assert_eq!(
        (report["png"]["width"].as_u64(), report["png"]["height"].as_u64()),
        (Some(390), Some(844)),
        "{report}"
    );

    // A damaged sign reported from the page: no token, a few an hour.
    let report_to = format!("{}/p/place/{road}/reports", w.app.base);
    let client = reqwest::Client::new();
    let post = |body: Value| client.post(&report_to).json(&body).send();
    let bad = post(json!({"kind": "broken", "message": "x"})).await.expect("post");
    assert_eq!(bad.status(), 400);
    // Every attempt counts, the refused one too: four more, then 429.
    for i in 0..4 {
        let r = post(json!({"kind": "damaged", "message": format!("路名牌被撞弯 {i}"), "sign": new_id}))
            .await
            .expect("post");
        assert_eq!(r.status(), 201, "report {i}");
    }
    let r = post(json!({"kind": "damaged", "message": "再报一次"})).await.expect("post");
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let reports: i64 = rusqlite::Connection::open(&w.store)
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM public_reports", [], |r| r.get(0)))
        .expect("count");
    assert_eq!(reports, 4);
    let (status, _) = w.app.get_json("/p/place/999999999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_door_plate_and_a_village_sign_open_their_pages_and_take_reports() {
    let w = writable_app("signs-pages", |s| s.access.public_reports_per_hour = 100);
    let clerk = staff(&w, "区民政局地名科", "reviewer").await;
    let (code, text, lon, lat): (String, String, f64, f64) = rusqlite::Connection::open(&w.store)
        .and_then(|c| {
            c.query_row(
                "SELECT code, standard_address, lon, lat FROM addresses WHERE kind = 'road_plate' \
                 AND status = 'current' AND division_code LIKE '330203%' ORDER BY code LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
        })
        .expect("a plate");
    let body =
        json!({"kind": "door_plate", "address_code": code, "lon": lon, "lat": lat, "material": "搪瓷"});
    let (status, sign, _) = send(&w, "POST", "/signs", Some(&clerk), None, Some(body)).await;
    assert_eq!(status, 201, "{sign}");
    assert_eq!(sign["content"]["address"], text.as_str(), "{sign}");
    let id = sign["id"].as_i64().unwrap();
    let png = reqwest::get(format!("{}/signs/{id}/qr.png", w.app.base))
        .await
        .expect("qr")
        .bytes()
        .await
        .expect("png");
    let url = tool_output(&png, "plate-qr.png", "zbarimg", &["--quiet", "--raw", "{}"]).trim().to_string();
    assert_eq!(url, format!("{}/p/{code}", w.app.base));
    let page = reqwest::get(&url).await.expect("page").text().await.expect("html");
    assert!(page.contains(&text) && page.contains(&code) && page.contains("现行"), "{page}");
    let r = reqwest::Client::new()
        .post(format!("{url}/reports"))
        .json(&json!({"kind": "missing", "message": "门牌被拆走", "sign": id}))
        .send()
        .await
        .expect("report");
    assert_eq!(r.status(), 201);
    let (status, _) = w.app.get_json("/p/000000000000000000").await;
    assert_eq!(status, 404);

    // A village's place-name sign opens the village's page.
    let (_, villages) = w.app.get_json("/signs?division=330203&kind=place_name&limit=1000").await;
    let village = villages["signs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["place_id"].is_null())
        .expect("a village sign")
        .clone();
    let vid = village["id"].as_i64().unwrap();
    let png = reqwest::get(format!("{}/signs/{vid}/qr.png", w.app.base))
        .await
        .expect("qr")
        .bytes()
        .await
        .expect("png");
    let url = tool_output(&png, "village-qr.png", "zbarimg", &["--quiet", "--raw", "{}"]).trim().to_string();
    let division = village["division_code"].as_str().unwrap();
    assert_eq!(url, format!("{}/p/division/{division}?sign={vid}", w.app.base));
    let page = reqwest::get(&url).await.expect("page").text().await.expect("html");
    assert!(
        page.contains(village["name"].as_str().unwrap())
            && page.contains(village["pinyin"].as_str().unwrap())
    );
    let r = reqwest::Client::new()
        .post(format!("{}/p/division/{division}/reports", w.app.base))
        .json(&json!({"kind": "damaged", "message": "村牌褪色", "sign": vid}))
        .send()
        .await
        .expect("report");
    assert_eq!(r.status(), 201);
    let targets: Vec<String> = rusqlite::Connection::open(&w.store)
        .expect("open")
        .prepare("SELECT target FROM public_reports ORDER BY id")
        .expect("sql")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("targets");
    assert_eq!(targets, [format!("address:{code}"), format!("division:{division}")]);
}
