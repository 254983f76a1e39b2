//! `/boundaries`: the lines between neighbouring divisions at province,
//! prefecture and county level, with their markers and the changes to them
//! awaiting the other side; coordinates in CGCS2000 or, with
//! `crs=EPSG:NNNN`, a CGCS2000 Gauss-Krüger 3° zone.

use super::error::{ApiError, ApiResult};
use super::features::{collection, feature};
use super::params;
use super::state::AppState;
use crate::boundaries::crs::{self, Crs, gauss_kruger_zone, zone_of};
use crate::model::Level;
use crate::store::{BoundaryLineRow, LineFilter, MarkerChangeRow, MarkerRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use geo::{Coord, MultiLineString};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

impl From<crate::service::boundaries::BoundaryError> for ApiError {
    fn from(e: crate::service::boundaries::BoundaryError) -> Self {
        use crate::service::boundaries::BoundaryError as E;
        match e {
            E::NotFound(what, id) => ApiError::not_found(what, &id),
            E::Invalid { field, reason } => ApiError::invalid(field, reason),
            E::Forbidden(why) => ApiError::forbidden(&why),
            E::Conflict(why) => ApiError::invalid_transition(&why),
            E::Store(e) => ApiError::from(e),
        }
    }
}

/// Parses `crs` (default CGCS2000 lon/lat).
pub fn crs_param(v: Option<&str>) -> ApiResult<Crs> {
    v.map_or(Ok(Crs(crs::STORE_EPSG)), |s| Crs::parse(s).map_err(|r| ApiError::invalid("crs", r)))
}

fn round(v: f64, projected: bool) -> f64 {
    // Millimetres for metres, about a millimetre for degrees.
    let k = if projected { 1e3 } else { 1e8 };
    (v * k).round() / k
}

/// A line's geometry as GeoJSON in `crs`.
fn line_geometry(g: &MultiLineString<f64>, crs: Crs) -> ApiResult<Value> {
    let mut parts = Vec::with_capacity(g.0.len());
    for l in &g.0 {
        let pts = crs::from_store(crs, &l.0).map_err(ApiError::internal)?;
        parts.push(
            pts.iter()
                .map(|c| [round(c.x, crs.is_projected()), round(c.y, crs.is_projected())])
                .collect::<Vec<_>>(),
        );
    }
    Ok(json!({"type": "MultiLineString", "coordinates": parts}))
}

/// A point in `crs`, as `[x, y]`.
pub fn point_in(c: Coord<f64>, crs: Crs) -> ApiResult<[f64; 2]> {
    let p = crs::from_store(crs, &[c]).map_err(ApiError::internal)?[0];
    Ok([round(p.x, crs.is_projected()), round(p.y, crs.is_projected())])
}

/// A marker's position in CGCS2000 and in the Gauss-Krüger 3° zone it
/// falls in.
pub fn marker_positions(m: &MarkerRow) -> ApiResult<Value> {
    let at = Coord { x: m.lon, y: m.lat };
    let gk = match gauss_kruger_zone(m.lon) {
        Some(z) => {
            let p = point_in(at, z)?;
            json!({"crs": z.name(), "zone": zone_of(m.lon), "central_meridian": zone_of(m.lon).map(|z| z * 3),
                "easting": p[0], "northing": p[1]})
        }
        None => Value::Null,
    };
    Ok(json!({"cgcs2000": {"crs": "EPSG:4490", "lon": m.lon, "lat": m.lat}, "gauss_kruger": gk}))
}

/// A marker as a Feature (geometry in `crs`).
pub fn marker_feature(m: &MarkerRow, crs: Crs, distance_m: Option<f64>) -> ApiResult<Value> {
    let mut props = json!({
        "number": m.number, "kind": m.kind, "line": m.line_code, "condition": m.condition,
        "installed_on": m.installed_on, "status": if m.retired_on.is_some() { "retired" } else { "current" },
        "retired_on": m.retired_on, "inspected_on": m.inspected_on, "positions": marker_positions(m)?,
    });
    if let Some(d) = distance_m {
        props["distance_m"] = json!((d * 10.0).round() / 10.0);
    }
    let p = point_in(Coord { x: m.lon, y: m.lat }, crs)?;
    Ok(feature(json!(m.number), json!({"type": "Point", "coordinates": p}), props))
}

fn line_properties(l: &BoundaryLineRow, s: &AppState) -> Value {
    let g = s.gazetteer();
    let name_of = |code: &str| g.divisions.by_code(code, None).map(|i| g.divisions.get(i).name.clone());
    json!({
        "id": l.code, "name": l.name, "level": l.level,
        "left": {"code": l.left_code, "name": name_of(l.left_code.as_str())},
        "right": {"code": l.right_code, "name": name_of(l.right_code.as_str())},
        "length_m": l.length_m,
        "status": if l.retired_on.is_some() { "retired" } else { "current" },
        "retired_on": l.retired_on,
    })
}

/// Query of `/boundaries`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BoundariesQuery {
    /// Lines with a side inside this division (its code).
    division: Option<String>,
    /// `province`, `prefecture` or `county`.
    level: Option<String>,
    /// `minLon,minLat,maxLon,maxLat`: lines whose box meets it.
    bbox: Option<String>,
    /// `EPSG:4490` (default) or a CGCS2000 Gauss-Krüger 3° zone,
    /// `EPSG:4513`–`EPSG:4554`.
    crs: Option<String>,
    /// Retired lines too (`true`).
    retired: Option<String>,
    /// Most lines (default 100).
    limit: Option<String>,
    /// Lines after this number, for the next page.
    after: Option<String>,
}

