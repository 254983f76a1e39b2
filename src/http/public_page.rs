//! The public pages a sign's QR code opens, in Chinese and fit for a phone:
//! `/p/{address_code}` (a door plate's address), `/p/place/{id}` (a road,
//! compound or other named place), `/p/division/{code}` (a village or
//! community). Each shows the standard name and address, the pinyin, the
//! name's origin and history, a small map, and a form to report a damaged
//! sign (`POST …/reports`: no token, limited per client address).

use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::index::metric::LocalFrame;
use crate::model::{PlaceStatus, romanize};
use crate::service::signs::ReportInput;
use crate::store::{AddressRow, PlaceRow, SignRow};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use geo::{Coord, Geometry};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde_json::json;
use std::net::SocketAddr;

/// What a page shows.
struct Page {
    title: String,
    pinyin: Option<String>,
    lines: Vec<(&'static str, String)>,
    origin: Option<String>,
    history: Vec<String>,
    geom: Option<Geometry<f64>>,
    at: Coord<f64>,
    signs: Vec<SignRow>,
    report_to: String,
}

const CSS: &str = "body{font-family:'WenQuanYi Micro Hei',sans-serif;margin:0;color:#1d2733;background:#f4f6f8}\
header{background:#1d5c9c;color:#fff;padding:1em}h1{margin:0;font-size:1.6em}.py{opacity:.85;margin-top:.2em}\
section{background:#fff;margin:.6em;padding:.8em;border-radius:6px}dt{color:#667;font-size:.85em}dd{margin:0 0 .5em}\
svg.map{width:100%;height:auto;background:#e9edf0;border-radius:4px}form textarea,form select,form input{width:100%;box-sizing:border-box;margin:.3em 0;font-size:1em}\
button{background:#1d5c9c;color:#fff;border:0;padding:.6em 1.2em;border-radius:4px;font-size:1em}#sent{color:#1a7f37}";

const SCRIPT: &str = r#"document.getElementById('report').addEventListener('submit',async e=>{e.preventDefault();
const f=e.target,o=document.getElementById('sent');const b={kind:f.kind.value,message:f.message.value};
if(f.contact.value)b.contact=f.contact.value;const s=new URLSearchParams(location.search).get('sign');if(s)b.sign=Number(s);
const r=await fetch(f.dataset.to,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(b)});
const j=await r.json();o.textContent=r.ok?'已收到您的报告，谢谢！':(j.detail||'提交失败');});"#;

/// A sketch map of the place's geometry around `at`, about 400 m across.
fn sketch(geom: Option<&Geometry<f64>>, at: Coord<f64>) -> Markup {
    let frame = LocalFrame::new(at);
    let (w, h, half) = (320.0, 200.0, 200.0);
    let xy = |c: &Coord<f64>| {
        let (x, y) = frame.project(*c);
        (w / 2.0 + x / half * (w / 2.0), h / 2.0 - y / half * (w / 2.0))
    };
    let path = |pts: &[Coord<f64>]| {
        pts.iter()
            .enumerate()
            .map(|(i, c)| {
                let (x, y) = xy(c);
                format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" })
            })
            .collect::<String>()
    };
    let mut shapes = String::new();
    let mut line = |pts: &[Coord<f64>], closed: bool| {
        let d = path(pts);
        shapes.push_str(&if closed {
            format!(r##"<path d="{d}Z" fill="#cfe3c7" stroke="#5b8c4e" stroke-width="2"/>"##)
        } else {
            format!(r##"<path d="{d}" fill="none" stroke="#fff" stroke-width="9" stroke-linecap="round"/><path d="{d}" fill="none" stroke="#f2b33d" stroke-width="6" stroke-linecap="round"/>"##)
        });
    };
    match geom {
        Some(Geometry::LineString(l)) => line(&l.0, false),
        Some(Geometry::MultiLineString(m)) => m.0.iter().for_each(|l| line(&l.0, false)),
        Some(Geometry::Polygon(p)) => line(&p.exterior().0, true),
        Some(Geometry::MultiPolygon(m)) => m.0.iter().for_each(|p| line(&p.exterior().0, true)),
        _ => {}
    }
    let (x, y) = xy(&at);
    html! {
        svg.map viewBox=(format!("0 0 {w} {h}")) role="img" aria-label="位置示意图" {
            (PreEscaped(shapes))
            circle cx=(format!("{x:.1}")) cy=(format!("{y:.1}")) r="7" fill="#d93025" stroke="#fff" stroke-width="2" {}
            text x="296" y="24" font-size="14" text-anchor="middle" { "北" }
            path d="M296 30 L290 46 L296 42 L302 46 Z" fill="#1d2733" {}
            path d="M12 188 H92" stroke="#1d2733" stroke-width="2" {}
            text x="12" y="182" font-size="11" { "100 米" }
        }
    }
}

fn page(p: &Page) -> String {
    html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                link rel="icon" href="data:,";
                title { (p.title) }
                style { (CSS) }
            }
            body {
                header {
                    h1 { (p.title) }
                    @if let Some(py) = &p.pinyin { div.py { (py) } }
                }
                section {
                    dl { @for (k, v) in &p.lines { dt { (k) } dd { (v) } } }
                }
                @if p.origin.is_some() || !p.history.is_empty() {
                    section {
                        @if let Some(o) = &p.origin { h2 { "地名含义" } p { (o) } }
                        @if !p.history.is_empty() { h2 { "历史沿革" } ul { @for h in &p.history { li { (h) } } } }
                    }
                }
                section {
                    (sketch(p.geom.as_ref(), p.at))
                    p { a href=(format!("/map#17/{:.6}/{:.6}", p.at.y, p.at.x)) { "在地图上查看" } }
                }
                @if !p.signs.is_empty() {
                    section {
                        h2 { "地名标志" }
                        ul { @for s in &p.signs { li { (s.kind.label()) "，" (s.installed_on) " 设置，" (s.state.label()) } } }
                    }
                }
                section {
                    h2 { "报告标志问题" }
                    form #report data-to=(p.report_to) {
                        select name="kind" {
                            option value="damaged" { "标志损坏" }
                            option value="missing" { "标志缺失" }
                            option value="wrong" { "内容有误" }
                            option value="other" { "其他" }
                        }
                        textarea name="message" rows="3" required placeholder="请描述问题（必填）" {}
                        input name="contact" placeholder="联系方式（选填）";
                        button type="submit" { "提交" }
                        p #sent {}
                    }
                }
                script { (PreEscaped(SCRIPT)) }
            }
        }
    }
    .into_string()
}

