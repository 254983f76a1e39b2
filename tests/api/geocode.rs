//! Forward geocoding over HTTP: `/geocode`, `/geocode/structured`,
//! `/standardize`, `/autocomplete`, the streamed `/geocode/batch`, and the
//! `fangyu geocode` command, against door plates read from the store.

use crate::helpers::{app, demo_store, sqlite};
use serde_json::Value;
use std::process::Command;

/// A road plate with a sub-number, and a compound building, from the store.
fn sample(kind_sql: &str) -> (String, String, String, String) {
    sqlite()
        .query_row(
            &format!(
                "SELECT code, standard_address, street, COALESCE(number, building) FROM addresses \
                 WHERE {kind_sql} ORDER BY fid LIMIT 1"
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("sample address")
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn geocode(q: &str) -> Value {
    let (status, body) = app().get_json(&format!("/geocode?q={}", enc(q))).await;
    assert_eq!(status, 200, "{q}: {body}");
    assert_eq!(body["type"], "FeatureCollection");
    body
}

fn first(body: &Value) -> &Value {
    &body["features"][0]["properties"]
}

fn correction_kinds(p: &Value) -> Vec<String> {
    p["corrections"]
        .as_array()
        .map_or(vec![], |a| a.iter().map(|c| c["kind"].as_str().unwrap_or("").into()).collect())
}

#[tokio::test]
async fn a_standard_address_finds_its_plate_and_the_plate_record_agrees() {
    let (code, standard, _, _) = sample("kind = 'road_plate' AND number_sub IS NOT NULL");
    let body = geocode(&standard).await;
    let p = first(&body);
    assert_eq!(p["match_level"], "door_plate");
    assert_eq!(p["address_code"], code);
    assert_eq!(p["standard_address"], standard);
    assert_eq!(p["confidence"], 1.0);
    let levels: Vec<&str> =
        p["divisions"].as_array().unwrap().iter().map(|d| d["level"].as_str().unwrap()).collect();
    assert_eq!(levels[0], "province");
    // The point is the plate's, as /addresses tells it.
    let (_, rec) = app().get_json(&format!("/addresses/{code}")).await;
    let (a, b) = (&body["features"][0]["geometry"]["coordinates"], &rec["geometry"]["coordinates"]);
    assert!((a[0].as_f64().unwrap() - b[0].as_f64().unwrap()).abs() < 1e-6, "{a} vs {b}");
}

#[tokio::test]
async fn noisy_forms_reach_the_same_plate_and_say_what_was_corrected() {
    let (code, standard, street, number) = sample("kind = 'road_plate' AND division_code LIKE '330213%'");
    // 奉化市 is the old name of 奉化区; digits full-width; a space.
    let full_width: String = number
        .chars()
        .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 + 0xFEE0).unwrap() } else { c })
        .collect();
    let q = format!("宁波 奉化市{street}{full_width}");
    let body = geocode(&q).await;
    let p = first(&body);
    assert_eq!(p["address_code"], code, "{q} → {p}");
    assert_eq!(p["standard_address"], standard);
    let kinds = correction_kinds(p);
    for k in ["old_name", "full_width", "short_name", "spacing"] {
        assert!(kinds.iter().any(|x| x == k), "{k} missing from {kinds:?}");
    }
    assert!(p["confidence"].as_f64().unwrap() < 1.0);
}

#[tokio::test]
async fn an_ambiguous_county_answers_every_reading() {
    let body = geocode("江苏省鼓楼区").await;
    let feats = body["features"].as_array().unwrap();
    let cities: Vec<&str> =
        feats.iter().map(|f| f["properties"]["divisions"][1]["name"].as_str().unwrap_or("")).collect();
    assert!(cities.contains(&"南京市") && cities.contains(&"徐州市"), "{cities:?}");
    assert!(feats.iter().all(|f| correction_kinds(&f["properties"]).contains(&"ambiguous".to_string())));
    // Context decides.
    let p = first(&geocode("南京鼓楼区").await).clone();
    assert_eq!(p["divisions"][1]["name"], "南京市");
}

