//! Joint inspection rounds (界线联合检查): `POST /inspection-rounds` opens
//! one over lines between the same two sides; the teams post findings per
//! marker or line section (JSON, or multipart with photos), repairs are set
//! and completed, and each side's `boundary` officer signs
//! (`POST /inspection-rounds/{id}/sign`); the second signature closes the
//! round. `GET /inspection-rounds/{id}/report` renders it as HTML or PDF;
//! `GET /markers/overdue` lists what the five-year cycle and the repair
//! deadlines say is late.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::boundaries::report::{self, Report};
use crate::review::{Actor, Role};
use crate::service::inspections::{
    FindingInput, Overdue, Photo, RepairDone, RepairInput, RoundInput, RoundView, overdue,
};
use crate::store::{PhotoRow, RoundRow};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

const OFFICERS: &[Role] = &[Role::Boundary];
const READERS: &[Role] = &[Role::Boundary, Role::Admin];

fn id_param(field: &str, v: &str) -> ApiResult<i64> {
    v.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::invalid(field, format!("“{v}” 不是编号")))
}

/// Query of `/inspection-rounds`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RoundsQuery {
    /// Rounds with a side inside this division (its code).
    division: Option<String>,
    /// Most rounds (default 20).
    limit: Option<String>,
    /// Rounds older than this id (the `next` of the previous page).
    before: Option<String>,
}

/// Joint inspection rounds, newest first.
#[utoipa::path(get, path = "/inspection-rounds", tag = "boundaries", params(RoundsQuery),
    responses((status = 200, description = "`{rounds: […], next}`"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<RoundsQuery>,
) -> ApiResult<Json<Value>> {
    require(&actor, "read_inspections", READERS)?;
    let limit = params::limit(q.limit.as_deref(), 20, s.settings.server.max_limit)?;
    let prefix = match q.division.as_deref() {
        Some(d) => params::division_code("division", d)?.prefix().to_string(),
        None => String::new(),
    };
    let before = q.before.as_deref().map(|b| id_param("before", b)).transpose()?;
    let rounds = s.query(move |c| RoundRow::list(c, &prefix, limit + 1, before)).await?;
    let next = (rounds.len() > limit).then(|| rounds[limit - 1].id);
    Ok(Json(json!({"rounds": &rounds[..rounds.len().min(limit)], "next": next})))
}

/// Opens a round: the lines (all between the same two sides), the year and
/// each side's team. A `boundary` officer of one of the sides opens it.
#[utoipa::path(post, path = "/inspection-rounds", tag = "boundaries", request_body = RoundInput,
    responses((status = 201, description = "The round"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "open_inspection_round", OFFICERS)?;
    let input: RoundInput = params::json_body(&headers, &body)?;
    let today = crate::review::today();
    let round = s.write(move |svc, _| svc.open_round(&actor, &input, today)).await?;
    Ok((StatusCode::CREATED, Json(json!(round))))
}

/// A round with its lines, markers, findings, photos and repairs, and the
/// markers no finding names yet.
#[utoipa::path(get, path = "/inspection-rounds/{id}", tag = "boundaries",
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, description = "The round and everything recorded in it"),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn one(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require(&actor, "read_inspections", READERS)?;
    let id = id_param("id", &id)?;
    let v = s.read(move |svc| svc.store().read(|c| Ok(RoundView::read(c, id)))).await??;
    let lines: Vec<Value> = v
        .lines
        .iter()
        .map(|l| json!({"id": l.code, "name": l.name, "level": l.level, "left": l.left_code, "right": l.right_code, "length_m": l.length_m}))
        .collect();
    Ok(Json(json!({
        "round": v.round, "lines": lines, "markers": v.markers, "findings": v.findings,
        "photos": v.photos, "repairs": v.repairs, "unchecked": v.unchecked(),
    })))
}

/// Reads a finding (and its photos) from JSON or from multipart: a part
/// `finding` holding the JSON and any number of parts `photo`.
async fn finding_body(headers: &HeaderMap, body: Bytes) -> ApiResult<(FindingInput, Vec<Photo>)> {
    match multipart_boundary(headers) {
        None => Ok((params::json_body(headers, &body)?, Vec::new())),
        Some(boundary) => {
            let (json, photos) = read_multipart(body, boundary, true).await?;
            let json =
                json.ok_or_else(|| ApiError::invalid("finding", "multipart 请求须有 finding 部分（JSON）"))?;
            let json_headers = HeaderMap::new();
            Ok((params::json_body(&json_headers, &json)?, photos))
        }
    }
}

fn multipart_boundary(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    ct.to_ascii_lowercase()
        .starts_with("multipart/form-data")
        .then(|| multer::parse_boundary(ct).ok())
        .flatten()
}

