//! Renumbering and retiring over HTTP on the demo store: a renumbered
//! plate gets a new code; its old code answers as historical, superseded
//! by the new one since today; the geocoder finds the old number and
//! answers the new plate; the feed has both; a duplicate number refuses
//! the whole change; a road numbered again by the rule is numbered the
//! same a second time; a retired address keeps its history.

use crate::division_changes::staff;
use crate::helpers::writable_app;
use crate::numbering::road_with_a_pair;
use crate::review::send;
use serde_json::json;

#[tokio::test]
async fn a_renumbered_plate_keeps_its_history_and_its_old_number_still_geocodes() {
    let w = writable_app("renumbering", |s| {
        s.plates.divisions.insert("330203".into(), "beijing".into());
    });
    let clerk = staff(&w, "区民政局地名科", "reviewer").await;
    let police = staff(&w, "公安分局户政科", "applicant").await;
    let (road, _, _, n) = road_with_a_pair();
    let count = || -> i64 {
        rusqlite::Connection::open(&w.store)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM addresses", [], |r| r.get(0)))
            .expect("count")
    };
    let (_, head, _) =
        send(&w, "GET", &format!("/changes?since={}", i64::MAX), Some(&w.admin), None, None).await;
    let since = head["next"].as_i64().expect("head");
    let path = format!("/roads/{road}/renumber");
    let (old_no, new_no) = (format!("{n}号"), format!("{}号", n + 1000));
    let body = json!({"reason": "道路延伸，门牌调整", "numbers": [{"from": old_no, "to": new_no}]});

    let (status, _, _) = send(&w, "POST", &path, Some(&police), None, Some(body.clone())).await;
    assert_eq!(status, 403);
    let before = count();
    let (status, out, _) = send(&w, "POST", &path, Some(&clerk), None, Some(body)).await;
    assert_eq!(status, 200, "{out}");
    let r = &out["renumbered"][0];
    assert_eq!(
        (r["old_number"].as_str(), r["new_number"].as_str()),
        (Some(old_no.as_str()), Some(new_no.as_str()))
    );
    let (old, new) =
        (r["old_code"].as_str().unwrap().to_string(), r["new_code"].as_str().unwrap().to_string());
    assert_ne!(old, new);
    assert_eq!(count(), before + 1, "the old address stays");

    // The old code answers as it was, superseded by the new one since today.
    let (_, a) = w.app.get_json(&format!("/addresses/{old}")).await;
    let p = &a["properties"];
    assert_eq!(p["status"], "historical", "{a}");
    assert_eq!(p["superseded_by"]["address_code"], new.as_str(), "{a}");
    assert_eq!(p["superseded_by"]["since"], chrono::Local::now().date_naive().to_string().as_str());
    assert_eq!(p["current"]["address_code"], new.as_str(), "{a}");
    let old_text = p["standard_address"].as_str().expect("text").to_string();
    let (_, b) = w.app.get_json(&format!("/addresses/{new}")).await;
    assert_eq!(b["properties"]["replaces"][0]["address_code"], old.as_str(), "{b}");
    let new_text = b["properties"]["standard_address"].as_str().expect("text").to_string();
    assert_eq!(new_text, old_text.replace(&old_no, &new_no));

    // The geocoder finds the old number and answers the new plate.
    let (_, g) = w.app.get_json(&format!("/geocode?q={old_text}")).await;
    let top = &g["features"][0]["properties"];
    assert_eq!(top["address_code"], new.as_str(), "{g}");
    assert!(top["corrections"].as_array().unwrap().iter().any(|c| c["kind"] == "renumbered"), "{g}");
    let (_, g) = w.app.get_json(&format!("/geocode?q={new_text}")).await;
    assert_eq!(g["features"][0]["properties"]["address_code"], new.as_str(), "{g}");

    // The feed: the old one retired, the new one created.
    let (_, page, _) =
        send(&w, "GET", &format!("/changes?since={since}&kind=address"), Some(&w.admin), None, None).await;
    let changes = page["changes"].as_array().expect("changes");
    assert!(changes.iter().any(|c| c["code"] == old.as_str() && c["action"] == "retire"), "{page}");
    assert!(changes.iter().any(|c| c["code"] == new.as_str() && c["action"] == "create"), "{page}");

    // A number that would be duplicated: nothing changes.
    let n2 = format!("{}号", n + 2);
    let dup = json!({"reason": "调整", "numbers": [{"from": n2, "to": new_no}]});
    let before = count();
    let (status, p, _) = send(&w, "POST", &path, Some(&clerk), None, Some(dup)).await;
    assert_eq!(status, 409, "{p}");
    assert_eq!(count(), before);
    for (body, field, code) in [
        (json!({"reason": "调整", "numbers": [{"from": "99999号", "to": "1号"}]}), "numbers[0].from", 422),
        (json!({"reason": "调整", "numbers": [{"from": n2, "to": "三幢"}]}), "numbers[0].to", 400),
        (json!({"reason": " ", "numbers": [{"from": n2, "to": "1号"}]}), "reason", 400),
        (json!({"reason": "调整"}), "numbers", 400),
    ] {
        let (status, p, _) = send(&w, "POST", &path, Some(&clerk), None, Some(body)).await;
        assert_eq!((status, p["errors"][0]["field"].as_str()), (code, Some(field)), "{p}");
    }
    assert_eq!(count(), before);

    // Numbered again by Beijing's rule (10 m a number), then again: the
    // second pass changes nothing, and every number is distinct.
    let by_rule = json!({"reason": "按北京市门牌编号规则重编", "by_rule": true});
    let (status, first, _) = send(&w, "POST", &path, Some(&clerk), None, Some(by_rule.clone())).await;
    assert_eq!(status, 200, "{first}");
    assert!(!first["renumbered"].as_array().expect("list").is_empty(), "{first}");
    let (status, second, _) = send(&w, "POST", &path, Some(&clerk), None, Some(by_rule)).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["renumbered"].as_array().map(Vec::len), Some(0), "{second}");
    let numbers: Vec<String> = rusqlite::Connection::open(&w.store)
        .expect("open")
        .prepare("SELECT number FROM addresses WHERE place_fid = ?1 AND status = 'current' AND kind = 'road_plate'")
        .expect("sql")
        .query_map([road], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("numbers");
    let distinct: std::collections::BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(distinct.len(), numbers.len(), "{numbers:?}");

    // The old code's chain now ends at the plate's number under the rule;
    // retiring that one ends the chain.
    let (_, a) = w.app.get_json(&format!("/addresses/{old}")).await;
    let now = a["properties"]["current"]["address_code"].as_str().expect("current").to_string();
    let (status, p, _) = send(
        &w,
        "POST",
        &format!("/addresses/{now}/retire"),
        Some(&clerk),
        None,
        Some(json!({"reason": ""})),
    )
    .await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (400, Some("reason")), "{p}");
    let (status, r, _) = send(
        &w,
        "POST",
        &format!("/addresses/{now}/retire"),
        Some(&clerk),
        None,
        Some(json!({"reason": "房屋拆除"})),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["status"], "retired");
    let (status, _, _) = send(
        &w,
        "POST",
        &format!("/addresses/{now}/retire"),
        Some(&clerk),
        None,
        Some(json!({"reason": "房屋拆除"})),
    )
    .await;
    assert_eq!(status, 409);
    let (_, a) = w.app.get_json(&format!("/addresses/{old}")).await;
    assert!(a["properties"]["current"].is_null(), "{a}");
    let (_, a) = w.app.get_json(&format!("/addresses/{now}")).await;
    assert_eq!(
        (a["properties"]["status"].as_str(), a["properties"]["superseded_by"]["reason"].as_str()),
        (Some("retired"), Some("房屋拆除"))
    );
}
