//! Division changes over HTTP on the national demo store: 宁海县 becomes a
//! district through the API (the old name geocodes to the new district,
//! its plates carry the new division, old address codes resolve, the
//! feed lists it, lines keep their numbers, the audit holds); a boundary
//! adjustment that would overlap a neighbour is refused with nothing
//! written, the same land moved on both sides is applied; a merge and a
//! split re-code what lies below; a change for a later day waits for it;
//! refusals name their field.

use crate::boundaries::line_between;
use crate::helpers::{WritableApp, sqlite, writable_app};
use crate::review::send;
use fangyu::boundaries::numbering::Walk;
use fangyu::index::metric::LocalFrame;
use fangyu::model::DivisionCode;
use fangyu::store::{BoundaryLineRow, DivisionRow, Store};
use geo::{BooleanOps, Contains, Coord, LineString, MultiPolygon, Polygon, Rect};
use serde_json::{Value, json};

/// An account with `role` and a token for it.
pub(crate) async fn staff(w: &WritableApp, name: &str, role: &str) -> String {
    crate::boundaries::person(w, name, role, &[]).await
}

fn today() -> String {
    chrono::Local::now().date_naive().to_string()
}

fn count(w: &WritableApp, sql: &str) -> i64 {
    rusqlite::Connection::open(&w.store).and_then(|c| c.query_row(sql, [], |r| r.get(0))).expect(sql)
}

/// The next district code under 宁波市 by GB/T 2260 as the store's codes
/// say: above every district code (02–20) ever used.
fn next_district(w: &WritableApp) -> String {
    let c = rusqlite::Connection::open(&w.store).expect("open");
    let mut stmt =
        c.prepare("SELECT DISTINCT code FROM divisions WHERE code LIKE '3302__'").expect("prepare");
    let used: Vec<u32> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .expect("query")
        .filter_map(|c| c.ok()?[4..].parse().ok())
        .filter(|n| (1..=20).contains(n))
        .collect();
    format!("3302{:02}", used.iter().max().map_or(2, |m| m + 1).max(2))
}

async fn feed(w: &WritableApp, path: &str) -> Value {
    let (status, page, _) = send(w, "GET", path, Some(&w.admin), None, None).await;
    assert_eq!(status, 200, "{page}");
    page
}

