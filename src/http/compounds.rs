//! `/compounds/{id}/addresses`: a residential compound's building and room
//! addresses — listed (`GET`), or issued in bulk (`POST`: buildings, units
//! and floors → every 幢/单元/室 address in one transaction, or none).

use super::auth::require;
use super::error::ApiResult;
use super::params;
use super::state::AppState;
use crate::review::{Actor, Role};
use crate::service::compounds::CompoundInput;
use crate::store::AddressRow;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

/// Issues the building and room addresses of a compound: each building
/// new (with its position, which must lie in the compound) or existing
/// (position omitted), numbered by units, floors and rooms per floor in
/// the division's forms. One conflict — a building or room that exists, a
/// room under a building that does not — refuses the whole request.
#[utoipa::path(post, path = "/compounds/{id}/addresses", tag = "addresses", request_body = CompoundInput,
    params(("id" = i64, Path, description = "The compound's place id")),
    responses((status = 201, description = "Every address issued"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let id = params::place_id(&id)?;
    require(&actor, "issue_address", &[Role::Reviewer, Role::Admin])?;
    let input: CompoundInput = params::json_body(&headers, &body)?;
    let (g, plates) = (s.gazetteer_arc(), s.settings.plates.clone());
    let out = s.write(move |svc, _| svc.add_compound_addresses(&actor, id, &input, &g, &plates)).await?;
    Ok((StatusCode::CREATED, Json(serde_json::to_value(out).unwrap_or(Value::Null))))
}

/// The current building and room addresses of a compound.
#[utoipa::path(get, path = "/compounds/{id}/addresses", tag = "addresses",
    params(("id" = i64, Path, description = "The compound's place id")),
    responses((status = 200, description = "`{compound, addresses: [{address_code, kind, building, unit, room, standard_address}]}`"),
        (status = 400, body = super::error::Problem)))]
pub async fn list(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id = params::place_id(&id)?;
    let rows = s.query(move |c| AddressRow::in_compound(c, id)).await?;
    let addresses: Vec<Value> = rows
        .iter()
        .map(|a| {
            json!({"address_code": a.code, "kind": a.kind, "building": a.building, "unit": a.unit,
                "room": a.room, "standard_address": a.standard_address})
        })
        .collect();
    Ok(Json(json!({"compound": id, "count": addresses.len(), "addresses": addresses})))
}
