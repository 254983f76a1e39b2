//! One address, every department: `POST/GET /addresses/{code}/links` (a
//! department's records at an address), `GET /links?system&record` (the
//! address a record is at now), and `POST /links/match` (a department's
//! records with free-text addresses matched to standard addresses in bulk,
//! streamed; optionally linked; or summarised per division as the letter
//! the bureau sends the department).

use super::auth::require;
use super::batch::{batch_format, batch_limits, stream_batch};
use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::geocode::Candidate;
use crate::geocode::batch::{RowHook, run_with};
use crate::index::Gazetteer;
use crate::model::AddressCode;
use crate::review::{Actor, Role};
use crate::service::Service;
use crate::service::address_links::{Linked, may_act_for};
use crate::store::{AddressRow, LinkRow};
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use utoipa::IntoParams;

const READERS: &[Role] = &[Role::Department, Role::Reviewer, Role::Admin];

/// Body of a link.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    /// The department's system (公安户籍 …): the account's department.
    pub system: String,
    /// The record's key in that system.
    pub record: String,
}

fn code_param(code: &str) -> ApiResult<AddressCode> {
    params::address_code("code", code)
}

fn address_json(a: &AddressRow) -> Value {
    json!({"address_code": a.code, "standard_address": a.standard_address, "status": a.status,
        "division_code": a.division_code, "lon": a.lon, "lat": a.lat})
}

/// Links a department's record to an address (a token of role
/// `department` whose account belongs to that system). A code a
/// renumbering or division change replaced links to the address now.
/// Linking the same record again is answered with the link (200); a
/// record linked elsewhere is a conflict.
#[utoipa::path(post, path = "/addresses/{code}/links", tag = "links", request_body = LinkInput,
    params(("code" = String, Path, description = "18-digit address code", pattern = r"^[0-9]{18}$")),
    responses((status = 201, description = "The link"), (status = 200, description = "Already linked"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 404, body = super::error::Problem),
        (status = 409, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let code = code_param(&code)?;
    require(&actor, "link_record", &[Role::Department, Role::Admin])?;
    let input: LinkInput = params::json_body(&headers, &body)?;
    let (linked, a) =
        s.write(move |svc, _| svc.link_address(&actor, code, &input.system, &input.record)).await?;
    let (status, l) = match linked {
        Linked::Created(l) => (StatusCode::CREATED, l),
        Linked::Existing(l) => (StatusCode::OK, l),
    };
    let mut v = serde_json::to_value(&l).unwrap_or(Value::Null);
    v["address"] = address_json(&a);
    if a.code != code {
        v["resolved_from"] = json!(code);
    }
    Ok((status, Json(v)))
}

/// Only the caller's own system, unless it is civil-affairs staff.
fn visible(actor: &Actor, system: &str) -> bool {
    actor.role != Role::Department || actor.department == system
}

/// The departments' records at an address, including those linked to the
/// codes it had before (renumbered, re-coded). A department sees its own.
#[utoipa::path(get, path = "/addresses/{code}/links", tag = "links",
    params(("code" = String, Path, description = "18-digit address code", pattern = r"^[0-9]{18}$")),
    responses((status = 200, description = "`{address, links}`"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let code = code_param(&code)?;
    require(&actor, "read_links", READERS)?;
    let found = s
        .query(move |c| {
            let Some(a) = AddressRow::resolve(c, code)? else { return Ok(None) };
            let links = LinkRow::of_codes(c, &AddressRow::every_code(c, &a)?)?;
            Ok(Some((a, links)))
        })
        .await?;
    let (a, links) = found.ok_or_else(|| ApiError::not_found("现行地址", &code.to_string()))?;
    let links: Vec<&LinkRow> = links.iter().filter(|l| visible(&actor, &l.system)).collect();
    Ok(Json(json!({"address": address_json(&a), "count": links.len(), "links": links})))
}

/// Query of `/links`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LinkQuery {
    /// The department's system.
    system: Option<String>,
    /// The record's key.
    record: Option<String>,
}

/// The address a department's record is at now (following renumberings
/// and division changes from the code it was linked to).
#[utoipa::path(get, path = "/links", tag = "links", params(LinkQuery),
    responses((status = 200, description = "`{link, address}`"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 403, body = super::error::Problem),
        (status = 404, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn find(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<LinkQuery>,
) -> ApiResult<Json<Value>> {
    require(&actor, "read_links", READERS)?;
    let system = q
        .system
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("system", "须给出部门系统"))?;
    let record = q
        .record
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("record", "须给出记录编号"))?;
    if !visible(&actor, &system) {
        return Err(ApiError::forbidden(&format!(
            "该账户属于“{}”，不能查询“{system}”的记录",
            actor.department
        )));
    }
    let (sys, rec) = (system.clone(), record.clone());
    let found = s
        .query(move |c| {
            let Some(l) = LinkRow::by_record(c, &sys, &rec)? else { return Ok(None) };
            let now = AddressCode::parse(&l.address_code)
                .map(|code| AddressRow::resolve(c, code))
                .transpose()?
                .flatten();
            Ok(Some((l, now)))
        })
        .await?;
    let (l, now) = found.ok_or_else(|| ApiError::not_found(&format!("{system} 记录"), &record))?;
    let moved = now.as_ref().is_some_and(|a| a.code.to_string() != l.address_code);
    Ok(Json(json!({"link": l, "address": now.as_ref().map(address_json), "moved": moved})))
}

/// Query of `/links/match`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MatchQuery {
    /// CSV only: the column holding the address (default `address`).
    column: Option<String>,
    /// The column (CSV) or field (NDJSON) holding the record's key
    /// (default `record`).
    record: Option<String>,
    /// The department's system (default: the caller's department).
    system: Option<String>,
    /// `true`: link every row matched to a door plate with confidence of
    /// at least `min_confidence` (department tokens).
    link: Option<bool>,
    /// Least confidence a row is linked at (default 0.8).
    min_confidence: Option<f64>,
    /// `rows` (default): every row with its match, streamed; `summary`:
    /// the non-standard addresses per division, and the letter.
    output: Option<String>,
}

