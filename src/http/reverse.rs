//! `GET /reverse`.

use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::geocode::{self, ReverseResult};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

/// Query of `/reverse`, for the API description (the handler reads the
/// query string directly).
#[derive(Debug, Deserialize, IntoParams)]
#[expect(dead_code, reason = "describes the parameters in the OpenAPI document")]
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
///
/// The query string is read in place, without copying it or allocating
/// (this is the hottest route); its parameters are those of
/// [`ReverseQuery`].
#[utoipa::path(get, path = "/reverse", tag = "geocoding", params(ReverseQuery),
    responses((status = 200, body = ReverseResult<'static>), (status = 400, body = super::error::Problem)))]
pub async fn reverse(State(s): State<AppState>, request: Request) -> ApiResult<Response> {
    let (mut lon, mut lat, mut at) = (None, None, None);
    for (k, v) in form_urlencoded::parse(request.uri().query().unwrap_or_default().as_bytes()) {
        match &*k {
            "lon" => lon = Some(v),
            "lat" => lat = Some(v),
            "at" => at = Some(v),
            _ => {}
        }
    }
    let c = params::lon_lat(lon.as_deref(), lat.as_deref())?;
    let at = params::date("at", at.as_deref())?;
    let g = s.gazetteer();
    let json = s.division_json.of(&g.divisions);
    let answer = geocode::reverse(&g, &json, c, at.as_deref(), s.settings.server.nearest_radius_m);
    let mut body = Vec::with_capacity(960);
    answer.write_json(&mut body).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}
