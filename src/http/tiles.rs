//! `/tiles` (the tilesets), `/tiles/{tileset}` (TileJSON 3.0) and
//! `/tiles/{tileset}/{z}/{x}/{y}` (MVT): gzip or brotli as the client
//! accepts, a strong ETag per encoding with 304 on `If-None-Match`, 204 for
//! an empty tile, 400 for coordinates out of range.
//!
//! The tileset `base` holds every layer; any layer, or several joined by
//! commas (`county`, `county,boundary`), is a tileset of its own, cut and
//! cached apart (as Martin composes sources).

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::tiles::cache::CachedTile;
use crate::tiles::layers::Selection;
use crate::tiles::{TileId, tilejson};
use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt, IfNoneMatch};
use serde_json::{Value, json};

/// The public base URL: the configured one, else the request's host.
pub fn public_base(s: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &s.settings.server.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let proto = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{proto}://{host}")
}

/// The zoom range served (an archive's is read from it, so a tile outside
/// it is refused even before any tile was read).
async fn zooms(s: &AppState) -> ApiResult<(u8, u8)> {
    s.tiles.zooms().await.map_err(ApiError::internal)
}

/// The tilesets served: `base` (every layer) and, when tiles are cut
/// from the store, each layer on its own.
#[utoipa::path(get, path = "/tiles", tag = "tiles", responses((status = 200, description = "Tilesets")))]
pub async fn list(State(s): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let base = public_base(&s, &headers);
    let (min, max) = zooms(&s).await?;
    let tilesets: Vec<Value> = std::iter::once(Selection::all())
        .chain(Selection::single_layers())
        .filter(|sel| s.tiles.serves(*sel))
        .map(|sel| {
            let id = sel.tileset_id();
            let mut set = json!({
                "id": id,
                "description": tilejson::description(&sel),
                "tilejson": format!("{base}/tiles/{id}"),
                "minzoom": tilejson::first_zoom(&sel, min),
                "maxzoom": max,
                "source": if s.tiles.from_archive() { "archive" } else { "store" },
            });
            if sel.is_all() {
                set["style"] = json!(format!("{base}/styles/base.json"));
            }
            set
        })
        .collect();
    Ok(Json(json!({"tilesets": tilesets})))
}

/// The layers of a tileset id, or 404 for an unknown one (or one an
/// archive does not hold).
fn tileset(s: &AppState, id: &str) -> ApiResult<Selection> {
    Selection::tileset(id).filter(|sel| s.tiles.serves(*sel)).ok_or_else(|| ApiError::not_found("瓦片集", id))
}

/// TileJSON 3.0 of a tileset.
#[utoipa::path(get, path = "/tiles/{tileset}", tag = "tiles",
    params(("tileset" = String, Path, description = "`base`, or layer ids joined by commas")),
    responses((status = 200, description = "TileJSON 3.0"), (status = 404, body = super::error::Problem)))]
pub async fn tilejson(
    State(s): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let sel = tileset(&s, &id)?;
    let (min, max) = zooms(&s).await?;
    Ok(Json(tilejson::document(&public_base(&s, &headers), &sel, min, max)))
}

fn coordinate(name: &str, v: &str) -> ApiResult<u32> {
    v.parse::<u32>().map_err(|_| ApiError::invalid(name, format!("应为非负整数，收到 {v:?}")))
}

/// Which encoding to send: brotli, gzip or none.
#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

fn negotiate(headers: &HeaderMap) -> Encoding {
    let Some(accept) = headers.get(header::ACCEPT_ENCODING).and_then(|h| h.to_str().ok()) else {
        return Encoding::Identity;
    };
    let accepts = |name: &str| {
        accept.split(',').any(|part| {
            let mut it = part.split(';');
            let coding = it.next().unwrap_or("").trim();
            let q =
                it.find_map(|p| p.trim().strip_prefix("q=")).map_or(1.0, |q| q.trim().parse().unwrap_or(0.0));
            coding.eq_ignore_ascii_case(name) && q > 0.0
        })
    };
    if accepts("br") {
        Encoding::Brotli
    } else if accepts("gzip") {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

/// Whether `If-None-Match` names `etag` (weak comparison, or `*`).
fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let tag = etag.to_str().ok().and_then(|e| e.parse::<ETag>().ok());
    match (headers.typed_get::<IfNoneMatch>(), tag) {
        (Some(inm), Some(tag)) => !inm.precondition_passes(&tag),
        _ => false,
    }
}

/// One tile of a tileset.
#[utoipa::path(get, path = "/tiles/{tileset}/{z}/{x}/{y}", tag = "tiles",
    params(("tileset" = String, Path, description = "`base`, or layer ids joined by commas"),
           ("z" = u8, Path, description = "Zoom (0 to 16)", minimum = 0, maximum = 16), ("x" = u32, Path, description = "Column (0 to 2^z − 1)"),
           ("y" = String, Path, description = "Row from the north, 0 to 2^z − 1 (a `.mvt` or `.pbf` suffix is allowed)", pattern = r"^[0-9]+(\.mvt|\.pbf)?$")),
    responses((status = 200, description = "MVT 2.1 tile", content_type = "application/vnd.mapbox-vector-tile"),
              (status = 204, description = "Nothing in this tile"),
              (status = 304, description = "Unchanged since the ETag given"),
              (status = 400, description = "Coordinates out of range", body = super::error::Problem),
              (status = 404, description = "No such tileset", body = super::error::Problem)))]
pub async fn tile(
    State(s): State<AppState>,
    Path((id, z, x, y)): Path<(String, String, String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let sel = tileset(&s, &id)?;
    let y = y.strip_suffix(".mvt").or_else(|| y.strip_suffix(".pbf")).unwrap_or(&y);
    let (z, x, y) = (coordinate("z", &z)?, coordinate("x", &x)?, coordinate("y", y)?);
    let (min, max) = zooms(&s).await?;
    if z < u32::from(min) || z > u32::from(max) {
        return Err(ApiError::invalid("z", format!("缩放级别应在 {min}–{max} 之间")));
    }
    let z = z as u8;
    let t = TileId::new(z, x, y).ok_or_else(|| {
        let field = if u64::from(x) >= 1u64 << z { "x" } else { "y" };
        ApiError::invalid(field, format!("第 {z} 级的行列号应在 0–{} 之间", (1u64 << z) - 1))
    })?;
    let (cached, hit) = s.tiles.tile(sel, t).await.map_err(ApiError::internal)?;
    let mut r = respond(&cached, &headers, &s.tiles.cache_control);
    r.headers_mut().insert("x-tile-cache", HeaderValue::from_static(if hit { "hit" } else { "miss" }));
    Ok(r)
}

fn respond(t: &CachedTile, headers: &HeaderMap, cache_control: &HeaderValue) -> Response {
    if t.is_empty() {
        let mut r = StatusCode::NO_CONTENT.into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, cache_control.clone());
        return r;
    }
    let encoding = negotiate(headers);
    let (etag, body, content_encoding) = match encoding {
        Encoding::Brotli => (&t.etags[2], t.brotli(), Some("br")),
        Encoding::Gzip => (&t.etags[1], t.gzip.clone(), Some("gzip")),
        Encoding::Identity => (&t.etags[0], t.raw.clone(), None),
    };
    let mut r = if etag_matches(headers, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Response::new(Body::from(body));
        let h = r.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.mapbox-vector-tile"));
        if let Some(e) = content_encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        r
    };
    let h = r.headers_mut();
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CACHE_CONTROL, cache_control.clone());
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    r
}
