//! Bad input gets a problem document naming the field; the service's own
//! description and housekeeping endpoints answer.

use crate::helpers::app;

#[tokio::test]
async fn malformed_input_is_refused_with_the_offending_field() {
    for (path, status, field) in [
        ("/divisions/33AB12", 400, Some("code")),
        ("/divisions/999999", 404, None),
        ("/divisions?q=", 400, Some("q")),
        ("/divisions?q=宁波&level=city", 400, Some("level")),
        ("/divisions?q=宁波&limit=0", 400, Some("limit")),
        ("/places?class=castle", 400, Some("class")),
        ("/places?bbox=121,29,120,30", 400, Some("bbox")),
        ("/places?near=121", 400, Some("near")),
        ("/places/abc", 400, Some("id")),
        ("/places/999999999", 404, None),
        ("/addresses/123", 400, Some("code")),
        ("/addresses/999999999999999999", 404, None),
        ("/no/such/thing", 404, None),
    ] {
        let r = app().get(path).await;
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{path}");
        let body: serde_json::Value = r.json().await.expect("json");
        assert_eq!(body["status"], status, "{path}");
        assert!(body["type"].as_str().is_some_and(|t| t.starts_with("/problems/")), "{path}");
        if let Some(f) = field {
            assert_eq!(body["errors"][0]["field"], f, "{path}");
        }
    }
}

#[tokio::test]
async fn over_long_queries_are_refused() {
    let q = "路".repeat(500);
    let (status, body) = app().get_json(&format!("/divisions?q={q}")).await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "q");
}

#[tokio::test]
async fn health_openapi_docs_and_metrics_answer() {
    let (status, _) = app().get_json("/health").await;
    assert_eq!(status, 200);
    let (_, ready) = app().get_json("/ready").await;
    assert!(ready["door_plates"].as_u64().is_some_and(|n| n > 100_000));
    // The tiles' start-up work runs on its own thread and ends.
    let mut tiles = ready["tiles"].as_str().map(str::to_string);
    for _ in 0..600 {
        if tiles.as_deref() != Some("preparing") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        tiles = app().get_json("/ready").await.1["tiles"].as_str().map(str::to_string);
    }
    assert_eq!(tiles.as_deref(), Some("ready"));
    let (status, doc) = app().get_json("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")));
    for p in [
        "/reverse",
        "/divisions/{code}",
        "/places",
        "/addresses/{code}",
        "/geocode",
        "/geocode/structured",
        "/geocode/batch",
        "/standardize",
        "/autocomplete",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} documented");
    }
    let docs = app().get("/docs").await;
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.expect("html").contains("openapi.json"));
    let _ = app().get("/health").await;
    let metrics = app().get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    let page = app().get("/problems/invalid-parameter").await;
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn responses_are_compressed_and_cors_enabled_when_asked() {
    let r = app()
        .client()
        .get(format!("{}/divisions/330200/children", app().base))
        .header("accept-encoding", "gzip")
        .header("origin", "https://map.example")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_wrong_method_gets_a_problem_document() {
    let r =
        app().client().post(format!("{}/reverse?lon=121&lat=29", app().base)).send().await.expect("request");
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["type"], "/problems/method-not-allowed");
}

#[tokio::test]
async fn malformed_query_strings_get_a_problem_document() {
    let r = app().get("/divisions?q=a&q=b").await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_body_limit_is_the_configured_one_up_as_well_as_down() {
    let w = crate::helpers::writable_app("body-limit", |s| s.server.body_limit_bytes = 8 << 20);
    let post = |len: usize| {
        let body = format!("{{\"name\":\"{}\",\"role\":\"reviewer\"}}", "名".repeat(len / 3));
        w.app
            .client()
            .post(format!("{}/tokens", w.app.base))
            .bearer_auth(&w.admin)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // 3 MiB is over axum's own default and under the setting: read, and
    // refused for what it says.
    let r = post(3 << 20).await.expect("request");
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.expect("json");
    assert_eq!(v["errors"][0]["field"], "name", "{v}");
    // Over the setting: 413 as a problem document, said before the body
    // is read (a client told so stops sending).
    use std::io::{Read, Write};
    let addr = w.app.base.trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        s,
        "POST /tokens HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        w.admin,
        9 << 20
    )
    .expect("head");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("content-type: application/problem+json"), "{answer}");
}