/// The `finding` part (when `with_json`) and the `photo` parts.
async fn read_multipart(
    body: Bytes,
    boundary: String,
    with_json: bool,
) -> ApiResult<(Option<Bytes>, Vec<Photo>)> {
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let (mut json, mut photos) = (None, Vec::new());
    let bad = |e: multer::Error| ApiError::invalid("body", format!("multipart 请求体有误：{e}"));
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name() {
            Some("finding") if with_json => json = Some(field.bytes().await.map_err(bad)?),
            Some("photo") => {
                let file_name = field.file_name().unwrap_or("photo").to_string();
                photos.push(Photo { file_name, data: field.bytes().await.map_err(bad)?.to_vec() });
            }
            other => {
                return Err(ApiError::invalid(
                    other.unwrap_or("body"),
                    format!(
                        "未知的部分“{}”：应为{}photo",
                        other.unwrap_or(""),
                        if with_json { "finding 或 " } else { "" }
                    ),
                ));
            }
        }
    }
    Ok((json, photos))
}

/// Records a finding at a marker (`marker`) or along a line section
/// (`line`, `from_m`, `to_m`): intact, damaged, missing, moved, illegible,
/// line_unclear or terrain_changed. JSON, or `multipart/form-data` with a
/// part `finding` (the JSON) and parts `photo` (JPEG or PNG, each within
/// `[boundaries] photo_max_bytes`).
#[utoipa::path(post, path = "/inspection-rounds/{id}/findings", tag = "boundaries", request_body(content(
        (FindingInput = "application/json"), (String = "multipart/form-data"))),
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 201, description = "The finding and its photos"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn add_finding(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "record_finding", OFFICERS)?;
    let id = id_param("id", &id)?;
    let (input, photos) = finding_body(&headers, body).await?;
    let settings = s.settings.boundaries.clone();
    let (finding, photos) =
        s.write(move |svc, _| svc.record_finding(&actor, id, &input, &photos, &settings)).await?;
    Ok((StatusCode::CREATED, Json(json!({"finding": finding, "photos": photos}))))
}

/// Adds photos (multipart parts `photo`) to a finding of an open round.
#[utoipa::path(post, path = "/inspection-rounds/{id}/findings/{finding}/photos", tag = "boundaries",
    request_body(content = String, content_type = "multipart/form-data"),
    params(("id" = i64, Path, description = "Round id"), ("finding" = i64, Path, description = "Finding id")),
    responses((status = 201, description = "The photos stored"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem),
        (status = 415, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn add_photos(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, finding)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "record_finding", OFFICERS)?;
    let (id, finding) = (id_param("id", &id)?, id_param("finding", &finding)?);
    let Some(boundary) = multipart_boundary(&headers) else {
        return Err(ApiError::unsupported_media_type("照片须以 multipart/form-data 上传"));
    };
    let (_, photos) = read_multipart(body, boundary, false).await?;
    let settings = s.settings.boundaries.clone();
    let photos = s.write(move |svc, _| svc.add_photos(&actor, id, finding, &photos, &settings)).await?;
    Ok((StatusCode::CREATED, Json(json!({"photos": photos}))))
}

/// A photo of a finding, as it was stored.
#[utoipa::path(get, path = "/inspection-rounds/{id}/photos/{photo}", tag = "boundaries",
    params(("id" = i64, Path, description = "Round id"), ("photo" = i64, Path, description = "Photo id")),
    responses((status = 200, description = "The image (JPEG or PNG)"), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn photo(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, photo)): Path<(String, String)>,
) -> ApiResult<Response> {
    require(&actor, "read_inspections", READERS)?;
    let (id, pid) = (id_param("id", &id)?, id_param("photo", &photo)?);
    let found = s
        .query(move |c| {
            let Some((p, data)) = PhotoRow::get(c, pid)? else { return Ok(None) };
            let of_round = crate::store::FindingRow::get(c, p.finding_id)?.is_some_and(|f| f.round_id == id);
            Ok(of_round.then_some((p, data)))
        })
        .await?;
    let Some((p, data)) = found else { return Err(ApiError::not_found("照片", &photo)) };
    let mut resp = Response::new(Body::from(data));
    let ct = HeaderValue::from_str(&p.content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    resp.headers_mut().insert(header::CONTENT_TYPE, ct);
    resp.headers_mut()
        .insert(header::ETAG, HeaderValue::from_str(&format!("\"{}\"", p.sha256)).expect("hex"));
    Ok(resp)
}

/// Sets a repair task (what, by when) for a finding that needs one.
#[utoipa::path(post, path = "/inspection-rounds/{id}/repairs", tag = "boundaries", request_body = RepairInput,
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 201, description = "The repair task"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn add_repair(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "set_repair", OFFICERS)?;
    let id = id_param("id", &id)?;
    let input: RepairInput = params::json_body(&headers, &body)?;
    let today = crate::review::today();
    let repair = s.write(move |svc, _| svc.set_repair(&actor, id, &input, today)).await?;
    Ok((StatusCode::CREATED, Json(json!(repair))))
}

