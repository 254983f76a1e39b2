//! The change feed: pages with filters, the long poll, the event stream,
//! retention; a published name arriving on the stream and answered at once.

use crate::helpers::writable_app;
use crate::review::{COUNTY, approve_and_publish, create, fresh_name, review, road, to_committee};
use serde_json::{Value, json};
use std::time::Duration;

async fn changes(path: &str) -> (u16, Value) {
    let r = review();
    let resp =
        r.w.app
            .client()
            .get(format!("{}{path}", r.w.app.base))
            .bearer_auth(r.token("subscriber"))
            .send()
            .await
            .expect("GET");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// The feed's head (what `next` says when asked past it).
async fn head() -> i64 {
    let (status, page) = changes(&format!("/changes?since={}", i64::MAX)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["changes"], json!([]), "nothing lies past the head");
    page["next"].as_i64().expect("next")
}

/// Events of an SSE body as (event, id, data).
fn events(text: &str) -> Vec<(String, String, Value)> {
    text.split("\n\n")
        .filter_map(|block| {
            let field = |name: &str| {
                block.lines().find_map(|l| l.strip_prefix(name).map(|v| v.trim_start().to_string()))
            };
            let data = field("data:")?;
            Some((
                field("event:").unwrap_or_default(),
                field("id:").unwrap_or_default(),
                serde_json::from_str(&data).ok()?,
            ))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_name_arrives_on_the_event_stream_and_is_found_at_once() {
    let r = review();
    let from = head().await;
    let mut stream =
        r.w.app
            .client()
            .get(format!("{}/changes/stream?kind=place,proposal", r.w.app.base))
            .header("Last-Event-ID", from.to_string())
            .bearer_auth(r.token("subscriber"))
            .send()
            .await
            .expect("stream");
    assert_eq!(stream.status().as_u16(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap_or("").starts_with("text/event-stream"));

    let name = fresh_name("笃行路");
    let p = create(r, road(&name, 0.011)).await;
    let id = &p["id"];
    to_committee(r, id).await;
    let published = approve_and_publish(r, id).await;
    let place = published["published_place"].as_i64().expect("place");

    // The stream has the proposal's steps and the new place, in order.
    let mut text = String::new();
    let created = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let chunk = stream.chunk().await.expect("chunk").expect("stream open");
            text.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(e) = events(&text).into_iter().find(|(_, _, c)| {
                c["kind"] == "place" && c["id"].as_str() == Some(place.to_string().as_str())
            }) {
                return e;
            }
        }
    })
    .await
    .expect("the new place arrives on the stream");
    let (event, event_id, change) = created;
    assert_eq!(event, "change");
    assert_eq!(event_id, change["seq"].to_string());
    assert_eq!(change["action"], "create");
    assert_eq!(change["division"], COUNTY);
    assert!(change["summary"].as_str().unwrap_or("").contains(&name), "{change}");
    let all = events(&text);
    let seqs: Vec<i64> = all.iter().map(|(_, _, c)| c["seq"].as_i64().expect("seq")).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]) && seqs[0] > from,
        "in order, after Last-Event-ID: {seqs:?}"
    );
    assert!(
        all.iter().all(|(_, _, c)| c["kind"] == "place" || c["kind"] == "proposal"),
        "only the kinds asked for"
    );
    assert!(
        all.iter()
            .any(|(_, _, c)| c["kind"] == "proposal" && c["id"].as_str() == Some(id.to_string().as_str()))
    );

    // Told by the feed, found everywhere without a restart.
    let (_, places) = r.w.app.get_json(&format!("/places?q={name}")).await;
    assert_eq!(places["features"][0]["id"], place, "{places}");
    let (_, geocoded) = r.w.app.get_json(&format!("/geocode?q=宁波市海曙区{name}")).await;
    let best = &geocoded["features"][0]["properties"];
    assert_eq!(best["match_level"], "road", "{geocoded}");
    assert!(best["standard_address"].as_str().unwrap_or("").ends_with(&name), "{geocoded}");

    // The same changes as a page, resumable from any seq.
    let (_, page) = changes(&format!("/changes?since={from}&kind=place")).await;
    let listed: Vec<&Value> = page["changes"].as_array().expect("changes").iter().collect();
    assert!(
        listed
            .iter()
            .any(|c| c["id"].as_str() == Some(place.to_string().as_str()) && c["seq"] == change["seq"]),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_filter_by_kind_and_division_and_say_where_to_read_on() {
    let r = review();
    let from = head().await;
    // Two proposals, so the feed has something of its own to page through.
    for stem in ["明志路", "崇本路"] {
        create(r, road(&fresh_name(stem), 0.02)).await;
    }
    let (status, page) = changes(&format!("/changes?since={from}&limit=1")).await;
    assert_eq!(status, 200);
    let first = &page["changes"][0];
    assert_eq!(page["changes"].as_array().map(Vec::len), Some(1));
    assert!(first["seq"].as_i64() > Some(from));
    assert_eq!(page["next"], first["seq"], "a full page reads on from its last change");
    for field in ["seq", "at", "kind", "action", "id", "division", "summary"] {
        assert!(!first[field].is_null(), "{field} in {first}");
    }
    let (_, rest) = changes(&format!("/changes?since={}&limit=1000", page["next"])).await;
    assert!(rest["changes"][0]["seq"].as_i64() > first["seq"].as_i64(), "no change twice");

    let (_, proposals) = changes(&format!("/changes?since={from}&kind=proposal&division=3302")).await;
    let list = proposals["changes"].as_array().expect("changes");
    assert!(list.len() >= 2, "{proposals}");
    assert!(
        list.iter()
            .all(|c| c["kind"] == "proposal" && c["division"].as_str().unwrap_or("").starts_with("3302"))
    );
    let (_, elsewhere) = changes(&format!("/changes?since={from}&division=11")).await;
    assert_eq!(elsewhere["changes"], json!([]), "nothing changed in Beijing");
    assert!(elsewhere["next"].as_i64() >= list.last().and_then(|c| c["seq"].as_i64()), "{elsewhere}");

    for (query, field) in [
        ("kind=river", "kind"),
        ("limit=1001", "limit"),
        ("limit=0", "limit"),
        ("since=-1", "since"),
        ("wait=31", "wait"),
        ("division=33a", "division"),
    ] {
        let (status, problem) = changes(&format!("/changes?{query}")).await;
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
    }
    let anonymous = r.w.app.get_json("/changes").await;
    assert_eq!(anonymous.0, 401, "the feed needs a token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_answers_as_soon_as_a_change_is_made() {
    let r = review();
    let from = head().await;
    // 江北区: no other test files proposals there.
    let waiting = tokio::spawn(async move {
        changes(&format!("/changes?since={from}&kind=proposal&division=330205&wait=25")).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "nothing new yet: the poll waits");
    let mut body = road(&fresh_name("致远路"), 0.03);
    body["division"] = json!("330205");
    let p = create(r, body).await;
    let (status, page) =
        tokio::time::timeout(Duration::from_secs(20), waiting).await.expect("answered").expect("task");
    assert_eq!(status, 200);
    assert_eq!(page["changes"][0]["id"].as_str(), Some(p["id"].to_string().as_str()), "{page}");
    assert_eq!(page["changes"][0]["action"], "create");
}

#[tokio::test]
async fn a_since_older_than_the_feed_keeps_is_gone() {
    let w = writable_app("feed-retention", |s| s.feed.retain_days = 0);
    let resp = w
        .app
        .client()
        .get(format!("{}/changes?since=0", w.app.base))
        .bearer_auth(&w.admin)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 410);
    assert!(resp.headers()["content-type"].to_str().unwrap_or("").starts_with("application/problem+json"));
    let problem: Value = resp.json().await.expect("json");
    assert_eq!(problem["type"], "/problems/changes-gone");
    // Following from the head is still fine.
    let resp = w
        .app
        .client()
        .get(format!("{}/changes?since={}", w.app.base, i64::MAX))
        .bearer_auth(&w.admin)
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status().as_u16(), 200);
}
