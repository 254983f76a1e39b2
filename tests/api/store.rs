//! The store is a GeoPackage GDAL reads, and its change log is append-only.

use crate::helpers::{demo_store, sqlite};
use std::collections::HashMap;
use std::process::Command;

#[test]
fn ogrinfo_lists_every_layer_with_its_count_and_cgcs2000() {
    let out =
        Command::new("ogrinfo").args(["-so", "-al", "-ro"]).arg(demo_store()).output().expect("ogrinfo runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut counts: HashMap<String, i64> = HashMap::new();
    let mut layer = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("Layer name: ") {
            layer = name.trim().to_string();
        }
        if let Some(n) = line.strip_prefix("Feature Count: ") {
            counts.insert(layer.clone(), n.trim().parse().expect("count"));
        }
    }
    let conn = sqlite();
    for table in [
        "divisions",
        "places",
        "addresses",
        "boundary_lines",
        "boundary_markers",
        "division_aliases",
        "division_changes",
        "change_log",
        "proposals",
        "api_tokens",
        "signs",
    ] {
        let n: i64 =
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).expect("count");
        assert_eq!(counts.get(table), Some(&n), "layer {table}");
    }
    assert!(counts["divisions"] > 40_000 && counts["addresses"] > 100_000);
    // Every feature layer is in CGCS2000.
    let srs = text.matches("ID[\"EPSG\",4490]").count();
    assert_eq!(srs, 7, "seven feature layers (five of the gazetteer, proposals, signs) in EPSG:4490");
}

#[test]
fn the_demo_has_every_level_with_real_codes() {
    let conn = sqlite();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect("count") };
    assert_eq!(count("SELECT COUNT(*) FROM divisions WHERE level = 1 AND valid_to IS NULL"), 34);
    assert!(
        count("SELECT COUNT(*) FROM divisions WHERE level = 3 AND valid_to IS NULL AND geom IS NOT NULL")
            > 2800
    );
    assert_eq!(count("SELECT COUNT(*) FROM divisions WHERE level = 4 AND valid_to IS NULL"), 38_723);
    assert!(count("SELECT COUNT(*) FROM divisions WHERE level = 4 AND geom IS NOT NULL") > 38_000);
    assert!(count("SELECT COUNT(*) FROM divisions WHERE level = 5 AND code LIKE '3302%'") > 2900);
    assert!(count("SELECT COUNT(*) FROM divisions WHERE valid_to IS NOT NULL") > 1000);
    assert_eq!(count("SELECT COUNT(*) FROM addresses WHERE code NOT GLOB '[0-9]*' OR length(code) <> 18"), 0);
}

#[test]
fn the_change_log_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("s.gpkg");
    std::fs::copy(demo_store(), &path).expect("copy");
    let conn = rusqlite::Connection::open(&path).expect("open");
    assert!(conn.execute("UPDATE change_log SET actor = 'x'", []).is_err());
    assert!(conn.execute("DELETE FROM change_log", []).is_err());
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM change_log", [], |r| r.get(0)).expect("count");
    assert!(n >= 1);
}

#[test]
fn a_new_store_is_a_valid_geopackage() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("new.gpkg");
    drop(fangyu::store::Store::open(&path).expect("store"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).expect("pragma");
    assert_eq!(app_id, 0x4750_4B47, "application_id is 'GPKG'");
    let ds = gdal::Dataset::open(&path).expect("GDAL opens an empty store");
    assert_eq!(ds.driver().short_name(), "GPKG");
    assert!(ds.layer_by_name("divisions").is_ok());
}

#[test]
fn a_failed_write_leaves_nothing_behind() {
    use fangyu::model::{DivisionCode, Level};
    use fangyu::store::{DivisionRow, Store, StoreError};
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("t.gpkg")).expect("store");
    let result: Result<(), StoreError> = store.write(|tx| {
        let county = |code: &str| DivisionRow::new(DivisionCode::parse(code).expect("a code"), Level::County);
        for i in 0..100 {
            DivisionRow {
                name: "测试".into(), source: "t".into(), ..county(&format!("{:06}", 110101 + i))
            }
            .insert(tx)?;
        }
        // The 101st row breaks a constraint (same code and start date).
        DivisionRow { name: "重复".into(), valid_from: None, source: "t".into(), ..county("110101") }
            .insert(tx)?;
        let day = "2020-01-01".parse().ok();
        DivisionRow { name: "x".into(), valid_from: day, source: "t".into(), ..county("110102") }
            .insert(tx)?;
        DivisionRow { name: "y".into(), valid_from: day, source: "t".into(), ..county("110102") }
            .insert(tx)?;
        Ok(())
    });
    assert!(result.is_err());
    let n = store.read(|c| Ok(DivisionRow::load_all(c, false)?.len())).expect("read");
    assert_eq!(n, 0, "the whole transaction rolled back");
}