/// Approves request `id` as `token` and waits until it is applied (or
/// failed) and the change feed announces the version of `code` that
/// starts (the feed announces a change once every index answers it).
async fn approve_and_wait(w: &WritableApp, token: &str, id: &Value, code: &str) -> Value {
    let since = feed(w, &format!("/changes?since={}", i64::MAX)).await["next"].as_i64().expect("head");
    let (status, p) = decide(w, token, id, "approve", None).await;
    assert_eq!(status, 202, "{p}");
    assert_eq!(p["state"], "scheduled", "{p}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let (status, r, _) =
            send(w, "GET", &format!("/division-changes/{id}"), Some(token), None, None).await;
        assert_eq!(status, 200, "{r}");
        let page = feed(w, &format!("/changes?since={since}&kind=division&limit=1000")).await;
        let announced = page["changes"]
            .as_array()
            .is_some_and(|c| c.iter().any(|e| e["code"] == code && e["action"] == "create"));
        if r["state"] == "failed" || (r["state"] == "applied" && announced) {
            return r;
        }
        assert!(std::time::Instant::now() < deadline, "not applied: {r}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until `path` answers 200 with what `ok` wants (the server follows
/// a change another process wrote).
async fn wait_for(w: &WritableApp, path: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        let (status, v) = w.app.get_json(path).await;
        if status == 200 && ok(&v) {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "{path}: {v}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn propose(w: &WritableApp, token: &str, body: Value) -> (u16, Value) {
    let (status, v, _) = send(w, "POST", "/division-changes", Some(token), None, Some(body)).await;
    (status, v)
}

async fn decide(w: &WritableApp, token: &str, id: &Value, action: &str, note: Option<&str>) -> (u16, Value) {
    let body = note.map(|n| json!({"note": n}));
    let (status, v, _) =
        send(w, "POST", &format!("/division-changes/{id}/{action}"), Some(token), None, body).await;
    (status, v)
}

#[tokio::test]
async fn a_county_becomes_a_district_and_its_addresses_plates_lines_and_feed_follow() {
    let w = writable_app("division-change-ninghai", |_| {});
    let reviewer = staff(&w, "区划处审核员", "reviewer").await;
    let new_code = next_district(&w);
    let addresses = count(&w, "SELECT COUNT(*) FROM addresses WHERE division_code LIKE '330226%'");
    assert!(addresses > 1000, "宁海县 has its plates in the demo store: {addresses}");
    // A plate of 宁海县 and the lines with 宁海县 on one side.
    let (old_code, standard, lon, lat): (String, String, f64, f64) = sqlite()
        .query_row(
            "SELECT code, standard_address, lon, lat FROM addresses WHERE division_code LIKE '330226%' \
             AND kind = 'road_plate' ORDER BY code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("a plate in 宁海县");
    assert!(standard.contains("宁海县"), "{standard}");
    let lines_before: Vec<String> = {
        let c = rusqlite::Connection::open(&w.store).expect("open");
        let mut stmt = c
            .prepare("SELECT code FROM boundary_lines WHERE retired_on IS NULL AND (left_code = '330226' OR right_code = '330226') ORDER BY code")
            .expect("prepare");
        stmt.query_map([], |r| r.get(0)).expect("query").collect::<Result<_, _>>().expect("rows")
    };
    assert!(!lines_before.is_empty());
    let since = feed(&w, &format!("/changes?since={}", i64::MAX)).await["next"].as_i64().expect("head");

    // The reviewer proposes; the plan names the next district code.
    let body = json!({"kind": "reclassify", "code": "330226", "new_name": "宁海区", "effective_on": today(),
        "doc_no": "国函〔2026〕88号", "reason": "经国务院批准，撤销宁海县，设立宁波市宁海区"});
    let (status, req) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 202, "{req}");
    assert_eq!(req["state"], "proposed");
    assert_eq!(req["label"], "撤县设区");
    assert_eq!(req["plan"]["starts"][0]["code"], new_code.as_str(), "{req}");
    // Nothing changes before approval; the reviewer cannot approve.
    let (status, _) = w.app.get_json(&format!("/divisions/{new_code}")).await;
    assert_eq!(status, 404);
    let (status, p) = decide(&w, &reviewer, &req["id"], "approve", None).await;
    assert_eq!(status, 403, "{p}");

    // An administrator approves: the day has come, so it applies now.
    let done = approve_and_wait(&w, &w.admin, &req["id"], &new_code).await;
    assert_eq!(done["state"], "applied", "{done}");
    assert_eq!(done["outcome"]["addresses_recoded"].as_i64(), Some(addresses), "{}", done["outcome"]);

    // The new district, its history, and the county as it was.
    let (status, d) = w.app.get_json(&format!("/divisions/{new_code}")).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["properties"]["name"], "宁海区");
    let changes = d["properties"]["changes"].as_array().expect("changes");
    assert!(changes.iter().any(|c| c["old_code"] == "330226" && c["kind"] == "撤县设区"), "{d}");
    let (_, was) = w.app.get_json("/divisions/330226?at=2020-01-01").await;
    assert_eq!(was["properties"]["name"], "宁海县", "{was}");

    // The old name geocodes into the new district.
    let (status, g) = w.app.get_json(&format!("/geocode?q={standard}")).await;
    assert_eq!(status, 200, "{g}");
    let top = &g["features"][0]["properties"];
    let chain = top.to_string();
    assert!(chain.contains(&new_code) && chain.contains("宁海区"), "{g}");

    // The plate carries the new division under its new code; the old code
    // resolves to it.
    let (status, a) = w.app.get_json(&format!("/addresses/{old_code}")).await;
    assert_eq!(status, 200, "{a}");
    let p = &a["properties"];
    assert_eq!(p["resolved_from"]["code"], old_code.as_str(), "{a}");
    let new_address = p["address_code"].as_str().expect("code").to_string();
    assert!(new_address.starts_with(&new_code) && new_address[6..] == old_code[6..], "{a}");
    assert!(p["division_code"].as_str().is_some_and(|c| c.starts_with(&new_code)), "{a}");
    let text = p["standard_address"].as_str().expect("text");
    assert!(text.contains("宁海区") && !text.contains("宁海县"), "{a}");
    let (_, r) = w.app.get_json(&format!("/reverse?lon={lon}&lat={lat}")).await;
    assert!(r.to_string().contains(&new_code) && !r.to_string().contains("\"330226\""), "{r}");
    let (_, r) = w.app.get_json(&format!("/reverse?lon={lon}&lat={lat}&at=2020-01-01")).await;
    assert!(r.to_string().contains("\"330226\"") && r.to_string().contains("宁海县"), "as it was: {r}");

    // The lines keep their numbers with the new side.
    let (_, fc) = w.app.get_json(&format!("/boundaries?division={new_code}&limit=100")).await;
    let mut lines: Vec<String> = fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter_map(|f| f["properties"]["id"].as_str().map(str::to_string))
        .collect();
    lines.sort();
    assert_eq!(lines, lines_before, "{fc}");

    // The feed lists the change: the county retired, the district created,
    // the addresses re-coded.
    let page = feed(&w, &format!("/changes?since={since}&kind=division&limit=1000")).await;
    let entries = page["changes"].as_array().expect("changes");
    assert!(entries.iter().any(|e| e["code"] == "330226" && e["action"] == "retire"), "{page}");
    assert!(entries.iter().any(|e| e["code"] == new_code.as_str() && e["action"] == "create"), "{page}");
    let page = feed(&w, &format!("/changes?since={since}&kind=address&limit=10")).await;
    assert!(page["changes"].as_array().is_some_and(|c| !c.is_empty()), "{page}");

    // Applied once: a second approval is refused; the audit holds.
    let (status, again) = decide(&w, &w.admin, &req["id"], "approve", None).await;
    assert_eq!(status, 409, "{again}");
    let (status, v, _) = send(&w, "GET", "/audit/verify", Some(&w.admin), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(v["intact"], true, "{v}");
}

/// 奉化区 and 鄞州区 from the store, the middle of their line, and a 600 m
/// square around it.
fn square_on_the_line(w: &WritableApp) -> (MultiPolygon<f64>, MultiPolygon<f64>, Polygon<f64>) {
    let store = Store::open(&w.store).expect("store");
    let line = line_between("330212", "330213");
    let (yinzhou, fenghua, walk) = store
        .read(|c| {
            let y =
                DivisionRow::current(c, &DivisionCode::parse("330212").expect("code"))?.and_then(|d| d.geom);
            let f =
                DivisionRow::current(c, &DivisionCode::parse("330213").expect("code"))?.and_then(|d| d.geom);
            let line = BoundaryLineRow::get(c, &line)?.and_then(|l| l.geom).expect("line geometry");
            Ok((y.expect("鄞州区"), f.expect("奉化区"), Walk::new(&line)))
        })
        .expect("read");
    let middle = walk.point_at(walk.length_m / 2.0).expect("middle of the line");
    let frame = LocalFrame::new(middle);
    let ring: Vec<Coord<f64>> =
        [(-300.0, -300.0), (300.0, -300.0), (300.0, 300.0), (-300.0, 300.0), (-300.0, -300.0)]
            .iter()
            .map(|&(x, y)| frame.unproject(x, y))
            .collect();
    (yinzhou, fenghua, Polygon::new(LineString(ring), vec![]))
}

#[tokio::test]
async fn an_overlapping_boundary_is_refused_with_nothing_written_and_a_true_adjustment_applies() {
    let w = writable_app("division-change-adjust", |_| {});
    let reviewer = staff(&w, "区划处审核员", "reviewer").await;
    let (yinzhou, fenghua, square) = square_on_the_line(&w);
    let requests = || count(&w, "SELECT COUNT(*) FROM division_change_requests");
    let log = || count(&w, "SELECT COUNT(*) FROM change_log");
    let (r0, l0) = (requests(), log());
    let moving = geo::InteriorPoint::interior_point(&yinzhou.intersection(&square)).expect("land that moves");
    let (_, r) = w.app.get_json(&format!("/reverse?lon={}&lat={}", moving.x(), moving.y())).await;
    assert!(r.to_string().contains("330212"), "鄞州区 before: {r}");

    // 奉化区 takes the square, 鄞州区 keeps it: they would overlap.
    let grown = fenghua.union(&square);
    let body = json!({"kind": "adjust_boundary", "effective_on": today(), "reason": "界线调整",
        "parts": [{"code": "330213", "geometry": geojson::Geometry::from(&grown)}]});
    let (status, p) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["type"], "/problems/geometry-conflict", "{p}");
    assert!(p["detail"].as_str().is_some_and(|d| d.contains("鄞州区") && d.contains("重叠")), "{p}");
    assert_eq!((requests(), log()), (r0, l0), "nothing written");

    // Both sides redrawn: the square moves from 鄞州区 to 奉化区.
    let shrunk = yinzhou.difference(&square);
    let body = json!({"kind": "adjust_boundary", "effective_on": today(), "reason": "界线调整", "doc_no": "浙政函〔2026〕5号",
        "parts": [{"code": "330212", "geometry": geojson::Geometry::from(&shrunk)},
                  {"code": "330213", "geometry": geojson::Geometry::from(&grown)}]});
    let (status, req) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 202, "{req}");
    assert_eq!(req["label"], "边界调整");
    let done = approve_and_wait(&w, &w.admin, &req["id"], "330213").await;
    assert_eq!(done["state"], "applied", "{done}");

    // The land that moved now answers 奉化区; the check finds no overlap
    // between the two; the line between them keeps its number and moved.
    let c = geo::InteriorPoint::interior_point(&yinzhou.intersection(&square)).expect("land that moves");
    let (_, r) = w.app.get_json(&format!("/reverse?lon={}&lat={}", c.x(), c.y())).await;
    assert!(r.to_string().contains("330213"), "{r}");
    let (_, fc) = w.app.get_json("/checks/topology?division=330213").await;
    let overlaps: Vec<&Value> = fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["kind"] == "overlap")
        .collect();
    assert!(overlaps.is_empty(), "{fc}");
    let line = line_between("330212", "330213");
    let (status, l) = w.app.get_json(&format!("/boundaries/{line}")).await;
    assert_eq!(status, 200, "{l}");
    assert_eq!(l["properties"]["status"], "current", "{l}");
    let (_, was) = w.app.get_json("/divisions/330213?at=2020-01-01&geometry=true").await;
    let old: geo::Geometry<f64> = serde_json::from_value::<geojson::Geometry>(was["geometry"].clone())
        .expect("geojson")
        .try_into()
        .expect("geometry");
    assert!(!old.contains(&c), "the version of 2020 does not hold the land that moved");
}

#[tokio::test]
async fn a_merge_and_a_split_recode_what_lies_below() {
    let w = writable_app("division-change-merge-split", |_| {});
    let reviewer = staff(&w, "区划处审核员", "reviewer").await;
    // Two townships of one county, the second with villages.
    let (a, b, b_name): (String, String, String) = sqlite()
        .query_row(
            "SELECT t1.code, t2.code, t2.name FROM divisions t1 JOIN divisions t2 ON t1.parent_code = t2.parent_code \
             AND t1.code < t2.code WHERE t1.level = 4 AND t2.level = 4 AND t1.valid_to IS NULL AND t2.valid_to IS NULL \
             AND t1.parent_code = '330226' AND t1.name LIKE '%镇' AND t2.name LIKE '%镇' \
             AND EXISTS (SELECT 1 FROM divisions v WHERE v.parent_code = t2.code AND v.valid_to IS NULL) \
             ORDER BY t1.code, t2.code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("two towns of 宁海县");
    let villages_of_b =
        count(&w, &format!("SELECT COUNT(*) FROM divisions WHERE parent_code = '{b}' AND valid_to IS NULL"));
    let addresses_of_b =
        count(&w, &format!("SELECT COUNT(*) FROM addresses WHERE division_code LIKE '{b}%'"));

    // Merge b into a: b's villages and addresses take codes under a.
    let body =
        json!({"kind": "merge", "codes": [a, b], "into": a, "effective_on": today(), "reason": "撤并乡镇"});
    let (status, req) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 202, "{req}");
    let done = approve_and_wait(&w, &w.admin, &req["id"], &a).await;
    assert_eq!(done["state"], "applied", "{done}");
    let recoded = done["outcome"]["recoded"].as_object().expect("recoded");
    assert_eq!(recoded.len() as i64, villages_of_b, "{done}");
    assert!(
        recoded
            .iter()
            .all(|(old, new)| old.starts_with(&b) && new.as_str().is_some_and(|n| n.starts_with(&a)))
    );
    assert_eq!(done["outcome"]["addresses_recoded"].as_i64(), Some(addresses_of_b));
    let (status, gone) = w.app.get_json(&format!("/divisions/{b}")).await;
    assert_eq!(status, 200);
    assert!(gone["properties"]["valid_to"].is_string(), "{gone}");
    let (_, kids) = w.app.get_json(&format!("/divisions/{a}/children")).await;
    let n = kids["features"].as_array().map_or(0, Vec::len) as i64;
    assert!(n >= villages_of_b, "{kids}");
    let (_, s) = w.app.get_json(&format!("/divisions?q={b_name}&limit=5")).await;
    assert!(s.to_string().contains(&a), "the old name still finds its successor: {s}");

    // Split a (now holding both), from tomorrow, along a north-south line
    // through its middle: the eastern part is a new town; villages follow
    // their land.
    let geom = Store::open(&w.store)
        .and_then(|s| s.read(|c| DivisionRow::current(c, &DivisionCode::parse(&a).expect("code"))))
        .expect("read")
        .and_then(|d| d.geom)
        .expect("polygon");
    let bbox = geo::BoundingRect::bounding_rect(&geom).expect("box");
    let mid = (bbox.min().x + bbox.max().x) / 2.0;
    let west = geom.intersection(&Rect::new(bbox.min(), Coord { x: mid, y: bbox.max().y }).to_polygon());
    let east = geom.difference(&Rect::new(bbox.min(), Coord { x: mid, y: bbox.max().y }).to_polygon());
    let tomorrow = chrono::Local::now().date_naive() + chrono::Days::new(1);
    let body = json!({"kind": "split", "code": a, "effective_on": tomorrow, "reason": "析置新镇",
        "parts": [{"code": a, "geometry": geojson::Geometry::from(&west)},
                  {"name": "东岙镇", "geometry": geojson::Geometry::from(&east)}]});
    let (status, req) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 202, "{req}");
    let new_town = req["plan"]["starts"][1]["code"].as_str().expect("code").to_string();
    assert!(
        new_town.starts_with("330226") && (100..200).contains(&new_town[6..].parse::<u32>().unwrap_or(0)),
        "a town code: {req}"
    );
    let (status, p) = decide(&w, &w.admin, &req["id"], "approve", None).await;
    assert_eq!(status, 202, "{p}");
    let service =
        fangyu::service::Service::offline(std::sync::Arc::new(Store::open(&w.store).expect("store")));
    let applied = service.apply_due_division_changes(tomorrow, 10.0).expect("apply");
    assert_eq!(applied[0].state.as_str(), "applied", "{:?}", applied[0].outcome);
    let moved = applied[0].outcome.as_ref().and_then(|o| o["recoded"].as_object()).map_or(0, |r| r.len());
    assert!(moved > 0, "villages moved to the new town: {:?}", applied[0].outcome);
    let kids = wait_for(&w, &format!("/divisions/{new_town}/children?geometry=true"), |k| {
        k["features"].as_array().is_some_and(|f| !f.is_empty())
    })
    .await;
    for f in kids["features"].as_array().expect("features") {
        let g: geo::Geometry<f64> = serde_json::from_value::<geojson::Geometry>(f["geometry"].clone())
            .expect("geojson")
            .try_into()
            .expect("geometry");
        let p = geo::InteriorPoint::interior_point(&g).expect("point");
        assert!(p.x() >= mid - 1e-9, "a village of the eastern town lies east: {f}");
    }
    let (status, v, _) = send(&w, "GET", "/audit/verify", Some(&w.admin), None, None).await;
    assert_eq!(status, 200);
    assert_eq!(v["intact"], true, "{v}");
}

