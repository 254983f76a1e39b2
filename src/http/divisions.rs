//! `/divisions`: lookups of administrative divisions by code and by name.

use super::conditional::Version;
use super::error::{ApiError, ApiResult};
use super::features::{collection, division_properties, feature, geometry};
use super::params;
use super::state::AppState;
use crate::index::{Gazetteer, NameRef};
use crate::model::Level;
use crate::store::{ChangeRow, DivisionRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use geo::Geometry;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

/// Options of `/divisions/{code}`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OneQuery {
    /// The version valid on this date (YYYY-MM-DD); now when absent.
    at: Option<String>,
    /// Include the boundary polygon (`true`).
    geometry: Option<String>,
}

/// One division as a GeoJSON Feature: names, level, parent and chain,
/// validity, seat, its change history; the boundary with `geometry=true`.
#[utoipa::path(get, path = "/divisions/{code}", tag = "divisions",
    params(("code" = String, Path, description = "6, 9 or 12-digit division code", pattern = r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"), OneQuery),
    responses((status = 200, description = "GeoJSON Feature"), (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn one(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<OneQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let code = params::division_code("code", &code)?;
    let at = params::date("at", q.at.as_deref())?;
    let with_geom = params::flag("geometry", q.geometry.as_deref())?;
    let version = Version::of(&s, "division", code.as_str().to_string()).await?;
    let g = s.gazetteer();
    let i = match at {
        Some(d) => g.divisions.version_on(code.as_str(), d),
        None => g
            .divisions
            .by_code(code.as_str(), None)
            .or_else(|| g.divisions.versions(code.as_str()).last().copied()),
    }
    .ok_or_else(|| ApiError::not_found("区划", code.as_str()))?;
    let d = g.divisions.get(i);
    let fid = d.fid;
    let wanted = code.clone();
    let (geom, changes) = s
        .query(move |c| {
            let geom = if with_geom { DivisionRow::geometry(c, fid)? } else { None };
            Ok((geom, ChangeRow::involving(c, &wanted)?))
        })
        .await?;
    let mut props = division_properties(&g, i);
    props["changes"] = serde_json::to_value(changes).unwrap_or(Value::Null);
    props["versions"] = g
        .divisions
        .versions(code.as_str())
        .iter()
        .map(|&v| {
            let d = g.divisions.get(v);
            json!({"name": d.name, "valid_from": d.valid_from, "valid_to": d.valid_to})
        })
        .collect();
    let geom = geom.map(Geometry::MultiPolygon);
    let body = feature(json!(d.code), geometry(geom.as_ref()), props);
    // Each form of the answer (with the boundary, as of a date) is a
    // representation of its own.
    let variant =
        format!("{}{}", if with_geom { "-g" } else { "" }, at.map(|a| format!("-{a}")).unwrap_or_default());
    Ok(version
        .answer(&headers, &format!("division-{}", code.as_str()), &variant, || Json(body).into_response()))
}

/// Current children of a division, as a FeatureCollection (no geometry
/// unless `geometry=true`).
#[utoipa::path(get, path = "/divisions/{code}/children", tag = "divisions",
    params(("code" = String, Path, description = "Division code (6, 9 or 12 digits)", pattern = r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"), OneQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 404, body = super::error::Problem)))]
pub async fn children(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<OneQuery>,
) -> ApiResult<Json<Value>> {
    let code = params::division_code("code", &code)?;
    let with_geom = params::flag("geometry", q.geometry.as_deref())?;
    let g = s.gazetteer();
    let i =
        g.divisions.by_code(code.as_str(), None).ok_or_else(|| ApiError::not_found("区划", code.as_str()))?;
    let kids = g.divisions.children(i).to_vec();
    let geoms = geoms_of(&s, &g, &kids, with_geom).await?;
    features_of(&g, &kids, geoms, |_| Value::Null).map(Json)
}

/// Query of `/divisions`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Name, short name, alias, old name, pinyin or pinyin initials.
    q: Option<String>,
    /// Only this level (`province` … `village`).
    level: Option<String>,
    /// Only inside this division (code).
    within: Option<String>,
    /// Most results (default 20).
    limit: Option<String>,
    /// Include boundaries (`true`).
    geometry: Option<String>,
}

/// Divisions by name: exact, prefix, pinyin (full or initials) and one-edit
/// fuzzy matches, current and historical, best first. Each feature says how
/// it matched (`match`).
#[utoipa::path(get, path = "/divisions", tag = "divisions", params(SearchQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 400, body = super::error::Problem)))]
pub async fn search(State(s): State<AppState>, Query(q): Query<SearchQuery>) -> ApiResult<Json<Value>> {
    let cfg = &s.settings.server;
    let text = params::required_text("q", q.q.as_deref(), cfg.max_query_chars, "缺少查询文本")?;
    let level = q
        .level
        .as_deref()
        .map(|l| {
            Level::parse(l).ok_or_else(|| {
                ApiError::invalid("level", "应为 province、prefecture、county、township 或 village")
            })
        })
        .transpose()?;
    let within = q.within.as_deref().map(|w| params::division_code("within", w)).transpose()?;
    let limit = params::limit(q.limit.as_deref(), 20, cfg.max_limit)?;
    let with_geom = params::flag("geometry", q.geometry.as_deref())?;
    let g = s.gazetteer();
    let mut hits: Vec<(u32, &'static str)> = Vec::new();
    for m in g.names.search(&text, limit * 4) {
        let NameRef::Division(i) = m.target else { continue };
        let d = g.divisions.get(i);
        if level.is_some_and(|l| d.level != l)
            || within.as_ref().is_some_and(|w| !d.code.as_str().starts_with(w.prefix()))
        {
            continue;
        }
        hits.push((i, m.kind.as_str()));
    }
    // Current before historical, higher levels first, within a match kind.
    hits.sort_by_key(|&(i, kind)| {
        let d = g.divisions.get(i);
        (kind != "exact", d.valid_to.is_some(), d.level, d.code.clone())
    });
    hits.truncate(limit);
    let ids: Vec<u32> = hits.iter().map(|h| h.0).collect();
    let geoms = geoms_of(&s, &g, &ids, with_geom).await?;
    features_of(&g, &ids, geoms, |k| json!(hits[k].1)).map(Json)
}

/// The geometries of divisions `ids` when asked for, read on the
/// blocking pool.
async fn geoms_of(
    s: &AppState,
    g: &Gazetteer,
    ids: &[u32],
    with_geom: bool,
) -> ApiResult<Vec<Option<Geometry<f64>>>> {
    if !with_geom {
        return Ok(vec![None; ids.len()]);
    }
    let fids: Vec<i64> = ids.iter().map(|&i| g.divisions.get(i).fid).collect();
    let geoms = s
        .query(move |c| {
            fids.iter().map(|&f| Ok(DivisionRow::geometry(c, f)?.map(Geometry::MultiPolygon))).collect()
        })
        .await?;
    Ok(geoms)
}

fn features_of(
    g: &Gazetteer,
    ids: &[u32],
    geoms: Vec<Option<Geometry<f64>>>,
    matched: impl Fn(usize) -> Value,
) -> ApiResult<Value> {
    let features = ids
        .iter()
        .zip(geoms)
        .enumerate()
        .map(|(k, (&i, geom))| {
            let mut props = division_properties(g, i);
            let m = matched(k);
            if !m.is_null() {
                props["match"] = m;
            }
            feature(json!(g.divisions.get(i).code), geometry(geom.as_ref()), props)
        })
        .collect();
    Ok(collection(features))
}
