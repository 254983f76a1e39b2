//! `/division-changes`: a reviewer or administrator proposes a change of
//! the divisions (rename, 撤县设区 / 撤县设市 and other changes of class,
//! merge, split, a new division, a boundary adjustment) with its effective
//! day; another administrator approves it at
//! `POST /division-changes/{id}/approve` (applied at once when its day has
//! come, else scheduled for that day), or rejects it; the proposer may
//! cancel it before it applies.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::review::{Actor, Role};
use crate::service::division_changes::{ChangeDecision, ChangeInput, DivisionChangeError};
use crate::store::{ChangeRequestRow, RequestState};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

const READERS: &[Role] = &[Role::Reviewer, Role::Admin, Role::Committee, Role::Approver];

impl From<DivisionChangeError> for ApiError {
    fn from(e: DivisionChangeError) -> Self {
        use DivisionChangeError as E;
        match e {
            E::NotFound(id) => ApiError::not_found("区划变更", &id),
            E::Invalid { field, reason } => ApiError::invalid(field, reason),
            E::Geometry(problems) => ApiError::geometry_conflict(&problems),
            E::Forbidden(why) => ApiError::forbidden(&why),
            E::SamePerson(why) => ApiError::separation_of_duties(&why),
            E::Conflict(why) => ApiError::invalid_transition(&why),
            E::Store(e) => ApiError::from(e),
        }
    }
}

fn request_json(r: &ChangeRequestRow) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    v["state_label"] = json!(r.state.label());
    v
}

/// Proposes a division change. `kind` is `rename` (`code`, `new_name`),
/// `reclassify` (撤县设区, 撤县设市, 撤镇设街道 …: `code`, `new_name`,
/// optional `new_code`, else the next free code of the new class),
/// `merge` (`codes`, optional `into` (the one that goes on), `new_name`,
/// `new_code`), `split` (`code`, `parts` with `name`, `geometry`, optional
/// `code`), `create` (`parent`, `name`, `geometry`, optional `new_code`) or
/// `adjust_boundary` (`parts` with `code` and the new `geometry`); with
/// `effective_on`, `reason` and `doc_no`. New boundaries that would overlap
/// a neighbour, leave a gap or reach outside the parent are refused (422).
#[utoipa::path(post, path = "/division-changes", tag = "divisions",
    request_body(content = Object, description = "The change (see above)"),
    responses((status = 202, description = "The proposed change with its plan"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 409, body = super::error::Problem),
        (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    require(&actor, "propose_division_change", &[Role::Reviewer, Role::Admin])?;
    let input: ChangeInput = params::json_body(&headers, &body)?;
    let tolerance = s.settings.boundaries.topology_tolerance_m;
    let row = s.write(move |svc, _| svc.propose_division_change(&actor, &input, tolerance)).await?;
    Ok((StatusCode::ACCEPTED, Json(request_json(&row))))
}

/// Query of `/division-changes`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// `proposed`, `scheduled`, `applied`, `rejected`, `cancelled` or `failed`.
    state: Option<String>,
    /// Most requests (default 100).
    limit: Option<String>,
}

/// Division change requests, newest first.
#[utoipa::path(get, path = "/division-changes", tag = "divisions", params(ListQuery),
    responses((status = 200, description = "`{changes: […]}`"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    require(&actor, "read_division_changes", READERS)?;
    let state = match q.state.as_deref() {
        None => None,
        Some(v) => Some(RequestState::parse(v).ok_or_else(|| {
            ApiError::invalid("state", "应为 proposed、scheduled、applied、rejected、cancelled 或 failed")
        })?),
    };
    let limit = params::limit(q.limit.as_deref(), 100, s.settings.server.max_limit)?;
    let rows = s.query(move |c| ChangeRequestRow::list(c, state, limit)).await?;
    Ok(Json(json!({"changes": rows.iter().map(request_json).collect::<Vec<_>>()})))
}

fn id_param(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是区划变更编号")))
}

/// One division change request: its input, plan, state, decisions and,
/// once applied, what it changed.
#[utoipa::path(get, path = "/division-changes/{id}", tag = "divisions",
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "The request"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn one(State(s): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    require(&actor, "read_division_changes", READERS)?;
    let id = id_param(&id)?;
    let row = s.query(move |c| ChangeRequestRow::get(c, id)).await?;
    row.map(|r| Json(request_json(&r))).ok_or_else(|| ApiError::not_found("区划变更", &id.to_string()))
}

/// Body of a decision.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeDecisionInput {
    /// A note (required to reject).
    #[serde(default)]
    pub note: Option<String>,
}

/// An administrator other than the proposer approves a proposed change
/// (202: scheduled; one whose day has come is applied right after, and
/// `GET /division-changes/{id}` says when it is, with what it changed) or
/// rejects it; the proposer or an administrator cancels one not yet
/// applied.
#[utoipa::path(post, path = "/division-changes/{id}/{action}", tag = "divisions", request_body = ChangeDecisionInput,
    params(("id" = i64, Path, description = "Request id"),
        ("action" = String, Path, description = "`approve`, `reject` or `cancel`", pattern = r"^(approve|reject|cancel)$")),
    responses((status = 200, description = "The request as rejected or cancelled"),
        (status = 202, description = "The request as approved (scheduled)"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn decide(
    State(s): State<AppState>,
    actor: Actor,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let decision = match action.as_str() {
        "approve" => ChangeDecision::Approve,
        "reject" => ChangeDecision::Reject,
        "cancel" => ChangeDecision::Cancel,
        other => return Err(ApiError::not_found("操作", other)),
    };
    let id = id_param(&id)?;
    let roles: &[Role] =
        if decision == ChangeDecision::Cancel { &[Role::Reviewer, Role::Admin] } else { &[Role::Admin] };
    require(&actor, "decide_division_change", roles)?;
    let input: ChangeDecisionInput =
        if body.is_empty() { ChangeDecisionInput::default() } else { params::json_body(&headers, &body)? };
    let tolerance = s.settings.boundaries.topology_tolerance_m;
    let row = s
        .write(move |svc, _| {
            svc.decide_division_change(&actor, id, decision, input.note.as_deref(), tolerance)
        })
        .await?;
    let status = if row.state == RequestState::Scheduled { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(request_json(&row))))
}
