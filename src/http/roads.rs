//! `/roads/{id}/numbering`: the number a new door plate at a point gets on
//! a road under the numbering rule of the road's division (`[plates]`).

use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::plates::numbering::{Existing, RoadError, number_at, walk_road};
use crate::store::{AddressRow, PlaceRow};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

/// Query of `/roads/{id}/numbering`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct NumberingQuery {
    /// Longitude of the new plate (its building's door), CGCS2000.
    lon: Option<String>,
    /// Latitude, CGCS2000.
    lat: Option<String>,
}

/// The number a new plate at `lon`,`lat` gets on road `{id}` (a road's,
/// street's or lane's id as `/places` gives it) under the numbering rule in force in its
/// division: the side (odd or even), the number, whether it is an infill
/// number and between which plates, and why, in Chinese. A point farther
/// from the road than `[plates] max_off_road_m` is refused (422).
#[utoipa::path(get, path = "/roads/{id}/numbering", tag = "addresses",
    params(("id" = i64, Path, description = "The road's place id"), NumberingQuery),
    responses((status = 200, description = "The number, its side, its neighbours and the reason"),
        (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 422, body = super::error::Problem)))]
pub async fn numbering(
    State(s): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<NumberingQuery>,
) -> ApiResult<Json<Value>> {
    let id: i64 = id.parse().map_err(|_| ApiError::invalid("id", format!("“{id}” 不是道路编号")))?;
    let at = params::lon_lat(q.lon.as_deref(), q.lat.as_deref())?;
    let (place, plates) = s
        .query(move |c| {
            let Some(p) = PlaceRow::get(c, id)? else { return Ok(None) };
            let plates = AddressRow::plates_on(c, id)?;
            Ok(Some((p, plates)))
        })
        .await?
        .ok_or_else(|| ApiError::not_found("道路", &id.to_string()))?;
    let (rule_name, rule, walk) = walk_road(&place, &s.settings.plates, at).map_err(|e| match e {
        RoadError::NotThoroughfare(why) => ApiError::invalid("id", why),
        RoadError::NoLine(why) => ApiError::unprocessable("id", why),
        RoadError::OffRoad(why) => ApiError::unprocessable("lon", why),
    })?;
    let existing: Vec<Existing> = plates.into_iter().map(Existing::from_stored).collect();
    let n = number_at(&walk, &rule, &existing, at);
    Ok(Json(json!({
        "road": {"id": place.fid, "name": place.name, "division_code": place.division_code},
        "rule": {"name": rule_name, "title": rule.title, "frontage_m": rule.frontage_m},
        "numbered_from": walk.from.label(),
        "number": n.text,
        "main": n.main,
        "sub": n.sub,
        "infill": n.infill,
        "parity": n.parity,
        "side": n.side,
        "between": n.between,
        "along_m": n.along_m,
        "off_m": n.off_m,
        "plates_on_road": existing.len(),
        "reason": n.reason,
    })))
}

/// Renumbers plates of road `{id}`: the numbers given (`numbers: [{from,
/// to}]`), or every plate numbered again by the division's rule from where
/// it stands (`by_rule`). Each renumbered plate gets a new address and
/// code; the old one stays, superseded by it since today — its code
/// resolves, the geocoder still finds its number. All or nothing: a
/// number that would be duplicated refuses the whole change (409).
#[utoipa::path(post, path = "/roads/{id}/renumber", tag = "addresses", request_body = crate::service::renumbering::RenumberInput,
    params(("id" = i64, Path, description = "The road's place id")),
    responses((status = 200, description = "The plates renumbered: old and new codes and numbers"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn renumber(
    State(s): State<AppState>,
    actor: crate::review::Actor,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    let id = params::place_id(&id)?;
    super::auth::require(
        &actor,
        "renumber_road",
        &[crate::review::Role::Reviewer, crate::review::Role::Admin],
    )?;
    let input: crate::service::renumbering::RenumberInput = params::json_body(&headers, &body)?;
    let plates = s.settings.plates.clone();
    let out = s.write(move |svc, _| svc.renumber_road(&actor, id, &input, &plates)).await?;
    Ok(Json(serde_json::to_value(out).unwrap_or(Value::Null)))
}
