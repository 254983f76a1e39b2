//! The store as a live system of record seen from outside the server: a
//! CLI import into a running server's store, and webhook deliveries that
//! survive the server being killed.

use crate::helpers::{ServerProcess, cli_token, fangyu, store_copy};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A GeoJSON file of `names.len()` new roads in 海曙区, 0.01° apart.
fn roads_source(dir: &Path, names: &[String]) -> std::path::PathBuf {
    let features: Vec<Value> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let x = 121.50 + (i % 50) as f64 * 0.0004;
            let y = 29.86 + (i / 50) as f64 * 0.0004;
            json!({"type": "Feature", "properties": {"name": name, "class": "road", "division": "330203"},
                   "geometry": {"type": "LineString", "coordinates": [[x, y], [x + 0.0003, y + 0.0001]]}})
        })
        .collect();
    let path = dir.join("roads.geojson");
    std::fs::write(&path, json!({"type": "FeatureCollection", "features": features}).to_string())
        .expect("write");
    path
}

fn import(store: &Path, source: &Path) -> Value {
    let out = fangyu(&[
        "import",
        source.to_str().expect("path"),
        "--kind",
        "places",
        "--store",
        store.to_str().expect("path"),
    ]);
    serde_json::from_str(&out).expect("report")
}

/// Imports door plates from a CSV with `X`/`Y` columns into `store` with
/// the CLI; the import report.
fn import_plates(store: &Path, csv: &Path) -> Value {
    let (csv, store) = (csv.to_str().expect("path"), store.to_str().expect("path"));
    let out =
        fangyu(&["import", csv, "--kind", "addresses", "--x-field", "X", "--y-field", "Y", "--store", store]);
    serde_json::from_str(&out).expect("report")
}

/// What the test receiver got: (signature valid, seq header, body).
type Received = Arc<Mutex<Vec<(bool, i64, Value)>>>;

struct Receiver {
    url: String,
    accept: Arc<AtomicBool>,
    got: Received,
    secret: Arc<Mutex<String>>,
}

/// A webhook receiver on port 0 that checks each body's HMAC against the
/// subscription's secret and answers 503 until told to accept.
async fn receiver() -> Receiver {
    let accept = Arc::new(AtomicBool::new(false));
    let got: Received = Arc::default();
    let secret: Arc<Mutex<String>> = Arc::default();
    let state = (accept.clone(), got.clone(), secret.clone());
    async fn hook(
        State((accept, got, secret)): State<(Arc<AtomicBool>, Received, Arc<Mutex<String>>)>,
        headers: HeaderMap,
        body: axum::body::Bytes,
    ) -> StatusCode {
        if !accept.load(Ordering::SeqCst) {
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        let key = secret.lock().expect("lock").clone();
        let want = fangyu::service::webhooks::signature(&key, &body);
        let sig = headers.get("x-fangyu-signature").and_then(|v| v.to_str().ok()).unwrap_or("");
        let seq = headers
            .get("x-fangyu-seq")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        got.lock().expect("lock").push((sig == want, seq, value));
        StatusCode::NO_CONTENT
    }
    let app = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, accept, got, secret }
}

/// GETs `path` with a bearer token; the JSON body.
async fn get_with(app: &crate::helpers::TestApp, path: &str, token: &str) -> Value {
    let resp = app.client().get(format!("{}{path}", app.base)).bearer_auth(token).send().await.expect("GET");
    resp.json().await.expect("json")
}

