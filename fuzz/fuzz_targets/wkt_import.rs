//! WKT as `fangyu import --wkt-field` takes it: a one-row CSV whose `wkt`
//! column holds the input, imported by `io::import::import` (GDAL's CSV
//! driver and WKT reader, reprojection, the validity check and `MakeValid`
//! repair, the field mapping, the upsert and its change-log entry) into a
//! scratch store. A point becomes a door plate, a line a road, anything
//! else a township. A leading `SRID=NNNN;` (EWKT) is the source CRS,
//! `--s-srs EPSG:NNNN`.
//!
//! Checked: the one row is read, and either rejected with a reason or
//! stored; what is stored is of the right kind (a township's boundary a
//! multipolygon, a plate a point) and every coordinate is lon/lat.

#![no_main]

use fangyu::io::import::{ImportOptions, Target, import};
use fangyu::model::{AddressCode, DivisionCode};
use fangyu::store::{AddressRow, DivisionRow, PlaceRow, Store};
use geo::CoordsIter;
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

const TOWNSHIP: &str = "330203001";
const ROAD: &str = "御苑街";
const PLATE: &str = "330203001001000001";

struct Scratch {
    dir: PathBuf,
    store: Store,
}

fn scratch() -> &'static Scratch {
    static S: OnceLock<Scratch> = OnceLock::new();
    S.get_or_init(|| {
        // GDAL reports unreadable WKT on stderr; the import reports it per row.
        gdal::config::set_error_handler(|_, _, _| {});
        let dir = std::env::temp_dir().join(format!("fangyu-fuzz-wkt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch folder");
        let store = Store::open(&dir.join("store.gpkg")).expect("scratch store");
        Scratch { dir, store }
    })
}

fn in_range(x: f64, y: f64) -> bool {
    (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.contains('\0') {
        return;
    }
    let s = scratch();
    // `SRID=4528;POINT(...)`: the source CRS, then the WKT.
    let (srs, wkt) = match text.strip_prefix("SRID=").and_then(|r| r.split_once(';')) {
        Some((n, rest)) if (1..=6).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) => {
            (Some(format!("EPSG:{n}")), rest)
        }
        _ => (None, text),
    };
    let head = wkt.trim_start().to_ascii_uppercase();
    let target = if head.starts_with("POINT") {
        Target::Addresses
    } else if head.starts_with("LINESTRING") || head.starts_with("MULTILINESTRING") {
        Target::Places
    } else {
        Target::Divisions
    };
    let csv = format!(
        "code,name,class,division,street,number,wkt\n{},{},road,330203,{ROAD},3号,\"{}\"\n",
        if target == Target::Addresses { PLATE } else { TOWNSHIP },
        if target == Target::Places { ROAD } else { "测试街道" },
        wkt.replace('"', "\"\"")
    );
    let source = s.dir.join("rows.csv");
    std::fs::write(&source, csv).expect("CSV written");
    let opts = ImportOptions {
        source,
        layer: None,
        target,
        mapping: HashMap::new(),
        source_srs: srs,
        transformation: None,
        marker_off_line_m: 50.0,
        encoding: None,
        x_field: None,
        y_field: None,
        wkt_field: Some("wkt".into()),
        report: s.dir.join("rejected.csv"),
        actor: "fuzz".into(),
    };
    let report = match import(&s.store, &opts) {
        Ok(r) => r,
        // A CRS PROJ does not know, or cannot transform from, stops the
        // import before any row is read.
        Err(_) if opts.source_srs.is_some() => return,
        Err(e) => panic!("the import failed instead of rejecting the row: {e:#}"),
    };
    assert_eq!(report.read, 1, "{report:?}");
    assert_eq!(report.inserted + report.updated + report.rejected, 1, "{report:?}");
    if report.rejected == 1 {
        let rejected = std::fs::read_to_string(&opts.report).expect("rejection report");
        assert!(rejected.lines().count() >= 2, "a rejection without a line: {rejected:?}");
        return;
    }
    match target {
        Target::Divisions => {
            let rows = s.store.read(|c| DivisionRow::load_all(c, true)).expect("divisions read");
            let code = DivisionCode::parse(TOWNSHIP).expect("code");
            let row = rows.iter().find(|r| r.code == code).expect("the township is stored");
            let mp = row.geom.as_ref().expect("a township keeps its boundary");
            assert!(!mp.0.is_empty(), "an empty boundary was stored");
            assert!(mp.coords_iter().all(|c| in_range(c.x, c.y)), "boundary off the globe: {mp:?}");
        }
        Target::Places => {
            let rows = s.store.read(|c| PlaceRow::load_all(c, true)).expect("places read");
            let row = rows.iter().find(|r| r.name == ROAD).expect("the road is stored");
            if let Some(g) = &row.geom {
                assert!(g.coords_iter().all(|c| in_range(c.x, c.y)), "road off the globe: {g:?}");
            }
        }
        Target::Addresses => {
            let code = AddressCode::parse(PLATE).expect("code");
            let row = s.store.read(|c| AddressRow::by_code(c, code)).expect("plate read").expect("stored");
            assert!(in_range(row.lon, row.lat), "plate at ({}, {})", row.lon, row.lat);
        }
        // Markers need boundary lines, which the scratch store has none of.
        Target::Markers => unreachable!("the target is one of the three above"),
    }
});
