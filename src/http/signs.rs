//! `/signs`: the sign inventory — listed and filtered, put up (`POST`),
//! inspected, repaired or replaced (`POST /signs/{id}/inspections`),
//! counted per year (`/signs/summary`), and each sign's QR code
//! (`/signs/{id}/qr.svg|png`) of its public page.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::model::{SignKind, SignState};
use crate::review::{Actor, Role};
use crate::service::signs::{SignInput, SignInspectionInput};
use crate::store::{SignEvent, SignFilter, SignRow};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

const STAFF: &[Role] = &[Role::Reviewer, Role::Admin];

fn id_param(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是标志编号")))
}

/// Query of `/signs`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SignQuery {
    /// Division code (prefix: a county's code gives its signs).
    division: Option<String>,
    /// The road (place id) a road-name sign names.
    road: Option<String>,
    /// `road_name`, `place_name` or `door_plate`.
    kind: Option<String>,
    /// `good`, `damaged`, `missing` or `replaced`.
    state: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat`.
    bbox: Option<String>,
    /// Most signs (default 100, at most 1000).
    limit: Option<String>,
    /// Signs skipped.
    offset: Option<String>,
}

fn sign_json(s: &SignRow) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    v["kind_label"] = json!(s.kind.label());
    v["state_label"] = json!(s.state.label());
    v
}

/// The signs that match every filter given, by id, with the total.
#[utoipa::path(get, path = "/signs", tag = "signs", params(SignQuery),
    responses((status = 200, description = "`{total, signs}`"), (status = 400, body = super::error::Problem)))]
pub async fn list(State(s): State<AppState>, Query(q): Query<SignQuery>) -> ApiResult<Json<Value>> {
    let kind = q
        .kind
        .as_deref()
        .map(|k| {
            SignKind::parse(k)
                .ok_or_else(|| ApiError::invalid("kind", "应为 road_name、place_name 或 door_plate"))
        })
        .transpose()?;
    let state = q
        .state
        .as_deref()
        .map(|k| {
            SignState::parse(k)
                .ok_or_else(|| ApiError::invalid("state", "应为 good、damaged、missing 或 replaced"))
        })
        .transpose()?;
    let division = q.division.filter(|d| !d.is_empty());
    if division.as_deref().is_some_and(|d| d.len() > 12 || !d.bytes().all(|b| b.is_ascii_digit())) {
        return Err(ApiError::invalid("division", "区划代码应为数字"));
    }
    let road = q
        .road
        .as_deref()
        .map(|r| r.parse::<i64>().map_err(|_| ApiError::invalid("road", "应为地名编号")))
        .transpose()?;
    let bbox = q
        .bbox
        .as_deref()
        .map(params::bbox)
        .transpose()?
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
    let limit = params::limit(q.limit.as_deref(), 100, 1000)?;
    let offset = params::whole("offset", q.offset.as_deref(), 0, 10_000_000)? as usize;
    let f = SignFilter { division, place: road, kind, state, bbox, limit, offset };
    let (rows, total) = s.query(move |c| SignRow::list(c, &f)).await?;
    Ok(Json(
        json!({"total": total, "count": rows.len(), "signs": rows.iter().map(sign_json).collect::<Vec<_>>()}),
    ))
}

/// One sign with its history.
#[utoipa::path(get, path = "/signs/{id}", tag = "signs", params(("id" = i64, Path, description = "Sign id")),
    responses((status = 200, description = "The sign and its history"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem)))]
pub async fn one(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id = id_param(&id)?;
    let found = s
        .query(move |c| Ok(SignRow::get(c, id)?.map(|sign| (sign, SignEvent::of(c, id)))))
        .await?
        .ok_or_else(|| ApiError::not_found("标志", &id.to_string()))?;
    let (sign, history) = (found.0, found.1?);
    let mut v = sign_json(&sign);
    v["history"] = json!(history);
    Ok(Json(v))
}

/// Records a sign put up: its name, pinyin and GB 17733 content come from
/// the road or place it names (or the address a door plate shows).
#[utoipa::path(post, path = "/signs", tag = "signs", request_body = SignInput,
    responses((status = 201, description = "The sign"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "manage_signs", STAFF)?;
    let input: SignInput = params::json_body(&headers, &body)?;
    let (g, plates) = (s.gazetteer_arc(), s.settings.plates.clone());
    let sign = s.write(move |svc, _| svc.add_sign(&actor, &input, &g, &plates)).await?;
    Ok((StatusCode::CREATED, Json(sign_json(&sign))))
}

/// Records an inspection (the state found), a repair (good again) or a
/// replacement (a new sign in its place; the old one `replaced`).
#[utoipa::path(post, path = "/signs/{id}/inspections", tag = "signs", request_body = SignInspectionInput,
    params(("id" = i64, Path, description = "Sign id")),
    responses((status = 200, description = "The sign, and the new one after a replacement"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn inspect(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let id = id_param(&id)?;
    require(&actor, "manage_signs", STAFF)?;
    let input: SignInspectionInput = params::json_body(&headers, &body)?;
    let (sign, new) = s.write(move |svc, _| svc.inspect_sign(&actor, id, &input)).await?;
    Ok(Json(json!({"sign": sign_json(&sign), "replacement": new.as_ref().map(sign_json)})))
}

/// Query of `/signs/summary`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct SummaryQuery {
    /// The year (default this year).
    year: Option<String>,
    /// Division code prefix (default all).
    division: Option<String>,
}

/// The year's figures per kind of sign in a division — installed,
/// replaced, found damaged or missing, standing at the year's end — as the
/// yearly report gives them.
#[utoipa::path(get, path = "/signs/summary", tag = "signs", params(SummaryQuery),
    responses((status = 200, description = "`{year, division, kinds: [{kind, installed, replaced, damaged, missing, standing}]}`"),
        (status = 400, body = super::error::Problem)))]
pub async fn summary(State(s): State<AppState>, Query(q): Query<SummaryQuery>) -> ApiResult<Json<Value>> {
    use chrono::Datelike;
    let this = chrono::Local::now().year();
    let year = params::whole("year", q.year.as_deref(), i64::from(this), i64::from(this))? as i32;
    if year < 1949 {
        return Err(ApiError::invalid("year", format!("须在 1949 与 {this} 之间")));
    }
    let division = q.division.unwrap_or_default();
    if division.len() > 12 || !division.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::invalid("division", "区划代码应为数字"));
    }
    let d = division.clone();
    let kinds = s.query(move |c| SignRow::summary(c, year, &d)).await?;
    let g = s.gazetteer();
    let name = g.divisions.by_code(&division, None).map(|i| g.divisions.chain_names(i));
    Ok(Json(json!({"year": year, "division": division, "division_name": name, "kinds": kinds})))
}

/// The public page a sign's QR code opens: its address's or place's.
pub(super) fn public_path(sign: &SignRow) -> String {
    match (&sign.address_code, sign.place_id) {
        (Some(code), _) => format!("/p/{code}"),
        (None, Some(place)) => format!("/p/place/{place}?sign={}", sign.id),
        (None, None) => format!("/p/division/{}?sign={}", sign.division_code, sign.id),
    }
}

/// A sign's QR code (`qr.svg` or `qr.png`): the public page of its
/// address (`/p/{address_code}`) or place (`/p/place/{id}`).
#[utoipa::path(get, path = "/signs/{id}/{file}", tag = "signs",
    params(("id" = i64, Path, description = "Sign id"), ("file" = String, Path, description = "`qr.svg` or `qr.png`", pattern = r"^qr\.(svg|png)$")),
    responses((status = 200, description = "image/svg+xml or image/png"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem)))]
pub async fn qr(
    State(s): State<AppState>,
    Path((id, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let svg = match file.as_str() {
        "qr.svg" => true,
        "qr.png" => false,
        other => return Err(ApiError::not_found("文件", other)),
    };
    let id = id_param(&id)?;
    let sign = s
        .query(move |c| SignRow::get(c, id))
        .await?
        .ok_or_else(|| ApiError::not_found("标志", &id.to_string()))?;
    let url = format!("{}{}", super::tiles::public_base(&s, &headers), public_path(&sign));
    let (bytes, ct) = if svg {
        (crate::plates::qr::svg(&url, 240).map_err(ApiError::internal)?.into_bytes(), "image/svg+xml")
    } else {
        (crate::plates::qr::png(&url, 240).map_err(ApiError::internal)?, "image/png")
    };
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    Ok(resp)
}
