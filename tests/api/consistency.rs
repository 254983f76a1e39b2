//! Reads while the record changes: every answer is of one version of the
//! gazetteer. A road is renamed several times through the naming workflow
//! while readers ask about one of its door plates; no answer may name the
//! road by two of its names at once (a plate under the new name beside the
//! road under the old), nor by none of them (the plate lost between two
//! versions).

use crate::review::{COUNTY, approve_and_publish, create, review, to_committee};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A road of the county with door plates (not the one the other review
/// tests rename, nor the protected one, nor the roads the duplicate and
/// contains-name checks are tried on), and one of its plates whose nearest
/// road is the road itself:
/// `(place id, name, plate code, lon, lat, standard address)`.
async fn road_and_plate() -> (i64, String, String, f64, f64, String) {
    let conn = crate::helpers::sqlite();
    let mut stmt = conn
        .prepare(
            "WITH roads AS (SELECT p.fid, p.name FROM places p JOIN addresses a ON a.place_fid = p.fid \
               WHERE p.class = 'road' AND p.division_code LIKE ?1 AND a.kind = 'road_plate' \
                 AND p.fid <> (SELECT max(fid) FROM places WHERE class = 'road' AND division_code LIKE ?1) \
                 AND p.fid NOT IN (SELECT fid FROM places WHERE class = 'road' AND division_code LIKE ?1 \
                   ORDER BY fid LIMIT 2) \
                 AND p.fid <> (SELECT b.place_fid FROM addresses b JOIN places q ON q.fid = b.place_fid \
                   WHERE q.class = 'road' AND q.division_code LIKE ?1 AND length(q.name) >= 3 \
                   ORDER BY b.fid LIMIT 1) \
               GROUP BY p.fid ORDER BY count(*) DESC LIMIT 20 OFFSET 3) \
             SELECT r.fid, r.name, a.code, a.lon, a.lat, a.standard_address FROM roads r \
             JOIN addresses a ON a.place_fid = r.fid WHERE a.kind = 'road_plate' ORDER BY r.fid, a.fid",
        )
        .expect("prepare");
    let rows: Vec<(i64, String, String, f64, f64, String)> = stmt
        .query_map([format!("{COUNTY}%")], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let app = &review().w.app;
    for row in rows {
        let (_, b) = app.get_json(&format!("/reverse?lon={}&lat={}", row.3, row.4)).await;
        if b["door_plate"]["address_code"] == row.2.as_str() && b["road"]["name"] == row.1.as_str() {
            return row;
        }
    }
    panic!("no plate of a county road has its own road nearest");
}

/// Which of `names` the text holds as the road's name (exactly one).
fn named(text: &str, names: &[String]) -> Vec<String> {
    names.iter().filter(|n| text.contains(n.as_str())).cloned().collect()
}

/// Reads about the plate until `stop`: returns how many answers were read
/// and the names they gave, in order (a name per answer).
async fn read(
    app: crate::helpers::TestApp,
    names: Arc<Vec<String>>,
    plate: (String, f64, f64, String),
    stop: Arc<AtomicBool>,
) -> Vec<String> {
    let (code, lon, lat, address) = plate;
    let mut seen = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        // One answer holds the plate and the road: both under one name.
        let (status, b) = app.get_json(&format!("/reverse?lon={lon}&lat={lat}")).await;
        assert_eq!(status, 200, "{b}");
        assert_eq!(b["door_plate"]["address_code"], code.as_str(), "the plate is always found: {b}");
        let standard = b["door_plate"]["standard_address"].as_str().unwrap_or_default();
        let on_plate = named(standard, &names);
        assert_eq!(on_plate.len(), 1, "one name on the plate: {b}");
        assert_eq!(b["road"]["name"], on_plate[0].as_str(), "plate and road of one version: {b}");
        seen.push(on_plate[0].clone());
        // The first name's address always finds the plate, under one name.
        let (status, g) = app.get_json(&format!("/geocode?q={address}")).await;
        assert_eq!(status, 200, "{g}");
        let top: &Value = &g["features"][0]["properties"];
        assert_eq!(top["match_level"], "door_plate", "never neither name: {g}");
        let on_answer = named(top["standard_address"].as_str().unwrap_or_default(), &names);
        assert_eq!(on_answer.len(), 1, "one name in the answer: {g}");
        // The plate's own record.
        let (status, a) = app.get_json(&format!("/addresses/{code}")).await;
        assert_eq!(status, 200, "{a}");
        let text = a["properties"]["standard_address"].as_str().unwrap_or(&a.to_string()).to_string();
        assert_eq!(named(&text, &names).len(), 1, "one name on the record: {a}");
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_during_renames_see_each_rename_whole_or_not_at_all() {
    let r = review();
    let (mut fid, old, code, lon, lat, address) = road_and_plate().await;
    let new: Vec<String> = ["衡守东路", "衡守西路", "衡守南路", "衡守北路"]
        .iter()
        .map(|n| crate::review::fresh_name(n))
        .collect();
    let names: Arc<Vec<String>> = Arc::new(std::iter::once(old.clone()).chain(new.iter().cloned()).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let plate = (code.clone(), lon, lat, address.clone());
            tokio::spawn(read(r.w.app.clone(), names.clone(), plate, stop.clone()))
        })
        .collect();
    for name in &new {
        let p = create(r, json!({"kind": "rename", "place": fid, "name": name, "reason": "名实不符"})).await;
        to_committee(r, &p["id"]).await;
        fid = approve_and_publish(r, &p["id"]).await["published_place"].as_i64().expect("new place");
    }
    stop.store(true, Ordering::Relaxed);
    let mut all = std::collections::BTreeSet::new();
    for reader in readers {
        let seen = reader.await.expect("reader");
        assert!(!seen.is_empty(), "each reader read");
        // A reader's names follow the renames in order, never back.
        let order: Vec<usize> =
            seen.iter().map(|n| names.iter().position(|m| m == n).expect("a known name")).collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]), "names only move forward: {seen:?}");
        all.extend(seen);
    }
    assert!(all.len() >= 2, "the reads overlapped the renames: {all:?}");
    // And afterwards every read gives the last name.
    let (_, b) = r.w.app.get_json(&format!("/reverse?lon={lon}&lat={lat}")).await;
    assert_eq!(b["road"]["name"], new[new.len() - 1].as_str(), "{b}");
}