/// Counts of one division in a match.
#[derive(Debug, Default, Clone)]
struct DivisionCounts {
    rows: u64,
    non_standard: u64,
    examples: Vec<(String, String)>,
}

/// The columns `/links/match` adds, and what it tallies.
struct MatchHook {
    g: Arc<Gazetteer>,
    record: String,
    link: Option<(Service, Actor, String, f64)>,
    rows: u64,
    matched: u64,
    non_standard: u64,
    linked: u64,
    by_division: BTreeMap<String, DivisionCounts>,
}

const MATCH_COLUMNS: [&str; 2] = ["non_standard", "linked"];

impl RowHook for MatchHook {
    fn columns(&self) -> &[&'static str] {
        &MATCH_COLUMNS
    }

    fn record_field(&self) -> &str {
        &self.record
    }

    fn fields(&self, written: &str, best: Option<&Candidate>) -> Vec<String> {
        // Non-standard: matched to a door plate, but not written as its
        // standard address.
        let non_standard = match best {
            Some(c) if c.address_code.is_some() => (written.trim() != c.standard_address).to_string(),
            _ => String::new(),
        };
        vec![non_standard, String::new()]
    }

    fn chunk(&mut self, rows: &mut [(Option<String>, &[String; 9], Vec<String>)]) {
        let mut to_link: Vec<(usize, String, AddressCode)> = Vec::new();
        for (i, (record, fields, extra)) in rows.iter().enumerate() {
            self.rows += 1;
            let matched = !fields[1].is_empty();
            self.matched += u64::from(matched);
            let non_standard = extra[0] == "true";
            self.non_standard += u64::from(non_standard);
            // Tallied by township (the first nine digits of the division).
            let division = fields[6].get(..9).unwrap_or(&fields[6]).to_string();
            if !division.is_empty() {
                let d = self.by_division.entry(division).or_default();
                d.rows += 1;
                if non_standard {
                    d.non_standard += 1;
                    if d.examples.len() < 3 {
                        d.examples.push((record.clone().unwrap_or_default(), fields[0].clone()));
                    }
                }
            }
            if let (Some((_, _, _, min)), Some(r), Some(code)) =
                (&self.link, record, AddressCode::parse(&fields[1]))
                && fields[2] == "door_plate"
                && fields[3].parse::<f64>().is_ok_and(|c| c >= *min)
            {
                to_link.push((i, r.clone(), code));
            }
        }
        let Some((svc, actor, system, _)) = &self.link else { return };
        for (_, _, extra) in rows.iter_mut() {
            extra[1] = "false".into();
        }
        if to_link.is_empty() {
            return;
        }
        let pairs: Vec<(String, AddressCode)> = to_link.iter().map(|(_, r, c)| (r.clone(), *c)).collect();
        match svc.link_many(actor, system, &pairs) {
            Ok(outcomes) => {
                for ((i, _, _), o) in to_link.iter().zip(outcomes) {
                    rows[*i].2[1] = match o {
                        Ok(_) => {
                            self.linked += 1;
                            "true".into()
                        }
                        Err(why) => why,
                    };
                }
            }
            Err(e) => {
                for (i, _, _) in &to_link {
                    rows[*i].2[1] = e.to_string();
                }
            }
        }
    }
}