#[tokio::test]
async fn no_match_is_an_empty_collection_and_bad_queries_are_problems() {
    let body = geocode("QWERTY").await;
    assert_eq!(body["features"].as_array().unwrap().len(), 0);
    for (path, field) in [
        ("/geocode?q=", "q"),
        ("/geocode?q=%20%20", "q"),
        ("/geocode", "q"),
        ("/geocode?q=%E5%AE%81%E6%B3%A2&limit=0", "limit"),
        ("/geocode?q=%E5%AE%81%E6%B3%A2&division=12ab", "division"),
        ("/geocode?q=%E5%AE%81%E6%B3%A2&at=2020-13-01", "at"),
        ("/standardize?q=", "q"),
        ("/autocomplete", "q"),
        ("/geocode/structured", "province"),
    ] {
        let (status, body) = app().get_json(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["type"], "/problems/invalid-parameter", "{path}");
        assert_eq!(body["errors"][0]["field"], field, "{path}");
    }
    let long = "路".repeat(201);
    let (status, _) = app().get_json(&format!("/geocode?q={}", enc(&long))).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn structured_parts_and_standardize_agree_with_free_text() {
    let (code, standard, street, number) = sample("kind = 'road_plate' AND division_code LIKE '330203%'");
    let main = number.trim_end_matches('号');
    let path = format!(
        "/geocode/structured?city={}&county={}&road={}&number={}",
        enc("宁波"),
        enc("海曙区"),
        enc(&street),
        enc(main)
    );
    let (status, body) = app().get_json(&path).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(first(&body)["address_code"], code);
    let (status, s) =
        app().get_json(&format!("/standardize?q={}", enc(&format!("海曙{street}{number}")))).await;
    assert_eq!(status, 200);
    assert_eq!(s["standard_address"], standard);
    assert!(s["corrections"].as_array().unwrap().iter().any(|c| c["kind"] == "short_name"));
}

#[tokio::test]
async fn autocomplete_suggests_by_prefix_and_by_pinyin_initials() {
    let (status, body) = app().get_json(&format!("/autocomplete?q={}", enc("海曙"))).await;
    assert_eq!(status, 200);
    let texts: Vec<&str> =
        body["suggestions"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"海曙区"), "{texts:?}");
    let (_, body) = app().get_json("/autocomplete?q=hsq&division=330200").await;
    let s = &body["suggestions"][0];
    assert_eq!(s["text"], "海曙区", "{body}");
    assert_eq!(s["match"], "pinyin");
    assert!(s["context"].as_str().unwrap().starts_with("浙江省宁波市"));
}

async fn post(body: String, content_type: &str, query: &str) -> (u16, String) {
    let r = app()
        .client()
        .post(format!("{}/geocode/batch{query}", app().base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("post");
    (r.status().as_u16(), r.text().await.expect("body"))
}

#[tokio::test]
async fn batch_csv_streams_every_row_with_its_own_result_or_error() {
    let rows: Vec<(String, String)> = {
        let c = sqlite();
        let mut st = c
            .prepare(
                "SELECT code, standard_address FROM addresses WHERE kind <> 'room' ORDER BY fid LIMIT 20000",
            )
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    let mut csv = String::from("id,addr\n");
    for (i, (_, a)) in rows.iter().enumerate() {
        csv.push_str(&format!("{i},\"{a}\"\n"));
    }
    csv.push_str("bad,\n");
    let (status, out) = post(csv, "text/csv", "?column=addr").await;
    assert_eq!(status, 200);
    let mut rdr = csv::Reader::from_reader(out.as_bytes());
    let head = rdr.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap_or_else(|| panic!("{n} in {head:?}"));
    let recs: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), rows.len() + 1, "one output row per input row");
    let right = recs.iter().zip(&rows).filter(|(r, (code, _))| &r[col("address_code")] == code).count();
    assert_eq!(right, rows.len(), "every standard address finds its own plate");
    let last = recs.last().unwrap();
    assert_eq!(&last[col("id")], "bad");
    assert_eq!(&last[col("error")], "地址为空");
}

#[tokio::test]
async fn batch_ndjson_echoes_fields_and_reports_bad_lines() {
    let (code, standard, _, _) = sample("kind = 'building'");
    let body = format!("{{\"id\":\"a\",\"address\":\"{standard}\"}}\nnot json\n{{\"id\":\"c\"}}\n");
    let (status, out) = post(body, "application/x-ndjson", "").await;
    assert_eq!(status, 200);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "a");
    assert_eq!(lines[0]["address_code"], code);
    assert!(lines[1]["error"].as_str().unwrap().contains("JSON"));
    assert_eq!(lines[2]["id"], "c");
    assert!(lines[2]["error"].as_str().unwrap().contains("address"));
}

