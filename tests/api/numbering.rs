//! Door-plate numbering by the jurisdiction's rules: on real roads of the
//! demo city, a point between two plates with no number left between them
//! gets an infill number, a point past the last plate the next number of
//! its side, odd numbers on the side the rule says; both shipped rule sets
//! (Beijing's by orientation, the frontage rule from the city centre) on
//! real road lines; a point off its road and other bad input refused.

use crate::helpers::{app, demo_store, serve, settings_for, sqlite};
use fangyu::index::metric::LocalFrame;
use fangyu::model::plate_rule::PlateRule;
use fangyu::plates::numbering::{RoadWalk, number_at};
use fangyu::store::{PlaceRow, Store};
use geo::{Coord, Geometry, MultiLineString};
use serde_json::Value;

/// A road of 海曙区 with many plates, and two plates `n号` and `n+2号` of
/// its odd side with nothing numbered between them.
pub(crate) fn road_with_a_pair() -> (i64, (f64, f64), (f64, f64), i64) {
    sqlite()
        .query_row(
            "SELECT a.place_fid, a.lon, a.lat, b.lon, b.lat, a.number_main FROM addresses a JOIN addresses b \
               ON b.place_fid = a.place_fid AND b.number_main = a.number_main + 2 AND b.number_sub IS NULL AND b.number_prefix IS NULL \
             WHERE a.kind = 'road_plate' AND a.number_sub IS NULL AND a.number_prefix IS NULL AND a.number_main % 2 = 1 \
               AND a.division_code LIKE '330203%' AND a.number_main > 5 \
               AND NOT EXISTS (SELECT 1 FROM addresses c WHERE c.place_fid = a.place_fid AND c.number_main = a.number_main \
                 AND (c.number_sub IS NOT NULL OR c.number_prefix IS NOT NULL)) \
             ORDER BY a.place_fid, a.number_main LIMIT 1",
            [],
            |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?), (r.get(3)?, r.get(4)?), r.get(5)?)),
        )
        .expect("two plates of a road")
}

async fn numbering(path: &str) -> (u16, Value) {
    app().get_json(path).await
}

#[tokio::test]
async fn a_point_between_two_plates_gets_an_infill_number_and_one_past_the_last_the_next() {
    let (road, a, b, n) = road_with_a_pair();
    let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let (status, v) = numbering(&format!("/roads/{road}/numbering?lon={}&lat={}", mid.0, mid.1)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["rule"]["name"], "demo_city", "{v}");
    assert_eq!(v["parity"], "odd", "{v}");
    assert_eq!(v["infill"], true, "{v}");
    assert_eq!(v["number"], format!("{n}-1号").as_str(), "{v}");
    assert_eq!(v["between"], serde_json::json!([format!("{n}号"), format!("{}号", n + 2)]), "{v}");
    assert!(v["reason"].as_str().is_some_and(|r| r.contains("附号")), "{v}");

    // Past the last plate of the even side, at the road's far end: the
    // next even number, not an infill.
    let store = Store::open(&demo_store()).expect("store");
    let place = store.read(|c| PlaceRow::get(c, road)).expect("read").expect("road");
    let line = match place.geom {
        Some(Geometry::LineString(l)) => MultiLineString(vec![l]),
        Some(Geometry::MultiLineString(m)) => m,
        other => panic!("a road line: {other:?}"),
    };
    let walk = RoadWalk::new(&line, &PlateRule::demo_city()).expect("walk");
    let max_even: i64 = sqlite()
        .query_row(
            "SELECT MAX(number_main) FROM addresses WHERE place_fid = ?1 AND kind = 'road_plate' AND number_main % 2 = 0",
            [road],
            |r| r.get(0),
        )
        .expect("even plates");
    // The far end, set back 10 m on the even side.
    let ends: Vec<Coord<f64>> = line.0.iter().flat_map(|l| [l.0[0], l.0[l.0.len() - 1]]).collect();
    let far = ends
        .iter()
        .copied()
        .max_by(|p, q| walk.locate(*p).along_m.total_cmp(&walk.locate(*q).along_m))
        .expect("an end");
    let mut found = None;
    for (dx, dy) in [(0.0, 10.0), (0.0, -10.0), (10.0, 0.0), (-10.0, 0.0)] {
        let p = LocalFrame::new(far).unproject(dx, dy);
        let (status, v) = numbering(&format!("/roads/{road}/numbering?lon={}&lat={}", p.x, p.y)).await;
        assert_eq!(status, 200, "{v}");
        if v["parity"] == "even" {
            found = Some(v);
            break;
        }
    }
    let v = found.expect("a point on the even side");
    assert_eq!(v["infill"], false, "{v}");
    let main = v["main"].as_i64().expect("main");
    assert!(main % 2 == 0 && main > max_even, "after {max_even}: {v}");
}

/// The real line of a road of 宁波市 running more east–west than
/// north–south, its walk under `rule`, and its ends.
fn east_west_road(rule: &PlateRule) -> (MultiLineString<f64>, RoadWalk) {
    let store = Store::open(&demo_store()).expect("store");
    let places = store.read(|c| PlaceRow::load_all(c, true)).expect("places");
    places
        .into_iter()
        .filter(|p| p.division_code.as_str().starts_with("3302"))
        .filter_map(|p| match p.geom {
            Some(Geometry::LineString(l)) if l.0.len() >= 2 => Some(MultiLineString(vec![l])),
            _ => None,
        })
        .find_map(|line| {
            let walk = RoadWalk::new(&line, rule)?;
            (walk.east_west && walk.length_m > 800.0).then_some((line, walk))
        })
        .expect("an east–west road of some length")
}

