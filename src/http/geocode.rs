//! Forward geocoding over HTTP: `/geocode`, `/geocode/structured`,
//! `/standardize` and `/autocomplete` (batch is in `batch.rs`).

use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::geocode::{self, Candidate, Options};
use crate::index::{Gazetteer, NameRef};
use crate::model::PlaceStatus;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::IntoParams;

/// Query of `/geocode`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct GeocodeQuery {
    /// The address as written (浙江省宁波市海曙区中山西路88号).
    q: Option<String>,
    /// Most candidates (default 5).
    limit: Option<String>,
    /// Only answers inside this division (code).
    division: Option<String>,
    /// Division names valid on this date (YYYY-MM-DD) are read as standard,
    /// not as old names.
    at: Option<String>,
}

/// The checked options shared by the geocoding routes.
pub(super) fn options(
    g: &Gazetteer,
    limit: Option<&str>,
    division: Option<&str>,
    at: Option<&str>,
    max_limit: usize,
) -> ApiResult<Options> {
    let limit = params::limit(limit, 5, max_limit)?;
    let within = division
        .map(|d| {
            let code = params::division_code("division", d)?;
            g.divisions.by_code(code.as_str(), None).ok_or_else(|| {
                ApiError::invalid("division", format!("区划代码 {} 不存在或已撤销", code.as_str()))
            })
        })
        .transpose()?;
    let at = params::date("at", at)?;
    Ok(Options { limit, within, at })
}

#[derive(Serialize)]
struct Point {
    r#type: &'static str,
    coordinates: [f64; 2],
}

#[derive(Serialize)]
struct Feature<'a> {
    r#type: &'static str,
    geometry: Point,
    properties: &'a Candidate,
}

#[derive(Serialize)]
struct Collection<'a> {
    r#type: &'static str,
    query: &'a str,
    features: Vec<Feature<'a>>,
}

/// Candidates as a GeoJSON FeatureCollection body.
fn collection_response(query: &str, found: &[Candidate]) -> ApiResult<Response> {
    let features = found
        .iter()
        .map(|c| Feature {
            r#type: "Feature",
            geometry: Point { r#type: "Point", coordinates: c.location },
            properties: c,
        })
        .collect();
    let mut body = Vec::with_capacity(512 + 1024 * found.len());
    serde_json::to_writer(&mut body, &Collection { r#type: "FeatureCollection", query, features })
        .map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], body).into_response())
}

/// A free-text address → candidate standard addresses, best first, as a
/// GeoJSON FeatureCollection. Each feature's properties: `standard_address`,
/// `address_code` (door plates), `match_level`, `confidence`, `divisions`,
/// `components`, `corrections`. No match → no features.
///
/// The address may sit inside other text (a label such as 地址：, a name
/// and a phone number, a sentence, several lines): it is found, and each
/// piece left out is a correction of kind `ignored_text`.
///
/// `confidence` (0–1) is how likely the answer is right at the level it
/// answers (`match_level`: the very door plate, or the road, village or
/// division named). It is calibrated on `fangyu eval` (over 150,000
/// addresses generated nationwide, and a second set written as records
/// write them): of answers at 0.9 or more, more than 99 % are right at
/// county level, and nearly every clean address reaches that band. An
/// ambiguous reading (several divisions of the name, listed in an
/// `ambiguous` correction) or a contradiction (`wrong_part`: a district
/// not in the province named) stays well below 0.9; a short form, a
/// dropped province or an old name hardly lowers it.
#[utoipa::path(get, path = "/geocode", tag = "geocoding", params(GeocodeQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 400, body = super::error::Problem)))]
pub async fn geocode(State(s): State<AppState>, Query(q): Query<GeocodeQuery>) -> ApiResult<Response> {
    let cfg = &s.settings.server;
    let text = params::required_text("q", q.q.as_deref(), cfg.max_query_chars, "缺少地址参数")?;
    let g = s.gazetteer();
    let opts = options(&g, q.limit.as_deref(), q.division.as_deref(), q.at.as_deref(), cfg.max_limit)?;
    let found = geocode::geocode(&g, &text, opts);
    collection_response(&text, &found)
}

/// Query of `/geocode/structured`: the address in parts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StructuredQuery {
    /// Province (浙江省 / 浙江).
    province: Option<String>,
    /// Prefecture-level city (宁波市).
    city: Option<String>,
    /// County, district or county-level city (海曙区).
    county: Option<String>,
    /// Township, town or subdistrict.
    township: Option<String>,
    /// Village or community.
    village: Option<String>,
    /// Road, street or lane.
    road: Option<String>,
    /// Residential compound.
    compound: Option<String>,
    /// Door number (88号, 88-1).
    number: Option<String>,
    /// Building (3幢).
    building: Option<String>,
    /// Unit (2单元).
    unit: Option<String>,
    /// Room (501室).
    room: Option<String>,
    /// Most candidates (default 5).
    limit: Option<String>,
    /// Only answers inside this division (code).
    division: Option<String>,
}