/// Records a repair done (the day, what was done); the marker of a closed
/// round is intact again.
#[utoipa::path(post, path = "/inspection-rounds/{id}/repairs/{repair}/complete", tag = "boundaries",
    request_body = RepairDone,
    params(("id" = i64, Path, description = "Round id"), ("repair" = i64, Path, description = "Repair id")),
    responses((status = 200, description = "The repair task, done"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn complete_repair(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, repair)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    require(&actor, "set_repair", OFFICERS)?;
    let (id, repair) = (id_param("id", &id)?, id_param("repair", &repair)?);
    let input: RepairDone = params::json_body(&headers, &body)?;
    let today = crate::review::today();
    let done = s.write(move |svc, _| svc.complete_repair(&actor, id, repair, &input, today)).await?;
    Ok(Json(json!(done)))
}

/// Body of a signature.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInput {
    /// The side signed for, when the account covers both.
    #[serde(default)]
    pub side: Option<String>,
}

/// Signs the round for the caller's side. Every marker of its lines must
/// have a finding; the two signatures are two different people's; the
/// second closes the round and records each marker's state.
#[utoipa::path(post, path = "/inspection-rounds/{id}/sign", tag = "boundaries", request_body = SignInput,
    params(("id" = i64, Path, description = "Round id")),
    responses((status = 200, description = "The round"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn sign(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    require(&actor, "sign_inspection_round", OFFICERS)?;
    let id = id_param("id", &id)?;
    let input: SignInput = params::json_body(&headers, &body)?;
    let today = crate::review::today();
    let round = s.write(move |svc, _| svc.sign_round(&actor, id, input.side.as_deref(), today)).await?;
    Ok(Json(json!(round)))
}

/// Query of the report.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// `html` or `pdf` (default: by `Accept`, else HTML).
    format: Option<String>,
}

/// The round's report: its lines, every marker's state, the photos, the
/// repairs and both sides' signatures, as HTML or as PDF (Chinese fonts
/// embedded).
#[utoipa::path(get, path = "/inspection-rounds/{id}/report", tag = "boundaries",
    params(("id" = i64, Path, description = "Round id"), ReportQuery),
    responses((status = 200, description = "The report", content(
            (String = "text/html"), (String = "application/pdf"))),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn report(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Query(q): Query<ReportQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    require(&actor, "read_inspections", READERS)?;
    let id = id_param("id", &id)?;
    let pdf = params::wants_pdf(q.format.as_deref(), &headers)?;
    let g = s.gazetteer_arc();
    let font = s.settings.boundaries.report_font.clone();
    let out = s
        .read(move |svc| -> Result<(Vec<u8>, &'static str), ApiError> {
            let r = svc.store().read(|c| Ok(Report::read(c, id, &g)))??;
            if pdf {
                Ok((report::pdf(&r, &font).map_err(ApiError::internal)?, "application/pdf"))
            } else {
                Ok((report::html(&r).into_bytes(), "text/html; charset=utf-8"))
            }
        })
        .await?;
    let (bytes, ct) = out;
    let mut resp = (StatusCode::OK, bytes).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    if pdf {
        let name = format!("attachment; filename=\"inspection-round-{id}.pdf\"");
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&name).expect("ascii"));
    }
    Ok(resp)
}

/// Query of `/markers/overdue`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OverdueQuery {
    /// Markers of lines with a side inside this division (its code).
    division: Option<String>,
    /// Most markers (default 100).
    limit: Option<String>,
    /// The day judged on (ISO date; default today, China time): a later day
    /// shows what will be overdue by then.
    as_of: Option<String>,
}

/// Markers not inspected within the cycle (`[boundaries]
/// inspection_years`, five) and markers found damaged or missing whose
/// repair is past its due day, as a GeoJSON FeatureCollection with the
/// reasons; `total` counts them all.
#[utoipa::path(get, path = "/markers/overdue", tag = "boundaries", params(OverdueQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection"), (status = 400, body = super::error::Problem)))]
pub async fn overdue_markers(
    State(s): State<AppState>,
    Query(q): Query<OverdueQuery>,
) -> ApiResult<Json<Value>> {
    let limit = params::limit(q.limit.as_deref(), 100, s.settings.server.max_limit.max(1000))?;
    let prefix = match q.division.as_deref() {
        Some(d) => params::division_code("division", d)?.prefix().to_string(),
        None => String::new(),
    };
    let today = params::date("as_of", q.as_of.as_deref())?.unwrap_or_else(crate::review::today);
    let years = s.settings.boundaries.inspection_years;
    let found: Vec<Overdue> = s.query(move |c| overdue(c, today, years, &prefix)).await?;
    let total = found.len();
    let features = found
        .iter()
        .take(limit)
        .map(|o| {
            let mut f =
                super::boundaries::marker_feature(&o.marker, crate::boundaries::crs::Crs(4490), None)?;
            f["properties"]["overdue"] = json!(o.reasons);
            Ok(f)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let mut out = super::features::collection(features);
    out["total"] = json!(total);
    out["as_of"] = json!(today);
    Ok(Json(out))
}
