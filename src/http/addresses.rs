//! `/addresses/{code}`: one standard address.

use super::conditional::Version;
use super::error::{ApiError, ApiResult};
use super::features::{chain, feature};
use super::state::AppState;
use crate::store::{AddressAlias, AddressRow};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A standard address by its 18-digit code, as a GeoJSON Feature with its
/// parts (road or compound, number, building, unit, room), status and
/// division chain. A code a division change replaced still resolves: the
/// answer is the address under its code now, with `resolved_from`; every
/// answer lists the address's `former_codes`. An address renumbered or
/// retired answers as it was, with `superseded_by` (the address that
/// replaced it, since when and why) and `current` (the address that holds
/// its place now); an address lists the ones it replaced in `replaces`.
#[utoipa::path(get, path = "/addresses/{code}", tag = "addresses",
    params(("code" = String, Path, description = "18-digit address code", pattern = r"^[0-9]{18}$")),
    responses((status = 200, description = "GeoJSON Feature, with ETag and Last-Modified"), (status = 304, description = "Not modified since the version If-None-Match names"), (status = 400, body = super::error::Problem), (status = 404, body = super::error::Problem)))]
pub async fn one(
    State(s): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let code = super::params::address_code("code", &code)?;
    let text = code.to_string();
    let version = Version::of(&s, "address", text.clone()).await?;
    // A code a division change replaced resolves to the address's code now.
    let (a, resolved_from, former, (next, now, replaced)) = s
        .query(move |c| {
            let (a, from) = match AddressRow::by_code(c, code)? {
                Some(a) => (Some(a), None),
                None => match AddressAlias::of(c, code)? {
                    Some(alias) => (AddressRow::by_code(c, alias.new_code)?, Some(alias)),
                    None => (None, None),
                },
            };
            let former = match &a {
                Some(a) => AddressAlias::former(c, a.code)?,
                None => Vec::new(),
            };
            let history = match &a {
                Some(a) => {
                    let next = a.superseded_by.map(|n| AddressRow::by_code(c, n)).transpose()?.flatten();
                    let now = if a.superseded_by.is_some() {
                        AddressRow::current_successor(c, a.code)?
                    } else {
                        None
                    };
                    (next, now, AddressRow::predecessors(c, a.code)?)
                }
                None => (None, None, Vec::new()),
            };
            Ok((a, from, former, history))
        })
        .await?;
    let a = a.ok_or_else(|| ApiError::not_found("地址", &text))?;
    let g = s.gazetteer();
    let divisions =
        g.divisions.by_code(a.division_code.as_str(), None).map(|i| chain(&g, i)).unwrap_or_default();
    let body = feature(
        json!(a.code),
        json!({"type": "Point", "coordinates": [a.lon, a.lat]}),
        json!({
            "address_code": a.code,
            "kind": a.kind,
            "standard_address": a.standard_address,
            "street": a.street,
            "place_id": a.place_fid,
            "number": a.number,
            "number_prefix": a.number_prefix,
            "number_main": a.number_main,
            "number_sub": a.number_sub,
            "group": a.group_no,
            "building": a.building,
            "unit": a.unit,
            "room": a.room,
            "status": a.status,
            "division_code": a.division_code,
            "divisions": divisions,
            "source": a.source,
            "former_codes": former,
            "resolved_from": resolved_from.map(|r| json!({"code": r.old_code, "since": r.since, "change": r.change_id})),
            "superseded_by": a.superseded_on.as_ref().map(|since| json!({
                "address_code": a.superseded_by,
                "standard_address": next.as_ref().map(|n| &n.standard_address),
                "since": since,
                "reason": a.history_note,
            })),
            "current": now.as_ref().map(|n| json!({"address_code": n.code, "standard_address": n.standard_address})),
            "replaces": replaced.iter().map(|r| json!({"address_code": r.code, "standard_address": r.standard_address,
                "since": r.superseded_on, "reason": r.history_note})).collect::<Vec<_>>(),
        }),
    );
    Ok(version.answer(&headers, &format!("address-{text}"), "", || Json(body).into_response()))
}

