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

use super::feature_row::{Parsed, read_row};
use crate::progress::Progress;
use crate::store::{ChangeEntry, Store, StoreError, append_change};
use anyhow::{Context, Result, anyhow};
use gdal::spatial_ref::{AxisMappingStrategy, CoordTransform, CoordTransformOptions, SpatialRef};
use gdal::vector::LayerAccess;
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
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
    /// Boundary markers (points) on lines already in the store.
    Markers,
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
    /// The operation from the source CRS to CGCS2000: a PROJ pipeline
    /// (`+proj=pipeline …`), or `towgs84=dx,dy,dz[,rx,ry,rz,ds]` (Bursa–Wolf
    /// parameters to CGCS2000, taken as WGS 84 at the centimetre). Required
    /// for Beijing 1954 and Xi'an 1980 sources, for which PROJ knows only a
    /// ballpark (no-op) transformation, off by up to a hundred metres.
    pub transformation: Option<String>,
    /// Farthest a marker may stand from its line, metres.
    pub marker_off_line_m: f64,
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
    /// Rows already in the store as they are (markers).
    pub unchanged: usize,
    /// Geometries repaired.
    pub repaired: usize,
}

/// A row the import refused.
pub(super) struct Rejection {
    pub(super) row: usize,
    pub(super) fid: Option<u64>,
    pub(super) field: String,
    pub(super) reason: String,
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
    // A source given CSV columns is read as CSV, whatever its content
    // looks like to GDAL (text with `<OGRVRTDataSource` in it would open
    // as a VRT).
    let csv = opts.x_field.is_some() || opts.wkt_field.is_some();
    let ds = Dataset::open_ex(
        &opts.source,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            allowed_drivers: csv.then_some(&["CSV"][..]),
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
            Some(transformation(&s, &target_srs, opts.transformation.as_deref())?)
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
    if opts.target == Target::Markers {
        super::markers::check(store, &mut rows, &mut rejections, &mut report, opts.marker_off_line_m)?;
    }
    let actor = opts.actor.as_str();
    store.write(|tx| -> Result<(), StoreError> {
        for (_, parsed) in &rows {
            // (entity, key, public code, division, name, whether it existed)
            let (entity, key, code, division, name, updated) = match parsed {
                Parsed::Division(d) => {
                    let (_, updated) = d.upsert_current(tx)?;
                    (
                        "division",
                        d.code.to_string(),
                        Some(d.code.to_string()),
                        d.code.as_str(),
                        d.name.as_str(),
                        updated,
                    )
                }
                Parsed::Place(p) => {
                    let (fid, updated) = p.upsert(tx)?;
                    ("place", fid.to_string(), None, p.division_code.as_str(), p.name.as_str(), updated)
                }
                Parsed::Marker(m, side) => {
                    m.insert(tx)?;
                    (
                        "marker",
                        m.number.clone(),
                        Some(m.number.clone()),
                        side.as_str(),
                        m.number.as_str(),
                        false,
                    )
                }
                Parsed::Address(a) => {
                    let updated = a.upsert(tx)?;
                    let name = a.standard_address.as_str();
                    (
                        "address",
                        a.code.to_string(),
                        Some(a.code.to_string()),
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
                    code: code.as_deref(),
                    division: Some(division),
                    summary: Some(&summary),
                    by: None,
                },
            )?;
        }
        Ok(())
    })?;
    report.rejected = rejections.len();
    write_report(&opts.report, &rejections)?;
    Ok(report)
}

/// The transformation from `source` to CGCS2000 (`target`): the one
/// given, or PROJ's own — refused for Beijing 1954 and Xi'an 1980, where it
/// has only a ballpark one.
fn transformation(source: &SpatialRef, target: &SpatialRef, given: Option<&str>) -> Result<CoordTransform> {
    match given.map(str::trim) {
        Some(t) if t.starts_with("towgs84=") => {
            let params = &t["towgs84=".len()..];
            let n = params.split(',').filter(|p| p.trim().parse::<f64>().is_ok()).count();
            if !(n == 3 || n == 7) || params.split(',').count() != n {
                return Err(anyhow!("--transformation towgs84= 须为 3 或 7 个数（dx,dy,dz[,rx,ry,rz,ds]）"));
            }
            let def = format!("{} +towgs84={params}", source.to_proj4()?.replace("+no_defs", "").trim());
            let mut s = SpatialRef::from_proj4(&def).with_context(|| format!("PROJ cannot read {def}"))?;
            s.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            // CGCS2000 bound to WGS 84 by a null shift: from EPSG:4490 itself
            // PROJ would take its ballpark path and drop the parameters.
            let mut t = SpatialRef::from_proj4("+proj=longlat +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +no_defs")?;
            t.set_axis_mapping_strategy(AxisMappingStrategy::TraditionalGisOrder);
            Ok(CoordTransform::new(&s, &t)?)
        }
        Some(pipeline) => {
            let mut o = CoordTransformOptions::new()?;
            o.set_coordinate_operation(pipeline, false)?;
            CoordTransform::new_with_options(source, target, &o)
                .with_context(|| format!("PROJ cannot use the transformation {pipeline}"))
        }
        None => {
            let datum = source.geog_cs().ok().and_then(|g| g.name()).unwrap_or_default();
            if datum.contains("Beijing 1954") || datum.contains("Xian 1980") || datum.contains("Xi'an 1980") {
                return Err(anyhow!(
                    "源坐标系基于 {datum}：PROJ 只有近似（ballpark）转换，误差可达百米；请用 --transformation 给出到 CGCS2000 的转换参数（towgs84=… 或 PROJ pipeline）"
                ));
            }
            Ok(CoordTransform::new(source, target)?)
        }
    }
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