/// Boundary lines as a GeoJSON FeatureCollection, by number: each with its
/// two sides, level, length and status; `next` names the number to page
/// on from when more lines match.
#[utoipa::path(get, path = "/boundaries", tag = "boundaries", params(BoundariesQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection of lines"), (status = 400, body = super::error::Problem)))]
pub async fn list(State(s): State<AppState>, Query(q): Query<BoundariesQuery>) -> ApiResult<Json<Value>> {
    let limit = params::limit(q.limit.as_deref(), 100, s.settings.server.max_limit)?;
    let crs = crs_param(q.crs.as_deref())?;
    let level = match q.level.as_deref() {
        None => None,
        Some("province") => Some(Level::Province),
        Some("prefecture") => Some(Level::Prefecture),
        Some("county") => Some(Level::County),
        Some(other) => {
            return Err(ApiError::invalid(
                "level",
                format!("应为 province、prefecture 或 county，不是 {other}"),
            ));
        }
    };
    let prefix = match q.division.as_deref() {
        Some(d) => Some(params::division_code("division", d)?.prefix().to_string()),
        None => None,
    };
    let bbox = q
        .bbox
        .as_deref()
        .map(params::bbox)
        .transpose()?
        .map(|b| [b.min().x, b.min().y, b.max().x, b.max().y]);
    let with_retired = params::flag("retired", q.retired.as_deref())?;
    let after = q.after.clone();
    let rows = s
        .query(move |c| {
            let f = LineFilter {
                division_prefix: prefix.as_deref(),
                level,
                bbox,
                with_retired,
                limit: limit + 1,
                after: after.as_deref(),
            };
            BoundaryLineRow::list(c, &f, true)
        })
        .await?;
    let next = (rows.len() > limit).then(|| rows[limit - 1].code.clone());
    let mut features = Vec::with_capacity(rows.len().min(limit));
    for l in rows.iter().take(limit) {
        let geom = l.geom.as_ref().map(|g| line_geometry(g, crs)).transpose()?.unwrap_or(Value::Null);
        features.push(feature(json!(l.code), geom, line_properties(l, &s)));
    }
    let mut out = collection(features);
    out["crs"] = json!(crs.name());
    out["next"] = json!(next);
    Ok(Json(out))
}

/// Query of `/boundaries/{id}` and `/markers/{number}`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CrsQuery {
    /// `EPSG:4490` (default) or `EPSG:4513`–`EPSG:4554`.
    pub crs: Option<String>,
}

/// One boundary line as a GeoJSON Feature: its sides, level, length, its
/// markers (each in CGCS2000 and its Gauss-Krüger zone, retired ones
/// too) and the marker changes awaiting a side's signature.
#[utoipa::path(get, path = "/boundaries/{id}", tag = "boundaries",
    params(("id" = String, Path, description = "Line number"), CrsQuery),
    responses((status = 200, description = "GeoJSON Feature of the line"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem)))]
pub async fn one(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CrsQuery>,
) -> ApiResult<Json<Value>> {
    let crs = crs_param(q.crs.as_deref())?;
    if id.len() > 16 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("id", "界线编号由数字组成"));
    }
    let key = id.clone();
    let found = s
        .query(move |c| {
            let Some(line) = BoundaryLineRow::get(c, &key)? else { return Ok(None) };
            let markers = MarkerRow::of_line(c, &key)?;
            let pending = MarkerChangeRow::of_line(c, &key, true)?;
            Ok(Some((line, markers, pending)))
        })
        .await?;
    let Some((line, markers, pending)) = found else { return Err(ApiError::not_found("界线", &id)) };
    let mut props = line_properties(&line, &s);
    let marker_features =
        markers.iter().map(|m| marker_feature(m, crs, None)).collect::<ApiResult<Vec<_>>>()?;
    props["markers"] = json!(marker_features);
    props["marker_count"] = json!(markers.iter().filter(|m| m.retired_on.is_none()).count());
    props["pending_changes"] = json!(pending);
    props["direction"] =
        json!(line.geom.as_ref().map(|g| match crate::boundaries::numbering::Walk::new(g).direction {
            crate::boundaries::numbering::Direction::WestToEast => "west_to_east",
            crate::boundaries::numbering::Direction::NorthToSouth => "north_to_south",
        }));
    let geom = line.geom.as_ref().map(|g| line_geometry(g, crs)).transpose()?.unwrap_or(Value::Null);
    let mut f = feature(json!(line.code), geom, props);
    f["crs"] = json!(crs.name());
    Ok(Json(f))
}
