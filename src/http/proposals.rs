//! `/proposals`: naming proposals and their workflow. Every route needs a
//! token; what it may do depends on the token's role (see
//! [`crate::review::workflow`]). Changes carry the proposal's ETag; a
//! change with `If-Match` naming an older version is refused with 409.

use super::auth::require;
use super::error::{ApiError, ApiResult};
use super::features::geometry;
use super::params;
use super::state::AppState;
use crate::model::ProposalId;
use crate::review::lifecycle::{self, ActionInput, ProposalInput};
use crate::review::{Action, Actor, Proposal, Role, State};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State as AxumState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

/// The proposal as answered: the record, its geometry, and what the asking
/// actor may do next.
fn answer(
    s: &AppState,
    status: StatusCode,
    p: &Proposal,
    geom: Option<&geo::Geometry<f64>>,
    actor: &Actor,
) -> Response {
    let mut body = serde_json::to_value(p).unwrap_or(Value::Null);
    body["geometry"] = geometry(geom);
    body["state_label"] = json!(p.state.label());
    body["next_actions"] = json!(lifecycle::next_actions(p, actor, &s.rules, crate::review::today()));
    let mut resp = (status, Json(body)).into_response();
    if let Ok(tag) = HeaderValue::from_str(&p.etag()) {
        resp.headers_mut().insert(header::ETAG, tag);
    }
    if status == StatusCode::CREATED
        && let Ok(loc) = HeaderValue::from_str(&format!("/proposals/{}", p.id))
    {
        resp.headers_mut().insert(header::LOCATION, loc);
    }
    resp
}

fn id_of(id: &str) -> ApiResult<ProposalId> {
    id.parse().map(ProposalId).map_err(|_| ApiError::invalid("id", format!("“{id}” 不是申请编号")))
}

fn if_match(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::IF_MATCH).and_then(|v| v.to_str().ok())
}

