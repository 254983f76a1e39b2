//! Boundary markers imported with `fangyu import --kind markers` from
//! surveys in a CGCS2000 Gauss-Krüger zone, in Beijing 1954 and in Xi'an
//! 1980 with the transformation the survey gives: each lands where it was
//! measured (the source coordinates are made by `cs2cs`/`cct` from points
//! on real lines); a Beijing 1954 source without a transformation, a
//! marker off its line and a number already taken are refused.

use crate::helpers::{sqlite, store_copy};
use fangyu::boundaries::crs::gauss_kruger_zone;
use fangyu::boundaries::numbering::Walk;
use fangyu::store::{BoundaryLineRow, MarkerRow, Store};
use geo::{Coord, Distance, Geodesic, Point};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// Live county lines without markers, longest first.
fn bare_lines(n: usize) -> Vec<String> {
    let c = sqlite();
    let mut stmt = c
        .prepare(
            "SELECT code FROM boundary_lines l WHERE retired_on IS NULL AND level = 3 AND length_m > 5000 \
               AND NOT EXISTS (SELECT 1 FROM boundary_markers m WHERE m.line_code = l.code) \
               AND left_code LIKE '33%' ORDER BY length_m DESC LIMIT ?1",
        )
        .expect("query");
    stmt.query_map([n as i64], |r| r.get(0)).and_then(|r| r.collect()).expect("lines")
}

/// Three points at a quarter, a half and three quarters along `line`.
fn points_on(store: &Path, line: &str) -> Vec<Coord<f64>> {
    let s = Store::open(store).expect("store");
    let row = s.read(|c| BoundaryLineRow::get(c, line)).expect("read").expect("line");
    let walk = Walk::new(row.geom.as_ref().expect("geometry"));
    [0.25, 0.5, 0.75].iter().map(|f| walk.point_at(walk.length_m * f).expect("point")).collect()
}

/// Runs a command over `input` lines; its output rows as numbers.
fn pipe(cmd: &str, args: &[&str], input: &str) -> Vec<Vec<f64>> {
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), input.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("output");
    assert!(out.status.success(), "{cmd} failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| l.split_whitespace().filter_map(|t| t.parse().ok()).collect())
        .collect()
}

/// Writes a CSV of markers `number,x,y`.
fn csv(path: &Path, line: &str, xy: &[(f64, f64)]) {
    let mut text = String::from("number,x,y\n");
    for (i, (x, y)) in xy.iter().enumerate() {
        text += &format!("{line}{:03}Q,{x:.6},{y:.6}\n", i + 1);
    }
    std::fs::write(path, text).expect("csv");
}

