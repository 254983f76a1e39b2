//! `/checks/topology`: the topology check of one division and everything
//! under it (`boundaries::topology_check`), run on the blocking pool.

use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::boundaries::topology_check::{self, Tolerances};
use axum::Json;
use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;

/// Query of `/checks/topology`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TopologyQuery {
    /// The division checked, with everything under it (its code).
    /// Required: the nationwide check is `fangyu check topology`.
    #[param(required = true, value_type = String)]
    division: Option<String>,
}

/// The topology check of a division and everything under it, as a GeoJSON
/// FeatureCollection, one Feature a problem: `kind` (`overlap`, `gap`,
/// `child_outside_parent`, `marker_off_line`, `line_without_markers`),
/// the `codes` involved, `line` and `marker` where they apply, measures in
/// metres (`area_m2`, `width_m`, `distance_m`, `length_m`) and a
/// `description` in Chinese; `summary` counts them per kind. Gaps and
/// overlaps narrower than `[boundaries] topology_tolerance_m` are left
/// out, markers within `marker_off_line_m` of their line too.
#[utoipa::path(get, path = "/checks/topology", tag = "boundaries", params(TopologyQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection of problems"),
        (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn topology(State(s): State<AppState>, Query(q): Query<TopologyQuery>) -> ApiResult<Json<Value>> {
    let Some(division) = q.division.as_deref() else {
        return Err(ApiError::invalid(
            "division",
            "必须指定区划代码（全国检查请使用 fangyu check topology）",
        ));
    };
    let code = params::division_code("division", division)?;
    if s.gazetteer().divisions.by_code(code.as_str(), None).is_none() {
        return Err(ApiError::not_found("区划", code.as_str()));
    }
    let tol = Tolerances::from(&s.settings.boundaries);
    let report = s.query(move |c| topology_check::check_store(c, tol, Some(&code))).await?;
    Ok(Json(report.to_geojson()))
}
