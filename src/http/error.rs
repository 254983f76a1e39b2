//! The one error type at the HTTP edge: RFC 9457 problem details
//! (`application/problem+json`) with a stable `type` per kind of problem,
//! a Chinese title for end users, and for bad input the offending field and
//! why. Internal errors are logged, never leaked.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One offending field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The parameter or body field.
    pub field: String,
    /// Why it was refused.
    pub reason: String,
}

/// A problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// Stable problem type URI (relative to the service).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short human title.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong in this request.
    pub detail: String,
    /// The offending fields, for invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// An error answered as problem+json.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
}

impl ApiError {
    /// 400: a parameter is malformed or out of range.
    pub fn invalid(field: &str, reason: impl Into<String>) -> ApiError {
        let reason = reason.into();
        ApiError {
            status: StatusCode::BAD_REQUEST,
            slug: "invalid-parameter",
            title: "参数无效",
            detail: format!("{field}: {reason}"),
            errors: vec![FieldError { field: field.into(), reason }],
        }
    }

    /// 404: nothing with that identifier.
    pub fn not_found(what: &str, id: &str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            slug: "not-found",
            title: "未找到",
            detail: format!("{what} {id} 不存在"),
            errors: vec![],
        }
    }

    /// 404 for an unknown route.
    pub fn no_route(path: &str) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            slug: "no-such-route",
            title: "接口不存在",
            detail: format!("没有接口 {path}"),
            errors: vec![],
        }
    }

    /// 413: the body is over the configured limit.
    pub fn payload_too_large() -> ApiError {
        ApiError::plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "请求体过大",
            "请求体超过允许的大小",
        )
    }

    /// 429: too many requests of this kind at once; try again later (the
    /// answer carries `Retry-After`).
    pub fn too_many_requests(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "请求过多", detail)
    }

    /// 429: this token or client address sent more requests than the
    /// rate limit allows (the answer carries `Retry-After`).
    pub fn rate_limited(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::TOO_MANY_REQUESTS, "rate-limited", "请求过于频繁", detail)
    }

    /// 408: the request ran past the configured timeout.
    pub fn timeout() -> ApiError {
        ApiError::plain(StatusCode::REQUEST_TIMEOUT, "timeout", "请求超时", "请求处理超时")
    }

    /// 405: the route exists but not with this method.
    pub fn method_not_allowed() -> ApiError {
        ApiError::plain(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "方法不允许",
            "该接口不支持此 HTTP 方法",
        )
    }

    /// 415: the body is in a format the endpoint does not read.
    pub fn unsupported_media_type(detail: &str) -> ApiError {
        ApiError::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "不支持的内容类型",
            detail,
        )
    }

    /// 401: no token, or one the service does not know.
    pub fn unauthorized(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::UNAUTHORIZED, "unauthorized", "未认证", detail)
    }

    /// 403: the token's role may not do this.
    pub fn forbidden(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::FORBIDDEN, "forbidden", "无权操作", detail)
    }

    /// 403: one person may not act at two stages the regulation keeps in
    /// separate hands.
    pub fn separation_of_duties(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::FORBIDDEN, "separation-of-duties", "须由不同人员办理", detail)
    }

    /// 403: the record lies outside the account's divisions.
    pub fn out_of_scope(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::FORBIDDEN, "out-of-scope", "超出账户管辖范围", detail)
    }

    /// 409: the workflow does not allow this action in the current state.
    pub fn invalid_transition(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::CONFLICT, "invalid-transition", "当前状态不允许此操作", detail)
    }

    /// 409: a condition of the workflow step does not hold yet.
    pub fn workflow_condition(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::CONFLICT, "workflow-condition", "条件未满足", detail)
    }

    /// 409: the record changed since the client read it (`If-Match`).
    pub fn conflict(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::CONFLICT, "conflict", "版本冲突", detail)
    }

    /// 428: a change that must name the version it changes.
    pub fn precondition_required(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::PRECONDITION_REQUIRED, "precondition-required", "缺少 If-Match", detail)
    }

    /// 410: the change feed no longer holds changes that old.
    pub fn feed_gone(detail: &str) -> ApiError {
        ApiError::plain(StatusCode::GONE, "changes-gone", "变更已不再保留", detail)
    }

    /// 422: a well-formed body whose content cannot be used.
    pub fn unprocessable(field: &str, reason: impl Into<String>) -> ApiError {
        let reason = reason.into();
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            slug: "unprocessable",
            title: "内容无法处理",
            detail: format!("{field}: {reason}"),
            errors: vec![FieldError { field: field.into(), reason }],
        }
    }

    /// 422: new boundaries that would overlap a neighbour, leave a gap or
    /// reach outside the parent; each problem is one entry of `errors`.
    pub fn geometry_conflict(problems: &[String]) -> ApiError {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            slug: "geometry-conflict",
            title: "边界冲突",
            detail: format!("新边界与现有区划冲突：{}", problems.join("；")),
            errors: problems
                .iter()
                .map(|p| FieldError { field: "geometry".into(), reason: p.clone() })
                .collect(),
        }
    }

    fn plain(status: StatusCode, slug: &'static str, title: &'static str, detail: &str) -> ApiError {
        ApiError { status, slug, title, detail: detail.into(), errors: vec![] }
    }

    /// 500: logged with its cause; the client sees a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!("internal error: {cause}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            slug: "internal",
            title: "服务内部错误",
            detail: "服务内部错误，请稍后重试".into(),
            errors: vec![],
        }
    }

    /// 414: the request target is longer than the server reads.
    pub fn uri_too_long(max: usize) -> ApiError {
        ApiError {
            status: StatusCode::URI_TOO_LONG,
            slug: "uri-too-long",
            title: "请求地址过长",
            detail: format!("请求地址（路径和查询参数）超过 {max} 字节"),
            errors: vec![FieldError { field: "uri".into(), reason: format!("超过 {max} 字节") }],
        }
    }

    /// 431: the request head (or one field of it) is larger than the server
    /// reads, or has too many fields.
    pub fn header_too_large(max: usize) -> ApiError {
        ApiError {
            status: StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            slug: "header-too-large",
            title: "请求头过大",
            detail: format!("请求头超过 {max} 字节或多于 {} 个字段", crate::http::connection::MAX_HEADERS),
            errors: vec![FieldError { field: "headers".into(), reason: format!("超过 {max} 字节") }],
        }
    }

    /// 400: the request line or a header field is not HTTP.
    pub fn bad_request_head(why: &str) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            slug: "bad-request",
            title: "请求格式错误",
            detail: format!("请求行或请求头不是有效的 HTTP：{why}"),
            errors: vec![FieldError { field: "request-line".into(), reason: why.into() }],
        }
    }

    /// 503: the store stayed busy (another process held its write lock)
    /// past the wait allowed; nothing was written. Carries `Retry-After`.
    pub fn busy() -> ApiError {
        ApiError::plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "服务繁忙",
            "数据库正被其他写入占用，本次未写入任何内容，请稍后重试",
        )
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The problem document this error answers with.
    pub fn problem(&self) -> Problem {
        Problem {
            kind: format!("/problems/{}", self.slug),
            title: self.title.into(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }

    /// The problem document as JSON bytes.
    pub fn problem_json(&self) -> Vec<u8> {
        serde_json::to_vec(&self.problem()).unwrap_or_default()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_busy() { ApiError::busy() } else { ApiError::internal(e) }
    }
}

impl From<crate::review::ReviewError> for ApiError {
    fn from(e: crate::review::ReviewError) -> Self {
        use crate::review::ReviewError as E;
        use crate::review::workflow::Refusal;
        let detail = e.to_string();
        match e {
            E::Invalid { field, reason } => ApiError::invalid(&field, reason),
            E::NotFound(id) => ApiError::not_found("申请", &id.to_string()),
            E::Refused(Refusal::Role { .. } | Refusal::NotOwner(_)) => ApiError::forbidden(&detail),
            E::Refused(Refusal::SeparateHands { .. }) => ApiError::separation_of_duties(&detail),
            E::Refused(Refusal::OutOfScope(_)) => ApiError::out_of_scope(&detail),
            E::Refused(Refusal::State { .. }) => ApiError::invalid_transition(&detail),
            E::Refused(Refusal::Condition(_)) => ApiError::workflow_condition(&detail),
            E::Conflict { .. } => ApiError::conflict(&detail),
            E::PreconditionRequired => ApiError::precondition_required(&detail),
            E::Store(s) => ApiError::from(s),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.problem();
        let mut resp = (self.status, axum::Json(body)).into_response();
        resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS || self.status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        resp
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