/// `fangyu import SOURCE --kind markers ARGS`: (success, report, stderr).
fn import(store: &Path, source: &Path, args: &[&str]) -> (bool, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .arg("import")
        .arg(source)
        .args(["--kind", "markers", "--x-field", "x", "--y-field", "y"])
        .args(args)
        .arg("--report")
        .arg(source.with_extension("rejected.csv"))
        .arg("--store")
        .arg(store)
        .output()
        .expect("fangyu import");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.success(), report, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The largest distance, metres, between the stored markers of `line` and
/// the points they were surveyed at.
fn worst_error(store: &Path, line: &str, points: &[Coord<f64>]) -> f64 {
    let s = Store::open(store).expect("store");
    let stored = s.read(|c| MarkerRow::of_line(c, line)).expect("markers");
    assert_eq!(stored.len(), points.len(), "every marker of {line} stored");
    stored
        .iter()
        .zip(points)
        .map(|(m, p)| Geodesic.distance(Point::new(m.lon, m.lat), Point::from(*p)))
        .fold(0.0, f64::max)
}

const BEIJING_1954_TOWGS84: &str = "15.8,-154.4,-82.3";

/// Xi'an 1980 3° Gauss-Krüger (CM 120°E, axes northing, easting) to
/// CGCS2000 latitude, longitude, with a seven-parameter Helmert.
const XIAN_1980_PIPELINE: &str = "+proj=pipeline +step +proj=axisswap +order=2,1 \
    +step +inv +proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=IAU76 \
    +step +proj=cart +ellps=IAU76 \
    +step +proj=helmert +x=24.5 +y=-123.2 +z=-94.1 +rx=0.02 +ry=-0.25 +rz=-0.13 +s=1.1 +convention=position_vector \
    +step +inv +proj=cart +ellps=GRS80 \
    +step +proj=unitconvert +xy_in=rad +xy_out=deg +step +proj=axisswap +order=2,1";

#[test]
fn markers_surveyed_in_any_zone_or_datum_land_where_they_were_measured() {
    let store = store_copy("marker-import");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("marker-import");
    std::fs::create_dir_all(&dir).expect("dir");
    let lines = bare_lines(3);
    assert_eq!(lines.len(), 3, "three lines without markers");

    // CGCS2000 in the point's own Gauss-Krüger zone.
    let pts = points_on(&store, &lines[0]);
    let epsg = gauss_kruger_zone(pts[0].x).expect("zone").0;
    let input: String = pts.iter().map(|p| format!("{:.10} {:.10}\n", p.y, p.x)).collect();
    let ne = pipe("cs2cs", &["-f", "%.6f", "EPSG:4490", &format!("EPSG:{epsg}")], &input);
    let source = dir.join("cgcs2000-gk.csv");
    csv(&source, &lines[0], &ne.iter().map(|r| (r[1], r[0])).collect::<Vec<_>>());
    let (ok, report, err) = import(&store, &source, &["--s-srs", &format!("EPSG:{epsg}")]);
    assert!(ok, "{err}");
    assert_eq!(report["inserted"], 3, "{report}");
    let e = worst_error(&store, &lines[0], &pts);
    assert!(e <= 0.001, "CGCS2000 / EPSG:{epsg}: {e} m");
    // The same file again changes nothing.
    let (ok, report, err) = import(&store, &source, &["--s-srs", &format!("EPSG:{epsg}")]);
    assert!(ok, "{err}");
    assert_eq!((report["inserted"].as_u64(), report["unchanged"].as_u64()), (Some(0), Some(3)), "{report}");

    // Beijing 1954 3° Gauss-Krüger (EPSG:2437) with three shift parameters.
    let pts = points_on(&store, &lines[1]);
    let input: String = pts.iter().map(|p| format!("{:.10} {:.10}\n", p.x, p.y)).collect();
    // CGCS2000 taken as WGS 84 (a null shift), then the survey's shift.
    let cgcs2000 = "+proj=longlat +ellps=GRS80 +towgs84=0,0,0 +no_defs +type=crs";
    let beijing = format!(
        "+proj=tmerc +lat_0=0 +lon_0=120 +k=1 +x_0=500000 +y_0=0 +ellps=krass +towgs84={BEIJING_1954_TOWGS84} +units=m +no_defs +type=crs"
    );
    let en = pipe("cs2cs", &["-f", "%.6f", cgcs2000, "+to", &beijing], &input);
    let unshifted =
        pipe("cs2cs", &["-f", "%.6f", cgcs2000, "+to", &beijing.replace("+towgs84=", "+ignored=")], &input);
    let shift = ((en[0][0] - unshifted[0][0]).powi(2) + (en[0][1] - unshifted[0][1]).powi(2)).sqrt();
    assert!(shift > 50.0, "the datum shift moves the point {shift} m: ignoring it would show");
    let source = dir.join("beijing1954.csv");
    csv(&source, &lines[1], &en.iter().map(|r| (r[0], r[1])).collect::<Vec<_>>());
    let (ok, _, err) = import(&store, &source, &["--s-srs", "EPSG:2437"]);
    assert!(
        !ok && err.contains("--transformation"),
        "Beijing 1954 without a transformation is refused: {err}"
    );
    let (ok, report, err) = import(
        &store,
        &source,
        &["--s-srs", "EPSG:2437", "--transformation", &format!("towgs84={BEIJING_1954_TOWGS84}")],
    );
    assert!(ok, "{err}");
    assert_eq!(report["inserted"], 3, "{report}");
    let e = worst_error(&store, &lines[1], &pts);
    assert!(e <= 0.001, "Beijing 1954: {e} m");

    // Xi'an 1980 3° Gauss-Krüger (EPSG:2385) with a seven-parameter pipeline.
    let pts = points_on(&store, &lines[2]);
    let input: String = pts.iter().map(|p| format!("{:.10} {:.10} 0 0\n", p.y, p.x)).collect();
    // cct takes the pipeline's steps as separate arguments.
    let mut args = vec!["-I", "-d", "6"];
    args.extend(XIAN_1980_PIPELINE.split_whitespace());
    let nz = pipe("cct", &args, &input);
    let source = dir.join("xian1980.csv");
    csv(&source, &lines[2], &nz.iter().map(|r| (r[1], r[0])).collect::<Vec<_>>());
    let (ok, report, err) =
        import(&store, &source, &["--s-srs", "EPSG:2385", "--transformation", XIAN_1980_PIPELINE]);
    assert!(ok, "{err}");
    assert_eq!(report["inserted"], 3, "{report}");
    // A 2D survey carries no height: the seven-parameter shift applied at
    // height 0 rather than at the ellipsoidal height the inverse gave (about
    // 140 m) moves a point by about a millimetre.
    let e = worst_error(&store, &lines[2], &pts);
    assert!(e <= 0.005, "Xi'an 1980: {e} m");
}

#[test]
fn markers_off_their_line_or_with_a_taken_number_are_rejected_with_the_reason() {
    let store = store_copy("marker-import-bad");
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("marker-import-bad");
    std::fs::create_dir_all(&dir).expect("dir");
    let line = bare_lines(1).remove(0);
    let pts = points_on(&store, &line);
    let taken: (String, f64, f64) = sqlite()
        .query_row(
            "SELECT number, lon, lat FROM boundary_markers WHERE retired_on IS NULL LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("a marker");
    let text = format!(
        "number,x,y\n{line}001Q,{:.8},{:.8}\n{line}002Q,{:.8},{:.8}\n{},{:.8},{:.8}\n{line}003X,{:.8},{:.8}\n99999999001Q,{:.8},{:.8}\n",
        pts[0].x,
        pts[0].y,
        pts[1].x + 0.01, // about a kilometre east of the line
        pts[1].y,
        taken.0,
        taken.1 + 0.0002, // about 20 m away: near its line, but not where it stands
        taken.2,
        pts[2].x,
        pts[2].y,
        pts[2].x,
        pts[2].y,
    );
    let source = dir.join("bad.csv");
    std::fs::write(&source, text).expect("csv");
    let (ok, report, err) = import(&store, &source, &["--s-srs", "EPSG:4490"]);
    assert!(ok, "{err}");
    assert_eq!((report["inserted"].as_u64(), report["rejected"].as_u64()), (Some(1), Some(4)), "{report}");
    let rejected = std::fs::read_to_string(source.with_extension("rejected.csv")).expect("report");
    for (row, needle) in [("2", "米，超过"), ("3", "移位须由双方签认"), ("4", "类型"), ("5", "不存在")]
    {
        assert!(
            rejected.lines().any(|l| l.starts_with(&format!("{row},")) && l.contains(needle)),
            "row {row} rejected for “{needle}”:\n{rejected}"
        );
    }
}
