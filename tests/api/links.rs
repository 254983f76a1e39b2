//! One address, every department, over HTTP on the demo store: a police
//! system links a household to an address code (only its own system may),
//! finds the address by its record, and still finds it after the plate is
//! renumbered; a department's CSV of free-text addresses is matched and
//! linked in bulk, each row saying whether it was written non-standard, and
//! summarised per township as the bureau's letter.

use crate::division_changes::staff;
use crate::helpers::WritableApp;
use crate::helpers::writable_app;
use crate::review::send;
use serde_json::{Value, json};

/// A token of role `department` for an account of `system`.
async fn department(w: &WritableApp, system: &str) -> String {
    let body = json!({"name": format!("{system}接口"), "department": system, "roles": ["department"]});
    let (status, a, _) = send(w, "POST", "/accounts", Some(&w.admin), None, Some(body)).await;
    assert_eq!(status, 201, "{a}");
    let body = json!({"account": a["id"], "role": "department", "days": 30});
    let (status, t, _) = send(w, "POST", "/tokens", Some(&w.admin), None, Some(body)).await;
    assert_eq!(status, 201, "{t}");
    t["token"].as_str().expect("secret").to_string()
}

/// Current road plates of 海曙区 without infill: (code, standard address,
/// road id, number).
fn plates(w: &WritableApp, n: usize) -> Vec<(String, String, i64, String)> {
    let c = rusqlite::Connection::open(&w.store).expect("open");
    let mut stmt = c
        .prepare(
            "SELECT code, standard_address, place_fid, number FROM addresses WHERE kind = 'road_plate' \
             AND status = 'current' AND division_code LIKE '330203%' AND number_sub IS NULL AND number_prefix IS NULL \
             ORDER BY code LIMIT ?1",
        )
        .expect("sql");
    stmt.query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("plates")
}

#[tokio::test]
async fn a_record_follows_its_address_through_a_renumbering() {
    let w = writable_app("links", |_| {});
    let police = department(&w, "公安户籍").await;
    let market = department(&w, "市场监管").await;
    let clerk = staff(&w, "区民政局地名科", "reviewer").await;
    let (code, text, road, number) = plates(&w, 1).remove(0);
    let path = format!("/addresses/{code}/links");
    let body = json!({"system": "公安户籍", "record": "户-0001"});

    let (status, l, _) = send(&w, "POST", &path, Some(&police), None, Some(body.clone())).await;
    assert_eq!(status, 201, "{l}");
    assert_eq!(l["address"]["standard_address"], text.as_str());
    let (status, _, _) = send(&w, "POST", &path, Some(&police), None, Some(body.clone())).await;
    assert_eq!(status, 200, "linked again: the same link");
    let (status, p, _) = send(&w, "POST", &path, Some(&market), None, Some(body.clone())).await;
    assert_eq!(status, 403, "another department's system: {p}");
    let (status, _, _) = send(&w, "POST", &path, Some(&clerk), None, Some(body)).await;
    assert_eq!(status, 403, "civil-affairs staff do not link departments' records");
    let (other, ..) = plates(&w, 2).remove(1);
    let (status, p, _) = send(
        &w,
        "POST",
        &format!("/addresses/{other}/links"),
        Some(&police),
        None,
        Some(json!({"system": "公安户籍", "record": "户-0001"})),
    )
    .await;
    assert_eq!(status, 409, "one record, one address: {p}");
    for (body, field) in [
        (json!({"system": "公安户籍", "record": ""}), "record"),
        (json!({"system": "", "record": "x"}), "system"),
    ] {
        let (status, p, _) = send(&w, "POST", &path, Some(&police), None, Some(body)).await;
        assert_eq!((status, p["errors"][0]["field"].as_str()), (400, Some(field)), "{p}");
    }

    let find = "/links?system=%E5%85%AC%E5%AE%89%E6%88%B7%E7%B1%8D&record=%E6%88%B7-0001";
    let (status, found, _) = send(&w, "GET", find, Some(&police), None, None).await;
    assert_eq!((status, found["address"]["address_code"].as_str()), (200, Some(code.as_str())), "{found}");
    let (status, _, _) = send(&w, "GET", find, Some(&market), None, None).await;
    assert_eq!(status, 403, "another department's records are not shown");

    // The plate is renumbered: the record follows it.
    let main: u32 = number.trim_end_matches('号').parse().expect("number");
    let renumber =
        json!({"reason": "门牌整顿", "numbers": [{"from": number, "to": format!("{}号", main + 2000)}]});
    let (status, r, _) =
        send(&w, "POST", &format!("/roads/{road}/renumber"), Some(&clerk), None, Some(renumber)).await;
    assert_eq!(status, 200, "{r}");
    let new = r["renumbered"][0]["new_code"].as_str().expect("new code").to_string();
    let (_, found, _) = send(&w, "GET", find, Some(&police), None, None).await;
    assert_eq!(found["address"]["address_code"], new.as_str(), "{found}");
    assert_eq!(found["moved"], true);
    let (_, listed, _) = send(&w, "GET", &format!("/addresses/{new}/links"), Some(&police), None, None).await;
    assert_eq!(listed["links"][0]["record"], "户-0001", "{listed}");
    let (_, listed, _) = send(&w, "GET", &format!("/addresses/{new}/links"), Some(&market), None, None).await;
    assert_eq!(listed["count"], 0, "{listed}");
}

