//! `fangyu import` through GDAL and PROJ: the same features land whatever
//! the format, encoding and coordinate system; bad rows go to the report.

use flate2::read::GzDecoder;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Zhejiang's counties from the committed Tianditu file, under source
/// field names GB/MC, plus four bad rows and one self-intersecting polygon.
fn write_source(dir: &Path) -> (PathBuf, usize) {
    let f = std::fs::File::open(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sources/district.geojson.gz"),
    )
    .expect("source");
    let fc: Value = serde_json::from_reader(GzDecoder::new(f)).expect("geojson");
    let mut features: Vec<Value> = fc["features"]
        .as_array()
        .expect("features")
        .iter()
        .filter(|f| f["properties"]["gb"].as_str().is_some_and(|g| g.starts_with("15633") && !g.ends_with("00")))
        .map(|f| {
            let gb = f["properties"]["gb"].as_str().unwrap_or_default();
            json!({"type": "Feature", "properties": {"GB": &gb[3..], "MC": f["properties"]["name"]}, "geometry": f["geometry"]})
        })
        .collect();
    let good = features.len();
    let square = json!({"type": "Polygon", "coordinates": [[[120.0, 28.0], [120.1, 28.0], [120.1, 28.1], [120.0, 28.1], [120.0, 28.0]]]});
    let bowtie = json!({"type": "Polygon", "coordinates": [[[120.2, 28.0], [120.3, 28.1], [120.3, 28.0], [120.2, 28.1], [120.2, 28.0]]]});
    features.push(
        json!({"type": "Feature", "properties": {"GB": "33AB12", "MC": "坏代码区"}, "geometry": square}),
    );
    features.push(json!({"type": "Feature", "properties": {"GB": "339998", "MC": null}, "geometry": square}));
    features.push(json!({"type": "Feature", "properties": {"GB": "339997", "MC": "点状区"}, "geometry": {"type": "Point", "coordinates": [120.0, 28.0]}}));
    features
        .push(json!({"type": "Feature", "properties": {"GB": "339996", "MC": "无几何区"}, "geometry": null}));
    features
        .push(json!({"type": "Feature", "properties": {"GB": "339999", "MC": "自交区"}, "geometry": bowtie}));
    let path = dir.join("zhejiang.geojson");
    let doc = json!({"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}, "features": features});
    std::fs::write(&path, doc.to_string()).expect("write");
    (path, good + 1)
}

fn ogr2ogr(args: &[&str]) {
    let out = Command::new("ogr2ogr").args(args).output().expect("ogr2ogr runs");
    assert!(out.status.success(), "ogr2ogr {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The source as a Shapefile with GBK attributes and no `.cpg`, as old
/// deliveries come. A Shapefile holds one geometry type, so the point row
/// cannot be written.
fn gbk_shapefile(dir: &Path, source: &Path) -> PathBuf {
    let shp = dir.join("shp");
    ogr2ogr(&[
        "-f",
        "ESRI Shapefile",
        "-skipfailures",
        "-lco",
        "ENCODING=GBK",
        shp.to_str().expect("path"),
        source.to_str().expect("path"),
    ]);
    let _ = std::fs::remove_file(shp.join("zhejiang.cpg"));
    shp
}

struct Imported {
    report: Value,
    rejected: String,
    /// code → (name, area in square degrees, centroid)
    rows: BTreeMap<String, (String, f64, (f64, f64))>,
}

fn import(dir: &Path, tag: &str, source: &Path, extra: &[&str]) -> Imported {
    import_into(&dir.join(format!("{tag}.gpkg")), source, extra)
}

/// Imports the Zhejiang source (fields GB/MC) as divisions and reads back
/// every division the store then holds.
fn import_into(store: &Path, source: &Path, extra: &[&str]) -> Imported {
    let mut args = vec!["--kind", "divisions", "--map", "code=GB", "--map", "name=MC"];
    args.extend_from_slice(extra);
    let (report, rejected) = run_import(store, source, &args);
    let st = fangyu::store::Store::open(store).expect("store");
    let rows = st
        .read(|c| fangyu::store::DivisionRow::load_all(c, true))
        .expect("rows")
        .into_iter()
        .map(|r| {
            use geo::{Area, Centroid};
            let g = r.geom.expect("geometry");
            let c = g.centroid().expect("centroid");
            (r.code.to_string(), (r.name, g.unsigned_area(), (c.x(), c.y())))
        })
        .collect();
    Imported { report, rejected, rows }
}

#[test]
fn geojson_gbk_shapefile_and_gauss_kruger_geopackage_land_the_same_features() {
    let dir = tempfile::tempdir().expect("tmp");
    let (source, good) = write_source(dir.path());
    let geojson = import(dir.path(), "geojson", &source, &[]);
    assert_eq!(geojson.report["inserted"], good as u64);
    assert_eq!(geojson.report["rejected"], 4);
    assert_eq!(geojson.report["repaired"], 1, "the self-intersecting polygon is repaired");
    assert_eq!(geojson.rows.len(), good);
    for why in ["code", "name", "区划边界应为面", "缺少边界几何"] {
        assert!(geojson.rejected.contains(why), "report names {why}: {}", geojson.rejected);
    }
    assert_eq!(geojson.rows["330212"].0, "鄞州区");

    let shp = gbk_shapefile(dir.path(), &source);
    let dbf = std::fs::read(shp.join("zhejiang.dbf")).expect("dbf");
    let gbk_yinzhou = [0xDB, 0xB4, 0xD6, 0xDD, 0xC7, 0xF8]; // 鄞州区 in GBK
    assert!(dbf.windows(6).any(|w| w == gbk_yinzhou), "the DBF really is GBK");
    let shapefile = import(
        dir.path(),
        "shapefile",
        &shp.join("zhejiang.shp"),
        &["--encoding", "GBK", "--s-srs", "EPSG:4490"],
    );

    // A GeoPackage in a CGCS2000 3-degree Gauss-Krüger zone (CM 120°E).
    let gk = dir.path().join("gk.gpkg");
    ogr2ogr(&[
        "-f",
        "GPKG",
        "-t_srs",
        "EPSG:4528",
        gk.to_str().expect("path"),
        source.to_str().expect("path"),
    ]);
    let gauss = import(dir.path(), "gauss", &gk, &[]);

    assert_eq!(shapefile.report["rejected"], 3, "the point row never made it into the Shapefile");
    assert_eq!(gauss.report["rejected"], 4);
    for other in [&shapefile, &gauss] {
        assert_eq!(other.rows.keys().collect::<Vec<_>>(), geojson.rows.keys().collect::<Vec<_>>());
        for (code, (name, area, c)) in &geojson.rows {
            let (n2, a2, c2) = &other.rows[code];
            assert_eq!(name, n2, "{code}");
            assert!((area - a2).abs() <= area * 1e-6, "{code}: area {area} vs {a2}");
            assert!(
                (c.0 - c2.0).abs() < 1e-6 && (c.1 - c2.1).abs() < 1e-6,
                "{code}: centroid {c:?} vs {c2:?}"
            );
        }
    }
}

#[test]
fn a_second_run_updates_instead_of_duplicating() {
    let dir = tempfile::tempdir().expect("tmp");
    let (source, good) = write_source(dir.path());
    let store = dir.path().join("again.gpkg");
    let first = import_into(&store, &source, &[]);
    let second = import_into(&store, &source, &[]);
    assert_eq!(first.report["inserted"], good as u64);
    assert_eq!(second.report["inserted"], 0);
    assert_eq!(second.report["updated"], good as u64);
    assert_eq!(second.rows.len(), good);
}

#[test]
fn without_the_encoding_a_gbk_shapefile_reads_wrong() {
    // The control for the GBK case above: the option is what makes it right.
    let dir = tempfile::tempdir().expect("tmp");
    let (source, _) = write_source(dir.path());
    let shp = gbk_shapefile(dir.path(), &source);
    let plain = import(dir.path(), "plain", &shp.join("zhejiang.shp"), &["--s-srs", "EPSG:4490"]);
    assert!(plain.rows.get("330212").is_some_and(|r| r.0 != "鄞州区"));
}

fn run_import(store: &Path, source: &Path, args: &[&str]) -> (Value, String) {
    let report = source.with_extension("rejected.csv");
    let out = Command::new(env!("CARGO_BIN_EXE_fangyu"))
        .arg("import")
        .arg(source)
        .args(args)
        .arg("--report")
        .arg(&report)
        .arg("--store")
        .arg(store)
        .output()
        .expect("fangyu import runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (
        serde_json::from_slice(&out.stdout).expect("report json"),
        std::fs::read_to_string(report).expect("report"),
    )
}

#[test]
fn csv_with_xy_columns_imports_door_plates_and_csv_with_wkt_imports_places() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("csv.gpkg");
    // Door plates with Chinese column names and X/Y in a Gauss-Krüger zone
    // (EPSG:4528, CM 120°E, false easting with the zone number).
    let plates = dir.path().join("门牌.csv");
    std::fs::write(
        &plates,
        "编码,路名,门牌,X,Y\n\
         330212001001000001,中山东路,1号,40595812.3,3305731.8\n\
         330212001001000002,中山东路,2号,40595830.1,3305700.2\n\
         330212001001000003,中山东路,3-1号,40595850.0,3305731.0\n\
         33021200100100000X,中山东路,5号,40595870.0,3305731.0\n\
         330212001001000005,中山东路,7号,,\n",
    )
    .expect("write");
    let (report, rejected) = run_import(
        &store,
        &plates,
        &[
            "--kind",
            "addresses",
            "--x-field",
            "X",
            "--y-field",
            "Y",
            "--s-srs",
            "EPSG:4528",
            "--map",
            "code=编码",
            "--map",
            "street=路名",
            "--map",
            "number=门牌",
        ],
    );
    assert_eq!(report["inserted"], 3);
    assert_eq!(report["rejected"], 2, "{rejected}");
    assert!(rejected.contains("code") && rejected.contains("地址应为点"), "{rejected}");
    let st = fangyu::store::Store::open(&store).expect("store");
    let a = st
        .read(|c| {
            let code = fangyu::model::AddressCode::parse("330212001001000001").expect("a code");
            fangyu::store::AddressRow::by_code(c, code)
        })
        .expect("read")
        .expect("imported");
    assert_eq!(a.standard_address, "中山东路1号");
    assert_eq!(a.division_code, "330212001001");
    // 40595812.3 E / 3305731.8 N in zone 40 is about 121.0°E, 29.87°N.
    assert!((a.lon - 121.0).abs() < 0.02 && (a.lat - 29.87).abs() < 0.02, "{} {}", a.lon, a.lat);

    // Places with their geometry as WKT.
    let places = dir.path().join("places.csv");
    std::fs::write(
        &places,
        "name,class,division,WKT\n\
         \"天童南路\",road,330212,\"LINESTRING (121.54 29.80,121.55 29.85)\"\n\
         \"阳光花园\",compound,330212001,\"POLYGON ((121.5 29.8,121.51 29.8,121.51 29.81,121.5 29.8))\"\n\
         \"城堡\",castle,330212,\"POINT (121.5 29.8)\"\n\
         \"远东路\",road,330212,\"LINESTRING (121.54 29.80,1215.5 29.85)\"\n",
    )
    .expect("write");
    let (report, rejected) = run_import(&store, &places, &["--kind", "places", "--wkt-field", "WKT"]);
    assert_eq!(report["inserted"], 2);
    assert_eq!(report["rejected"], 2, "{rejected}");
    assert!(rejected.contains("class"), "{rejected}");
    assert!(
        rejected.contains("1215.5") && rejected.contains("超出经纬度范围"),
        "a stray second vertex: {rejected}"
    );
    let rows = st.read(|c| fangyu::store::PlaceRow::load_all(c, true)).expect("read");
    let road = rows.iter().find(|p| p.name == "天童南路").expect("road");
    assert_eq!(
        (road.class.as_str(), road.specific.as_str(), road.generic.as_str()),
        ("road", "天童南", "路")
    );
    assert_eq!(road.pinyin, "Tiantongnan Lu");
    assert!(matches!(road.geom, Some(geo::Geometry::LineString(_))));
}

#[test]
fn re_importing_an_address_keeps_what_the_source_does_not_carry() {
    let dir = tempfile::tempdir().expect("tmp");
    let store = dir.path().join("copy.gpkg");
    std::fs::copy(crate::helpers::demo_store(), &store).expect("copy");
    let st = fangyu::store::Store::open(&store).expect("store");
    let (fid, code, building, room): (i64, String, String, String) = st
        .read(|c| {
            Ok(c.query_row(
                "SELECT fid, code, building, room FROM addresses WHERE kind = 'room' LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?)
        })
        .expect("a room");
    let src = dir.path().join("fix.csv");
    std::fs::write(&src, format!("code,street,kind,X,Y\n{code},改正后的小区,room,121.5,29.8\n"))
        .expect("write");
    drop(st);
    let (report, _) = run_import(&store, &src, &["--kind", "addresses", "--x-field", "X", "--y-field", "Y"]);
    assert_eq!(report["updated"], 1);
    let st = fangyu::store::Store::open(&store).expect("store");
    let parsed = fangyu::model::AddressCode::parse(&code).expect("an address code");
    let a = st.read(|c| fangyu::store::AddressRow::by_code(c, parsed)).expect("read").expect("still there");
    assert_eq!(a.fid, fid, "updated in place");
    assert_eq!(a.street, "改正后的小区");
    assert_eq!((a.building.as_deref(), a.room.as_deref()), (Some(building.as_str()), Some(room.as_str())));
}