impl MatchHook {
    /// The summary and the letter.
    fn summary(&self, system: &str) -> Value {
        let mut divisions: Vec<(&String, &DivisionCounts)> =
            self.by_division.iter().filter(|(_, d)| d.non_standard > 0).collect();
        divisions.sort_by(|a, b| b.1.non_standard.cmp(&a.1.non_standard).then(a.0.cmp(b.0)));
        let name = |code: &str| {
            self.g.divisions.by_code(code, None).map(|i| self.g.divisions.chain_names(i)).unwrap_or_default()
        };
        let listed: Vec<Value> = divisions
            .iter()
            .map(|(code, d)| {
                json!({"division_code": code, "name": name(code), "rows": d.rows, "non_standard": d.non_standard,
                    "examples": d.examples.iter().map(|(r, a)| json!({"record": r, "standard_address": a})).collect::<Vec<_>>()})
            })
            .collect();
        let parts: Vec<String> = divisions
            .iter()
            .take(20)
            .map(|(code, d)| format!("{}{} 条", name(code), d.non_standard))
            .collect();
        let letter = format!(
            "{system}：\n经与标准地址库比对，贵单位提交的 {} 条记录中，{} 条匹配到标准地址，其中 {} 条地址书写不规范{}。请对照所附标准地址及地址编码予以更正，并在今后登记中使用标准地址。\n（未能匹配的 {} 条，请核实后另行报送。）",
            self.rows,
            self.matched,
            self.non_standard,
            if parts.is_empty() { String::new() } else { format!("，分布为：{}", parts.join("；")) },
            self.rows - self.matched,
        );
        json!({"system": system, "rows": self.rows, "matched": self.matched, "unmatched": self.rows - self.matched,
            "non_standard": self.non_standard, "linked": self.linked, "by_division": listed, "letter": letter})
    }
}

/// Matches a department's records (CSV with a header row, the address in
/// `column` and the record's key in `record`; or NDJSON objects with
/// `address` and `record`) to standard addresses, streamed like
/// `/geocode/batch`: each row gets the geocoder's columns plus
/// `non_standard` (matched, but not written as the standard address) and,
/// with `link=true`, `linked` (`true`, `false`, or why not). With
/// `output=summary` the answer is the count of non-standard addresses per
/// township with examples, and the letter the bureau sends the department.
#[utoipa::path(post, path = "/links/match", tag = "links", params(MatchQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "The rows with their matches, streamed; or the summary"),
        (status = 400, body = super::error::Problem), (status = 401, body = super::error::Problem),
        (status = 403, body = super::error::Problem), (status = 415, body = super::error::Problem),
        (status = 429, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn match_records(
    State(s): State<AppState>,
    actor: Actor,
    Query(q): Query<MatchQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    require(&actor, "match_records", READERS)?;
    let summary = match q.output.as_deref() {
        None | Some("rows") => false,
        Some("summary") => true,
        Some(other) => return Err(ApiError::invalid("output", format!("“{other}” 应为 rows 或 summary"))),
    };
    let system = q.system.clone().unwrap_or_else(|| actor.department.clone());
    let min = q.min_confidence.unwrap_or(0.8);
    if !(0.0..=1.0).contains(&min) {
        return Err(ApiError::invalid("min_confidence", "须在 0 与 1 之间"));
    }
    let link = if q.link.unwrap_or(false) {
        if system.trim().is_empty() {
            return Err(ApiError::invalid("system", "关联须给出部门系统"));
        }
        may_act_for(&actor, &system).map_err(ApiError::from)?;
        Some((s.service.clone(), actor.clone(), system.clone(), min))
    } else {
        None
    };
    let (format, out_type) = batch_format(&headers, q.column)?;
    let (limits, permit) = batch_limits(&s)?;
    let failure_field =
        if matches!(format, crate::geocode::batch::Format::Csv { .. }) { "column" } else { "body" };
    let g = s.gazetteer.load_full();
    let mut hook = MatchHook {
        g: g.clone(),
        record: q.record.unwrap_or_else(|| "record".into()),
        link,
        rows: 0,
        matched: 0,
        non_standard: 0,
        linked: 0,
        by_division: BTreeMap::new(),
    };
    if summary {
        let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(
            tokio_stream::StreamExt::map(body.into_data_stream(), |r| r.map_err(std::io::Error::other)),
        ));
        let out = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            run_with(&g, &format, reader, std::io::sink(), limits, |_| {}, Some(&mut hook))
                .map(|_| hook.summary(&system))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| ApiError::invalid(failure_field, e.to_string()))?;
        return Ok(Json(out).into_response());
    }
    stream_batch(body, out_type, failure_field, move |reader, out| {
        let _permit = permit;
        let stats = run_with(&g, &format, reader, out, limits, |_| {}, Some(&mut hook))?;
        tracing::info!(rows = stats.rows, matched = stats.matched, linked = hook.linked, "match done");
        Ok(())
    })
    .await
}