#[tokio::test]
async fn a_change_for_a_later_day_is_scheduled_and_applied_on_that_day() {
    let w = writable_app("division-change-scheduled", |_| {});
    let reviewer = staff(&w, "区划处审核员", "reviewer").await;
    let (town, name): (String, String) = sqlite()
        .query_row(
            "SELECT code, name FROM divisions WHERE parent_code = '330212' AND valid_to IS NULL AND name LIKE '%镇' ORDER BY code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a town of 鄞州区");
    let tomorrow = chrono::Local::now().date_naive() + chrono::Days::new(1);
    let new_name = format!("{}新镇", name.trim_end_matches('镇'));
    let body = json!({"kind": "rename", "code": town, "new_name": new_name, "effective_on": tomorrow, "reason": "更名"});
    let (status, req) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 202, "{req}");
    let (status, approved) = decide(&w, &w.admin, &req["id"], "approve", None).await;
    assert_eq!(status, 202, "{approved}");
    assert_eq!(approved["state"], "scheduled", "{approved}");
    let (_, d) = w.app.get_json(&format!("/divisions/{town}")).await;
    assert_eq!(d["properties"]["name"], name.as_str(), "not before its day");

    // Today nothing is due; tomorrow it applies, and the server follows.
    let store = std::sync::Arc::new(Store::open(&w.store).expect("store"));
    let service = fangyu::service::Service::offline(store);
    let today = chrono::Local::now().date_naive();
    assert!(service.apply_due_division_changes(today, 10.0).expect("apply").is_empty());
    let applied = service.apply_due_division_changes(tomorrow, 10.0).expect("apply");
    assert_eq!(applied.len(), 1);
    assert_eq!(applied[0].state.as_str(), "applied", "{:?}", applied[0].outcome);
    let path = format!("/divisions/{town}?at={tomorrow}");
    wait_for(&w, &path, |d| d["properties"]["name"] == new_name.as_str()).await;
}

