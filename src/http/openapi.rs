//! The OpenAPI 3.1 document (generated from the handlers' annotations),
//! the docs page that renders it, and the problem-type pages.

use super::contract::Contract;
use super::error::{ApiError, Problem};
use super::problems::PROBLEM_TYPES;
use axum::Json;
use axum::extract::Path;
use axum::response::Html;
use utoipa::OpenApi;

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Fangyu 方舆", description = "地名、地址与行政区划数据服务 — place names, standard addresses and administrative boundaries. Coordinates are CGCS2000 (EPSG:4490) longitude/latitude."),
    paths(
        super::health::health, super::health::ready, super::health::metrics,
        super::reverse::reverse,
        super::geocode::geocode, super::geocode::structured, super::batch::geocode_batch,
        super::geocode::standardize, super::geocode::autocomplete,
        super::divisions::one, super::divisions::children, super::divisions::search,
        super::division_changes::create, super::division_changes::list, super::division_changes::one,
        super::division_changes::decide,
        super::places::search, super::places::one,
        super::addresses::one, super::roads::numbering,
        super::address_applications::create, super::address_applications::one, super::address_applications::decide,
        super::compounds::create, super::compounds::list, super::roads::renumber, super::addresses::retire, super::addresses::certificate, super::links::create, super::links::list, super::links::find, super::links::match_records,
        super::signs::list, super::signs::one, super::signs::create, super::signs::inspect, super::signs::summary, super::signs::qr,
        super::public_page::address, super::public_page::place, super::public_page::division, super::public_page::report,
        super::markers::search, super::marker_changes::create, super::marker_changes::edit,
        super::marker_changes::one, super::marker_changes::pending, super::marker_changes::decide,
        super::boundaries::list, super::boundaries::one, super::checks::topology,
        super::inspections::list, super::inspections::create, super::inspections::one,
        super::inspections::add_finding, super::inspections::add_photos, super::inspections::photo,
        super::inspections::add_repair, super::inspections::complete_repair, super::inspections::sign,
        super::inspections::report, super::inspections::overdue_markers,
        super::proposals::create, super::proposals::list, super::proposals::one, super::proposals::revise,
        super::proposals::act, super::proposals::overdue,
        super::tokens::create, super::tokens::list, super::tokens::revoke, super::tokens::rotate,
        super::audit::verify, super::accounts::create, super::accounts::list, super::accounts::one,
        super::accounts::activity, super::accounts::grant, super::accounts::revoke_role, super::accounts::disable,
        super::tiles::list, super::tiles::tilejson, super::tiles::tile,
        super::changes::list, super::changes::stream,
        super::subscriptions::create, super::subscriptions::one, super::subscriptions::delete,
        super::audit::checkpoints,
    ),
    components(schemas(Problem, super::error::FieldError, crate::geocode::ReverseResult,
        crate::geocode::reverse::DivisionRef, crate::geocode::reverse::PlateRef, crate::geocode::reverse::RoadRef,
        crate::geocode::MatchLevel, crate::geocode::forward::Components, crate::geocode::number::DoorNumber,
        crate::geocode::normalize::Correction, crate::store::feed::FeedChange, super::changes::ChangesPage,
        crate::model::ChangeKind, crate::model::ChangeAction, crate::service::subscriptions::SubscriptionInput,
        crate::store::checkpoints::CheckpointRow, super::audit::CheckpointsPage,
        crate::service::boundaries::NewMarker, crate::service::boundaries::MarkerEdit,
        super::marker_changes::DecisionInput, super::division_changes::ChangeDecisionInput,
        crate::service::address_applications::ApplicationInput, super::address_applications::ApplicationDecision,
        crate::service::compounds::CompoundInput, crate::service::compounds::BuildingInput,
        crate::service::renumbering::RenumberInput, crate::service::renumbering::NumberChange, crate::service::renumbering::RetireInput, super::links::LinkInput, crate::service::signs::SignInput, crate::service::signs::SignInspectionInput, crate::service::signs::ReportInput, crate::service::inspections::RoundInput,
        crate::service::inspections::FindingInput, crate::service::inspections::RepairInput,
        crate::service::inspections::RepairDone, super::inspections::SignInput)),
    tags((name = "geocoding"), (name = "divisions"), (name = "places"), (name = "addresses"), (name = "links"), (name = "signs"), (name = "boundaries"), (name = "naming"), (name = "security"), (name = "tiles"), (name = "feed"), (name = "service")),
    modifiers(&BearerAuth, &Contract)
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme the naming routes use.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// `GET /docs`: a self-contained page listing every operation.
pub async fn docs() -> Html<&'static str> {
    Html(include_str!("docs.html"))
}

/// `GET /problems/{slug}`: what a problem type means.
pub async fn problem(Path(slug): Path<String>) -> Result<Html<String>, ApiError> {
    let (_, title, text) = PROBLEM_TYPES
        .iter()
        .find(|(s, _, _)| *s == slug)
        .ok_or_else(|| ApiError::not_found("问题类型", &slug))?;
    Ok(Html(format!(
        "<!doctype html><meta charset=utf-8><title>{title}</title><h1>{title}</h1><p><code>/problems/{slug}</code></p><p>{text}</p>"
    )))
}
