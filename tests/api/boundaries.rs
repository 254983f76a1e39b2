//! Boundary lines between neighbouring counties and their markers.

use crate::helpers::{app, sqlite};
use serde_json::Value;

fn features(fc: &Value) -> &Vec<Value> {
    fc["features"].as_array().expect("features")
}

#[tokio::test]
async fn every_marker_stands_on_its_line_and_is_numbered_by_the_standard() {
    let conn = sqlite();
    let lines: i64 = conn.query_row("SELECT COUNT(*) FROM boundary_lines", [], |r| r.get(0)).expect("count");
    assert!(lines >= 10, "宁波's counties have many neighbours");
    let (name, left, right): (String, String, String) = conn
        .query_row("SELECT name, left_code, right_code FROM boundary_lines WHERE left_code = '330212' AND right_code = '330213'", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("鄞州–奉化 line");
    assert_eq!(name, "鄞奉线");
    assert!(left < right);
    let (_, fc) = app().get_json("/markers?line=330201&limit=100").await;
    let markers = features(&fc);
    assert!(markers.len() >= 3);
    for m in markers {
        let number = m["properties"]["number"].as_str().expect("number");
        let kind = m["properties"]["kind"].as_str().expect("kind");
        assert_eq!(number.len(), 10, "{number}: line (6) + sequence (3) + type (1)");
        assert!(number.starts_with("330201") && number.ends_with(kind), "{number}");
        assert!(number[6..9].bytes().all(|b| b.is_ascii_digit()), "{number}");
    }
    // Pairs share a sequence number, A and B a few metres apart.
    let a = markers.iter().find(|m| m["properties"]["kind"] == "A").expect("a pair");
    let n = a["properties"]["number"].as_str().expect("n");
    let b_number = format!("{}B", &n[..9]);
    let b = markers.iter().find(|m| m["properties"]["number"] == b_number.as_str()).expect("its B");
    let (pa, pb) = (&a["geometry"]["coordinates"], &b["geometry"]["coordinates"]);
    let dx = (pa[0].as_f64().unwrap_or(0.0) - pb[0].as_f64().unwrap_or(0.0)) * 96_000.0;
    let dy = (pa[1].as_f64().unwrap_or(0.0) - pb[1].as_f64().unwrap_or(0.0)) * 111_195.0;
    let apart = dx.hypot(dy);
    assert!((5.0..12.0).contains(&apart), "pair {apart} m apart");
}

#[tokio::test]
async fn markers_are_found_by_proximity_and_box() {
    let (status, fc) = app().get_json("/markers?near=121.45,29.75&limit=5").await;
    assert_eq!(status, 200);
    let d: Vec<f64> = features(&fc).iter().filter_map(|m| m["properties"]["distance_m"].as_f64()).collect();
    assert_eq!(d.len(), 5);
    assert!(d.windows(2).all(|w| w[0] <= w[1]), "{d:?}");
    let (_, fc) = app().get_json("/markers?bbox=121.0,29.0,122.5,30.5&limit=100").await;
    for m in features(&fc) {
        let c = &m["geometry"]["coordinates"];
        let (x, y) = (c[0].as_f64().unwrap_or(0.0), c[1].as_f64().unwrap_or(0.0));
        assert!((121.0..=122.5).contains(&x) && (29.0..=30.5).contains(&y));
    }
    let (status, body) = app().get_json("/markers").await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["field"], "bbox");
}

#[tokio::test]
async fn nearest_markers_of_one_line_are_all_on_that_line() {
    let (_, fc) = app().get_json("/markers?near=121.45,29.75&line=330217&limit=3").await;
    let markers = features(&fc);
    assert_eq!(markers.len(), 3);
    assert!(markers.iter().all(|m| m["properties"]["line"] == "330217"));
}