#[tokio::test]
async fn bad_division_changes_are_refused_with_the_field_and_why() {
    let w = writable_app("division-change-refusals", |_| {});
    let reviewer = staff(&w, "区划处审核员", "reviewer").await;
    let cases = [
        (json!({"kind": "abolish", "code": "330226", "effective_on": today(), "reason": "x"}), "kind"),
        (
            json!({"kind": "rename", "code": "330226", "new_name": "鄞州区", "effective_on": today(), "reason": "x"}),
            "new_name",
        ),
        (
            json!({"kind": "rename", "code": "330226", "new_name": "宁海区", "effective_on": today(), "reason": "x"}),
            "new_name",
        ),
        (
            json!({"kind": "reclassify", "code": "330226", "new_name": "宁海区", "new_code": "330212", "effective_on": today(), "reason": "x"}),
            "new_code",
        ),
        (
            json!({"kind": "reclassify", "code": "330226", "new_name": "宁海区", "new_code": "330290", "effective_on": today(), "reason": "x"}),
            "new_code",
        ),
        (
            json!({"kind": "rename", "code": "999999", "new_name": "某县", "effective_on": today(), "reason": "x"}),
            "code",
        ),
        (json!({"kind": "merge", "codes": ["330226"], "effective_on": today(), "reason": "x"}), "codes"),
        (
            json!({"kind": "rename", "code": "330226", "new_name": "宁海县", "effective_on": today(), "reason": " "}),
            "reason",
        ),
    ];
    for (body, field) in cases {
        let (status, p) = propose(&w, &reviewer, body.clone()).await;
        assert_eq!(status, 400, "{body}: {p}");
        assert_eq!(p["errors"][0]["field"], field, "{body}: {p}");
    }
    assert_eq!(count(&w, "SELECT COUNT(*) FROM division_change_requests"), 0);

    // A town becoming a subdistrict changes class, hence code: 001–099.
    let (town, name): (String, String) = sqlite()
        .query_row(
            "SELECT code, name FROM divisions WHERE parent_code = '330226' AND valid_to IS NULL AND name LIKE '%镇' ORDER BY code LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a town of 宁海县");
    let street = format!("{}街道", name.trim_end_matches('镇'));
    let body = json!({"kind": "reclassify", "code": town, "new_name": street, "effective_on": today(), "reason": "撤镇设街道"});
    let (status, p) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 202, "{p}");
    assert_eq!(p["label"], "撤镇设街道", "{p}");
    let code = p["plan"]["starts"][0]["code"].as_str().expect("code");
    assert!(
        code.starts_with("330226") && (1..100).contains(&code[6..].parse::<u32>().unwrap_or(0)),
        "a subdistrict code: {p}"
    );
    let (status, p) = decide(&w, &reviewer, &p["id"], "cancel", None).await;
    assert_eq!((status, p["state"].as_str()), (200, Some("cancelled")), "{p}");

    // An administrator may not approve their own proposal; a rejection
    // needs a note; a decided request stays decided.
    let body = json!({"kind": "rename", "code": "330226", "new_name": "宁海县二", "effective_on": today(), "reason": "x"});
    let (status, own) = propose(&w, &w.admin, body).await;
    assert_eq!(status, 202, "{own}");
    assert_eq!(count(&w, "SELECT COUNT(*) FROM division_change_requests WHERE state = 'proposed'"), 1);
    let (status, p) = decide(&w, &w.admin, &own["id"], "approve", None).await;
    assert_eq!(status, 403, "{p}");
    assert_eq!(p["type"], "/problems/separation-of-duties");
    let other = staff(&w, "另一管理员", "admin").await;
    let (status, p) = decide(&w, &other, &own["id"], "reject", None).await;
    assert_eq!(status, 400, "{p}");
    let (status, p) = decide(&w, &other, &own["id"], "reject", Some("名称不规范")).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["state"], "rejected");
    let (status, _) = decide(&w, &other, &own["id"], "approve", None).await;
    assert_eq!(status, 409);
    let (_, d) = w.app.get_json("/divisions/330226").await;
    assert_eq!(d["properties"]["name"], "宁海县");
}

