//! Joint inspection rounds over real HTTP on the demo store: a round from
//! opening to both signatures and its report as HTML and as PDF (read back
//! with `pdftotext`), photos kept in the store, repairs, overdue markers,
//! and what one side alone or bad input cannot do.

use crate::boundaries::officer;
use crate::helpers::{WritableApp, sqlite, writable_app};
use crate::review::send;
use serde_json::{Value, json};

/// The live line with the fewest markers, at least `min`: (code, smaller
/// side, larger side, its markers by number).
fn line_with_markers(min: i64) -> (String, String, String, Vec<String>) {
    let c = sqlite();
    let (code, left, right): (String, String, String) = c
        .query_row(
            "SELECT l.code, l.left_code, l.right_code FROM boundary_lines l JOIN boundary_markers m ON m.line_code = l.code \
               WHERE l.retired_on IS NULL AND m.retired_on IS NULL GROUP BY l.code HAVING COUNT(*) >= ?1 \
               ORDER BY COUNT(*), l.code LIMIT 1",
            [min],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a line with markers");
    let markers = c
        .prepare(
            "SELECT number FROM boundary_markers WHERE line_code = ?1 AND retired_on IS NULL ORDER BY number",
        )
        .and_then(|mut s| s.query_map([&code], |r| r.get(0))?.collect::<Result<Vec<String>, _>>())
        .expect("markers");
    (code, left, right, markers)
}

/// A small PNG (a gradient), as a photo.
fn png_photo(seed: u8) -> Vec<u8> {
    let (w, h) = (32u32, 24u32);
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        let mut writer = enc.write_header().expect("png header");
        let data: Vec<u8> = (0..w * h).flat_map(|i| [(i % w) as u8 * 8, (i / w) as u8 * 10, seed]).collect();
        writer.write_image_data(&data).expect("png data");
    }
    out
}

