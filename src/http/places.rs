//! `/places`: standard place names by name, class, division, box or
//! proximity.

use super::conditional::Version;
use super::error::{ApiError, ApiResult};
use super::features::{chain, collection, feature, geometry};
use super::params;
use super::state::AppState;
use crate::index::{Gazetteer, NameRef, metric::LocalFrame};
use crate::model::{PlaceClass, PlaceStatus};
use crate::store::PlaceRow;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

/// Query of `/places`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PlacesQuery {
    /// Name (exact, prefix, pinyin, fuzzy).
    q: Option<String>,
    /// Class identifier: road, street, lane, compound, building, bridge,
    /// village, park, station, mountain, water, island, other.
    class: Option<String>,
    /// Only inside this division (code).
    division: Option<String>,
    /// `minLon,minLat,maxLon,maxLat`.
    bbox: Option<String>,
    /// `lon,lat`: order by distance from this point.
    near: Option<String>,
    /// `current` (default), `historical`, `retired` or `all`.
    status: Option<String>,
    /// Most results (default 20).
    limit: Option<String>,
}

/// Places as a GeoJSON FeatureCollection, best match (or nearest) first.
#[utoipa::path(get, path = "/places", tag = "places", params(PlacesQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 400, body = super::error::Problem)))]
pub async fn search(State(s): State<AppState>, Query(q): Query<PlacesQuery>) -> ApiResult<Json<Value>> {
    let cfg = &s.settings.server;
    let text = params::query_text("q", q.q.as_deref(), cfg.max_query_chars)?;
    let class = q
        .class
        .as_deref()
        .map(|c| {
            PlaceClass::parse(c).ok_or_else(|| ApiError::invalid("class", format!("未知地名类别 “{c}”")))
        })
        .transpose()?;
    let division = q.division.as_deref().map(|d| params::division_code("division", d)).transpose()?;
    let bbox = q.bbox.as_deref().map(params::bbox).transpose()?;
    let near = q.near.as_deref().map(|n| params::point("near", n)).transpose()?;
    let status = match q.status.as_deref() {
        None => Some(PlaceStatus::Current),
        Some("all") => None,
        Some(st) => Some(
            PlaceStatus::parse(st).ok_or_else(|| ApiError::invalid("status", format!("未知状态 “{st}”")))?,
        ),
    };
    let limit = params::limit(q.limit.as_deref(), 20, cfg.max_limit)?;
    let g = s.gazetteer();

    let candidates: Vec<(u32, Option<&'static str>)> = match (&text, bbox) {
        (Some(t), _) => g
            .names
            .search(t, 200)
            .into_iter()
            .filter_map(|m| match m.target {
                NameRef::Place(i) => Some((i, Some(m.kind.as_str()))),
                NameRef::Division(_) => None,
            })
            .collect(),
        (None, Some(b)) => g.places.in_bbox(b).into_iter().map(|i| (i, None)).collect(),
        (None, None) => g.places.ids().map(|i| (i, None)).collect(),
    };
    let mut hits: Vec<(u32, Option<&'static str>, Option<f64>)> = candidates
        .into_iter()
        .filter(|&(i, _)| {
            let p = g.places.get(i);
            class.is_none_or(|c| p.class == c)
                && status.is_none_or(|st| p.status == st)
                && division.as_ref().is_none_or(|d| p.division_code.as_str().starts_with(d.prefix()))
                && bbox.is_none_or(|b| {
                    p.bbox.is_some_and(|pb| {
                        pb.min().x <= b.max().x
                            && pb.max().x >= b.min().x
                            && pb.min().y <= b.max().y
                            && pb.max().y >= b.min().y
                    })
                })
        })
        .map(|(i, k)| {
            let d = near.and_then(|c| g.places.get(i).point.map(|p| LocalFrame::new(c).distance_to_point(p)));
            (i, k, d)
        })
        .collect();
    if near.is_some() {
        hits.sort_by(|a, b| a.2.unwrap_or(f64::MAX).total_cmp(&b.2.unwrap_or(f64::MAX)));
    }
    hits.truncate(limit);
    let fids: Vec<i64> = hits.iter().map(|h| g.places.get(h.0).fid).collect();
    let rows: Vec<Option<PlaceRow>> =
        s.query(move |c| fids.iter().map(|&f| PlaceRow::get(c, f)).collect()).await?;
    let features = hits
        .iter()
        .zip(rows)
        .filter_map(|(&(_, kind, dist), row)| {
            let row = row?;
            let mut f = place_feature(&g, &row);
            if let Some(k) = kind {
                f["properties"]["match"] = json!(k);
            }
            if let Some(d) = dist {
                f["properties"]["distance_m"] = json!((d * 10.0).round() / 10.0);
            }
            Some(f)
        })
        .collect();
    Ok(Json(collection(features)))
}

/// One place with every recorded field.
#[utoipa::path(get, path = "/places/{id}", tag = "places",
    params(("id" = i64, Path, description = "Place id")),
    responses((status = 200, description = "GeoJSON Feature, with ETag and Last-Modified"), (status = 304, description = "Not modified since the version If-None-Match names"), (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn one(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let fid: i64 = id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是地名编号")))?;
    let version = Version::of(&s, "place", fid.to_string()).await?;
    let row =
        s.query(move |c| PlaceRow::get(c, fid)).await?.ok_or_else(|| ApiError::not_found("地名", &id))?;
    let g = s.gazetteer();
    let body = place_feature(&g, &row);
    Ok(version.answer(&headers, &format!("place-{fid}"), "", || Json(body).into_response()))
}

fn place_feature(g: &Gazetteer, p: &PlaceRow) -> Value {
    let divisions =
        g.divisions.by_code(p.division_code.as_str(), None).map(|i| chain(g, i)).unwrap_or_default();
    let class_label = p.class.label();
    feature(
        json!(p.fid),
        geometry(p.geom.as_ref()),
        json!({
            "id": p.fid,
            "class": p.class,
            "class_label": class_label,
            "name": p.name,
            "specific": p.specific,
            "generic": p.generic,
            "pinyin": p.pinyin,
            "status": p.status,
            "division_code": p.division_code,
            "divisions": divisions,
            "meaning": p.meaning,
            "history": p.history,
            "former_names": p.former_names,
            "approval": {"approved_by": p.approved_by, "document": p.approval_doc, "date": p.approval_date},
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
            "source": p.source,
        }),
    )
}
