//! Changes to markers, signed by both sides: `POST /markers` (a new
//! marker), `POST /markers/{number}/move` and `/retire` are proposed by a
//! `boundary` officer of one side and wait (202) until one of the other
//! side confirms at `POST /marker-changes/{id}/confirm` (or rejects, or the
//! proposer withdraws). Reading: `GET /markers/{number}` and
//! `GET /marker-changes`.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::model::{MarkerAction, SignOff};
use crate::review::{Actor, Role};
use crate::service::boundaries::{Decision, MarkerEdit, NewMarker};
use crate::store::{MarkerChangeRow, MarkerRow};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

const OFFICERS: &[Role] = &[Role::Boundary];
const READERS: &[Role] = &[Role::Boundary, Role::Admin];

fn change_json(c: &MarkerChangeRow) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

/// Proposes a new marker on a line. The number is checked against
/// GB/T 17796 and the line's markers (or, when absent, the next valid one
/// is given); the change waits for the other side's confirmation.
#[utoipa::path(post, path = "/markers", tag = "boundaries", request_body = NewMarker,
    responses((status = 202, description = "The pending change, with the number the marker will get"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "propose_marker", OFFICERS)?;
    let input: NewMarker = params::json_body(&headers, &body)?;
    let (g, settings) = (s.gazetteer_arc(), s.settings.boundaries.clone());
    let change = s.write(move |svc, _| svc.propose_marker(&actor, &input, &g, &settings)).await?;
    Ok((StatusCode::ACCEPTED, Json(change_json(&change))))
}

/// Proposes moving (`move`, with `lon`, `lat`) or retiring (`retire`) a
/// marker; the change waits for the other side's confirmation.
#[utoipa::path(post, path = "/markers/{number}/{action}", tag = "boundaries", request_body = MarkerEdit,
    params(("number" = String, Path, description = "Marker number"),
        ("action" = String, Path, description = "`move` or `retire`", pattern = r"^(move|retire)$")),
    responses((status = 202, description = "The pending change"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn edit(
    State(s): State<AppState>,
    actor: Actor,
    Path((number, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let action = match action.as_str() {
        "move" => MarkerAction::Move,
        "retire" => MarkerAction::Retire,
        other => return Err(ApiError::not_found("操作", other)),
    };
    require(&actor, "propose_marker", OFFICERS)?;
    let input: MarkerEdit = params::json_body(&headers, &body)?;
    let (g, settings) = (s.gazetteer_arc(), s.settings.boundaries.clone());
    let change = s
        .write(move |svc, _| svc.propose_marker_edit(&actor, &number, action, &input, &g, &settings))
        .await?;
    Ok((StatusCode::ACCEPTED, Json(change_json(&change))))
}

/// One marker, retired or not: its number, type, line, condition and
/// position in CGCS2000 and its Gauss-Krüger zone, and every change
/// proposed for it with both sides' signatures.
#[utoipa::path(get, path = "/markers/{number}", tag = "boundaries",
    params(("number" = String, Path, description = "Marker number"), super::boundaries::CrsQuery),
    responses((status = 200, description = "GeoJSON Feature of the marker"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem)))]
pub async fn one(
    State(s): State<AppState>,
    Path(number): Path<String>,
    Query(q): Query<super::boundaries::CrsQuery>,
) -> ApiResult<Json<Value>> {
    let crs = super::boundaries::crs_param(q.crs.as_deref())?;
    if number.len() > 24 || !number.is_ascii() {
        return Err(ApiError::invalid("number", "界桩编号由界线编号、三位序号和类型字母组成"));
    }
    let key = number.clone();
    let found = s
        .query(move |c| {
            let Some(m) = MarkerRow::get(c, &key)? else { return Ok(None) };
            let changes: Vec<MarkerChangeRow> = MarkerChangeRow::of_line(c, &m.line_code, false)?
                .into_iter()
                .filter(|x| x.number == key)
                .collect();
            Ok(Some((m, changes)))
        })
        .await?;
    let Some((m, changes)) = found else { return Err(ApiError::not_found("界桩", &number)) };
    let mut f = super::boundaries::marker_feature(&m, crs, None)?;
    f["properties"]["changes"] = json!(changes);
    f["crs"] = json!(crs.name());
    Ok(Json(f))
}

/// Query of `/marker-changes`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ChangesQuery {
    /// Changes of lines with a side inside this division (default: all).
    division: Option<String>,
}

/// The marker changes waiting for a signature, oldest first, on lines
/// with a side in the division asked for.
#[utoipa::path(get, path = "/marker-changes", tag = "boundaries", params(ChangesQuery),
    responses((status = 200, description = "`{changes: […]}`"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn pending(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<ChangesQuery>,
) -> ApiResult<Json<Value>> {
    require(&actor, "read_marker_changes", READERS)?;
    let prefix = match q.division.as_deref() {
        Some(d) => params::division_code("division", d)?.prefix().to_string(),
        None => String::new(),
    };
    let changes = s.query(move |c| MarkerChangeRow::pending(c, &prefix)).await?;
    Ok(Json(json!({"changes": changes})))
}

/// Body of a decision.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// A note (required to reject).
    #[serde(default)]
    pub note: Option<String>,
}

/// The other side confirms (the change is applied at once, with both
/// signatures in the change log) or rejects a pending change; the
/// proposer may withdraw it.
#[utoipa::path(post, path = "/marker-changes/{id}/{action}", tag = "boundaries", request_body = DecisionInput,
    params(("id" = i64, Path, description = "Change id"),
        ("action" = String, Path, description = "`confirm`, `reject` or `withdraw`", pattern = r"^(confirm|reject|withdraw)$")),
    responses((status = 200, description = "The change as decided"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let Some(decision) = Decision::parse(&action) else { return Err(ApiError::not_found("操作", &action)) };
    let id: i64 = id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是变更编号")))?;
    require(&actor, "sign_marker_change", OFFICERS)?;
    let input: DecisionInput =
        if body.is_empty() { DecisionInput::default() } else { params::json_body(&headers, &body)? };
    let (g, settings) = (s.gazetteer_arc(), s.settings.boundaries.clone());
    let change = s
        .write(move |svc, _| {
            svc.decide_marker_change(&actor, id, decision, input.note.as_deref(), &g, &settings)
        })
        .await?;
    debug_assert!(change.state != SignOff::Pending);
    Ok(Json(change_json(&change)))
}