/// Posts a finding as multipart with photos; returns status and body.
async fn finding_with_photos(
    w: &WritableApp,
    token: &str,
    round: i64,
    finding: Value,
    photos: &[(&str, Vec<u8>)],
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new().text("finding", finding.to_string());
    for (name, data) in photos {
        form = form.part("photo", reqwest::multipart::Part::bytes(data.clone()).file_name(name.to_string()));
    }
    let r = w
        .app
        .client()
        .post(format!("{}/inspection-rounds/{round}/findings", w.app.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("send");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn count(w: &WritableApp, sql: &str) -> i64 {
    rusqlite::Connection::open(&w.store).and_then(|c| c.query_row(sql, [], |r| r.get(0))).expect("count")
}

#[tokio::test]
async fn a_round_goes_from_opening_to_both_signatures_and_a_pdf_report() {
    let w = writable_app("inspection-round", |_| {});
    let (line, left, right, markers) = line_with_markers(3);
    let a = officer(&w, "甲方界线员", &[&left]).await;
    let b = officer(&w, "乙方界线员", &[&right]).await;
    let body = json!({"year": 2025, "lines": [line], "teams": {left.clone(): ["王建国", "李明"], right.clone(): ["赵强"]}});
    let (status, round, _) = send(&w, "POST", "/inspection-rounds", Some(&a), None, Some(body)).await;
    assert_eq!(status, 201, "{round}");
    let id = round["id"].as_i64().expect("id");
    assert_eq!(round["state"], "open");

    // The first marker damaged, with two photos; the second missing; the rest intact.
    let photos = [("界桩正面.png", png_photo(1)), ("界桩侧面.png", png_photo(2))];
    let damaged = json!({"marker": markers[0], "kind": "damaged", "note": "桩体断裂"});
    let (status, found) = finding_with_photos(&w, &a, id, damaged, &photos).await;
    assert_eq!(status, 201, "{found}");
    assert_eq!(found["photos"].as_array().map(Vec::len), Some(2));
    let damaged_id = found["finding"]["id"].as_i64().expect("finding id");
    let body = json!({"marker": markers[1], "kind": "missing", "note": "原位置未找到界桩"});
    let (status, missing, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/findings"), Some(&b), None, Some(body)).await;
    assert_eq!(status, 201, "{missing}");
    let body = json!({"line": line, "kind": "line_unclear", "from_m": 100.0, "to_m": 600.0, "note": "植被覆盖，界线难以辨认"});
    let (status, section, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/findings"), Some(&a), None, Some(body)).await;
    assert_eq!(status, 201, "{section}");

    // Not every marker has a finding yet: no side can sign.
    let (status, problem, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/sign"), Some(&a), None, Some(json!({}))).await;
    assert_eq!(status, 409, "{problem}");
    assert!(problem["detail"].as_str().unwrap_or("").contains(&markers[2]), "{problem}");
    for m in &markers[2..] {
        let body = json!({"marker": m, "kind": "intact"});
        let (status, f, _) =
            send(&w, "POST", &format!("/inspection-rounds/{id}/findings"), Some(&b), None, Some(body)).await;
        assert_eq!(status, 201, "{f}");
    }
    let repair = json!({"finding": damaged_id, "task": "更换界桩桩体", "due_on": "2099-06-30"});
    let (status, repair, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/repairs"), Some(&a), None, Some(repair)).await;
    assert_eq!(status, 201, "{repair}");

    // One side signs; it cannot sign twice, and the findings are locked.
    let (status, signed, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/sign"), Some(&a), None, Some(json!({}))).await;
    assert_eq!(status, 200, "{signed}");
    assert_eq!(signed["state"], "signing");
    let (status, _, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/sign"), Some(&a), None, Some(json!({}))).await;
    assert_eq!(status, 409);
    let body = json!({"marker": markers[0], "kind": "intact"});
    let (status, _, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/findings"), Some(&b), None, Some(body)).await;
    assert_eq!(status, 409, "findings are locked once a side has signed");
    let (_, m0) = w.app.get_json(&format!("/markers/{}", markers[0])).await;
    assert_eq!(m0["properties"]["condition"], "intact", "nothing recorded on the markers before both sign");

    // The other side signs: closed, and the markers carry what was found.
    let (status, closed, _) =
        send(&w, "POST", &format!("/inspection-rounds/{id}/sign"), Some(&b), None, Some(json!({}))).await;
    assert_eq!(status, 200, "{closed}");
    assert_eq!(closed["state"], "closed");
    let today = closed["closed_on"].as_str().expect("closed_on").to_string();
    for (m, condition) in [(&markers[0], "damaged"), (&markers[1], "lost"), (&markers[2], "intact")] {
        let (_, f) = w.app.get_json(&format!("/markers/{m}")).await;
        assert_eq!(f["properties"]["condition"], condition, "{m}");
        assert_eq!(f["properties"]["inspected_on"], today.as_str(), "{m}");
    }
    let (status, feed, _) =
        send(&w, "GET", "/changes?since=0&kind=marker&limit=1000", Some(&a), None, None).await;
    assert_eq!(status, 200, "{feed}");
    let inspected: Vec<&Value> = feed["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["id"] == markers[1].as_str() && c["action"] == "update")
        .collect();
    assert_eq!(inspected.len(), 1, "the feed carries the marker found missing: {feed}");
    assert!(inspected[0]["summary"].as_str().unwrap_or("").contains("丢失"), "{inspected:?}");

    // The report, as HTML: every marker's state, the photos inline, both signatures.
    let client = w.app.client();
    let get = |fmt: &str| {
        client
            .get(format!("{}/inspection-rounds/{id}/report?format={fmt}", w.app.base))
            .bearer_auth(&a)
            .send()
    };
    let r = get("html").await.expect("html");
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap_or("").starts_with("text/html"));
    let page = r.text().await.expect("text");
    for needle in [
        markers[0].as_str(),
        markers[1].as_str(),
        "损坏",
        "丢失",
        "界线不清",
        "更换界桩桩体",
        "甲方界线员",
        "乙方界线员",
        "data:image/png;base64,",
    ] {
        assert!(page.contains(needle), "the HTML report lacks {needle}");
    }
    // As PDF, read back with pdftotext.
    let r = get("pdf").await.expect("pdf");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.expect("bytes");
    assert!(pdf.starts_with(b"%PDF-"));
    let path = std::env::temp_dir().join(format!("fangyu-round-{id}-{}.pdf", std::process::id()));
    std::fs::write(&path, &pdf).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().expect("path"), "-"])
        .output()
        .expect("pdftotext");
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let text: String = String::from_utf8_lossy(&out.stdout).split_whitespace().collect();
    for needle in [
        markers[0].as_str(),
        markers[1].as_str(),
        markers[2].as_str(),
        "损坏",
        "丢失",
        "完好",
        "更换界桩桩体",
        "甲方界线员",
        "乙方界线员",
        "王建国",
    ] {
        assert!(text.contains(needle), "the PDF report lacks {needle}: {text}");
    }
    let fonts = std::process::Command::new("pdffonts").arg(&path).output().expect("pdffonts");
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    assert!(fonts.lines().skip(2).any(|l| l.contains(" yes ")), "the font is embedded:\n{fonts}");
    let _ = std::fs::remove_file(&path);

    // The photo comes back as it was sent.
    let photo_id = found["photos"][0]["id"].as_i64().expect("photo id");
    let r = client
        .get(format!("{}/inspection-rounds/{id}/photos/{photo_id}", w.app.base))
        .bearer_auth(&b)
        .send()
        .await
        .expect("photo");
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), photos[0].1.as_slice());

    // Overdue: the damaged marker once its repair is past due; every marker
    // again five years on; completing the repair makes it intact.
    let prefix = &left[..6];
    let (_, soon) =
        w.app.get_json(&format!("/markers/overdue?division={prefix}&as_of=2099-07-01&limit=1000")).await;
    let late: Vec<&Value> = soon["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["id"] == markers[0].as_str())
        .collect();
    assert_eq!(late.len(), 1, "{soon}");
    let reasons: Vec<&str> = late[0]["properties"]["overdue"]
        .as_array()
        .expect("reasons")
        .iter()
        .filter_map(|r| r["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"repair_overdue"), "{reasons:?}");
    let (_, now) = w.app.get_json(&format!("/markers/overdue?division={prefix}&limit=1000")).await;
    let ids: Vec<&str> =
        now["features"].as_array().expect("features").iter().filter_map(|f| f["id"].as_str()).collect();
    assert!(markers.iter().all(|m| !ids.contains(&m.as_str())), "inspected today, none overdue: {ids:?}");
    let rid = repair["id"].as_i64().expect("repair id");
    let (status, done, _) = send(
        &w,
        "POST",
        &format!("/inspection-rounds/{id}/repairs/{rid}/complete"),
        Some(&b),
        None,
        Some(json!({"note": "已更换新桩"})),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    let (_, f) = w.app.get_json(&format!("/markers/{}", markers[0])).await;
    assert_eq!(f["properties"]["condition"], "intact");
}

#[tokio::test]
async fn one_person_cannot_sign_for_both_sides_and_bad_findings_leave_nothing() {
    let w = writable_app("inspection-refusals", |_| {});
    let (line, left, right, markers) = line_with_markers(1);
    let both = officer(&w, "双方界线员", &[&left, &right]).await;
    let outsider = officer(&w, "外地界线员", &["110000"]).await;
    let body = json!({"year": 2025, "lines": [line], "teams": {left.clone(): ["甲"], right.clone(): ["乙"]}});
    let (status, _, _) =
        send(&w, "POST", "/inspection-rounds", Some(&outsider), None, Some(body.clone())).await;
    assert_eq!(status, 403, "an officer of neither side cannot open a round");
    let (status, round, _) = send(&w, "POST", "/inspection-rounds", Some(&both), None, Some(body)).await;
    assert_eq!(status, 201, "{round}");
    let id = round["id"].as_i64().expect("id");
    let findings = |w: &WritableApp| count(w, "SELECT COUNT(*) FROM inspection_findings");
    let photos = |w: &WritableApp| count(w, "SELECT COUNT(*) FROM inspection_photos");
    let (f0, p0) = (findings(&w), photos(&w));
    // Not an image: refused, and the finding it came with is not written either.
    let body = json!({"marker": markers[0], "kind": "damaged", "side": left});
    let (status, problem) =
        finding_with_photos(&w, &both, id, body, &[("说明.png", b"not an image at all".to_vec())]).await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "photo", "{problem}");
    for (body, field) in [
        (json!({"marker": markers[0], "kind": "line_unclear", "side": left}), "kind"),
        (json!({"line": line, "kind": "damaged", "side": left}), "kind"),
        (json!({"marker": "999999999999Q", "kind": "intact", "side": left}), "marker"),
        (
            json!({"line": line, "kind": "terrain_changed", "from_m": 50.0, "to_m": 10.0, "side": left}),
            "from_m",
        ),
        (json!({"marker": markers[0], "kind": "moved", "side": left}), "lon"),
        (json!({"marker": markers[0], "side": left}), "kind"),
    ] {
        let (status, problem, _) = send(
            &w,
            "POST",
            &format!("/inspection-rounds/{id}/findings"),
            Some(&both),
            None,
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, 400, "{body} → {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{body} → {problem}");
    }
    assert_eq!((findings(&w), photos(&w)), (f0, p0), "nothing written");
    // Without `side`, an account covering both must say which.
    let (status, problem, _) = send(
        &w,
        "POST",
        &format!("/inspection-rounds/{id}/findings"),
        Some(&both),
        None,
        Some(json!({"marker": markers[0], "kind": "intact"})),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    for m in &markers {
        let body = json!({"marker": m, "kind": "intact", "side": left});
        let (status, f, _) =
            send(&w, "POST", &format!("/inspection-rounds/{id}/findings"), Some(&both), None, Some(body))
                .await;
        assert_eq!(status, 201, "{f}");
    }
    let (status, _, _) = send(
        &w,
        "POST",
        &format!("/inspection-rounds/{id}/sign"),
        Some(&both),
        None,
        Some(json!({"side": left})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, problem, _) = send(
        &w,
        "POST",
        &format!("/inspection-rounds/{id}/sign"),
        Some(&both),
        None,
        Some(json!({"side": right})),
    )
    .await;
    assert_eq!(status, 403, "the same person cannot sign for the other side: {problem}");
    let (_, r) = w.app.get_json(&format!("/markers/{}", markers[0])).await;
    assert!(r["properties"]["inspected_on"].is_null(), "the round is not closed");
}