/// Retires a current address (demolished, merged …) with the reason, and
/// the current address that replaces it if one does: it stays, `retired`
/// (or `historical` with its successor), its code resolving to it.
#[utoipa::path(post, path = "/addresses/{code}/retire", tag = "addresses", request_body = crate::service::renumbering::RetireInput,
    params(("code" = String, Path, description = "18-digit address code", pattern = r"^[0-9]{18}$")),
    responses((status = 200, description = "The address as retired"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem), (status = 422, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn retire(
    State(s): State<AppState>,
    actor: crate::review::Actor,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Json<serde_json::Value>> {
    let code = super::params::address_code("code", &code)?;
    super::auth::require(
        &actor,
        "retire_address",
        &[crate::review::Role::Reviewer, crate::review::Role::Admin],
    )?;
    let input: crate::service::renumbering::RetireInput = super::params::json_body(&headers, &body)?;
    let a = s.write(move |svc, _| svc.retire_address(&actor, code, &input)).await?;
    Ok(Json(json!({"address_code": a.code, "standard_address": a.standard_address, "status": a.status,
        "superseded_by": a.superseded_by, "since": a.superseded_on, "reason": a.history_note})))
}

/// Query of `/addresses/{code}/certificate`.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct CertificateQuery {
    /// `html` or `pdf` (else by `Accept`; HTML by default).
    format: Option<String>,
}

/// What kind of address, in words.
fn kind_label(k: crate::model::AddressKind) -> &'static str {
    use crate::model::AddressKind as K;
    match k {
        K::RoadPlate => "道路门牌",
        K::Building => "楼幢牌",
        K::Room => "户室",
        K::RuralPlate => "农村门牌",
    }
}

/// The certificate of a standard address (门牌证明) as HTML or PDF: the
/// address, its code, its parts, division and status, with a QR code of
/// its public page (`/p/{code}`).
#[utoipa::path(get, path = "/addresses/{code}/certificate", tag = "addresses",
    params(("code" = String, Path, description = "18-digit address code", pattern = r"^[0-9]{18}$"), CertificateQuery),
    responses((status = 200, description = "The certificate, text/html or application/pdf"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn certificate(
    State(s): State<AppState>,
    actor: crate::review::Actor,
    Path(code): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CertificateQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    use crate::model::PlaceStatus;
    use crate::review::Role;
    super::auth::require(
        &actor,
        "print_certificate",
        &[Role::Applicant, Role::Reviewer, Role::Admin, Role::Department],
    )?;
    let code = super::params::address_code("code", &code)?;
    let pdf = super::params::wants_pdf(q.format.as_deref(), &headers)?;
    let (a, place, now) = s
        .query(move |c| {
            let a = AddressRow::by_code(c, code)?;
            let place = match a.as_ref().and_then(|a| a.place_fid) {
                Some(f) => crate::store::PlaceRow::get(c, f)?,
                None => None,
            };
            let now = match &a {
                Some(a) if a.status != PlaceStatus::Current => AddressRow::current_successor(c, a.code)?,
                _ => None,
            };
            Ok((a, place, now))
        })
        .await?;
    let a = a.ok_or_else(|| ApiError::not_found("地址", &code.to_string()))?;
    let g = s.gazetteer();
    let division = g.divisions.by_code(a.division_code.as_str(), None).map(|i| g.divisions.chain_names(i));
    let number = [a.number.as_deref(), a.building.as_deref(), a.unit.as_deref(), a.room.as_deref()]
        .into_iter()
        .flatten()
        .collect::<String>();
    let status = match (a.status, &now) {
        (PlaceStatus::Current, _) => "现行".to_string(),
        (_, Some(n)) => format!(
            "已于 {} 变更，现为“{}”（{}）",
            a.superseded_on.as_deref().unwrap_or(""),
            n.standard_address,
            n.code
        ),
        _ => format!("已于 {} 注销", a.superseded_on.as_deref().unwrap_or("")),
    };
    let url = format!("{}/p/{}", super::tiles::public_base(&s, &headers), a.code);
    let cert = crate::plates::certificate::Certificate {
        code: a.code.to_string(),
        standard_address: a.standard_address.clone(),
        kind: kind_label(a.kind),
        division: division.unwrap_or_else(|| a.division_code.to_string()),
        street: a.street.clone(),
        street_pinyin: place.map(|p| p.pinyin).filter(|p| !p.is_empty()),
        number: if number.is_empty() { "—".into() } else { number },
        status,
        lon_lat: (a.lon, a.lat),
        source: a.source.clone(),
        url: url.clone(),
        date: chrono::Local::now().date_naive().to_string(),
    };
    let font = s.settings.boundaries.report_font.clone();
    let (bytes, ct) = tokio::task::spawn_blocking(move || -> anyhow::Result<(Vec<u8>, &'static str)> {
        if pdf {
            let png = crate::plates::qr::png(&url, 360)?;
            Ok((crate::plates::certificate::pdf(&cert, &png, &font)?, "application/pdf"))
        } else {
            let svg = crate::plates::qr::svg(&url, 180)?;
            Ok((crate::plates::certificate::html(&cert, &svg).into_bytes(), "text/html; charset=utf-8"))
        }
    })
    .await
    .map_err(ApiError::internal)?
    .map_err(ApiError::internal)?;
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(ct));
    if pdf {
        let name = format!("attachment; filename=\"address-{code}.pdf\"");
        if let Ok(v) = axum::http::HeaderValue::from_str(&name) {
            resp.headers_mut().insert(axum::http::header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(resp)
}
