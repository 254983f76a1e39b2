//! The map page (`/map`): MapLibre GL served by the service itself (no
//! CDN), the service's own style (`/styles/base.json`, with the public
//! base URL filled in) and the glyph route, which answers 404 so MapLibre
//! draws every character with the browser's own fonts.

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use super::tiles::public_base;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

const PAGE: &str = include_str!("../../web/map.html");
const SCRIPT: &str = include_str!("../../web/map.js");
const STYLESHEET: &str = include_str!("../../web/map.css");
const STYLE: &str = include_str!("../../web/style.json");

fn typed(content_type: &'static str, body: impl IntoResponse) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    r
}

/// The map page.
#[utoipa::path(get, path = "/map", tag = "tiles", responses((status = 200, description = "HTML map page")))]
pub async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// The page's own script and stylesheet, and MapLibre GL's.
pub async fn asset(State(s): State<AppState>, Path(name): Path<String>) -> ApiResult<Response> {
    match name.as_str() {
        "map.js" => Ok(typed("text/javascript; charset=utf-8", SCRIPT)),
        "map.css" => Ok(typed("text/css; charset=utf-8", STYLESHEET)),
        "maplibre-gl.js" | "maplibre-gl.css" => {
            let path = s.settings.tiles.web_dir.join("node_modules/maplibre-gl/dist").join(&name);
            let body = tokio::fs::read(&path).await.map_err(|_| {
                ApiError::not_found("地图组件", &format!("{name}（请先运行 npm ci --prefix web）"))
            })?;
            let kind = if name.ends_with(".js") {
                "text/javascript; charset=utf-8"
            } else {
                "text/css; charset=utf-8"
            };
            Ok(typed(kind, body))
        }
        _ => Err(ApiError::not_found("文件", &name)),
    }
}

/// The style of the `base` tileset.
#[utoipa::path(get, path = "/styles/base.json", tag = "tiles", responses((status = 200, description = "MapLibre style")))]
pub async fn style(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let body = STYLE.replace("{base}", &public_base(&s, &headers));
    typed("application/json", body)
}

/// Glyph ranges: none are served (404), so MapLibre draws all text with
/// the browser's fonts; an empty 200 would make it drop the characters.
pub async fn glyphs(Path((stack, range)): Path<(String, String)>) -> ApiError {
    ApiError::not_found("字形", &format!("{stack}/{range}"))
}