/// The address in parts → the same answer as `/geocode`. Parts are read in
/// the order of the standard address; at least one must be given.
#[utoipa::path(get, path = "/geocode/structured", tag = "geocoding", params(StructuredQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 400, body = super::error::Problem)))]
pub async fn structured(State(s): State<AppState>, Query(q): Query<StructuredQuery>) -> ApiResult<Response> {
    let cfg = &s.settings.server;
    let parts = [
        ("province", &q.province, ""),
        ("city", &q.city, ""),
        ("county", &q.county, ""),
        ("township", &q.township, ""),
        ("village", &q.village, ""),
        ("road", &q.road, ""),
        ("compound", &q.compound, ""),
        ("number", &q.number, "号"),
        ("building", &q.building, "幢"),
        ("unit", &q.unit, "单元"),
        ("room", &q.room, "室"),
    ];
    let mut text = String::new();
    for (field, v, unit) in parts {
        if let Some(v) = params::query_text(field, v.as_deref(), cfg.max_query_chars)? {
            text.push_str(&v);
            // A bare number gets its unit (88 → 88号).
            if !unit.is_empty() && v.chars().last().is_some_and(|c| c.is_ascii_digit()) {
                text.push_str(unit);
            }
        }
    }
    if text.is_empty() {
        return Err(ApiError::invalid("province", "至少需要一个地址组成部分"));
    }
    if text.chars().count() > cfg.max_query_chars {
        return Err(ApiError::invalid("q", format!("地址合计超过 {} 个字符", cfg.max_query_chars)));
    }
    let g = s.gazetteer();
    let opts = options(&g, q.limit.as_deref(), q.division.as_deref(), None, cfg.max_limit)?;
    let found = geocode::geocode(&g, &text, opts);
    collection_response(&text, &found)
}

/// Query of `/standardize`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct StandardizeQuery {
    /// The address as written.
    q: Option<String>,
}

/// An address → its standard form and the corrections that lead there
/// (`standard_address` null when nothing matched).
#[utoipa::path(get, path = "/standardize", tag = "geocoding", params(StandardizeQuery),
    responses((status = 200, description = "Standard form and corrections"), (status = 400, body = super::error::Problem)))]
pub async fn standardize(
    State(s): State<AppState>,
    Query(q): Query<StandardizeQuery>,
) -> ApiResult<Json<Value>> {
    let cfg = &s.settings.server;
    let text = params::required_text("q", q.q.as_deref(), cfg.max_query_chars, "缺少地址参数")?;
    let g = s.gazetteer();
    let found = geocode::geocode(&g, &text, Options { limit: 1, within: None, at: None });
    Ok(Json(match found.first() {
        Some(c) => json!({
            "input": text,
            "standard_address": c.standard_address,
            "address_code": c.address_code,
            "match_level": c.match_level,
            "confidence": c.confidence,
            "components": c.components,
            "corrections": c.corrections,
        }),
        None => json!({"input": text, "standard_address": null, "corrections": []}),
    }))
}

/// Query of `/autocomplete`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AutocompleteQuery {
    /// What has been typed: Chinese characters, pinyin, or pinyin initials.
    q: Option<String>,
    /// Only inside this division (code).
    division: Option<String>,
    /// Most suggestions (default 10).
    limit: Option<String>,
}

/// Prefix suggestions of division, road and compound names, also by pinyin
/// and pinyin initials (`nbhs` → 宁波市海曙区…), each with the chain it lies in.
#[utoipa::path(get, path = "/autocomplete", tag = "geocoding", params(AutocompleteQuery),
    responses((status = 200, description = "Suggestions"), (status = 400, body = super::error::Problem)))]
pub async fn autocomplete(
    State(s): State<AppState>,
    Query(q): Query<AutocompleteQuery>,
) -> ApiResult<Json<Value>> {
    let cfg = &s.settings.server;
    let text = params::required_text("q", q.q.as_deref(), cfg.max_query_chars, "缺少查询参数")?;
    let limit = params::limit(q.limit.as_deref(), 10, cfg.max_limit)?;
    let g = s.gazetteer();
    let within = q
        .division
        .as_deref()
        .map(|d| params::division_code("division", d).map(|c| c.prefix().to_string()))
        .transpose()?;
    let mut out = Vec::new();
    for m in g.names.search(&text, limit * 8) {
        let (label, kind, code, context) = match m.target {
            NameRef::Division(i) => {
                let d = g.divisions.get(i);
                if d.valid_to.is_some() {
                    continue;
                }
                let chain = g.divisions.chain_names(i);
                (d.name.clone(), d.level.as_str(), d.code.clone(), chain.to_string())
            }
            NameRef::Place(i) => {
                let p = g.places.get(i);
                if p.status != PlaceStatus::Current {
                    continue;
                }
                let context = g
                    .divisions
                    .by_code(p.division_code.as_str(), None)
                    .map(|d| g.divisions.chain_names(d))
                    .unwrap_or_default();
                (p.name.clone(), p.class.as_str(), p.division_code.clone(), context)
            }
        };
        if within.as_deref().is_some_and(|w| !code.as_str().starts_with(w)) {
            continue;
        }
        out.push(json!({"text": label, "kind": kind, "division_code": code, "context": context, "match": m.kind.as_str()}));
        if out.len() >= limit {
            break;
        }
    }
    Ok(Json(json!({"query": text, "suggestions": out})))
}