#[tokio::test]
async fn a_departments_csv_is_matched_linked_and_summarised() {
    let w = writable_app("links-match", |_| {});
    let police = department(&w, "公安户籍").await;
    let rows = plates(&w, 120);
    // Every third written without the province (non-standard), every
    // fifth with the digits in full width (non-standard), the rest as
    // the standard address; and four rows no address matches.
    let mut csv = String::from("record,address\n");
    let mut expected_non_standard = 0;
    for (i, (_, text, _, _)) in rows.iter().enumerate() {
        let written = if i % 3 == 0 {
            expected_non_standard += 1;
            text.trim_start_matches("浙江省").to_string()
        } else if i % 5 == 0 {
            expected_non_standard += 1;
            text.chars()
                .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c })
                .collect()
        } else {
            text.clone()
        };
        csv.push_str(&format!("R{i},{written}\n"));
    }
    for i in 0..4 {
        csv.push_str(&format!("X{i},无此地址{i}\n"));
    }
    let post = |query: &str| {
        let url = format!("{}/links/match?{query}", w.app.base);
        let (token, body) = (police.clone(), csv.clone());
        async move {
            reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .expect("match")
        }
    };
    let out = post("link=true").await;
    assert_eq!(out.status(), 200);
    let text = out.text().await.expect("csv");
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let head = rdr.headers().expect("header").clone();
    let col =
        |name: &str| head.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {head:?}"));
    let (rec, code, ns, linked) = (col("record"), col("address_code"), col("non_standard"), col("linked"));
    let records: Vec<csv::StringRecord> = rdr.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(records.len(), rows.len() + 4);
    let mut non_standard = 0;
    for (i, (want, ..)) in rows.iter().enumerate() {
        let r = &records[i];
        assert_eq!(&r[rec], format!("R{i}"));
        assert_eq!(&r[code], want.as_str(), "row {i}: {r:?}");
        assert_eq!(&r[linked], "true", "row {i}: {r:?}");
        non_standard += usize::from(&r[ns] == "true");
    }
    assert_eq!(non_standard, expected_non_standard);
    for r in &records[rows.len()..] {
        assert!(r[code].is_empty() && &r[linked] == "false", "{r:?}");
    }
    // Linked in bulk: a record finds its address.
    let (status, found, _) = send(
        &w,
        "GET",
        "/links?system=%E5%85%AC%E5%AE%89%E6%88%B7%E7%B1%8D&record=R7",
        Some(&police),
        None,
        None,
    )
    .await;
    assert_eq!(
        (status, found["address"]["address_code"].as_str()),
        (200, Some(rows[7].0.as_str())),
        "{found}"
    );

    // The summary: the non-standard rows per township, and the letter.
    let s: Value = post("output=summary").await.json().await.expect("summary");
    assert_eq!(s["rows"], rows.len() + 4, "{s}");
    assert_eq!(s["unmatched"], 4, "{s}");
    assert_eq!(s["non_standard"], expected_non_standard, "{s}");
    let by: u64 = s["by_division"]
        .as_array()
        .expect("divisions")
        .iter()
        .map(|d| d["non_standard"].as_u64().unwrap())
        .sum();
    assert_eq!(by as usize, expected_non_standard, "{s}");
    assert!(s["by_division"][0]["name"].as_str().is_some_and(|n| n.starts_with("浙江省宁波市海曙区")), "{s}");
    let letter = s["letter"].as_str().expect("letter");
    assert!(
        letter.starts_with("公安户籍")
            && letter.contains(&format!("{expected_non_standard} 条地址书写不规范")),
        "{letter}"
    );

    // NDJSON: the same columns as fields, the record echoed.
    let ndjson = format!(
        "{}\n{}\n",
        json!({"record": "N1", "address": rows[1].1}),
        json!({"record": "N2", "address": rows[2].1.trim_start_matches("浙江省")})
    );
    let out = reqwest::Client::new()
        .post(format!("{}/links/match", w.app.base))
        .bearer_auth(&police)
        .header("content-type", "application/x-ndjson")
        .body(ndjson)
        .send()
        .await
        .expect("ndjson");
    assert_eq!(out.status(), 200);
    let lines: Vec<Value> =
        out.text().await.expect("body").lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0]["record"].as_str(), lines[0]["non_standard"].as_bool()), (Some("N1"), Some(false)));
    assert_eq!(
        (lines[1]["address_code"].as_str(), lines[1]["non_standard"].as_bool()),
        (Some(rows[2].0.as_str()), Some(true))
    );

    // Bad input.
    let r = post("output=pdf").await;
    assert_eq!(r.status(), 400);
    let r = post("column=addr").await;
    assert_eq!(r.status(), 400);
    let r = reqwest::Client::new()
        .post(format!("{}/links/match", w.app.base))
        .body(csv.clone())
        .header("content-type", "text/csv")
        .send()
        .await
        .expect("anonymous");
    assert_eq!(r.status(), 401);
}
