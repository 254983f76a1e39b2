//! Naming review over HTTP: whole lifecycles on a private copy of the demo
//! store, every refusal the workflow owes, concurrent decisions, and the
//! hash-chained audit log.

use crate::helpers::{WritableApp, fangyu, writable_app};
use fangyu::config::review::{ProtectedName, ReservedName};
use fangyu::service::{Caller, NewAccount};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The county the tests name places in (海曙区) and the protected road.
pub(crate) const COUNTY: &str = "330203";

pub(crate) struct Review {
    pub(crate) w: WritableApp,
    /// role → token (two experts, two committee members, two applicants).
    tokens: HashMap<&'static str, String>,
    /// A road of the county under heritage protection (its name).
    protected: String,
}

pub(crate) fn review() -> &'static Review {
    static R: OnceLock<Review> = OnceLock::new();
    R.get_or_init(|| {
        let conn = crate::helpers::sqlite();
        let protected: String = conn
            .query_row(
                "SELECT name FROM places WHERE class='road' AND division_code LIKE ?1 ORDER BY fid DESC LIMIT 1",
                [format!("{COUNTY}%")],
                |r| r.get(0),
            )
            .expect("a road in the county");
        let p = protected.clone();
        let w = writable_app("review", move |s| {
            s.review.experts_required = 2;
            s.review.committee_quorum = 2;
            s.review.consultation_days = 0;
            s.review.protected = vec![ProtectedName { name: p, division: "3302".into() }];
            s.review.reserved = vec![ReservedName {
                name: "规划一路".into(),
                division: COUNTY.into(),
                plan: "海曙区地名规划".into(),
            }];
        });
        // Tokens through the API, on a runtime of their own (the caller may
        // be inside a test's runtime).
        let (base, admin) = (w.app.base.clone(), w.admin.clone());
        let tokens = std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async {
                let client = reqwest::Client::new();
                let mut t = HashMap::new();
                for (key, role) in [
                    ("applicant", "applicant"),
                    ("applicant2", "applicant"),
                    ("reviewer", "reviewer"),
                    ("expert", "expert"),
                    ("expert2", "expert"),
                    ("committee", "committee"),
                    ("committee2", "committee"),
                    ("approver", "approver"),
                    ("subscriber", "subscriber"),
                ] {
                    let resp = client
                        .post(format!("{base}/tokens"))
                        .bearer_auth(&admin)
                        .json(&json!({"name": format!("测试{key}"), "role": role}))
                        .send()
                        .await
                        .expect("POST /tokens");
                    assert_eq!(resp.status().as_u16(), 201);
                    let body: Value = resp.json().await.expect("json");
                    t.insert(key, body["token"].as_str().expect("token").to_string());
                }
                t
            })
        })
        .join()
        .expect("tokens");
        Review { w, tokens, protected }
    })
}

impl Review {
    pub(crate) fn token(&self, key: &str) -> &str {
        &self.tokens[key]
    }
}