/// Creates a proposal (applicant). Answers 201 with the proposal and its
/// rule checks.
#[utoipa::path(post, path = "/proposals", tag = "naming",
    request_body(content = Object, description = "`{\"kind\":\"name\",\"class\":\"road\",\"name\":\"…\",\"division\":\"330212\",\"geometry\":{…}}`; also specific, generic, pinyin, place (rename/retire), meaning, reason, applicant, plan, protection_plan, attachments", content_type = "application/json"),
    responses((status = 201, description = "The proposal with `checks`"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    AxumState(s): AxumState<AppState>,
    actor: Actor,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let input: ProposalInput = params::json_body(&headers, &body)?;
    let who = actor.clone();
    let (p, geom) = s.write(move |svc, rules| svc.create_proposal(rules, &who, &input)).await?;
    Ok(answer(&s, StatusCode::CREATED, &p, geom.as_ref(), &actor))
}

/// One proposal with its whole review history.
#[utoipa::path(get, path = "/proposals/{id}", tag = "naming",
    params(("id" = i64, Path, description = "Proposal id")),
    responses((status = 200, description = "The proposal (ETag header)"), (status = 401, body = super::error::Problem), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn one(
    AxumState(s): AxumState<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (p, geom) = lifecycle::get(&s.store, id_of(&id)?)?;
    Ok(answer(&s, StatusCode::OK, &p, geom.as_ref(), &actor))
}

/// Revises a draft or returned proposal (its applicant; `If-Match`
/// required). Fields absent from the body keep their values.
#[utoipa::path(patch, path = "/proposals/{id}", tag = "naming",
    params(("id" = i64, Path, description = "Proposal id")),
    request_body(content = Object, description = "Any field of `POST /proposals` except kind", content_type = "application/json"),
    responses((status = 200, description = "The revised proposal, checked again"), (status = 409, body = super::error::Problem), (status = 428, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn revise(
    AxumState(s): AxumState<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = id_of(&id)?;
    let input: ProposalInput = params::json_body(&headers, &body)?;
    let (who, tag) = (actor.clone(), if_match(&headers).map(str::to_string));
    let (p, geom) =
        s.write(move |svc, rules| svc.revise_proposal(rules, &who, id, tag.as_deref(), &input)).await?;
    Ok(answer(&s, StatusCode::OK, &p, geom.as_ref(), &actor))
}

/// Takes a workflow action: submit, check, start_expert_review, opinion,
/// start_consultation, comment, respond, close_consultation, approve,
/// reject, return, record_approval, file, announce, publish, withdraw.
#[utoipa::path(post, path = "/proposals/{id}/{action}", tag = "naming",
    params(("id" = i64, Path, description = "Proposal id"), ("action" = String, Path, description = "The action", pattern = r"^(submit|check|start_expert_review|opinion|start_consultation|comment|respond|close_consultation|vote|approve|reject|return|record_approval|file|announce|publish|withdraw)$")),
    request_body(content = Object, description = "What the action reads: note; position + text (opinion); author + text (comment); comment + response (respond); days (start_consultation); body + document + date (record_approval); date + with (file, announce)", content_type = "application/json"),
    responses((status = 200, description = "The proposal after the action"), (status = 400, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn act(
    AxumState(s): AxumState<AppState>,
    actor: Actor,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = id_of(&id)?;
    let action = Action::parse(&action).ok_or_else(|| {
        let all: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        ApiError::invalid("action", format!("未知操作“{action}”，可用：{}", all.join("、")))
    })?;
    let input: ActionInput = params::json_body(&headers, &body)?;
    let today = crate::review::today();
    let (who, tag) = (actor.clone(), if_match(&headers).map(str::to_string));
    let (p, geom) = s
        .write(move |svc, rules| svc.act_on_proposal(rules, &who, id, action, tag.as_deref(), &input, today))
        .await?;
    Ok(answer(&s, StatusCode::OK, &p, geom.as_ref(), &actor))
}

/// Query of `/proposals`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only proposals in this state.
    state: Option<String>,
    /// Most results (default 20).
    limit: Option<String>,
    /// Skip this many (paging).
    offset: Option<String>,
}

/// Proposals, newest first.
#[utoipa::path(get, path = "/proposals", tag = "naming", params(ListQuery),
    responses((status = 200, description = "Proposals (summaries)"), (status = 401, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    AxumState(s): AxumState<AppState>,
    _actor: Actor,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Value>> {
    let state = q
        .state
        .as_deref()
        .map(|st| State::parse(st).ok_or_else(|| ApiError::invalid("state", format!("未知状态“{st}”"))))
        .transpose()?;
    let limit = params::limit(q.limit.as_deref(), 20, s.settings.server.max_limit)?;
    let offset = match q.offset.as_deref() {
        None => 0,
        Some(o) => o.parse().map_err(|_| ApiError::invalid("offset", format!("“{o}” 不是非负整数")))?,
    };
    let rows = s.query(move |c| crate::store::ProposalRow::list(c, state, limit, offset)).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({"id": p.id, "kind": p.kind, "class": p.class, "name": p.name, "division": p.division,
                "state": p.state, "state_label": p.state.label(), "version": p.version, "updated_at": p.updated_at,
                "failed_checks": p.checks.iter().filter(|c| c.result == crate::review::Verdict::Fail).count()})
        })
        .collect();
    Ok(Json(json!({"proposals": items, "limit": limit, "offset": offset})))
}

/// Query of `/proposals/overdue`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct OverdueQuery {
    /// The day to judge on (ISO date; default today, China time).
    on: Option<String>,
}

/// Approved names whose filing (备案) or announcement (公告) is past its
/// 15-day deadline.
#[utoipa::path(get, path = "/proposals/overdue", tag = "naming", params(OverdueQuery),
    responses((status = 200, description = "Overdue duties, most overdue first"), (status = 401, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn overdue(
    AxumState(s): AxumState<AppState>,
    actor: Actor,
    Query(q): Query<OverdueQuery>,
) -> ApiResult<Json<Value>> {
    require(&actor, "overdue", &[Role::Reviewer, Role::Committee, Role::Approver, Role::Admin])?;
    let on = params::date("on", q.on.as_deref())?.unwrap_or_else(crate::review::today);
    let items = lifecycle::overdue(&s.store, on)?;
    Ok(Json(json!({"on": on.to_string(), "overdue": items})))
}