fn history_of(p: &PlaceRow) -> Vec<String> {
    let mut h: Vec<String> = p.history.iter().cloned().collect();
    if !p.former_names.is_empty() {
        h.push(format!("曾用名：{}", p.former_names.join("、")));
    }
    if let Some(d) = p.approval_date {
        h.push(format!(
            "{d} 经{}批准命名{}",
            p.approved_by.as_deref().unwrap_or("有关部门"),
            p.approval_doc.as_deref().map(|d| format!("（{d}）")).unwrap_or_default()
        ));
    }
    h
}

/// The public page of a standard address.
#[utoipa::path(get, path = "/p/{code}", tag = "signs",
    params(("code" = String, Path, description = "18-digit address code", pattern = r"^[0-9]{18}$")),
    responses((status = 200, description = "text/html"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem)))]
pub async fn address(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Html<String>> {
    let code = params::address_code("code", &code)?;
    let found = s
        .query(move |c| {
            let Some(a) = AddressRow::by_code(c, code)? else { return Ok(None) };
            let place = a.place_fid.map(|f| PlaceRow::get(c, f)).transpose()?.flatten();
            let now =
                if a.status == PlaceStatus::Current { None } else { AddressRow::current_successor(c, code)? };
            let before = AddressRow::predecessors(c, code)?;
            let signs = SignRow::of_target(c, None, Some(&code.to_string()))?;
            Ok(Some((a, place, now, before, signs)))
        })
        .await?;
    let (a, place, now, before, signs) =
        found.ok_or_else(|| ApiError::not_found("地址", &code.to_string()))?;
    let g = s.gazetteer();
    let chain = g.divisions.by_code(a.division_code.as_str(), None).map(|i| g.divisions.chain_names(i));
    let mut lines = vec![("标准地址", a.standard_address.clone()), ("地址编码", a.code.to_string())];
    lines.extend(chain.map(|c| ("所在区划", c)));
    lines.push((
        "地址状态",
        match (a.status, &now) {
            (PlaceStatus::Current, _) => "现行".to_string(),
            (_, Some(n)) => format!("已变更为 {}", n.standard_address),
            _ => "已注销".to_string(),
        },
    ));
    let mut history: Vec<String> = before
        .iter()
        .map(|b| format!("{} 起由“{}”变更而来", b.superseded_on.as_deref().unwrap_or(""), b.standard_address))
        .collect();
    if let Some(p) = &place {
        history.extend(history_of(p));
    }
    let title = place.as_ref().map_or(a.street.clone(), |p| p.name.clone())
        + a.standard_address.rsplit(a.street.as_str()).next().unwrap_or_default();
    let page_ = Page {
        title,
        pinyin: place.as_ref().map(|p| p.pinyin.clone()).or_else(|| Some(romanize(&a.street))),
        lines,
        origin: place.as_ref().and_then(|p| p.meaning.clone()),
        history,
        geom: place.and_then(|p| p.geom),
        at: Coord { x: a.lon, y: a.lat },
        signs,
        report_to: format!("/p/{code}/reports"),
    };
    Ok(Html(page(&page_)))
}

/// The public page of a named place (road, compound, bridge …).
#[utoipa::path(get, path = "/p/place/{id}", tag = "signs", params(("id" = i64, Path, description = "Place id")),
    responses((status = 200, description = "text/html"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem)))]
