//! `fangyu import`: any GDAL vector source into divisions, places or
//! addresses.
//!
//! 1. open the source with the driver options it needs (a Shapefile's
//!    attribute encoding, a CSV's X/Y or WKT columns);
//! 2. reproject every geometry from the source CRS (the layer's own, or
//!    `--s-srs`) to CGCS2000 geographic lon/lat;
//! 3. check each geometry and repair it with `MakeValid` where it is
//!    invalid; map the fields and parse them into the model's types;
//! 4. upsert by code, all rows in one transaction, with a change-log entry
//!    per row: a re-run changes nothing new, an interrupted run leaves the
//!    store as it was;
//! 5. write every rejected row, with its reason, to the report file.

use crate::model::{AddressCode, AddressKind, DivisionCode, PlaceClass, romanize, short_name, split_generic};
use crate::progress::Progress;
use crate::store::{AddressRow, ChangeEntry, DivisionRow, PlaceRow, Store, StoreError, append_change};
use anyhow::{Context, Result, anyhow};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, SpatialRef};
use gdal::vector::{Feature, LayerAccess};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::{Centroid, Geometry, MultiPolygon};
use std::collections::HashMap;
use std::path::PathBuf;

/// What the rows become.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// Administrative divisions (polygons).
    Divisions,
    /// Standard place names.
    Places,
    /// Door plates / standard addresses (points).
    Addresses,
}

/// Import options.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The source file or folder GDAL opens.
    pub source: PathBuf,
    /// Layer name (default: the first).
    pub layer: Option<String>,
    /// What the rows become.
    pub target: Target,
    /// Target field → source field, for fields named differently.
    pub mapping: HashMap<String, String>,
    /// Source CRS (`EPSG:4528`, a WKT or PROJ string) when the layer has
    /// none or it is wrong.
    pub source_srs: Option<String>,
    /// Attribute encoding (`GBK`) for Shapefiles without a `.cpg`.
    pub encoding: Option<String>,
    /// CSV: longitude/easting column.
    pub x_field: Option<String>,
    /// CSV: latitude/northing column.
    pub y_field: Option<String>,
    /// CSV: WKT geometry column.
    pub wkt_field: Option<String>,
    /// Where rejected rows are written (CSV).
    pub report: PathBuf,
    /// Who is importing, for the change log.
    pub actor: String,
}

/// What an import did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct ImportReport {
    /// Rows read.
    pub read: usize,
    /// New records.
    pub inserted: usize,
    /// Existing records updated.
    pub updated: usize,
    /// Rows rejected (see the report file).
    pub rejected: usize,
    /// Geometries repaired.
    pub repaired: usize,
}

/// A row the import refused.
struct Rejection {
    row: usize,
    fid: Option<u64>,
    field: String,
    reason: String,
}