/// Sends a request; returns status, JSON body and ETag.
pub(crate) async fn send(
    w: &WritableApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    if_match: Option<&str>,
    body: Option<Value>,
) -> (u16, Value, Option<String>) {
    let client = w.app.client();
    let url = format!("{}{path}", w.app.base);
    let mut req = match method {
        "POST" => client.post(url),
        "PATCH" => client.patch(url),
        "PUT" => client.put(url),
        "DELETE" => client.delete(url),
        _ => client.get(url),
    };
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(m) = if_match {
        req = req.header("If-Match", m);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
    let status = r.status().as_u16();
    let etag = r.headers().get("etag").and_then(|v| v.to_str().ok()).map(String::from);
    let body = r.json().await.unwrap_or(Value::Null);
    (status, body, etag)
}

/// A short line at a door plate of the county (so it lies inside it).
fn line_in_county(offset: f64) -> Value {
    static AT: OnceLock<(f64, f64)> = OnceLock::new();
    let &(lon, lat) = AT.get_or_init(|| {
        crate::helpers::sqlite()
            .query_row(
                "SELECT lon, lat FROM addresses WHERE division_code LIKE ?1 AND kind='road_plate' ORDER BY fid LIMIT 1",
                [format!("{COUNTY}%")],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("a plate in the county")
    });
    json!({"type": "LineString", "coordinates": [[lon + offset, lat + 0.002], [lon + offset + 0.004, lat + 0.0025]]})
}

/// A proposal to name a road `name` in the county, `offset` degrees east of
/// its first door plate.
pub(crate) fn road(name: &str, offset: f64) -> Value {
    json!({"kind": "name", "class": "road", "name": name, "division": COUNTY, "geometry": line_in_county(offset)})
}

/// The `nth` road of the county (by id).
fn county_road(nth: i64) -> String {
    crate::helpers::sqlite()
        .query_row(
            "SELECT name FROM places WHERE class='road' AND division_code LIKE ?1 ORDER BY fid LIMIT 1 OFFSET ?2",
            rusqlite::params![format!("{COUNTY}%"), nth],
            |x| x.get(0),
        )
        .expect("a road in the county")
}

/// Asserts that each `(action, who)` is refused in the proposal's state.
async fn refused_in_this_state(r: &Review, id: &Value, attempts: &[(&str, &str)]) {
    for (action, who) in attempts {
        let refused = act(r, id, action, who, json!({}), 409).await;
        assert_eq!(refused["type"], "/problems/invalid-transition", "{action}");
    }
}

/// A road name that no place of the store carries yet, with no homophone
/// in the county.
pub(crate) fn fresh_name(stem: &str) -> String {
    let conn = crate::helpers::sqlite();
    let taken: i64 =
        conn.query_row("SELECT count(*) FROM places WHERE name = ?1", [stem], |r| r.get(0)).expect("count");
    assert_eq!(taken, 0, "{stem} already exists in the demo store");
    stem.to_string()
}

fn rule<'a>(p: &'a Value, prefix: &str) -> Vec<&'a Value> {
    p["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["rule"].as_str().unwrap_or("").contains(prefix))
        .collect()
}

fn failed(p: &Value) -> Vec<String> {
    p["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["result"] == "fail")
        .map(|c| format!("{}: {}", c["rule"], c["message"]))
        .collect()
}

pub(crate) async fn create(r: &Review, body: Value) -> Value {
    let (status, p, etag) =
        send(&r.w, "POST", "/proposals", Some(r.token("applicant")), None, Some(body)).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(etag.as_deref(), Some(format!("\"proposal-{}-v1\"", p["id"]).as_str()));
    p
}

/// Takes `action` as `who`; asserts the status; returns the proposal.
pub(crate) async fn act(r: &Review, id: &Value, action: &str, who: &str, body: Value, want: u16) -> Value {
    let path = format!("/proposals/{id}/{action}");
    let (status, p, _) = send(&r.w, "POST", &path, Some(r.token(who)), None, Some(body)).await;
    assert_eq!(status, want, "{action} by {who}: {p}");
    p
}

fn today() -> String {
    fangyu::review::today().to_string()
}

/// From draft to committee review (the checks must pass).
pub(crate) async fn to_committee(r: &Review, id: &Value) {
    assert_eq!(act(r, id, "submit", "applicant", json!({}), 200).await["state"], "submitted");
    let p = act(r, id, "check", "reviewer", json!({}), 200).await;
    assert_eq!(p["state"], "checked");
    assert!(failed(&p).is_empty(), "{:?}", failed(&p));
    act(r, id, "start_expert_review", "reviewer", json!({}), 200).await;
    act(r, id, "opinion", "expert", json!({"position": "support", "text": "名称规范，寓意良好"}), 200).await;
    act(r, id, "opinion", "expert2", json!({"position": "amend", "text": "建议核实拼写"}), 200).await;
    let p = act(r, id, "start_consultation", "reviewer", json!({}), 200).await;
    assert_eq!(p["state"], "consultation");
    let p = act(r, id, "close_consultation", "reviewer", json!({}), 200).await;
    assert_eq!(p["state"], "committee_review");
}

/// Both committee members vote `vote`.
pub(crate) async fn committee_votes(r: &Review, id: &Value, vote: &str) {
    for member in ["committee", "committee2"] {
        act(r, id, "vote", member, json!({"vote": vote}), 200).await;
    }
}

/// From committee review to published.
pub(crate) async fn approve_and_publish(r: &Review, id: &Value) -> Value {
    committee_votes(r, id, "approve").await;
    act(r, id, "approve", "committee", json!({"note": "同意"}), 200).await;
    let p = act(
        r,
        id,
        "record_approval",
        "approver",
        json!({"body": "宁波市人民政府", "document": "甬政地〔2026〕12号", "date": today()}),
        200,
    )
    .await;
    assert_eq!(p["state"], "approved");
    act(r, id, "file", "reviewer", json!({"with": "浙江省民政厅"}), 200).await;
    act(r, id, "announce", "reviewer", json!({}), 200).await;
    let p = act(r, id, "publish", "reviewer", json!({}), 200).await;
    assert_eq!(p["state"], "published");
    p
}

#[tokio::test]
async fn a_new_road_name_goes_from_draft_to_published_and_is_found() {
    let r = review();
    let name = fresh_name("澄怀路");
    let p = create(
        r,
        json!({"kind": "name", "class": "road", "name": name, "division": COUNTY, "geometry": line_in_county(0.0),
               "meaning": "取“澄怀观道”之意", "reason": "新建道路需要命名", "applicant": "海曙区住建局"}),
    )
    .await;
    assert_eq!(p["state"], "draft");
    assert_eq!(p["pinyin"], "Chenghuai Lu");
    assert_eq!((p["specific"].as_str(), p["generic"].as_str()), (Some("澄怀"), Some("路")));
    assert!(failed(&p).is_empty(), "{:?}", failed(&p));
    for c in p["checks"].as_array().expect("checks") {
        assert!(["pass", "warn", "fail"].contains(&c["result"].as_str().unwrap_or("")), "{c}");
        assert!(!c["message"].as_str().unwrap_or("").is_empty(), "{c}");
    }
    let id = &p["id"];
    assert_eq!(act(r, id, "submit", "applicant", json!({}), 200).await["state"], "submitted");
    act(r, id, "check", "reviewer", json!({}), 200).await;
    act(r, id, "start_expert_review", "reviewer", json!({}), 200).await;
    act(r, id, "opinion", "expert", json!({"position": "support", "text": "同意"}), 200).await;
    // One opinion of the two required: consultation cannot open.
    let refused = act(r, id, "start_consultation", "reviewer", json!({}), 409).await;
    assert_eq!(refused["type"], "/problems/workflow-condition");
    act(r, id, "opinion", "expert2", json!({"position": "support", "text": "同意"}), 200).await;
    act(r, id, "start_consultation", "reviewer", json!({}), 200).await;
    let p =
        act(r, id, "comment", "applicant2", json!({"author": "市民王女士", "text": "希望保留老地名"}), 200)
            .await;
    let comment = &p["comments"][0]["id"];
    // A comment without a response keeps consultation open.
    let refused = act(r, id, "close_consultation", "reviewer", json!({}), 409).await;
    assert!(refused["detail"].as_str().unwrap_or("").contains("未答复"), "{refused}");
    act(
        r,
        id,
        "respond",
        "reviewer",
        json!({"comment": comment, "response": "该路为新建道路，无老地名"}),
        200,
    )
    .await;
    act(r, id, "close_consultation", "reviewer", json!({}), 200).await;
    // One vote of the two the quorum needs: no decision yet.
    act(r, id, "vote", "committee", json!({"vote": "approve", "note": "名称规范"}), 200).await;
    let refused = act(r, id, "approve", "committee", json!({}), 409).await;
    assert!(refused["detail"].as_str().unwrap_or("").contains("法定人数"), "{refused}");
    let p = act(r, id, "vote", "committee2", json!({"vote": "approve"}), 200).await;
    assert_eq!(p["votes"].as_array().map(Vec::len), Some(2), "{p}");
    act(r, id, "approve", "committee", json!({}), 200).await;
    act(
        r,
        id,
        "record_approval",
        "approver",
        json!({"body": "宁波市海曙区人民政府", "document": "海政地〔2026〕3号", "date": today()}),
        200,
    )
    .await;
    // Neither filed nor announced: not yet published.
    let refused = act(r, id, "publish", "reviewer", json!({}), 409).await;
    assert!(refused["detail"].as_str().unwrap_or("").contains("备案"), "{refused}");
    act(r, id, "file", "approver", json!({"with": "宁波市民政局"}), 200).await;
    let p = act(r, id, "announce", "reviewer", json!({}), 200).await;
    let text = p["announcement_text"].as_str().expect("announcement");
    for field in
        [name.as_str(), "Chenghuai Lu", "海曙区", "宁波市海曙区人民政府", "海政地〔2026〕3号", "位置描述"]
    {
        assert!(text.contains(field), "announcement lacks {field}: {text}");
    }
    let p = act(r, id, "publish", "reviewer", json!({}), 200).await;
    assert_eq!(p["state"], "published");
    let place = p["published_place"].as_i64().expect("place id");
    assert!(p["next_actions"].as_array().expect("actions").is_empty());

    let (status, found) = r.w.app.get_json(&format!("/places?q={name}&class=road")).await;
    assert_eq!(status, 200);
    let f = &found["features"][0];
    assert_eq!(f["id"], place);
    assert_eq!(f["properties"]["status"], "current");
    assert_eq!(f["properties"]["pinyin"], "Chenghuai Lu");
    assert_eq!(f["properties"]["approval"]["document"], "海政地〔2026〕3号");
    assert!(f["properties"]["divisions"].to_string().contains("海曙区"));
    // Published data is public: no token needed.
    let (status, _) = r.w.app.get_json(&format!("/places/{place}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_duplicate_fails_and_a_homophone_warns() {
    let r = review();
    let conn = crate::helpers::sqlite();
    let existing = county_road(0);
    let p = create(r, road(&existing, 0.01)).await;
    let dup = rule(&p, "duplicate");
    assert!(dup.iter().any(|c| c["result"] == "fail"), "{}", p["checks"]);

    // Same toneless pinyin, other characters: swap one character for a
    // homophone.
    let pairs =
        [('张', '章'), ('中', '钟'), ('东', '冬'), ('新', '心'), ('华', '花'), ('明', '名'), ('金', '今')];
    let roads: Vec<String> = conn
        .prepare("SELECT name FROM places WHERE class='road' AND division_code LIKE ?1")
        .expect("sql")
        .query_map([format!("{COUNTY}%")], |x| x.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("names");
    let syllables = fangyu::model::romanize::syllables;
    let homophone = roads
        .iter()
        .find_map(|n| {
            pairs.iter().find_map(|(a, b)| {
                let (head, _) = fangyu::model::split_generic(n);
                let h = n.replacen(*a, &b.to_string(), 1);
                (head.contains(*a) && !roads.contains(&h) && syllables(&h) == syllables(n)).then_some(h)
            })
        })
        .expect("a county road with a character that has a homophone");
    let p = create(r, road(&homophone, 0.01)).await;
    let h = rule(&p, "homophone");
    assert!(h.iter().any(|c| c["result"] == "warn" || c["result"] == "fail"), "{homophone}: {}", p["checks"]);
    assert!(rule(&p, "duplicate_name").iter().all(|c| c["result"] == "pass"), "{}", p["checks"]);
}

#[tokio::test]
async fn the_regulations_other_checks_explain_themselves() {
    let r = review();
    let make = |name: &str| road(name, 0.02);
    let cases: [(&str, &str, &str); 7] = [
        ("万达路", "forbidden_content:enterprise_name", "fail"),
        ("曼哈顿路", "forbidden_content:foreign_name", "fail"),
        ("犇龘路", "rare_character", "fail"),
        ("中和路街", "structure", "fail"),
        ("和顺", "structure", "fail"),
        ("规划一路", "reserved_name", "fail"),
        ("北仑新路", "contains_name", "fail"),
    ];
    for (name, want_rule, want) in cases {
        let p = create(r, make(name)).await;
        let hits = rule(&p, want_rule);
        assert!(hits.iter().any(|c| c["result"] == want), "{name}: want {want_rule} {want}: {}", p["checks"]);
        let msg =
            hits.iter().find(|c| c["result"] == want).map(|c| c["message"].to_string()).unwrap_or_default();
        assert!(msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "message in Chinese: {msg}");
    }
    // A bridge named after the road it carries lies along it; the road's name
    // is not read as a division's.
    let conn = crate::helpers::sqlite();
    let (carried, lon, lat): (String, f64, f64) = conn
        .query_row(
            "SELECT p.name, a.lon, a.lat FROM places p JOIN addresses a ON a.place_fid = p.fid \
             WHERE p.class='road' AND p.division_code LIKE ?1 AND length(p.name) >= 3 ORDER BY a.fid LIMIT 1",
            [format!("{COUNTY}%")],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
        )
        .expect("a road with a plate");
    let bridge = format!("{carried}桥");
    let p = create(
        r,
        json!({"kind": "name", "class": "bridge", "name": bridge, "division": COUNTY,
               "geometry": {"type": "Point", "coordinates": [lon, lat]}}),
    )
    .await;
    let along = rule(&p, "contains_name");
    assert!(!along.is_empty() && along.iter().all(|c| c["result"] == "pass"), "{bridge}: {}", p["checks"]);
    // The plan's own name passes when the proposal cites the plan.
    let mut body = make("规划一路");
    body["plan"] = json!("海曙区地名规划");
    let p = create(r, body).await;
    assert!(rule(&p, "reserved_name").iter().all(|c| c["result"] == "pass"), "{}", p["checks"]);
    // A location outside the named division fails.
    let mut body = make(&fresh_name("悦澜路"));
    body["division"] = json!("330212");
    let p = create(r, body).await;
    assert!(rule(&p, "location").iter().any(|c| c["result"] == "fail"), "{}", p["checks"]);
    // Bad input is refused with the field named, and nothing is stored.
    for (body, field) in [
        (
            json!({"kind": "name", "class": "spaceship", "name": "甲路", "division": COUNTY, "geometry": line_in_county(0.0)}),
            "class",
        ),
        (
            json!({"kind": "name", "class": "road", "name": "甲路", "division": "99", "geometry": line_in_county(0.0)}),
            "division",
        ),
        (
            json!({"kind": "name", "class": "road", "name": "甲路", "division": COUNTY, "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}),
            "geometry",
        ),
        (road("甲 路", 0.0), "name"),
        (
            json!({"kind": "name", "class": "road", "division": COUNTY, "geometry": line_in_county(0.0)}),
            "name",
        ),
        (json!({"kind": "baptise", "class": "road", "name": "甲路"}), "kind"),
    ] {
        let (status, p, _) =
            send(&r.w, "POST", "/proposals", Some(r.token("applicant")), None, Some(body)).await;
        assert_eq!(status, 400, "{p}");
        assert_eq!(p["type"], "/problems/invalid-parameter");
        assert_eq!(p["errors"][0]["field"], field, "{p}");
    }
}

#[tokio::test]
async fn a_rename_keeps_the_old_name_as_history_and_the_geocoder_still_knows_it() {
    let r = review();
    let conn = crate::helpers::sqlite();
    // The county road with the most door plates (not the protected one).
    let (fid, old, address): (i64, String, String) = conn
        .query_row(
            "SELECT p.fid, p.name, min(a.standard_address) FROM places p JOIN addresses a ON a.place_fid = p.fid \
             WHERE p.class='road' AND p.division_code LIKE ?1 AND a.kind='road_plate' AND p.name <> ?2 \
             GROUP BY p.fid ORDER BY count(*) DESC LIMIT 1",
            rusqlite::params![format!("{COUNTY}%"), r.protected],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
        )
        .expect("a road with plates");
    let new = fresh_name("知新路");
    let p = create(r, json!({"kind": "rename", "place": fid, "name": new, "reason": "名实不符"})).await;
    assert_eq!(p["class"], "road");
    assert_eq!(p["place_name"], old.as_str());
    assert!(rule(&p, "heritage").iter().all(|c| c["result"] == "pass"), "{}", p["checks"]);
    let id = &p["id"];
    to_committee(r, id).await;
    let p = approve_and_publish(r, id).await;
    assert!(p["announcement_text"].as_str().unwrap_or("").contains(&format!("原名称：{old}")));
    let new_fid = p["published_place"].as_i64().expect("new place");

    let (_, hist) = r.w.app.get_json(&format!("/places?q={old}&status=historical")).await;
    let h = hist["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["id"] == fid)
        .expect("old name kept");
    assert_eq!(h["properties"]["status"], "historical");
    assert_eq!(h["properties"]["valid_to"], today().as_str());
    let (_, cur) = r.w.app.get_json(&format!("/places/{new_fid}")).await;
    assert_eq!(cur["properties"]["status"], "current");
    assert_eq!(cur["properties"]["former_names"], json!([old]));
    assert_eq!(cur["properties"]["valid_from"], today().as_str());

    // The old standard address still geocodes, to the plate under its new name.
    let (status, g) = r.w.app.get_json(&format!("/geocode?q={address}")).await;
    assert_eq!(status, 200);
    let top = &g["features"][0]["properties"];
    assert_eq!(top["match_level"], "door_plate", "{g}");
    assert_eq!(top["standard_address"], address.replacen(&old, &new, 1).as_str(), "{g}");
    let corrections = top["corrections"].as_array().expect("corrections");
    assert!(
        corrections
            .iter()
            .any(|c| c["kind"] == "old_name" && c["from"] == old.as_str() && c["to"] == new.as_str()),
        "{g}"
    );
    // And the new name finds it too, without corrections.
    let (_, g) = r.w.app.get_json(&format!("/geocode?q={}", address.replacen(&old, &new, 1))).await;
    assert_eq!(g["features"][0]["properties"]["match_level"], "door_plate", "{g}");
}

#[tokio::test]
async fn renaming_a_protected_name_needs_a_protection_plan() {
    let r = review();
    let conn = crate::helpers::sqlite();
    let fid: i64 = conn
        .query_row("SELECT fid FROM places WHERE name = ?1 AND class='road'", [&r.protected], |x| x.get(0))
        .expect("protected road");
    let p = create(r, json!({"kind": "rename", "place": fid, "name": fresh_name("永澜路")})).await;
    assert!(rule(&p, "heritage").iter().any(|c| c["result"] == "fail"), "{}", p["checks"]);
    let (status, p2, _) = send(
        &r.w,
        "PATCH",
        &format!("/proposals/{}", p["id"]),
        Some(r.token("applicant")),
        Some(&format!("\"proposal-{}-v1\"", p["id"])),
        Some(json!({"protection_plan": "海曙区地名文化遗产保护方案（2026）"})),
    )
    .await;
    assert_eq!(status, 200, "{p2}");
    assert!(rule(&p2, "heritage").iter().all(|c| c["result"] == "pass"), "{}", p2["checks"]);
}

#[tokio::test]
async fn a_rejection_ends_the_proposal() {
    let r = review();
    let p = create(r, road(&fresh_name("望潮路"), 0.03)).await;
    let id = &p["id"];
    to_committee(r, id).await;
    // Awaiting the committee, only its decision applies: every other action,
    // taken by a role that may take it elsewhere, is refused.
    refused_in_this_state(
        r,
        id,
        &[
            ("submit", "applicant"),
            ("withdraw", "applicant"),
            ("check", "reviewer"),
            ("start_expert_review", "reviewer"),
            ("opinion", "expert"),
            ("start_consultation", "reviewer"),
            ("comment", "applicant"),
            ("respond", "reviewer"),
            ("close_consultation", "reviewer"),
            ("record_approval", "approver"),
            ("file", "reviewer"),
            ("announce", "reviewer"),
            ("publish", "reviewer"),
        ],
    )
    .await;
    // A vote that does not carry cannot be recorded as an approval.
    act(r, id, "vote", "committee", json!({"vote": "reject"}), 200).await;
    act(r, id, "vote", "committee2", json!({"vote": "abstain"}), 200).await;
    let refused = act(r, id, "approve", "committee", json!({}), 409).await;
    assert!(refused["detail"].as_str().unwrap_or("").contains("未获通过"), "{refused}");
    let p = act(r, id, "reject", "committee", json!({"note": "与周边道路命名体系不协调"}), 200).await;
    assert_eq!(p["state"], "rejected");
    assert_eq!(p["decision_note"], "与周边道路命名体系不协调");
    refused_in_this_state(
        r,
        id,
        &[
            ("approve", "committee"),
            ("submit", "applicant"),
            ("publish", "reviewer"),
            ("withdraw", "applicant"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_returned_proposal_is_revised_and_goes_on() {
    let r = review();
    let existing = county_road(1);
    let p = create(r, road(&existing, 0.04)).await;
    let id = p["id"].clone();
    act(r, &id, "submit", "applicant", json!({}), 200).await;
    act(r, &id, "check", "reviewer", json!({}), 200).await;
    // A failing check blocks expert review.
    let refused = act(r, &id, "start_expert_review", "reviewer", json!({}), 409).await;
    assert_eq!(refused["type"], "/problems/workflow-condition");
    let refused = act(r, &id, "return", "reviewer", json!({}), 400).await;
    assert_eq!(refused["errors"][0]["field"], "note");
    let p = act(r, &id, "return", "reviewer", json!({"note": "与现有道路重名，请另拟名称"}), 200).await;
    assert_eq!(p["state"], "returned");
    let version = p["version"].as_i64().expect("version");
    let path = format!("/proposals/{id}");
    let renamed = fresh_name("临湖路");
    let revision = json!({"name": renamed});
    // Without If-Match: 428; with an old version: 409; the other applicant: 403.
    let (status, body, _) =
        send(&r.w, "PATCH", &path, Some(r.token("applicant")), None, Some(revision.clone())).await;
    assert_eq!((status, body["type"].as_str()), (428, Some("/problems/precondition-required")));
    let stale = format!("\"proposal-{id}-v{}\"", version - 1);
    let (status, body, _) =
        send(&r.w, "PATCH", &path, Some(r.token("applicant")), Some(&stale), Some(revision.clone())).await;
    assert_eq!((status, body["type"].as_str()), (409, Some("/problems/conflict")));
    let current = format!("\"proposal-{id}-v{version}\"");
    let (status, _, _) =
        send(&r.w, "PATCH", &path, Some(r.token("applicant2")), Some(&current), Some(revision.clone())).await;
    assert_eq!(status, 403);
    let (status, p, etag) =
        send(&r.w, "PATCH", &path, Some(r.token("applicant")), Some(&current), Some(revision)).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["name"], renamed.as_str());
    assert_eq!(etag, Some(format!("\"proposal-{id}-v{}\"", version + 1)));
    assert!(failed(&p).is_empty(), "{:?}", failed(&p));
    to_committee(r, &id).await;
    let p = act(r, &id, "return", "committee", json!({"note": "请补充含义说明"}), 200).await;
    assert_eq!(p["state"], "returned");
    let history: Vec<&str> =
        p["history"].as_array().expect("history").iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(history.iter().filter(|a| **a == "return").count(), 2, "{history:?}");
    assert!(history.contains(&"revise"));
}

/// Who may take each action (by role), as the workflow promises it.
const ROLES: &[(&str, &[&str])] = &[
    ("submit", &["applicant"]),
    ("check", &["reviewer"]),
    ("start_expert_review", &["reviewer"]),
    ("opinion", &["expert"]),
    ("start_consultation", &["reviewer"]),
    ("comment", &["applicant", "reviewer", "expert", "committee", "approver"]),
    ("respond", &["reviewer"]),
    ("close_consultation", &["reviewer"]),
    ("vote", &["committee"]),
    ("approve", &["committee"]),
    ("reject", &["committee"]),
    ("return", &["reviewer", "committee"]),
    ("record_approval", &["approver"]),
    ("file", &["reviewer", "approver"]),
    ("announce", &["reviewer"]),
    ("publish", &["reviewer"]),
    ("withdraw", &["applicant"]),
];

#[tokio::test]
async fn wrong_roles_and_illegal_transitions_are_refused_and_change_nothing() {
    let r = review();
    let p = create(r, road(&fresh_name("栖霞新路"), 0.05)).await;
    let id = &p["id"];
    let path = format!("/proposals/{id}");
    // No token, an unknown token.
    for token in [None, Some("fy_not_a_token")] {
        let (status, body, _) = send(&r.w, "POST", &format!("{path}/submit"), token, None, None).await;
        assert_eq!((status, body["type"].as_str()), (401, Some("/problems/unauthorized")));
        let (status, _, _) = send(&r.w, "GET", &path, token, None, None).await;
        assert_eq!(status, 401);
    }
    // (token key, role); applicant2 is an applicant but not this proposal's.
    let everyone = [
        ("applicant", "applicant"),
        ("applicant2", "applicant"),
        ("reviewer", "reviewer"),
        ("expert", "expert"),
        ("committee", "committee"),
        ("approver", "approver"),
        ("admin", "admin"),
    ];
    for (action, allowed) in ROLES {
        for (who, role) in everyone {
            // In a draft only the applicant's own submit and withdraw apply.
            if who == "applicant" && ["submit", "withdraw"].contains(action) {
                continue;
            }
            let token = if who == "admin" { r.w.admin.clone() } else { r.token(who).to_string() };
            let (status, body, _) =
                send(&r.w, "POST", &format!("{path}/{action}"), Some(&token), None, Some(json!({}))).await;
            // The wrong role, or an applicant acting on someone else's
            // proposal: 403. The right role in the wrong state: 409.
            let not_owner = who == "applicant2" && *action != "comment";
            let want = if !allowed.contains(&role) || not_owner {
                (403, "/problems/forbidden")
            } else {
                (409, "/problems/invalid-transition")
            };
            assert_eq!((status, body["type"].as_str().unwrap_or("")), want, "{action} by {who}: {body}");
        }
    }
    // Creating a proposal is the applicants' job.
    let (status, _, _) =
        send(&r.w, "POST", "/proposals", Some(r.token("reviewer")), None, Some(road("甲乙路", 0.0))).await;
    assert_eq!(status, 403);
    let (status, after, _) = send(&r.w, "GET", &path, Some(r.token("reviewer")), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(after["version"], 1, "refusals changed nothing");
    assert_eq!(after["state"], "draft");
    assert_eq!(after["next_actions"], json!([]), "a reviewer has nothing to do on a draft");
    // Unknown action.
    let (status, body, _) =
        send(&r.w, "POST", &format!("{path}/baptise"), Some(r.token("applicant")), None, None).await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (400, Some("action")));
}

#[tokio::test]
async fn concurrent_decisions_exactly_one_wins() {
    let r = review();
    for (round, with_if_match) in [(0, true), (1, false), (2, true)] {
        let name = fresh_name(["听涛路", "观澜路", "栖云路"][round]);
        let p = create(r, road(&name, 0.06 + round as f64 * 0.01)).await;
        let id = p["id"].clone();
        to_committee(r, &id).await;
        committee_votes(r, &id, "approve").await;
        let (_, p, etag) =
            send(&r.w, "GET", &format!("/proposals/{id}"), Some(r.token("committee")), None, None).await;
        assert_eq!(p["state"], "committee_review");
        let tag = etag.expect("etag");
        let m = with_if_match.then_some(tag.as_str());
        // The vote carried; both members record the decision at once.
        let approve_path = format!("/proposals/{id}/approve");
        let first = send(&r.w, "POST", &approve_path, Some(r.token("committee")), m, Some(json!({})));
        let second = send(&r.w, "POST", &approve_path, Some(r.token("committee2")), m, Some(json!({})));
        let ((a, pa, _), (b, pb, _)) = tokio::join!(first, second);
        let mut statuses = [a, b];
        statuses.sort();
        assert_eq!(statuses, [200, 409], "first {a} {pa}, second {b} {pb}");
        let (_, fin, _) =
            send(&r.w, "GET", &format!("/proposals/{id}"), Some(r.token("committee")), None, None).await;
        assert_eq!(fin["state"], "committee_approved");
        let decisions = fin["history"]
            .as_array()
            .expect("history")
            .iter()
            .filter(|e| e["action"] == "approve" || e["action"] == "reject")
            .count();
        assert_eq!(decisions, 1);
    }
}

#[tokio::test]
async fn overdue_filing_and_announcement_are_listed() {
    let r = review();
    let p = create(r, road(&fresh_name("揽月路"), 0.1)).await;
    let id = p["id"].clone();
    to_committee(r, &id).await;
    committee_votes(r, &id, "approve").await;
    act(r, &id, "approve", "committee", json!({}), 200).await;
    let approved_on = (fangyu::review::today() - chrono::Days::new(20)).to_string();
    let p = act(
        r,
        &id,
        "record_approval",
        "approver",
        json!({"body": "宁波市人民政府", "document": "甬政地〔2026〕30号", "date": approved_on}),
        200,
    )
    .await;
    assert_eq!(p["filing_due"], (fangyu::review::today() - chrono::Days::new(5)).to_string().as_str());
    let duties = |v: &Value| -> Vec<String> {
        v["overdue"]
            .as_array()
            .expect("overdue")
            .iter()
            .filter(|o| o["proposal"] == id)
            .map(|o| format!("{}:{}", o["duty"].as_str().unwrap_or(""), o["days_overdue"]))
            .collect()
    };
    let (status, o, _) = send(&r.w, "GET", "/proposals/overdue", Some(r.token("reviewer")), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(duties(&o), ["filing:5", "announcement:5"]);
    act(r, &id, "file", "reviewer", json!({"with": "浙江省民政厅"}), 200).await;
    let (_, o, _) = send(&r.w, "GET", "/proposals/overdue", Some(r.token("reviewer")), None, None).await;
    assert_eq!(duties(&o), ["announcement:5"]);
    // Judged on the approval day nothing is overdue.
    let (_, o, _) = send(
        &r.w,
        "GET",
        &format!("/proposals/overdue?on={approved_on}"),
        Some(r.token("reviewer")),
        None,
        None,
    )
    .await;
    assert!(duties(&o).is_empty());
}

#[tokio::test]
async fn the_audit_log_of_the_review_store_verifies() {
    let r = review();
    create(r, road(&fresh_name("云栖路"), 0.11)).await;
    let (status, v, _) = send(&r.w, "GET", "/audit/verify", Some(&r.w.admin), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(v["intact"], true, "{v}");
    assert!(v["entries"].as_u64().unwrap_or(0) >= 9, "tokens and the proposal are logged: {v}");
    let (status, _, _) = send(&r.w, "GET", "/audit/verify", Some(r.token("reviewer")), None, None).await;
    assert_eq!(status, 403);
    let out = fangyu(&["audit", "verify", "--store", r.w.store.to_str().expect("path")]);
    assert!(out.starts_with("audit log intact"), "{out}");
}

#[test]
fn a_tampered_audit_row_is_detected() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("audit.gpkg");
    let store = std::sync::Arc::new(fangyu::store::Store::open(&path).expect("store"));
    let service = fangyu::service::Service::offline(store.clone());
    for (name, role) in [
        ("甲", fangyu::review::Role::Reviewer),
        ("乙", fangyu::review::Role::Expert),
        ("丙", fangyu::review::Role::Committee),
    ] {
        let new = NewAccount { name: name.into(), ..NewAccount::default() };
        service.account_with_token(&new, role, 30, Caller::CLI).expect("token");
    }
    // Each account and its token: two entries.
    let report = store.read(fangyu::store::verify_audit).expect("verify");
    assert_eq!((report.entries, report.broken.clone()), (6, None));
    drop((service, store));
    let path_s = path.to_str().expect("path");
    assert!(fangyu(&["audit", "verify", "--store", path_s]).starts_with("audit log intact: 6 entries"));

    // The triggers refuse an update …
    let conn = rusqlite::Connection::open(&path).expect("open");
    assert!(conn.execute("UPDATE change_log SET actor = 'x' WHERE seq = 4", []).is_err());
    // … someone who drops them and edits a row is caught by the chain.
    conn.execute_batch(
        "DROP TRIGGER change_log_no_update; UPDATE change_log SET detail = '{\"name\":\"乙\",\"role\":\"admin\"}' WHERE seq = 4;",
    )
    .expect("tamper");
    drop(conn);
    let store = fangyu::store::Store::open(&path).expect("store");
    let report = store.read(fangyu::store::verify_audit).expect("verify");
    assert_eq!(report.broken.as_ref().map(|b| b.0), Some(4), "{report:?}");
    drop(store);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .args(["audit", "verify", "--store", path_s])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("BROKEN at entry 4"));

    // A deleted row breaks the chain too.
    let path2 = dir.path().join("audit2.gpkg");
    let store = std::sync::Arc::new(fangyu::store::Store::open(&path2).expect("store"));
    let service = fangyu::service::Service::offline(store.clone());
    for name in ["甲", "乙", "丙"] {
        let new = NewAccount { name: name.into(), ..NewAccount::default() };
        service.account_with_token(&new, fangyu::review::Role::Expert, 30, Caller::CLI).expect("token");
    }
    drop((service, store));
    let conn = rusqlite::Connection::open(&path2).expect("open");
    conn.execute_batch("DROP TRIGGER change_log_no_delete; DELETE FROM change_log WHERE seq = 2;")
        .expect("delete");
    drop(conn);
    let store = fangyu::store::Store::open(&path2).expect("store");
    let report = store.read(fangyu::store::verify_audit).expect("verify");
    assert_eq!(report.broken.as_ref().map(|b| b.0), Some(3), "{report:?}");
}

#[tokio::test]
async fn a_retirement_marks_the_name_retired_and_a_withdrawal_ends_a_draft() {
    let r = review();
    let conn = crate::helpers::sqlite();
    let (fid, name): (i64, String) = conn
        .query_row(
            "SELECT fid, name FROM places WHERE class='compound' AND division_code LIKE ?1 ORDER BY fid LIMIT 1",
            [format!("{COUNTY}%")],
            |x| Ok((x.get(0)?, x.get(1)?)),
        )
        .expect("a compound in the county");
    let p = create(r, json!({"kind": "retire", "place": fid, "reason": "小区已拆除"})).await;
    assert_eq!((p["name"].as_str(), p["class"].as_str()), (Some(name.as_str()), Some("compound")));
    let id = &p["id"];
    to_committee(r, id).await;
    let p = approve_and_publish(r, id).await;
    assert!(p["announcement_text"].as_str().unwrap_or("").contains(&format!("销名名称：{name}")));
    let (_, place) = r.w.app.get_json(&format!("/places/{fid}")).await;
    assert_eq!(place["properties"]["status"], "retired");
    assert_eq!(place["properties"]["valid_to"], today().as_str());
    let (_, current) = r.w.app.get_json(&format!("/places?q={name}&class=compound")).await;
    assert!(
        current["features"].as_array().expect("features").iter().all(|f| f["id"] != fid),
        "no longer current"
    );

    let p = create(r, road(&fresh_name("拾翠路"), 0.12)).await;
    let p = act(r, &p["id"], "withdraw", "applicant", json!({"note": "另行规划"}), 200).await;
    assert_eq!(p["state"], "withdrawn");
    act(r, &p["id"], "submit", "applicant", json!({}), 409).await;
}

/// The path of the XYZ tile holding a point.
fn tile_at(lon: f64, lat: f64, z: u8) -> String {
    let (z, x, y) = crate::helpers::tile_of(lon, lat, z);
    format!("/tiles/base/{z}/{x}/{y}")
}

/// A tile's ETag, whether it came from the cache, and its road names.
async fn tile_roads(r: &Review, path: &str) -> (String, String, Vec<String>) {
    let resp = r.w.app.get(path).await;
    assert_eq!(resp.status().as_u16(), 200, "{path}");
    let header = |h: &str| resp.headers().get(h).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (etag, cache) = (header("etag"), header("x-tile-cache"));
    let layers = crate::mvt::validate(&resp.bytes().await.expect("tile")).expect("valid tile");
    let names = layers
        .iter()
        .filter(|l| l.name == "road")
        .flat_map(|l| &l.features)
        .flat_map(|f| &f.properties)
        .filter(|(k, _)| k == "name")
        .filter_map(|(_, v)| match v {
            crate::mvt::PropertyValue::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    (etag, cache, names)
}

#[tokio::test]
async fn a_published_road_shows_in_the_next_tile_and_only_its_tiles_leave_the_cache() {
    let r = review();
    // Until the first tile set is loaded, a change reloads it and clears
    // the cache: wait for it, as a client reading cache headers would.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while r.w.app.get_json("/ready").await.1["tiles"] != "ready" {
        assert!(std::time::Instant::now() < deadline, "the tiles were never prepared");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let name = fresh_name("映翠路");
    let line = line_in_county(0.02);
    let at = &line["coordinates"][0];
    let (lon, lat) = (at[0].as_f64().expect("lon"), at[1].as_f64().expect("lat"));
    let near = tile_at(lon + 0.001, lat + 0.0002, 15);
    let far = tile_at(120.15, 30.27, 15); // 杭州, far from the change
    let (before, _, roads) = tile_roads(r, &near).await;
    assert!(!roads.contains(&name));
    let (far_etag, _, _) = tile_roads(r, &far).await;
    let (_, cached, _) = tile_roads(r, &far).await;
    assert_eq!(cached, "hit", "a second fetch is served from the cache");

    let p = create(
        r,
        json!({"kind": "name", "class": "road", "name": name, "division": COUNTY, "geometry": line}),
    )
    .await;
    to_committee(r, &p["id"]).await;
    approve_and_publish(r, &p["id"]).await;

    // The next fetch of the touched tile has the road (the publish answer
    // may come before the tiles are rebuilt on a slow machine: wait for it).
    let started = std::time::Instant::now();
    loop {
        let (etag, _, roads) = tile_roads(r, &near).await;
        if roads.contains(&name) {
            assert_ne!(etag, before, "a changed tile has a new ETag");
            break;
        }
        assert!(started.elapsed().as_secs() < 90, "{name} never appeared in {near}");
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // A tile the change did not touch stayed in the cache.
    let (etag, cached, _) = tile_roads(r, &far).await;
    assert_eq!((etag.as_str(), cached.as_str()), (far_etag.as_str(), "hit"));
}
