//! Compound addresses in bulk over HTTP on the demo store: a new building
//! of a thousand rooms in one request, every room answering the geocoder
//! at once; a request with one conflict — a building or room that exists,
//! a room under a building that does not — is refused whole, with nothing
//! written.

use crate::division_changes::staff;
use crate::helpers::writable_app;
use crate::review::send;
use serde_json::json;

/// A demo compound with buildings: its id, name, and one building's text
/// and position.
fn compound(store: &std::path::Path) -> (i64, String, String, f64, f64) {
    let c = rusqlite::Connection::open(store).expect("open");
    c.query_row(
        "SELECT p.fid, p.name, a.building, a.lon, a.lat FROM places p JOIN addresses a ON a.place_fid = p.fid \
         WHERE p.class = 'compound' AND a.kind = 'building' AND a.status = 'current' ORDER BY p.fid, a.fid LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )
    .expect("a compound with buildings")
}

#[tokio::test]
async fn a_thousand_rooms_in_one_request_or_nothing() {
    let w = writable_app("compounds", |_| {});
    let clerk = staff(&w, "区民政局地名科", "reviewer").await;
    let developer = staff(&w, "开发商", "applicant").await;
    let (id, name, building, lon, lat) = compound(&w.store);
    let count = || -> i64 {
        rusqlite::Connection::open(&w.store)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM addresses", [], |r| r.get(0)))
            .expect("count")
    };
    let path = format!("/compounds/{id}/addresses");
    let before = count();
    let tower = json!({"buildings": [{"number": "90", "lon": lon + 0.0001, "lat": lat, "units": 2, "floors": 25,
        "rooms_per_floor": 20}]});

    let (status, p, _) = send(&w, "POST", &path, Some(&developer), None, Some(tower.clone())).await;
    assert_eq!(status, 403, "{p}");

    let (status, out, _) = send(&w, "POST", &path, Some(&clerk), None, Some(tower.clone())).await;
    assert_eq!(status, 201, "{out}");
    assert_eq!((out["buildings"].as_u64(), out["rooms"].as_u64()), (Some(1), Some(1000)), "{}", out["name"]);
    let addresses = out["addresses"].as_array().expect("addresses");
    assert_eq!(addresses.len(), 1001);
    assert_eq!(count(), before + 1001);
    let codes: std::collections::BTreeSet<&str> =
        addresses.iter().map(|a| a["address_code"].as_str().expect("code")).collect();
    assert_eq!(codes.len(), 1001, "every code distinct");
    let top = addresses
        .iter()
        .find(|a| a["standard_address"].as_str().is_some_and(|t| t.ends_with("90幢2单元2520室")))
        .expect("the top floor's last room of unit 2");
    let text = top["standard_address"].as_str().expect("text");
    assert!(text.starts_with("浙江省宁波市") && text.contains(&name), "{text}");

    // At once: the room geocodes to its code, and answers by code.
    let (_, g) = w.app.get_json(&format!("/geocode?q={text}")).await;
    assert_eq!(g["features"][0]["properties"]["address_code"], top["address_code"], "{g}");
    let (status, a) = w.app.get_json(&format!("/addresses/{}", top["address_code"].as_str().unwrap())).await;
    assert_eq!((status, a["properties"]["room"].as_str()), (200, Some("2520室")), "{a}");
    let (_, listed) = w.app.get_json(&path).await;
    assert!(listed["count"].as_u64().expect("count") >= 1001, "{listed}");

    // The same building again: refused, nothing written.
    let (status, p, _) = send(&w, "POST", &path, Some(&clerk), None, Some(tower)).await;
    assert_eq!((status, p["type"].as_str()), (409, Some("/problems/invalid-transition")), "{p}");
    assert_eq!(count(), before + 1001);

    // A room under a building that does not exist (no position given).
    let body = json!({"buildings": [{"number": "91", "floors": 2, "rooms_per_floor": 2}]});
    let (status, p, _) = send(&w, "POST", &path, Some(&clerk), None, Some(body)).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "buildings[0].number", "{p}");
    assert_eq!(count(), before + 1001);

    // A new building with an existing room in the same request: neither.
    let digits: String = building.chars().filter(char::is_ascii_digit).collect();
    let body = json!({"buildings": [
        {"number": "92", "lon": lon, "lat": lat, "floors": 3, "rooms_per_floor": 2},
        {"number": digits, "floors": 1, "rooms_per_floor": 1}]});
    let (status, p, _) = send(&w, "POST", &path, Some(&clerk), None, Some(body)).await;
    assert_eq!(status, 409, "{p}");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("101室")), "{p}");
    assert_eq!(count(), before + 1001);

    // Bad shapes name their field.
    for (body, field) in [
        (json!({"buildings": []}), "buildings"),
        (json!({"buildings": [{"number": "三", "floors": 1, "rooms_per_floor": 1}]}), "buildings[0].number"),
        (
            json!({"buildings": [{"number": "93", "lon": lon, "floors": 1, "rooms_per_floor": 1}]}),
            "buildings[0].lat",
        ),
        (
            json!({"buildings": [{"number": "93", "lon": lon, "lat": lat, "floors": 0, "rooms_per_floor": 1}]}),
            "buildings[0].floors",
        ),
        (
            json!({"buildings": [{"number": "93", "lon": lon, "lat": lat, "units": 20, "floors": 100, "rooms_per_floor": 20}]}),
            "buildings",
        ),
    ] {
        let (status, p, _) = send(&w, "POST", &path, Some(&clerk), None, Some(body)).await;
        assert_eq!((status, p["errors"][0]["field"].as_str()), (400, Some(field)), "{p}");
    }
    let far = json!({"buildings": [{"number": "94", "lon": lon + 0.05, "lat": lat, "floors": 1, "rooms_per_floor": 1}]});
    let (status, p, _) = send(&w, "POST", &path, Some(&clerk), None, Some(far)).await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (422, Some("buildings[0].lon")), "{p}");
    let (status, _, _) = send(
        &w,
        "POST",
        "/compounds/1/addresses",
        Some(&clerk),
        None,
        Some(json!({"buildings": [{"number": "1", "floors": 1, "rooms_per_floor": 1}]})),
    )
    .await;
    assert!(status == 400 || status == 404, "place 1 is not a compound: {status}");
    assert_eq!(count(), before + 1001);
}