#[tokio::test]
async fn batch_refuses_unknown_formats_and_missing_columns() {
    let (status, body) = post("x".into(), "text/plain", "").await;
    assert_eq!(status, 415);
    assert!(body.contains("/problems/unsupported-media-type"));
    let (status, body) = post("id,a\n1,x\n".into(), "text/csv", "").await;
    assert_eq!(status, 400);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["errors"][0]["field"], "column");
}

#[test]
fn the_geocode_command_writes_results_for_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (code, standard, _, _) = sample("kind = 'rural_plate'");
    let input = dir.path().join("in.csv");
    std::fs::write(&input, format!("address,note\n\"{standard}\",x\n")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .args(["geocode", input.to_str().unwrap(), "--column", "address", "--store"])
        .arg(demo_store())
        .output()
        .expect("run fangyu geocode");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rec = rdr.records().next().unwrap().unwrap();
    assert_eq!(&rec[1], "x", "input columns are kept");
    assert!(rec.iter().any(|f| f == code), "{text}");
}

/// A village whose township's code is not its own code's prefix (townships
/// merged after the village codes were issued): its township is known only
/// from the parent link, and naming that township is not a mistake.
#[tokio::test]
async fn a_village_belongs_to_its_parent_township_whatever_its_code_prefix() {
    let (code, standard, village, township, other): (String, String, String, String, String) = sqlite()
        .query_row(
            "SELECT a.code, a.standard_address, v.name, t.name, o.name FROM addresses a \
             JOIN divisions v ON v.code = a.division_code AND v.valid_to IS NULL \
             JOIN divisions t ON t.code = v.parent_code AND t.valid_to IS NULL \
             JOIN divisions o ON o.parent_code = t.parent_code AND o.code <> t.code AND o.valid_to IS NULL \
             WHERE a.kind = 'rural_plate' AND v.level = 5 AND substr(v.code, 1, 9) <> v.parent_code \
               AND length(v.name) >= 3 \
               AND (SELECT count(*) FROM divisions w WHERE w.name = v.name AND w.level = 5 \
                    AND substr(w.code, 1, 6) = substr(v.code, 1, 6)) = 1 \
             ORDER BY a.fid, o.code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("a village under a township of another code prefix");
    let (head, tail) = standard.split_once(&village).expect("village in the standard address");
    assert!(head.ends_with(&township), "{standard}");
    // One character of the village name mistyped: found by the fuzzy search.
    let typo: String = std::iter::once('彧').chain(village.chars().skip(1)).collect();
    let p = first(&geocode(&format!("{head}{typo}{tail}")).await).clone();
    assert_eq!(p["address_code"], code, "{head}{typo}{tail} → {p}");
    let kinds = correction_kinds(&p);
    assert!(kinds.contains(&"fuzzy_name".into()) && !kinds.contains(&"wrong_part".into()), "{kinds:?}");
    // Under a sibling township the text has other readings as good; the
    // plate is still among them, with the township marked wrong.
    let wrong = format!("{}{other}{typo}{tail}", head.strip_suffix(&township).unwrap());
    let (_, body) = app().get_json(&format!("/geocode?q={}&limit=10", enc(&wrong))).await;
    let q = body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["properties"])
        .find(|q| q["address_code"] == code)
        .unwrap_or_else(|| panic!("{wrong} → {body}"));
    assert!(correction_kinds(q).contains(&"wrong_part".into()), "{wrong} → {q}");
    assert!(q["confidence"].as_f64() < p["confidence"].as_f64());
}