/// Runs an import.
pub fn import(store: &Store, opts: &ImportOptions) -> Result<ImportReport> {
    let mut open_options: Vec<String> = Vec::new();
    if let Some(enc) = &opts.encoding {
        open_options.push(format!("ENCODING={enc}"));
    }
    if let Some(x) = &opts.x_field {
        open_options.push(format!("X_POSSIBLE_NAMES={x}"));
    }
    if let Some(y) = &opts.y_field {
        open_options.push(format!("Y_POSSIBLE_NAMES={y}"));
    }
    if let Some(w) = &opts.wkt_field {
        open_options.push(format!("GEOM_POSSIBLE_NAMES={w}"));
    }
    if opts.x_field.is_some() || opts.wkt_field.is_some() {
        open_options.push("KEEP_GEOM_COLUMNS=NO".into());
    }
    let refs: Vec<&str> = open_options.iter().map(String::as_str).collect();
    let ds = Dataset::open_ex(
        &opts.source,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            open_options: (!refs.is_empty()).then_some(refs.as_slice()),
            ..Default::default()
        },
    )
    .with_context(|| format!("GDAL cannot open {}", opts.source.display()))?;
    let mut layer = match &opts.layer {
        Some(name) => ds.layer_by_name(name)?,
        None => ds.layer(0)?,
    };
    let mut target_srs = SpatialRef::from_epsg(4490)?;
    target_srs.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
    let source_srs = match &opts.source_srs {
        Some(def) => Some(SpatialRef::from_definition(def).with_context(|| format!("unknown CRS {def}"))?),
        None => layer.spatial_ref(),
    };
    let transform = match source_srs {
        Some(mut s) => {
            s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            Some(CoordTransform::new(&s, &target_srs)?)
        }
        None => None,
    };
    let total = layer.feature_count();
    let mut progress = Progress::new("import", total);
    let mut report = ImportReport::default();
    let mut rejections: Vec<Rejection> = Vec::new();
    let mut rows: Vec<(usize, Parsed)> = Vec::new();
    for (n, feature) in layer.features().enumerate() {
        report.read += 1;
        progress.inc(1);
        let row = n + 1;
        match read_row(&feature, opts, transform.as_ref()) {
            Ok((parsed, repaired)) => {
                report.repaired += usize::from(repaired);
                rows.push((row, parsed));
            }
            Err((field, reason)) => rejections.push(Rejection { row, fid: feature.fid(), field, reason }),
        }
    }
    progress.finish();
    let actor = opts.actor.as_str();
    store.write(|tx| -> Result<(), StoreError> {
        for (_, parsed) in &rows {
            // (entity, key, public code, division, name, whether it existed)
            let (entity, key, code, division, name, updated) = match parsed {
                Parsed::Division(d) => {
                    let (_, updated) = d.upsert_current(tx)?;
                    (
                        "division",
                        d.code.clone(),
                        Some(d.code.as_str()),
                        d.code.as_str(),
                        d.name.as_str(),
                        updated,
                    )
                }
                Parsed::Place(p) => {
                    let (fid, updated) = p.upsert(tx)?;
                    ("place", fid.to_string(), None, p.division_code.as_str(), p.name.as_str(), updated)
                }
                Parsed::Address(a) => {
                    let updated = a.upsert(tx)?;
                    let name = a.standard_address.as_str();
                    (
                        "address",
                        a.code.clone(),
                        Some(a.code.as_str()),
                        a.division_code.as_str(),
                        name,
                        updated,
                    )
                }
            };
            if updated {
                report.updated += 1;
            } else {
                report.inserted += 1;
            }
            let summary = format!("{}“{name}”（导入）", if updated { "更新" } else { "新增" });
            append_change(
                tx,
                &ChangeEntry {
                    actor,
                    entity,
                    entity_key: &key,
                    action: if updated { "update" } else { "create" },
                    detail: serde_json::json!({"source": opts.source.display().to_string()}),
                    code,
                    division: Some(division),
                    summary: Some(&summary),
                },
            )?;
        }
        Ok(())
    })?;
    report.rejected = rejections.len();
    write_report(&opts.report, &rejections)?;
    Ok(report)
}

enum Parsed {
    Division(DivisionRow),
    Place(PlaceRow),
    Address(AddressRow),
}

type RowError = (String, String);

