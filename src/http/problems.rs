//! The catalogue of problem types this service answers with: each slug
//! of [`super::error::ApiError`], its Chinese title, and what it means,
//! served at `/problems/{slug}`.

/// The problem types this service answers with, for `/problems/{slug}`.
pub const PROBLEM_TYPES: &[(&str, &str, &str)] = &[
    (
        "rate-limited",
        "请求过于频繁",
        "This token (or, without one, this client address) sent more requests than the `[access]` rate limit allows; try again after the `Retry-After` seconds.",
    ),
    (
        "too-many-requests",
        "请求过多",
        "Too many requests of this kind are running (for example batch jobs); try again after the `Retry-After` seconds.",
    ),
    (
        "invalid-parameter",
        "参数无效",
        "A query parameter, path segment or body field is malformed or out of range; `errors` names each field and why.",
    ),
    ("not-found", "未找到", "No record has the requested code or id."),
    ("no-such-route", "接口不存在", "The path is not an endpoint of this service."),
    ("payload-too-large", "请求体过大", "The request body exceeds the configured limit."),
    ("timeout", "请求超时", "The request took longer than the configured timeout."),
    ("method-not-allowed", "方法不允许", "The path exists but does not accept this HTTP method."),
    (
        "unsupported-media-type",
        "不支持的内容类型",
        "The body's Content-Type is not one the endpoint reads (batch geocoding reads text/csv and application/x-ndjson).",
    ),
    (
        "unauthorized",
        "未认证",
        "The request needs `Authorization: Bearer TOKEN` with a live token (`fangyu token create`): not revoked, not expired, its account enabled and still holding the token's role.",
    ),
    (
        "forbidden",
        "无权操作",
        "The token's role may not take this action, or only the proposal's applicant may.",
    ),
    (
        "separation-of-duties",
        "须由不同人员办理",
        "The same person (account) already acted on this record at a stage the regulation keeps in separate hands (applicant, reviewer, expert, committee, approver; the two sides of a boundary sign-off), or an admin tried to grant their own account a role.",
    ),
    (
        "out-of-scope",
        "超出账户管辖范围",
        "The record lies in a division outside the divisions the token's account acts in.",
    ),
    (
        "invalid-transition",
        "当前状态不允许此操作",
        "The proposal's state does not allow this action (see the workflow in the API description).",
    ),
    (
        "workflow-condition",
        "条件未满足",
        "A condition of the workflow step does not hold yet: a failing rule check, too few expert opinions, consultation still open or unanswered comments, filing or announcement missing.",
    ),
    (
        "conflict",
        "版本冲突",
        "`If-Match` names an older version: someone changed the record since it was read. Read it again and retry.",
    ),
    ("precondition-required", "缺少 If-Match", "Revising a proposal needs `If-Match` with its current ETag."),
    (
        "changes-gone",
        "变更已不再保留",
        "`since` is older than the changes the feed keeps (`[feed] retain_days`): resynchronise from a full export, then follow the feed from its head.",
    ),
    (
        "unprocessable",
        "内容无法处理",
        "The body is well-formed but a field cannot be used (a webhook URL that is not http or https, …); `errors` names the field.",
    ),
    (
        "uri-too-long",
        "请求地址过长",
        "The request target (path and query) is longer than `[server] max_uri_bytes`; send long input in a body (batch geocoding) instead.",
    ),
    (
        "header-too-large",
        "请求头过大",
        "The request head is larger than `[server] max_header_bytes` or has too many fields.",
    ),
    ("bad-request", "请求格式错误", "The request line or a header field is not valid HTTP/1.1."),
    (
        "busy",
        "服务繁忙",
        "A write waited for the store's write lock (held by another process, such as a CLI import) longer than allowed; nothing was written. Retry after the `Retry-After` seconds.",
    ),
    (
        "geometry-conflict",
        "边界冲突",
        "A division change's new boundaries would overlap a neighbouring division, leave land under the parent that no division covers, or reach outside the parent, by more than `[boundaries] topology_tolerance_m`; `errors` describes each place. Nothing was written.",
    ),
    ("internal", "服务内部错误", "An unexpected error; it has been logged."),
];