/// Short forms running into a generic term that starts the next name: 宁波镇海
/// is 宁波市 + 镇海区 (not a town 宁波镇), 宁海路下施村 is 宁海县 + 路下施村.
#[tokio::test]
async fn a_short_form_followed_by_a_name_starting_with_a_generic_term_is_read_as_two_names() {
    let (code, _, street, number) = sample("kind = 'road_plate' AND division_code LIKE '330211%'");
    let q = format!("宁波镇海{street}{number}");
    let p = first(&geocode(&q).await).clone();
    assert_eq!(p["address_code"], code, "{q} → {p}");
    let village_plate: Option<(String, String)> = sqlite()
        .query_row(
            "SELECT a.code, v.name || a.group_no || '组' || a.number FROM addresses a \
             JOIN divisions v ON v.code = a.division_code AND v.valid_to IS NULL \
             WHERE a.kind = 'rural_plate' AND v.name LIKE '路%村' AND a.division_code LIKE '330226%' \
             ORDER BY a.fid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    let (code, rest) = village_plate.expect("a village of 宁海县 whose name starts with 路");
    let q = format!("宁波宁海{rest}");
    let p = first(&geocode(&q).await).clone();
    assert_eq!(p["address_code"], code, "{q} → {p}");
}

/// The deepest division code of an answer.
fn division_code(p: &Value) -> String {
    let chain = p["divisions"].as_array().cloned().unwrap_or_default();
    chain.last().and_then(|d| d["code"].as_str()).unwrap_or("").to_string()
}

#[tokio::test]
async fn divisions_without_a_level_in_between_and_functional_areas_resolve_where_they_lie() {
    // Cities without districts (towns directly under the city) and
    // county-level units directly under a province: confident, in place.
    // Functional areas that are no legal division: the city or the named
    // district they lie in, less confident — never a same-named place
    // elsewhere; a district the address names stays the answer where a new
    // area or zone overlaps it (the tree files 施家梁镇 under 两江新区).
    for (q, code, confident) in [
        ("广东省东莞市虎门镇", "441900", true),
        ("海南省儋州市那大镇", "4604", true),
        ("嘉峪关市峪泉镇", "6202", true),
        ("湖北省潜江市园林街道", "429005", true),
        ("湖北省神农架林区松柏镇", "429021", true),
        ("新疆石河子市", "659001", true),
        ("东莞市松山湖高新区", "441900", false),
        ("广东省中山市火炬开发区", "442000", false),
        ("成都市高新区", "5101", false),
        ("重庆市北碚区施家梁镇", "500109", false),
        ("四川省成都市双流区天府新区", "510116", false),
        ("浙江省宁波市北仑区宁波保税区", "330206", false),
    ] {
        let body = geocode(q).await;
        let p = first(&body);
        assert!(division_code(p).starts_with(code), "{q} → {p}");
        assert_eq!(p["confidence"].as_f64().unwrap() >= 0.9, confident, "{q} → {p}");
    }
}

#[tokio::test]
async fn an_address_inside_other_text_is_found_and_the_rest_reported() {
    for q in [
        "收件地址：浙江省宁波市鄞州区",
        "张伟 13912345678 浙江省宁波市鄞州区",
        "我住在浙江省宁波市鄞州区附近",
        "联系人：王芳\n地址：浙江省宁波市鄞州区\n邮编：315000",
    ] {
        let body = geocode(q).await;
        let p = first(&body);
        assert_eq!(division_code(p), "330212", "{q} → {p}");
        assert!(correction_kinds(p).contains(&"ignored_text".into()), "{q} → {p}");
        assert!(p["confidence"].as_f64().unwrap() >= 0.9, "{q} → {p}");
    }
    // The phone number is among what was left out, not read as a number.
    let body = geocode("张伟 13912345678 浙江省宁波市鄞州区").await;
    let ignored: Vec<&str> = first(&body)["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "ignored_text")
        .filter_map(|c| c["from"].as_str())
        .collect();
    assert!(ignored.contains(&"13912345678") && ignored.contains(&"张伟"), "{ignored:?}");
}

#[tokio::test]
async fn an_old_county_name_after_its_prefecture_is_todays_successor_or_as_it_was() {
    // 鄞县 became 鄞州区 in 2002.
    let body = geocode("宁波市鄞县").await;
    let p = first(&body);
    assert_eq!(division_code(p), "330212", "{p}");
    assert!(correction_kinds(p).contains(&"old_name".into()), "{p}");
    assert!(p["confidence"].as_f64().unwrap() >= 0.9, "{p}");
    // Asked as it was in 2000, the county of that day answers.
    let (status, body) = app().get_json(&format!("/geocode?q={}&at=2000-06-01", enc("宁波市鄞县"))).await;
    assert_eq!(status, 200);
    let p = first(&body);
    let last = p["divisions"].as_array().and_then(|c| c.last().cloned()).unwrap_or_default();
    assert_eq!(last["name"], "鄞县", "{p}");
}