/// A point `along` metres from the first vertex's end (by vertices), set
/// back `off` metres north (negative: south).
fn beside(line: &MultiLineString<f64>, eastmost: bool, along: f64, north: f64) -> Coord<f64> {
    let l = &line.0[0];
    let mut pts = l.0.clone();
    if (pts[0].x < pts[pts.len() - 1].x) == eastmost {
        pts.reverse();
    }
    let mut walked = 0.0;
    for w in pts.windows(2) {
        let f = LocalFrame::new(w[0]);
        let (x, y) = f.project(w[1]);
        let d = x.hypot(y);
        if walked + d >= along {
            let t = (along - walked) / d;
            let c = f.unproject(x * t, y * t);
            return LocalFrame::new(c).unproject(0.0, north);
        }
        walked += d;
    }
    pts[pts.len() - 1]
}

#[test]
fn beijings_rule_numbers_east_west_roads_from_the_east_with_odd_numbers_north() {
    let rule = PlateRule::beijing();
    let (line, walk) = east_west_road(&rule);
    assert_eq!(walk.from.label(), "东");
    // 205 m and 505 m from the east end, 8 m north and south.
    let n = |along: f64, north: f64| number_at(&walk, &rule, &[], beside(&line, true, along, north));
    let (a, b, c) = (n(205.0, 8.0), n(505.0, 8.0), n(205.0, -8.0));
    assert_eq!((a.parity, b.parity, c.parity), ("odd", "odd", "even"), "{a:?} {b:?} {c:?}");
    assert_eq!((a.side.as_str(), c.side.as_str()), ("北侧", "南侧"));
    // One number per 10 m on each side: 205 m is the 21st slot.
    assert_eq!((a.main, c.main), (41, 42), "{a:?} {c:?}");
    assert!(b.main > a.main, "numbers grow westward: {a:?} {b:?}");
}

#[test]
fn the_frontage_rule_numbers_from_the_city_centre_outward_two_metres_a_number() {
    let centre = (121.5503, 29.8746);
    let rule = PlateRule::frontage(centre);
    let (line, walk) = east_west_road(&rule);
    // The end nearer the centre starts; the left of the outward direction
    // is odd.
    let l = &line.0[0];
    let (first, last) = (l.0[0], l.0[l.0.len() - 1]);
    let f = LocalFrame::new(Coord { x: centre.0, y: centre.1 });
    let start = if f.distance_to_point(first) <= f.distance_to_point(last) { first } else { last };
    let start_is_east = start.x > (if start == first { last.x } else { first.x });
    assert_eq!(walk.from.label(), if start_is_east { "东" } else { "西" });
    // Walking west (start east), left is south; walking east, left is north.
    let left_north = !start_is_east;
    let n = |along: f64, north: f64| number_at(&walk, &rule, &[], beside(&line, start_is_east, along, north));
    let left = if left_north { 6.0 } else { -6.0 };
    let (a, b) = (n(101.0, left), n(101.0, -left));
    assert_eq!((a.parity, b.parity), ("odd", "even"), "{a:?} {b:?}");
    // 101 m is the 51st 2-metre slot: 101 on the left, 102 on the right.
    assert_eq!((a.main, b.main), (101, 102), "{a:?} {b:?}");
    assert!(!a.infill && a.text == "101号");
}

#[tokio::test]
async fn another_rule_for_the_division_changes_the_answer_and_bad_points_are_refused() {
    let (road, a, b, n) = road_with_a_pair();
    let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let mut settings = settings_for(&demo_store());
    let mut zhi = PlateRule::demo_city();
    zhi.infill = fangyu::model::plate_rule::InfillForm::Zhi;
    settings.plates.rules.insert("zhi".into(), zhi);
    settings.plates.divisions.insert("330203".into(), "zhi".into());
    let other = serve(settings);
    let (status, v) = other.get_json(&format!("/roads/{road}/numbering?lon={}&lat={}", mid.0, mid.1)).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["rule"]["name"].as_str(), v["number"].as_str()),
        (Some("zhi"), Some(format!("{n}之1号").as_str())),
        "{v}"
    );

    // 500 m off the road; no such road; not a road; no latitude.
    let off = LocalFrame::new(Coord { x: a.0, y: a.1 }).unproject(0.0, 500.0);
    let (status, v) = numbering(&format!("/roads/{road}/numbering?lon={}&lat={}", off.x, off.y)).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "lon", "{v}");
    assert!(v["detail"].as_str().is_some_and(|d| d.contains("米")), "{v}");
    let (status, _) = numbering(&format!("/roads/999999999/numbering?lon={}&lat={}", a.0, a.1)).await;
    assert_eq!(status, 404);
    let not_road: i64 = sqlite()
        .query_row("SELECT fid FROM places WHERE class = 'compound' ORDER BY fid LIMIT 1", [], |r| r.get(0))
        .expect("a place that is not a road");
    let (status, v) = numbering(&format!("/roads/{not_road}/numbering?lon={}&lat={}", a.0, a.1)).await;
    assert_eq!((status, v["errors"][0]["field"].as_str()), (400, Some("id")), "{v}");
    let (status, v) = numbering(&format!("/roads/{road}/numbering?lon={}", a.0)).await;
    assert_eq!(status, 400, "{v}");
}
