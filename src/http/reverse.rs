//! `GET /reverse`.

use super::error::ApiResult;
use super::params;
use super::state::AppState;
use crate::geocode::{self, ReverseResult};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

/// Query of `/reverse`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ReverseQuery {
    /// Longitude, degrees, CGCS2000.
    lon: Option<String>,
    /// Latitude, degrees, CGCS2000.
    lat: Option<String>,
    /// Answer with the divisions as they were on this date (YYYY-MM-DD).
    at: Option<String>,
}

/// Point → the containing divisions (province first), the nearest door
/// plate and the nearest road with distances in metres. A point outside
/// China answers 200 with an empty `divisions`.
#[utoipa::path(get, path = "/reverse", tag = "geocoding", params(ReverseQuery),
    responses((status = 200, body = ReverseResult<'static>), (status = 400, body = super::error::Problem)))]
pub async fn reverse(State(s): State<AppState>, Query(q): Query<ReverseQuery>) -> ApiResult<Response> {
    let c = params::lon_lat(q.lon.as_deref(), q.lat.as_deref())?;
    let at = params::date("at", q.at.as_deref())?;
    let g = s.gazetteer();
    let answer = geocode::reverse(&g, c, at.as_deref(), s.settings.server.nearest_radius_m);
    Ok(Json(answer).into_response())
}