fn field(feature: &Feature, opts: &ImportOptions, name: &str) -> Option<String> {
    let src = opts.mapping.get(name).map_or(name, String::as_str);
    let idx = feature.field_index(src).ok()?;
    feature.field_as_string(idx).ok().flatten().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn required(feature: &Feature, opts: &ImportOptions, name: &str) -> Result<String, RowError> {
    field(feature, opts, name).ok_or_else(|| (name.to_string(), "缺少必填字段".to_string()))
}

fn read_row(
    feature: &Feature,
    opts: &ImportOptions,
    ct: Option<&CoordTransform>,
) -> Result<(Parsed, bool), RowError> {
    let (geom, repaired) = geometry(feature, ct)?;
    let source = format!(
        "import:{}",
        opts.source.file_name().map_or(String::new(), |f| f.to_string_lossy().into_owned())
    );
    let parsed = match opts.target {
        Target::Divisions => {
            let code = required(feature, opts, "code")?;
            let code =
                DivisionCode::parse(&code).map_err(|e| ("code".to_string(), format!("“{code}”: {e}")))?;
            let name = required(feature, opts, "name")?;
            let level = match field(feature, opts, "level") {
                Some(l) => l
                    .parse::<i64>()
                    .ok()
                    .filter(|l| (1..=5).contains(l))
                    .ok_or(("level".to_string(), format!("“{l}” 不是 1–5 的层级")))?,
                None => code.implied_level().as_i64(),
            };
            let mp = match geom {
                Some(Geometry::MultiPolygon(mp)) => mp,
                Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
                Some(_) => return Err(("geometry".into(), "区划边界应为面".into())),
                None => return Err(("geometry".into(), "缺少边界几何".into())),
            };
            let parent = field(feature, opts, "parent").or_else(|| implied_parent(code.as_str()));
            Parsed::Division(DivisionRow {
                short_name: field(feature, opts, "short_name").or_else(|| short_name(&name)),
                pinyin: Some(romanize(&name)),
                seat: mp.centroid().map(|c| (c.x(), c.y())),
                code: code.as_str().to_string(),
                name,
                level,
                parent_code: parent,
                source,
                geom: Some(mp),
                ..Default::default()
            })
        }
        Target::Places => {
            let name = required(feature, opts, "name")?;
            let class = required(feature, opts, "class")?;
            let class =
                PlaceClass::parse(&class).ok_or(("class".to_string(), format!("未知地名类别 “{class}”")))?;
            let division = required(feature, opts, "division")?;
            let division =
                DivisionCode::parse(&division).map_err(|e| ("division".to_string(), e.to_string()))?;
            let (specific, generic) = split_generic(&name);
            Parsed::Place(PlaceRow {
                class: class.as_str().into(),
                specific: specific.into(),
                generic: generic.into(),
                pinyin: romanize(&name),
                division_code: division.as_str().into(),
                status: "current".into(),
                meaning: field(feature, opts, "meaning"),
                history: field(feature, opts, "history"),
                name,
                source,
                geom,
                ..Default::default()
            })
        }
        Target::Addresses => {
            let code = required(feature, opts, "code")?;
            let code = AddressCode::parse(&code)
                .ok_or(("code".to_string(), format!("“{code}” 不是 18 位地址编码")))?;
            let street = required(feature, opts, "street")?;
            let Some(Geometry::Point(p)) = geom else {
                return Err(("geometry".into(), "地址应为点".into()));
            };
            let division =
                field(feature, opts, "division").unwrap_or_else(|| code.to_string()[..12].to_string());
            let division =
                DivisionCode::parse(&division).map_err(|e| ("division".to_string(), e.to_string()))?;
            let number = field(feature, opts, "number");
            let standard = field(feature, opts, "standard_address")
                .unwrap_or_else(|| format!("{street}{}", number.clone().unwrap_or_default()));
            Parsed::Address(AddressRow {
                code: code.to_string(),
                kind: match field(feature, opts, "kind") {
                    None => "road_plate".into(),
                    Some(k) => AddressKind::parse(&k)
                        .ok_or(("kind".to_string(), format!("未知地址类型 “{k}”")))?
                        .as_str()
                        .into(),
                },
                division_code: division.as_str().into(),
                street,
                number,
                standard_address: standard,
                status: "current".into(),
                lon: p.x(),
                lat: p.y(),
                source,
                ..Default::default()
            })
        }
    };
    Ok((parsed, repaired))
}

fn implied_parent(code: &str) -> Option<String> {
    match code.len() {
        12 => Some(code[..9].to_string()),
        9 => Some(code[..6].to_string()),
        6 if code.ends_with("0000") => None,
        6 if code.ends_with("00") => Some(format!("{}0000", &code[..2])),
        6 => Some(format!("{}00", &code[..4])),
        _ => None,
    }
}

/// The feature's geometry in CGCS2000 lon/lat, repaired if invalid;
/// whether it was repaired.
fn geometry(
    feature: &Feature,
    ct: Option<&CoordTransform>,
) -> Result<(Option<Geometry<f64>>, bool), RowError> {
    let Some(g) = feature.geometry() else {
        return Ok((None, false));
    };
    if g.is_empty() {
        return Ok((None, false));
    }
    let g = match ct {
        Some(ct) => g.transform(ct).map_err(|e| ("geometry".to_string(), format!("坐标转换失败: {e}")))?,
        None => g.clone(),
    };
    let (g, repaired) = if g.is_valid() {
        (g, false)
    } else {
        let fixed = g
            .make_valid(&gdal::cpl::CslStringList::new())
            .map_err(|e| ("geometry".to_string(), format!("几何无效且无法修复: {e}")))?;
        (fixed, true)
    };
    let geo: Geometry<f64> =
        g.to_geo().map_err(|e| ("geometry".to_string(), format!("几何无法读取: {e}")))?;
    let geo = match geo {
        Geometry::GeometryCollection(gc) => {
            // MakeValid may return a collection: keep its polygons.
            let polys: Vec<_> =
                gc.0.into_iter()
                    .flat_map(|g| match g {
                        Geometry::Polygon(p) => vec![p],
                        Geometry::MultiPolygon(mp) => mp.0,
                        _ => vec![],
                    })
                    .collect();
            if polys.is_empty() {
                return Err(("geometry".into(), "修复后不是有效的面".into()));
            }
            Geometry::MultiPolygon(MultiPolygon(polys))
        }
        g => g,
    };
    let in_range = |x: f64, y: f64| (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y);
    let first = geo::CoordsIter::coords_iter(&geo).next();
    if first.is_some_and(|c| !in_range(c.x, c.y)) {
        return Err(("geometry".into(), "坐标超出经纬度范围，请用 --s-srs 指定源坐标系".into()));
    }
    Ok((Some(geo), repaired))
}

fn write_report(path: &PathBuf, rejections: &[Rejection]) -> Result<()> {
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {}", path.display()))?;
    w.write_record(["row", "fid", "field", "reason"])?;
    for r in rejections {
        w.write_record([
            r.row.to_string(),
            r.fid.map(|f| f.to_string()).unwrap_or_default(),
            r.field.clone(),
            r.reason.clone(),
        ])?;
    }
    w.flush().map_err(|e| anyhow!(e))
}