/// Polls `check` every 20 ms until it holds or `within` passes; returns
/// how long it took.
async fn eventually<F: std::future::Future<Output = bool>>(
    within: Duration,
    mut check: impl FnMut() -> F,
) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if check().await {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_import_is_seen_by_the_running_server_and_its_webhook_survives_a_kill() {
    let store = store_copy("feed-webhook");
    let subscriber = cli_token(&store, "subscriber", "市公安局户籍系统");
    let dir = tempfile::tempdir().expect("tmp");
    let hook = receiver().await;
    let server = ServerProcess::start(&store, &[]);
    let client = server.app.client();
    let base = server.app.base.clone();

    // Only http(s) receivers.
    let refused = client
        .post(format!("{base}/subscriptions"))
        .bearer_auth(&subscriber)
        .json(&json!({"url": "ftp://example.org/x", "kinds": ["place"]}))
        .send()
        .await
        .expect("POST");
    assert_eq!(refused.status().as_u16(), 422);
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(problem["errors"][0]["field"], "url", "{problem}");

    let made = client
        .post(format!("{base}/subscriptions"))
        .bearer_auth(&subscriber)
        .json(&json!({"url": hook.url, "kinds": ["place"], "division": "3302"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(made.status().as_u16(), 201);
    let made: Value = made.json().await.expect("json");
    let id = made["id"].as_i64().expect("id");
    *hook.secret.lock().expect("lock") = made["secret"].as_str().expect("secret shown once").to_string();

    // A CLI import into the running server's store: the server sees it
    // without a restart.
    let name = "望江新路".to_string();
    let report = import(&store, &roads_source(dir.path(), std::slice::from_ref(&name)));
    assert_eq!(report["inserted"], 1, "{report}");
    let app = &server.app;
    let seen = eventually(Duration::from_secs(20), || async {
        let (_, found) = app.get_json(&format!("/places?q={name}")).await;
        found["features"]
            .as_array()
            .is_some_and(|f| f.iter().any(|p| p["properties"]["name"] == name.as_str()))
    })
    .await;
    assert!(seen.is_some(), "the imported road never showed in /places");
    let (_, geocoded) = app.get_json(&format!("/geocode?q=宁波市海曙区{name}")).await;
    let best = &geocoded["features"][0]["properties"];
    assert_eq!(best["match_level"], "road", "{geocoded}");
    assert!(best["standard_address"].as_str().unwrap_or("").ends_with(&name), "{geocoded}");

    // The receiver is down: the delivery fails and stays pending.
    let status_path = format!("/subscriptions/{id}");
    let failed = eventually(Duration::from_secs(20), || async {
        let s = get_with(&server.app, &status_path, &subscriber).await;
        s["last_error"].is_string() && s["pending"] == 1
    })
    .await;
    assert!(failed.is_some(), "the failed delivery was not recorded");
    assert!(hook.got.lock().expect("lock").is_empty());

    // Killed after the commit and before any delivery went through; the
    // receiver comes back; a new server delivers the change once.
    server.kill();
    hook.accept.store(true, Ordering::SeqCst);
    let server = ServerProcess::start(&store, &[]);
    let delivered =
        eventually(Duration::from_secs(30), || async { !hook.got.lock().expect("lock").is_empty() }).await;
    assert!(delivered.is_some(), "the pending change was never delivered after the restart");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = hook.got.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "delivered exactly once: {got:?}");
    let (signed, seq, change) = &got[0];
    assert!(signed, "the X-Fangyu-Signature HMAC matches the body under the secret");
    assert_eq!(change["seq"], *seq, "X-Fangyu-Seq is the change's seq");
    assert_eq!(
        (change["kind"].as_str(), change["action"].as_str()),
        (Some("place"), Some("create")),
        "{change}"
    );
    assert_eq!(change["division"], "330203");
    assert!(change["summary"].as_str().unwrap_or("").contains(&name), "{change}");
    let s = get_with(&server.app, &status_path, &subscriber).await;
    assert_eq!((s["delivered_seq"].as_i64(), s["pending"].as_i64()), (Some(*seq), Some(0)), "{s}");
    assert!(s["last_error"].is_null(), "{s}");
    assert!(s.get("secret").is_none(), "the secret is never shown again");
    // The import, the subscription, the kill and the deliveries left every
    // record as the log says.
    server.kill();
    let audit = fangyu(&["audit", "verify", "--store", store.to_str().expect("path")]);
    assert!(audit.contains("records intact"), "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_door_plate_moved_by_an_import_is_answered_at_its_new_place_everywhere() {
    let w = crate::helpers::writable_app("feed-moved-plate", |_| {});
    let conn = rusqlite::Connection::open(&w.store).expect("open");
    let (code, street, number, standard, lon, lat): (String, String, String, String, f64, f64) = conn
        .query_row(
            "SELECT code, street, number, standard_address, lon, lat FROM addresses \
             WHERE kind = 'road_plate' AND division_code LIKE '330203%' AND number_sub IS NULL ORDER BY fid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
        )
        .expect("a plate");
    drop(conn);
    // The record's version, as a client caches it.
    let path = format!("{}/addresses/{code}", w.app.base);
    let first = w.app.client().get(&path).send().await.expect("GET");
    let etag = first.headers()["etag"].to_str().expect("etag").to_string();
    assert!(first.headers().contains_key("last-modified"));
    let again = w.app.client().get(&path).header("if-none-match", &etag).send().await.expect("GET");
    assert_eq!(again.status().as_u16(), 304, "unchanged: not modified");
    assert!(again.bytes().await.expect("body").is_empty());
    // 300 m east, through the CLI, into the running server's store.
    let (new_lon, new_lat) = (lon + 0.003, lat);
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("moved.csv");
    std::fs::write(&src, format!("code,street,number,X,Y\n{code},{street},{number},{new_lon},{new_lat}\n"))
        .expect("write");
    let report = import_plates(&w.store, &src);
    assert_eq!(report["updated"], 1, "{report}");
    let app = &w.app;
    // The geocoder answers the plate at its new point once the server has
    // applied the import; the record says the same.
    let moved = eventually(Duration::from_secs(20), || async {
        let (_, g) = app.get_json(&format!("/geocode?q={standard}")).await;
        let at = &g["features"][0]["geometry"]["coordinates"];
        g["features"][0]["properties"]["address_code"] == code.as_str()
            && at[0].as_f64().is_some_and(|x| (x - new_lon).abs() < 1e-6)
    })
    .await;
    assert!(moved.is_some(), "the geocoder never answered the new point");
    let changed = app.client().get(&path).header("if-none-match", &etag).send().await.expect("GET");
    assert_eq!(changed.status().as_u16(), 200, "the old version is stale");
    assert_ne!(changed.headers()["etag"].to_str().ok(), Some(etag.as_str()), "a new version");
    let a: Value = changed.json().await.expect("json");
    assert!((a["geometry"]["coordinates"][0].as_f64().unwrap_or(0.0) - new_lon).abs() < 1e-7, "{a}");
    // Reverse geocoding finds it there, and no longer at the old point.
    let (_, r) = app.get_json(&format!("/reverse?lon={new_lon}&lat={new_lat}")).await;
    assert_eq!(r["door_plate"]["address_code"], code.as_str(), "{r}");
    assert!(r["door_plate"]["distance_m"].as_f64().unwrap_or(1e9) < 0.5, "{r}");
    let (_, old) = app.get_json(&format!("/reverse?lon={lon}&lat={lat}")).await;
    assert!(
        old["door_plate"]["distance_m"].as_f64().unwrap_or(1e9) > 0.5
            || old["door_plate"]["address_code"] != code.as_str(),
        "{old}"
    );
    // The change is in the feed once the tiles have it too (the first
    // tile set may still be loading in the background).
    let listed = eventually(Duration::from_secs(30), || async {
        let page = get_with(app, "/changes?kind=address&division=330203", &w.admin).await;
        page["changes"].as_array().and_then(|c| c.last()).is_some_and(|last| {
            last["id"].as_str() == Some(code.as_str())
                && last["action"] == "update"
                && last["kind"] == "address"
        })
    })
    .await;
    assert!(listed.is_some(), "the move never reached the feed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_overlays_are_rebuilt_in_the_background_and_answers_stay_the_same() {
    let w = crate::helpers::writable_app("feed-compaction", |s| s.feed.overlay_limit = 10);
    let conn = rusqlite::Connection::open(&w.store).expect("open");
    let mut stmt = conn
        .prepare(
            "SELECT code, street, number, standard_address, lon, lat FROM addresses \
             WHERE kind = 'road_plate' AND division_code LIKE '330212%' AND number_sub IS NULL ORDER BY fid LIMIT 12",
        )
        .expect("query");
    let plates: Vec<(String, String, String, String, f64, f64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("plates");
    drop(stmt);
    drop(conn);
    // Twelve plates moved 200 m north: 24 overlay entries, over the limit.
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("moved.csv");
    let mut csv = String::from("code,street,number,X,Y\n");
    for (code, street, number, _, lon, lat) in &plates {
        csv.push_str(&format!("{code},{street},{number},{lon},{}\n", lat + 0.0018));
    }
    std::fs::write(&src, csv).expect("write");
    let report = import_plates(&w.store, &src);
    assert_eq!(report["updated"], 12, "{report}");
    let app = &w.app;
    let rebuilt = eventually(Duration::from_secs(60), || async {
        let (_, ready) = app.get_json("/ready").await;
        ready["index_overlay"] == 0 && ready["head"].as_i64() >= Some(14)
    })
    .await;
    assert!(rebuilt.is_some(), "the overlays were never folded into rebuilt indices");
    for (code, _, _, standard, lon, lat) in &plates {
        let (_, g) = app.get_json(&format!("/geocode?q={standard}")).await;
        let at = &g["features"][0]["geometry"]["coordinates"];
        assert_eq!(g["features"][0]["properties"]["address_code"], code.as_str(), "{g}");
        assert!((at[1].as_f64().unwrap_or(0.0) - (lat + 0.0018)).abs() < 1e-6, "{g}");
        let (_, r) = app.get_json(&format!("/reverse?lon={lon}&lat={}", lat + 0.0018)).await;
        assert_eq!(r["door_plate"]["address_code"], code.as_str(), "{r}");
    }
    let audit = fangyu(&["audit", "verify", "--store", w.store.to_str().expect("path")]);
    assert!(audit.contains("records intact"), "an import that updates records keeps them sealed: {audit}");
}