pub async fn place(State(s): State<AppState>, Path(id): Path<String>) -> ApiResult<Html<String>> {
    let id = params::place_id(&id)?;
    let (p, signs) = s
        .query(move |c| Ok(PlaceRow::get(c, id)?.map(|p| (p, SignRow::of_target(c, Some(id), None)))))
        .await?
        .ok_or_else(|| ApiError::not_found("地名", &id.to_string()))?;
    let signs = signs?;
    let g = s.gazetteer();
    let chain = g.divisions.by_code(p.division_code.as_str(), None).map(|i| g.divisions.chain_names(i));
    let at = signs
        .first()
        .map(|s| Coord { x: s.lon, y: s.lat })
        .or_else(|| p.geom.as_ref().and_then(geo::InteriorPoint::interior_point).map(|p| p.0))
        .unwrap_or(Coord { x: 0.0, y: 0.0 });
    let mut lines = vec![("标准名称", p.name.clone()), ("类别", p.class.label().to_string())];
    lines.extend(chain.map(|c| ("所在区划", c)));
    lines.push(("状态", if p.status == PlaceStatus::Current { "现行".into() } else { "已停用".into() }));
    let page_ = Page {
        title: p.name.clone(),
        pinyin: Some(p.pinyin.clone()).filter(|x| !x.is_empty()),
        lines,
        origin: p.meaning.clone(),
        history: history_of(&p),
        geom: p.geom.clone(),
        at,
        signs,
        report_to: format!("/p/place/{id}/reports"),
    };
    Ok(Html(page(&page_)))
}

/// The public page of a village or community (its place-name sign).
#[utoipa::path(get, path = "/p/division/{code}", tag = "signs",
    params(("code" = String, Path, description = "Division code")),
    responses((status = 200, description = "text/html"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem)))]
pub async fn division(State(s): State<AppState>, Path(code): Path<String>) -> ApiResult<Html<String>> {
    let code = params::division_code("code", &code)?;
    let g = s.gazetteer();
    let i =
        g.divisions.by_code(code.as_str(), None).ok_or_else(|| ApiError::not_found("区划", code.as_str()))?;
    let d = g.divisions.get(i);
    let name = d.name.clone();
    let at = d.seat.map(|(x, y)| Coord { x, y }).unwrap_or(Coord { x: 0.0, y: 0.0 });
    let chain = g.divisions.chain_names(i);
    let c2 = code.to_string();
    let signs = s.query(move |c| SignRow::of_division(c, &c2)).await?;
    let page_ = Page {
        title: name.clone(),
        pinyin: Some(romanize(&name)),
        lines: vec![("标准名称", name), ("区划代码", code.to_string()), ("所属区划", chain)],
        origin: None,
        history: Vec::new(),
        geom: None,
        at,
        signs,
        report_to: format!("/p/division/{code}/reports"),
    };
    Ok(Html(page(&page_)))
}

/// A report from the public about the sign of an address (`/p/{code}/reports`),
/// a place (`/p/place/{id}/reports`) or a village (`/p/division/{code}/reports`):
/// no token; a few attempts an hour from one address, refused ones
/// included (429 past them).
#[utoipa::path(post, path = "/p/{target}/reports", tag = "signs", request_body = ReportInput,
    params(("target" = String, Path, description = "18-digit address code (or `place/{id}`, `division/{code}`)")),
    responses((status = 201, description = "Received"), (status = 400, body = super::error::Problem),
        (status = 404, body = super::error::Problem), (status = 429, body = super::error::Problem)))]
pub async fn report(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(target): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let code = params::address_code("target", &target)?;
    let exists = s.query(move |c| AddressRow::by_code(c, code)).await?.is_some();
    if !exists {
        return Err(ApiError::not_found("地址", &target));
    }
    file_report(&s, peer, &headers, &body, format!("address:{code}")).await
}

/// A report about a place's sign (see [`report`]).
pub async fn report_place(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let id = params::place_id(&id)?;
    if s.query(move |c| PlaceRow::get(c, id)).await?.is_none() {
        return Err(ApiError::not_found("地名", &id.to_string()));
    }
    file_report(&s, peer, &headers, &body, format!("place:{id}")).await
}

/// A report about a village's sign (see [`report`]).
pub async fn report_division(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let code = params::division_code("code", &code)?;
    if s.gazetteer().divisions.by_code(code.as_str(), None).is_none() {
        return Err(ApiError::not_found("区划", code.as_str()));
    }
    file_report(&s, peer, &headers, &body, format!("division:{code}")).await
}

async fn file_report(
    s: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: &Bytes,
    target: String,
) -> ApiResult<Response> {
    let input: ReportInput = params::json_body(headers, body)?;
    if let Err(refused) = s.rates.report(peer.ip(), headers) {
        return Ok(*refused);
    }
    let r = s.write(move |svc, _| svc.report_from_public(&target, &input)).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"id": r.id, "received_at": r.received_at, "message": "已收到您的报告，谢谢！"})),
    )
        .into_response())
}
