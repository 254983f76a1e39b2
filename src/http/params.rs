//! Parsing of query parameters into checked values, each failure naming
//! its field.

use super::error::{ApiError, ApiResult};
use crate::model::DivisionCode;
use chrono::NaiveDate;
use geo::{Coord, Rect};

/// A longitude/latitude pair from `lon`/`lat` parameters.
pub fn lon_lat(lon: Option<&str>, lat: Option<&str>) -> ApiResult<Coord<f64>> {
    let x = number("lon", lon.ok_or_else(|| ApiError::invalid("lon", "缺少经度参数"))?)?;
    let y = number("lat", lat.ok_or_else(|| ApiError::invalid("lat", "缺少纬度参数"))?)?;
    check_lon_lat("lon", "lat", x, y)
}

fn check_lon_lat(fx: &str, fy: &str, x: f64, y: f64) -> ApiResult<Coord<f64>> {
    if !(-180.0..=180.0).contains(&x) {
        return Err(ApiError::invalid(fx, format!("经度 {x} 超出 [-180, 180]")));
    }
    if !(-90.0..=90.0).contains(&y) {
        return Err(ApiError::invalid(fy, format!("纬度 {y} 超出 [-90, 90]")));
    }
    Ok(Coord { x, y })
}

/// A finite number.
pub fn number(field: &str, v: &str) -> ApiResult<f64> {
    match v.trim().parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(ApiError::invalid(field, format!("“{v}” 不是有效数字"))),
    }
}

/// An ISO date `YYYY-MM-DD`.
pub fn date(field: &str, v: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    let Some(v) = v else { return Ok(None) };
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ApiError::invalid(field, format!("“{v}” 不是 YYYY-MM-DD 格式的日期")))
}

/// A whole number in `0..=max`, `default` when absent.
pub fn whole(field: &str, v: Option<&str>, default: i64, max: i64) -> ApiResult<i64> {
    let Some(v) = v else { return Ok(default) };
    match v.parse::<i64>() {
        Ok(n) if (0..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::invalid(field, format!("须为 0 到 {max} 的整数"))),
    }
}

/// A result limit in `1..=max`, `default` when absent.
pub fn limit(v: Option<&str>, default: usize, max: usize) -> ApiResult<usize> {
    let Some(v) = v else { return Ok(default.clamp(1, max.max(1))) };
    match v.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::invalid("limit", format!("应为 1 到 {max} 之间的整数"))),
    }
}

/// A division code path or query value.
pub fn division_code(field: &str, v: &str) -> ApiResult<DivisionCode> {
    DivisionCode::parse(v).map_err(|e| ApiError::invalid(field, e.to_string()))
}

/// `minLon,minLat,maxLon,maxLat`.
pub fn bbox(v: &str) -> ApiResult<Rect<f64>> {
    let parts: Vec<&str> = v.split(',').collect();
    if parts.len() != 4 {
        return Err(ApiError::invalid("bbox", "应为 minLon,minLat,maxLon,maxLat"));
    }
    let n: Vec<f64> = parts.iter().map(|p| number("bbox", p)).collect::<ApiResult<_>>()?;
    let a = check_lon_lat("bbox", "bbox", n[0], n[1])?;
    let b = check_lon_lat("bbox", "bbox", n[2], n[3])?;
    if a.x > b.x || a.y > b.y {
        return Err(ApiError::invalid("bbox", "最小值不能大于最大值"));
    }
    Ok(Rect::new(a, b))
}

/// `lon,lat`.
pub fn point(field: &str, v: &str) -> ApiResult<Coord<f64>> {
    let (x, y) = v.split_once(',').ok_or_else(|| ApiError::invalid(field, "应为 lon,lat"))?;
    check_lon_lat(field, field, number(field, x)?, number(field, y)?)
}

/// A query text: trimmed, not empty, at most `max` characters.
pub fn query_text(field: &str, v: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    let Some(v) = v else { return Ok(None) };
    let t = v.trim();
    if t.is_empty() {
        return Err(ApiError::invalid(field, "不能为空"));
    }
    if t.chars().count() > max {
        return Err(ApiError::invalid(field, format!("超过 {max} 个字符")));
    }
    Ok(Some(t.to_string()))
}

/// A query text that must be present: as [`query_text`], and `missing`
/// (the reason shown) when absent.
pub fn required_text(field: &str, v: Option<&str>, max: usize, missing: &str) -> ApiResult<String> {
    query_text(field, v, max)?.ok_or_else(|| ApiError::invalid(field, missing))
}

/// A boolean flag (`true`/`false`/`1`/`0`).
pub fn flag(field: &str, v: Option<&str>) -> ApiResult<bool> {
    match v {
        None => Ok(false),
        Some("true" | "1") => Ok(true),
        Some("false" | "0") => Ok(false),
        Some(other) => Err(ApiError::invalid(field, format!("“{other}” 应为 true 或 false"))),
    }
}

/// A JSON request body read into `T`; an empty body is `T::default()`.
/// A body that is not JSON, or not in the expected shape, names the
/// offending field (`geometry.coordinates`, `kind` …). A declared
/// Content-Type other than JSON is refused (415).
pub fn json_body<T: serde::de::DeserializeOwned + Default>(
    headers: &axum::http::HeaderMap,
    bytes: &[u8],
) -> ApiResult<T> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    if let Some(ct) = headers.get(axum::http::header::CONTENT_TYPE)
        && !ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().ends_with("json")
    {
        return Err(ApiError::unsupported_media_type("请求体须为 application/json"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_string() } else { path };
        ApiError::invalid(&field, format!("请求体 JSON 有误：{}", e.inner()))
    })
}

/// An 18-digit address code in a path (`field` names it in the error).
pub fn address_code(field: &str, v: &str) -> ApiResult<crate::model::AddressCode> {
    crate::model::AddressCode::parse(v).ok_or_else(|| ApiError::invalid(field, "地址编码应为 18 位数字"))
}

/// A place id in a path.
pub fn place_id(v: &str) -> ApiResult<i64> {
    v.parse().map_err(|_| ApiError::invalid("id", format!("“{v}” 不是地名编号")))
}

/// Whether a document is asked for as PDF: `format=pdf|html`, else an
/// `Accept` that names PDF and not HTML.
pub fn wants_pdf(format: Option<&str>, headers: &axum::http::HeaderMap) -> ApiResult<bool> {
    match format {
        Some("pdf") => Ok(true),
        Some("html") => Ok(false),
        Some(other) => Err(ApiError::invalid("format", format!("“{other}” 应为 html 或 pdf"))),
        None => Ok(headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/pdf") && !a.contains("text/html"))),
    }
}
