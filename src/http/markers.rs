//! `/markers`: boundary markers (界桩) by box, proximity or line.

use super::error::{ApiError, ApiResult};
use super::features::collection;
use super::params;
use super::state::AppState;
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

/// Query of `/markers`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MarkersQuery {
    /// `minLon,minLat,maxLon,maxLat`.
    bbox: Option<String>,
    /// `lon,lat`: the nearest markers, nearest first.
    near: Option<String>,
    /// Only markers of this boundary line (line number).
    line: Option<String>,
    /// Most results (default 20).
    limit: Option<String>,
    /// `EPSG:4490` (default) or a CGCS2000 Gauss-Krüger 3° zone,
    /// `EPSG:4513`–`EPSG:4554`, for the geometry.
    crs: Option<String>,
}

/// Boundary markers as a GeoJSON FeatureCollection: each with its number
/// (line + sequence + type, GB/T 17796), type (Q single, A/B pair, C/D/E
/// triple), line and condition, and its position in CGCS2000 and in the
/// Gauss-Krüger 3° zone it falls in. One of `bbox`, `near` or `line` is
/// needed.
#[utoipa::path(get, path = "/markers", tag = "boundaries", params(MarkersQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 400, body = super::error::Problem)))]
pub async fn search(State(s): State<AppState>, Query(q): Query<MarkersQuery>) -> ApiResult<Json<Value>> {
    let limit = params::limit(q.limit.as_deref(), 20, s.settings.server.max_limit)?;
    let crs = super::boundaries::crs_param(q.crs.as_deref())?;
    let g = s.gazetteer();
    let m = &g.markers;
    let hits: Vec<(u32, Option<f64>)> = match (q.bbox.as_deref(), q.near.as_deref(), q.line.as_deref()) {
        (Some(b), _, _) => m.in_bbox(params::bbox(b)?).into_iter().map(|i| (i, None)).collect(),
        (None, Some(n), _) => m
            .nearest(params::point("near", n)?, limit, |mk| {
                q.line.as_deref().is_none_or(|l| mk.line_code == l)
            })
            .into_iter()
            .map(|(i, d)| (i, Some(d)))
            .collect(),
        (None, None, Some(_)) => (0..m.len() as u32).map(|i| (i, None)).collect(),
        (None, None, None) => return Err(ApiError::invalid("bbox", "需要 bbox、near 或 line 之一")),
    };
    let features = hits
        .into_iter()
        .filter(|(i, _)| q.line.as_deref().is_none_or(|l| m.get(*i).line_code == l))
        .take(limit)
        .map(|(i, d)| super::boundaries::marker_feature(m.get(i), crs, d))
        .collect::<ApiResult<Vec<_>>>()?;
    let mut out = collection(features);
    out["crs"] = json!(crs.name());
    Ok(Json(out))
}
