//! `GET /reverse`.

use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::geocode::{self, ReverseResult};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::borrow::Cow;
use utoipa::IntoParams;

/// Query of `/reverse`. It borrows from the query string: this is the
/// hottest route, and its values need no copy unless percent-encoded.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReverseQuery<'a> {
    /// Longitude, degrees, CGCS2000.
    #[serde(borrow)]
    #[param(value_type = Option<String>)]
    lon: Option<Cow<'a, str>>,
    /// Latitude, degrees, CGCS2000.
    #[serde(borrow)]
    #[param(value_type = Option<String>)]
    lat: Option<Cow<'a, str>>,
    /// Answer with the divisions as they were on this date (YYYY-MM-DD).
    #[serde(borrow)]
    #[param(value_type = Option<String>)]
    at: Option<Cow<'a, str>>,
}

impl<'a> ReverseQuery<'a> {
    /// Reads the query string of a request.
    fn parse(query: &'a str) -> ApiResult<ReverseQuery<'a>> {
        serde_urlencoded::from_str(query)
            .map_err(|e| ApiError::invalid("query", format!("查询串无法解析：{e}")))
    }
}

/// Point → the containing divisions (province first), the nearest door
/// plate and the nearest road with distances in metres. A point outside
/// China answers 200 with an empty `divisions`.
///
/// The query string is read in place into [`ReverseQuery`].
#[utoipa::path(get, path = "/reverse", tag = "geocoding", params(ReverseQuery),
    responses((status = 200, body = ReverseResult<'static>), (status = 400, body = super::error::Problem)))]
pub async fn reverse(State(s): State<AppState>, request: Request) -> ApiResult<Response> {
    let q = ReverseQuery::parse(request.uri().query().unwrap_or_default())?;
    let c = params::lon_lat(q.lon.as_deref(), q.lat.as_deref())?;
    let at = params::date("at", q.at.as_deref())?;
    let g = s.gazetteer();
    let json = s.division_json.of(&g.divisions);
    let answer = geocode::reverse(&g, &json, c, at, s.settings.server.nearest_radius_m);
    let mut body = Vec::with_capacity(960);
    answer.write_json(&mut body).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}