#[tokio::test]
async fn a_new_division_takes_its_land_from_the_divisions_it_is_carved_from() {
    let w = writable_app("division-change-create", |_| {});
    let reviewer = staff(&w, "区划处审核员", "reviewer").await;
    // A 600 m square inside a town of 鄞州区.
    let town = Store::open(&w.store)
        .and_then(|s| {
            s.read(|c| {
                let kids = DivisionRow::current_children(c, &DivisionCode::parse("330212").expect("code"))?;
                Ok(kids.into_iter().find(|k| k.name.ends_with('镇') && k.geom.is_some()))
            })
        })
        .expect("read")
        .expect("a town of 鄞州区 with a boundary");
    let geom = town.geom.clone().expect("polygon");
    let inside = geo::InteriorPoint::interior_point(&geom).expect("point");
    let frame = LocalFrame::new(inside.0);
    let ring: Vec<Coord<f64>> =
        [(-300.0, -300.0), (300.0, -300.0), (300.0, 300.0), (-300.0, 300.0), (-300.0, -300.0)]
            .iter()
            .map(|&(x, y)| frame.unproject(x, y))
            .collect();
    let square = Polygon::new(LineString(ring), vec![]);
    let zone = MultiPolygon(vec![square.clone()]).intersection(&geom);

    let body = json!({"kind": "create", "parent": "330212", "name": "鄞州科创园区", "effective_on": today(),
        "reason": "设立园区", "geometry": geojson::Geometry::from(&zone)});
    let (status, req) = propose(&w, &reviewer, body).await;
    assert_eq!(status, 202, "{req}");
    let starts = req["plan"]["starts"].as_array().expect("starts");
    let code = starts.last().and_then(|s| s["code"].as_str()).expect("code").to_string();
    let digits: u32 = code[6..].parse().expect("digits");
    assert!(code.starts_with("330212") && (400..600).contains(&digits), "a development-zone code: {req}");
    assert!(req["plan"]["ends"].to_string().contains(town.code.as_str()), "the town gives up land: {req}");
    let done = approve_and_wait(&w, &w.admin, &req["id"], &code).await;
    assert_eq!(done["state"], "applied", "{done}");

    let (_, r) = w.app.get_json(&format!("/reverse?lon={}&lat={}", inside.x(), inside.y())).await;
    assert!(r.to_string().contains(&code), "the new zone answers there: {r}");
    let (_, d) = w.app.get_json(&format!("/divisions/{}?geometry=true", town.code)).await;
    let now: geo::Geometry<f64> = serde_json::from_value::<geojson::Geometry>(d["geometry"].clone())
        .expect("geojson")
        .try_into()
        .expect("geometry");
    assert!(!now.contains(&inside), "the town no longer holds the zone's land");
    let (_, fc) = w.app.get_json("/checks/topology?division=330212").await;
    let introduced: Vec<&Value> = fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["codes"].to_string().contains(&code))
        .collect();
    assert!(introduced.is_empty(), "no gap or overlap with the new zone: {introduced:?}");
}
