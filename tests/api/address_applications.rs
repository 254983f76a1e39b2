//! Door-plate applications over HTTP on the demo store: a department
//! applies for a plate between two plates of a real road, the checks hold,
//! the number is the rule's infill number, another person issues it, and
//! the address answers at once — by code, by geocoding its standard form,
//! in the feed, and its certificate reads back from the PDF with a QR code
//! of its public page; a taken number fails its check and is not issued (nothing
//! written); a return needs a reason; a door off its road is refused.

use crate::division_changes::staff;
use crate::helpers::{tool_output, writable_app};
use crate::numbering::road_with_a_pair;
use crate::review::send;
use fangyu::index::metric::LocalFrame;
use geo::Coord;
use serde_json::{Value, json};

#[tokio::test]
async fn an_application_is_checked_issued_and_answered_at_once() {
    let w = writable_app("address-applications", |_| {});
    let police = staff(&w, "公安分局户政科", "applicant").await;
    let clerk = staff(&w, "区民政局地名科", "reviewer").await;
    let (road, a, b, n) = road_with_a_pair();
    let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let count = || -> i64 {
        rusqlite::Connection::open(&w.store)
            .and_then(|c| c.query_row("SELECT COUNT(*) FROM addresses", [], |r| r.get(0)))
            .expect("count")
    };
    let before = count();
    let (_, head, _) =
        send(&w, "GET", &format!("/changes?since={}", i64::MAX), Some(&w.admin), None, None).await;
    let since = head["next"].as_i64().expect("head");

    let body =
        json!({"department": "公安户籍", "road": road, "lon": mid.0, "lat": mid.1, "purpose": "新建住宅"});
    let (status, app, _) = send(&w, "POST", "/address-applications", Some(&police), None, Some(body)).await;
    assert_eq!(status, 201, "{app}");
    assert_eq!(app["state"], "submitted");
    assert_eq!(app["number"], format!("{n}-1号").as_str(), "{app}");
    let checks = app["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 3, "{app}");
    assert!(checks.iter().all(|c| c["ok"] == true), "{app}");
    let id = app["id"].clone();

    // The applicant cannot issue; the clerk does.
    let (status, _, _) =
        send(&w, "POST", &format!("/address-applications/{id}/issue"), Some(&police), None, None).await;
    assert_eq!(status, 403);
    let (status, done, _) =
        send(&w, "POST", &format!("/address-applications/{id}/issue"), Some(&clerk), None, None).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "issued");
    let code = done["address_code"].as_str().expect("code").to_string();
    assert_eq!(code.len(), 18);
    assert_eq!(count(), before + 1);

    // At once: by code, by its standard form, in the feed.
    let (status, addr) = w.app.get_json(&format!("/addresses/{code}")).await;
    assert_eq!(status, 200, "{addr}");
    let text = addr["properties"]["standard_address"].as_str().expect("text").to_string();
    assert!(text.starts_with("浙江省宁波市") && text.ends_with(&format!("{n}-1号")), "{addr}");
    assert!(code.starts_with(addr["properties"]["division_code"].as_str().expect("division")), "{addr}");
    let (_, g) = w.app.get_json(&format!("/geocode?q={text}")).await;
    assert_eq!(g["features"][0]["properties"]["address_code"], code.as_str(), "{g}");
    let (_, page, _) =
        send(&w, "GET", &format!("/changes?since={since}&kind=address"), Some(&w.admin), None, None).await;
    let changes = page["changes"].as_array().expect("changes");
    assert!(changes.iter().any(|c| c["code"] == code.as_str() && c["action"] == "create"), "{page}");

    // Its certificate: HTML, and a PDF that reads back with the address,
    // its code, and a QR code that opens its public page.
    let get = |format: &'static str| {
        let url = format!("{}/addresses/{code}/certificate?format={format}", w.app.base);
        let token = clerk.clone();
        async move { reqwest::Client::new().get(url).bearer_auth(token).send().await.expect("certificate") }
    };
    let page = get("html").await.text().await.expect("html");
    assert!(
        page.contains("门牌证明") && page.contains(&code) && page.contains(&text) && page.contains("<svg")
    );
    assert!(page.contains(&format!("/p/{code}")), "the QR link");
    let r = get("pdf").await;
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.expect("pdf");
    let words: String = tool_output(&pdf, "certificate.pdf", "pdftotext", &["-layout", "{}", "-"])
        .split_whitespace()
        .collect();
    for needle in ["门牌证明", code.as_str(), text.as_str(), "道路门牌", "现行"] {
        assert!(words.contains(needle), "the PDF lacks {needle}: {words}");
    }
    let png = std::env::temp_dir().join(format!("fangyu-{}-certificate", std::process::id()));
    tool_output(
        &pdf,
        "certificate.pdf",
        "pdftoppm",
        &["-png", "-r", "150", "-singlefile", "{}", png.to_str().unwrap()],
    );
    let decoded = tool_output(
        &std::fs::read(png.with_extension("png")).expect("page image"),
        "certificate.png",
        "zbarimg",
        &["--quiet", "--raw", "{}"],
    );
    assert_eq!(decoded.trim(), format!("{}/p/{code}", w.app.base), "the QR code");
    let (status, _, _) = send(&w, "GET", &format!("/addresses/{code}/certificate"), None, None, None).await;
    assert_eq!(status, 401, "a certificate needs a token");

    // A taken number fails its check; issuing it is refused, nothing written.
    let body = json!({"department": "不动产登记", "road": road, "lon": mid.0, "lat": mid.1, "purpose": "补办",
        "number": format!("{n}号")});
    let (status, taken, _) = send(&w, "POST", "/address-applications", Some(&police), None, Some(body)).await;
    assert_eq!(status, 201, "{taken}");
    let failing: Vec<&Value> =
        taken["checks"].as_array().expect("checks").iter().filter(|c| c["ok"] == false).collect();
    assert_eq!(failing.len(), 1, "{taken}");
    assert_eq!(failing[0]["check"], "number");
    let tid = taken["id"].clone();
    let (status, p, _) =
        send(&w, "POST", &format!("/address-applications/{tid}/issue"), Some(&clerk), None, None).await;
    assert_eq!(status, 409, "{p}");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("已有门牌")), "{p}");
    assert_eq!(count(), before + 1, "nothing written");
    let (status, p, _) =
        send(&w, "POST", &format!("/address-applications/{tid}/return"), Some(&clerk), None, None).await;
    assert_eq!(status, 400, "{p}");
    let note = json!({"note": "门牌号已被占用，请按规则另行申请"});
    let (status, p, _) =
        send(&w, "POST", &format!("/address-applications/{tid}/return"), Some(&clerk), None, Some(note))
            .await;
    assert_eq!((status, p["state"].as_str()), (200, Some("returned")), "{p}");

    // A door 500 m off its road.
    let off = LocalFrame::new(Coord { x: a.0, y: a.1 }).unproject(0.0, 500.0);
    let body =
        json!({"department": "公安户籍", "road": road, "lon": off.x, "lat": off.y, "purpose": "新建住宅"});
    let (status, p, _) = send(&w, "POST", "/address-applications", Some(&police), None, Some(body)).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "lon", "{p}");
    let (status, p, _) = send(&w, "GET", "/address-applications/3", Some(&police), None, None).await;
    assert_eq!(status, 404, "only two applications were written: {p}");

    // A building's footprint: the door on it holds; a footprint 200 m away
    // fails its check; a footprint that is no polygon is refused.
    let square = |c: Coord<f64>, half: f64| {
        let f = LocalFrame::new(c);
        let ring: Vec<[f64; 2]> =
            [(-half, -half), (half, -half), (half, half), (-half, half), (-half, -half)]
                .iter()
                .map(|&(x, y)| f.unproject(x, y))
                .map(|p| [p.x, p.y])
                .collect();
        json!({"type": "Polygon", "coordinates": [ring]})
    };
    let door = Coord { x: mid.0, y: mid.1 };
    let body = json!({"department": "不动产登记", "road": road, "lon": mid.0, "lat": mid.1, "purpose": "新建住宅",
        "footprint": square(door, 10.0)});
    let (status, f, _) = send(&w, "POST", "/address-applications", Some(&police), None, Some(body)).await;
    assert_eq!(status, 201, "{f}");
    let checks = f["checks"].as_array().expect("checks");
    assert!(checks.iter().any(|c| c["check"] == "footprint" && c["ok"] == true), "{f}");
    assert_eq!(f["footprint"]["type"], "Polygon");
    let away = LocalFrame::new(door).unproject(200.0, 0.0);
    let body = json!({"department": "不动产登记", "road": road, "lon": mid.0, "lat": mid.1, "purpose": "新建住宅",
        "footprint": square(away, 10.0)});
    let (_, f, _) = send(&w, "POST", "/address-applications", Some(&police), None, Some(body)).await;
    assert!(
        f["checks"].as_array().unwrap().iter().any(|c| c["check"] == "footprint" && c["ok"] == false),
        "{f}"
    );
    let body = json!({"department": "不动产登记", "road": road, "lon": mid.0, "lat": mid.1, "purpose": "新建住宅",
        "footprint": {"type": "Point", "coordinates": [mid.0, mid.1]}});
    let (status, p, _) = send(&w, "POST", "/address-applications", Some(&police), None, Some(body)).await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (400, Some("footprint")), "{p}");
}
