//! A proposal's life, as the operations the API offers: create, revise,
//! take an action, list overdue duties. Each operation reads, decides and
//! writes inside one store transaction, so two actors changing the same
//! proposal are serialised and the second sees the first's result (or a
//! version conflict when it sent `If-Match`). Every change is appended to
//! the hash-chained change log in the same transaction.

use super::announcement::announcement;
use super::checks::{Pending, Rules, Subject};
use super::workflow::{Action, Facts, Refusal, Role, State, step};
use crate::index::Gazetteer;
use crate::model::romanize::romanize_parts;
use crate::model::{Approval, Attachment, Comment, Event, Filing, Kind, Opinion, Proposal};
use crate::model::{DivisionCode, PlaceClass, split_generic};
use crate::store::{AddressRow, ChangeEntry, PlaceRow, ProposalRow, Store, StoreError, append_change};
use chrono::NaiveDate;
use geo::{Geometry, Validation};
use rusqlite::Transaction;
use serde::Deserialize;
use serde_json::json;

/// Who is acting: the holder of a token.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Token id.
    pub id: i64,
    /// Token holder's name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// Why an operation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A field of the request is wrong (400).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// No such proposal (404).
    #[error("申请 {0} 不存在")]
    NotFound(i64),
    /// The workflow refuses (403 for roles, 409 otherwise).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// `If-Match` names an older version (409).
    #[error("申请已被他人修改（当前版本 {current}），请重新读取后再操作")]
    Conflict {
        /// The current ETag.
        current: String,
    },
    /// A revision without `If-Match` (428).
    #[error("修改申请须带 If-Match 请求头（申请的 ETag）")]
    PreconditionRequired,
    /// The store failed (500).
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(field: &str, reason: impl Into<String>) -> ReviewError {
    ReviewError::Invalid { field: field.into(), reason: reason.into() }
}

/// The body of `POST /proposals` (and of `PATCH`, where absent fields keep
/// their values).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// `name`, `rename` or `retire`.
    pub kind: Option<Kind>,
    /// Class identifier (`road` …); for a rename or retirement, the
    /// place's.
    pub class: Option<String>,
    /// Proposed name.
    pub name: Option<String>,
    /// 专名 (split from the name by the class's 通名 when absent).
    pub specific: Option<String>,
    /// 通名.
    pub generic: Option<String>,
    /// Romanised spelling, to override the generated one (polyphones).
    pub pinyin: Option<String>,
    /// Division code (6, 9 or 12 digits).
    pub division: Option<String>,
    /// GeoJSON geometry, lon/lat CGCS2000.
    pub geometry: Option<serde_json::Value>,
    /// The place renamed or retired (place id).
    pub place: Option<i64>,
    /// 含义.
    pub meaning: Option<String>,
    /// 理由.
    pub reason: Option<String>,
    /// Applicant unit or person.
    pub applicant: Option<String>,
    /// The place-name plan the name implements.
    pub plan: Option<String>,
    /// Reference of the heritage protection plan.
    pub protection_plan: Option<String>,
    /// Documents by reference.
    pub attachments: Option<Vec<Attachment>>,
}

/// The body of `POST /proposals/{id}/{action}`: what each action reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// Reason or remark (return, approve, reject, withdraw).
    pub note: Option<String>,
    /// Opinion: `support`, `oppose` or `amend`.
    pub position: Option<String>,
    /// Opinion or comment text.
    pub text: Option<String>,
    /// Who commented.
    pub author: Option<String>,
    /// The comment answered (its number).
    pub comment: Option<u32>,
    /// How the comment was handled.
    pub response: Option<String>,
    /// Consultation period, days (at least the configured one).
    pub days: Option<u32>,
    /// Approving body.
    pub body: Option<String>,
    /// Approval document number.
    pub document: Option<String>,
    /// Date (ISO) of approval, filing or announcement.
    pub date: Option<String>,
    /// Filed with, or announced where.
    pub with: Option<String>,
}

const MAX_TEXT: usize = 2000;

fn text(field: &str, v: Option<&String>, required: bool) -> Result<Option<String>, ReviewError> {
    match v.map(|s| s.trim()) {
        None | Some("") if required => Err(invalid(field, "不能为空")),
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > MAX_TEXT => Err(invalid(field, format!("超过 {MAX_TEXT} 个字"))),
        Some(s) => Ok(Some(s.to_string())),
    }
}

fn date(field: &str, v: Option<&String>, default: NaiveDate) -> Result<NaiveDate, ReviewError> {
    match v {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| invalid(field, format!("“{s}”不是 YYYY-MM-DD 日期"))),
    }
}

/// Reads GeoJSON into a geometry in the service's extent, valid.
fn geometry(v: &serde_json::Value) -> Result<Geometry<f64>, ReviewError> {
    let gj: geojson::Geometry = serde_json::from_value(v.clone())
        .map_err(|e| invalid("geometry", format!("不是 GeoJSON 几何：{e}")))?;
    let g: Geometry<f64> = gj.try_into().map_err(|e| invalid("geometry", format!("无法读取几何：{e}")))?;
    if matches!(g, Geometry::GeometryCollection(_)) {
        return Err(invalid("geometry", "不接受几何集合"));
    }
    use geo::CoordsIter;
    if g.coords_count() == 0 {
        return Err(invalid("geometry", "几何为空"));
    }
    if let Some(c) = g.coords_iter().find(|c| !(73.0..=136.0).contains(&c.x) || !(3.0..=54.0).contains(&c.y))
    {
        return Err(invalid(
            "geometry",
            format!("坐标 ({}, {}) 不在中国范围内（经度、纬度，CGCS2000）", c.x, c.y),
        ));
    }
    if !g.is_valid() {
        return Err(invalid("geometry", "几何无效（自相交或环不闭合）"));
    }
    Ok(g)
}

/// Splits a name by the longest 通名 of its class (else the general list).
fn split(rules: &Rules, class: &str, name: &str) -> (String, String) {
    let mut generics = rules.settings.generics.get(class).cloned().unwrap_or_default();
    generics.sort_by_key(|g| std::cmp::Reverse(g.len()));
    for g in &generics {
        if let Some(s) = name.strip_suffix(g.as_str())
            && !s.is_empty()
        {
            return (s.to_string(), g.clone());
        }
    }
    if generics.is_empty() {
        return (name.to_string(), String::new());
    }
    let (s, g) = split_generic(name);
    (s.to_string(), g.to_string())
}

/// Fills `p`'s content from `input` (over what `p` holds) and checks it.
fn apply_input(
    conn: &rusqlite::Connection,
    g: &Gazetteer,
    rules: &Rules,
    p: &mut Proposal,
    geom: &mut Option<Geometry<f64>>,
    input: &ProposalInput,
) -> Result<(), ReviewError> {
    if let Some(k) = input.kind {
        p.kind = k;
    }
    let set = |field: &str, target: &mut Option<String>, v: &Option<String>| -> Result<(), ReviewError> {
        if v.is_some() {
            *target = text(field, v.as_ref(), false)?;
        }
        Ok(())
    };
    set("meaning", &mut p.meaning, &input.meaning)?;
    set("reason", &mut p.reason, &input.reason)?;
    set("applicant", &mut p.applicant, &input.applicant)?;
    set("plan", &mut p.plan, &input.plan)?;
    set("protection_plan", &mut p.protection_plan, &input.protection_plan)?;
    if let Some(a) = &input.attachments {
        if a.iter().any(|x| x.title.trim().is_empty() || x.reference.trim().is_empty()) {
            return Err(invalid("attachments", "每个附件须有 title 和 reference"));
        }
        p.attachments = a.clone();
    }
    if let Some(v) = &input.geometry {
        *geom = Some(geometry(v)?);
    }
    if let Some(d) = &input.division {
        let code = DivisionCode::parse(d).map_err(|e| invalid("division", e.to_string()))?;
        if g.divisions.by_code(code.as_str(), None).is_none() {
            return Err(invalid("division", format!("区划代码 {} 不存在或已撤销", code.as_str())));
        }
        p.division = code.as_str().to_string();
    }
    if let Some(fid) = input.place {
        p.place = Some(fid);
    }
    if let Some(c) = &input.class {
        PlaceClass::parse(c).ok_or_else(|| invalid("class", format!("未知地名类别“{c}”")))?;
        p.class = c.clone();
    }
    if let Some(n) = &input.name {
        let n = n.trim();
        if n.is_empty() || n.chars().count() > 50 {
            return Err(invalid("name", "名称须为 1 到 50 个字"));
        }
        if n.chars().any(|c| c.is_whitespace() || c.is_control() || c.is_ascii_punctuation()) {
            return Err(invalid("name", "名称不能含空格、控制字符或标点"));
        }
        p.name = n.to_string();
    }

    // A rename or retirement is about an existing current place.
    if p.kind != Kind::Name {
        let fid =
            p.place.ok_or_else(|| invalid("place", format!("{}须指明地名编号 place", p.kind.label())))?;
        let place =
            PlaceRow::get(conn, fid)?.ok_or_else(|| invalid("place", format!("地名 {fid} 不存在")))?;
        if place.status != "current" {
            return Err(invalid("place", format!("地名 {fid}“{}”不是现行地名", place.name)));
        }
        if input.class.is_some() && p.class != place.class {
            return Err(invalid("class", format!("须与原地名类别 {} 一致", place.class)));
        }
        p.class = place.class.clone();
        p.place_name = Some(place.name.clone());
        if input.division.is_none() && p.division.is_empty() {
            p.division = place.division_code.clone();
        }
        if geom.is_none() {
            *geom = place.geom.clone();
        }
        if p.kind == Kind::Retire {
            p.name = place.name.clone();
        } else if p.name == place.name {
            return Err(invalid("name", "新名称与原名称相同"));
        }
    } else {
        p.place = None;
        p.place_name = None;
    }
    if p.class.is_empty() {
        return Err(invalid("class", "缺少地名类别 class"));
    }
    if p.name.is_empty() {
        return Err(invalid("name", "缺少名称 name"));
    }
    if p.division.is_empty() {
        return Err(invalid("division", "缺少所在行政区划代码 division"));
    }
    if geom.is_none() {
        return Err(invalid("geometry", "缺少位置 geometry（GeoJSON）"));
    }

    match (&input.specific, &input.generic) {
        (Some(s), Some(gn)) => {
            if format!("{s}{gn}") != p.name {
                return Err(invalid("specific", format!("专名“{s}”＋通名“{gn}”应等于名称“{}”", p.name)));
            }
            (p.specific, p.generic) = (s.clone(), gn.clone());
        }
        (None, None) => (p.specific, p.generic) = split(rules, &p.class, &p.name),
        _ => return Err(invalid("specific", "专名 specific 和通名 generic 须同时给出")),
    }
    p.pinyin_generated = romanize_parts(&p.specific, &p.generic);
    match &input.pinyin {
        Some(s) => {
            let ok = !s.trim().is_empty()
                && s.len() <= 200
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '\'' || c == '-');
            if !ok {
                return Err(invalid("pinyin", "拼写只能由拉丁字母、数字、空格、隔音符号组成"));
            }
            p.pinyin = s.trim().to_string();
        }
        None if input.name.is_some() || p.pinyin.is_empty() => p.pinyin = p.pinyin_generated.clone(),
        None => {}
    }
    Ok(())
}

/// Runs every rule check on `p`.
fn run_checks(
    conn: &rusqlite::Connection,
    g: &Gazetteer,
    rules: &Rules,
    p: &Proposal,
    geom: Option<&Geometry<f64>>,
) -> Result<Vec<super::Check>, ReviewError> {
    let active = ProposalRow::active(conn, p.id)?;
    let pending: Vec<Pending> = active
        .iter()
        .map(|a| Pending { id: a.id, class: &a.class, name: &a.name, division: &a.division })
        .collect();
    let road_geometry = |fid: i64| PlaceRow::get(conn, fid).ok().flatten().and_then(|r| r.geom);
    let subject = Subject {
        kind: p.kind,
        class: &p.class,
        name: &p.name,
        specific: &p.specific,
        generic: &p.generic,
        pinyin: (&p.pinyin, &p.pinyin_generated),
        division: &p.division,
        geometry: geom,
        target: p.place.zip(p.place_name.as_deref()),
        plan: p.plan.as_deref(),
        protection_plan: p.protection_plan.as_deref(),
    };
    Ok(rules.check(g, &subject, &pending, &road_geometry))
}

fn log(
    tx: &Transaction,
    actor: &Actor,
    p: &Proposal,
    action: &str,
    detail: serde_json::Value,
) -> Result<(), ReviewError> {
    let summary = format!("{}申请“{}”：{}", p.kind.label(), p.name, p.state.label());
    append_change(
        tx,
        &ChangeEntry {
            actor: &actor.name,
            entity: "proposal",
            entity_key: &p.id.to_string(),
            action,
            detail,
            division: Some(&p.division),
            summary: Some(&summary),
            ..Default::default()
        },
    )?;
    Ok(())
}

/// `POST /proposals`: a new draft, checked at once.
pub fn create(
    store: &Store,
    g: &Gazetteer,
    rules: &Rules,
    actor: &Actor,
    input: &ProposalInput,
) -> Result<(Proposal, Option<Geometry<f64>>), ReviewError> {
    if actor.role != Role::Applicant {
        return Err(Refusal::role(actor.role, "create", &[Role::Applicant]).into());
    }
    let Some(kind) = input.kind else {
        return Err(invalid("kind", "缺少 kind（name、rename 或 retire）"));
    };
    if kind == Kind::Name && input.place.is_some() {
        return Err(invalid("place", "命名申请不指明已有地名；更名请用 kind=rename"));
    }
    let now = super::now();
    let mut p = Proposal {
        id: 0,
        kind,
        class: String::new(),
        name: String::new(),
        specific: String::new(),
        generic: String::new(),
        pinyin: String::new(),
        pinyin_generated: String::new(),
        division: String::new(),
        place: None,
        place_name: None,
        meaning: None,
        reason: None,
        applicant: None,
        plan: None,
        protection_plan: None,
        attachments: Vec::new(),
        state: State::Draft,
        version: 1,
        owner: actor.id,
        created_by: actor.name.clone(),
        created_at: now.clone(),
        updated_at: now.clone(),
        checks: Vec::new(),
        opinions: Vec::new(),
        consultation: None,
        comments: Vec::new(),
        decision_note: None,
        approval: None,
        filing_due: None,
        announcement_due: None,
        filing: None,
        announcement: None,
        announcement_text: None,
        published_place: None,
        history: vec![Event {
            action: "create".into(),
            actor: actor.name.clone(),
            role: actor.role.as_str().into(),
            from: State::Draft,
            to: State::Draft,
            at: now,
            note: None,
        }],
    };
    store.write(|tx| {
        let mut geom = None;
        apply_input(tx, g, rules, &mut p, &mut geom, input)?;
        p.checks = run_checks(tx, g, rules, &p, geom.as_ref())?;
        p.id = ProposalRow::insert(tx, &p, geom.as_ref())?;
        log(tx, actor, &p, "create", json!({"kind": p.kind, "class": p.class, "name": p.name}))?;
        Ok((p, geom))
    })
}

/// Reads one proposal and its geometry.
pub fn get(store: &Store, id: i64) -> Result<(Proposal, Option<Geometry<f64>>), ReviewError> {
    store.read(|c| ProposalRow::get(c, id))?.ok_or(ReviewError::NotFound(id))
}

fn check_version(p: &Proposal, if_match: Option<&str>) -> Result<(), ReviewError> {
    match if_match {
        Some(tag) if tag.trim() != "*" && tag.split(',').all(|t| t.trim() != p.etag()) => {
            Err(ReviewError::Conflict { current: p.etag() })
        }
        _ => Ok(()),
    }
}

/// `PATCH /proposals/{id}`: the applicant revises a draft or a returned
/// proposal (`If-Match` required); the checks run again.
pub fn revise(
    store: &Store,
    g: &Gazetteer,
    rules: &Rules,
    actor: &Actor,
    id: i64,
    if_match: Option<&str>,
    input: &ProposalInput,
) -> Result<(Proposal, Option<Geometry<f64>>), ReviewError> {
    store.write(|tx| {
        let (mut p, mut geom) = ProposalRow::get(tx, id)?.ok_or(ReviewError::NotFound(id))?;
        if actor.role != Role::Applicant {
            return Err(Refusal::role(actor.role, "revise", &[Role::Applicant]).into());
        }
        if p.owner != actor.id {
            return Err(Refusal::NotOwner("revise").into());
        }
        if !matches!(p.state, State::Draft | State::Returned) {
            return Err(Refusal::State { state: p.state.label(), action: "revise" }.into());
        }
        let Some(tag) = if_match else { return Err(ReviewError::PreconditionRequired) };
        check_version(&p, Some(tag))?;
        if input.kind.is_some_and(|k| k != p.kind) {
            return Err(invalid("kind", "不能改变申请种类"));
        }
        let before = p.version;
        apply_input(tx, g, rules, &mut p, &mut geom, input)?;
        p.checks = run_checks(tx, g, rules, &p, geom.as_ref())?;
        p.version += 1;
        p.updated_at = super::now();
        p.history.push(Event {
            action: "revise".into(),
            actor: actor.name.clone(),
            role: actor.role.as_str().into(),
            from: p.state,
            to: p.state,
            at: p.updated_at.clone(),
            note: None,
        });
        if !ProposalRow::update(tx, &p, geom.as_ref(), before)? {
            return Err(ReviewError::Conflict { current: p.etag() });
        }
        log(tx, actor, &p, "revise", json!({"name": p.name, "version": p.version}))?;
        Ok((p, geom))
    })
}

/// What the facts of `p` are for `actor` on `today`.
pub fn facts(p: &Proposal, actor: &Actor, rules: &Rules, today: NaiveDate) -> Facts {
    let over = p
        .consultation
        .as_ref()
        .and_then(|(_, end)| NaiveDate::parse_from_str(end, "%Y-%m-%d").ok())
        .is_some_and(|end| today >= end);
    Facts {
        is_owner: p.owner == actor.id,
        checks_failed: p.checks_failed(),
        opinions: p.opinions.len(),
        experts_required: rules.settings.experts_required,
        consultation_over: over,
        unanswered: p.comments.iter().filter(|c| c.response.is_none()).count(),
        filed: p.filing.is_some(),
        announced: p.announcement.is_some(),
    }
}

/// The actions `actor` could take on `p` now.
pub fn next_actions(p: &Proposal, actor: &Actor, rules: &Rules, today: NaiveDate) -> Vec<&'static str> {
    let f = facts(p, actor, rules, today);
    Action::ALL.into_iter().filter(|a| step(p.state, *a, actor.role, f).is_ok()).map(Action::as_str).collect()
}

/// `POST /proposals/{id}/{action}`. Returns the proposal after the action,
/// with its geometry.
#[allow(clippy::too_many_arguments)]
pub fn act(
    store: &Store,
    g: &Gazetteer,
    rules: &Rules,
    actor: &Actor,
    id: i64,
    action: Action,
    if_match: Option<&str>,
    input: &ActionInput,
    today: NaiveDate,
) -> Result<(Proposal, Option<Geometry<f64>>), ReviewError> {
    let cfg = &rules.settings;
    store.write(|tx| {
        let (mut p, geom) = ProposalRow::get(tx, id)?.ok_or(ReviewError::NotFound(id))?;
        check_version(&p, if_match)?;
        let from = p.state;
        let next = step(p.state, action, actor.role, facts(&p, actor, rules, today))?;
        let mut note = None;
        let now = super::now();
        match action {
            Action::Submit | Action::Check => p.checks = run_checks(tx, g, rules, &p, geom.as_ref())?,
            Action::Opinion => {
                let position = input.position.as_deref().unwrap_or("");
                if !["support", "oppose", "amend"].contains(&position) {
                    return Err(invalid(
                        "position",
                        "须为 support（同意）、oppose（反对）或 amend（修改后同意）",
                    ));
                }
                let text = text("text", input.text.as_ref(), true)?.unwrap_or_default();
                p.opinions.retain(|o| o.expert != actor.name);
                p.opinions.push(Opinion {
                    expert: actor.name.clone(),
                    position: position.into(),
                    text,
                    at: now.clone(),
                });
            }
            Action::StartConsultation => {
                let days = input.days.unwrap_or(cfg.consultation_days);
                if days < cfg.consultation_days {
                    return Err(invalid(
                        "days",
                        format!("征求意见期限不得少于 {} 天", cfg.consultation_days),
                    ));
                }
                if days > 365 {
                    return Err(invalid("days", "征求意见期限不得超过 365 天"));
                }
                let end = today + chrono::Days::new(days as u64);
                p.consultation = Some((today.to_string(), end.to_string()));
            }
            Action::Comment => {
                let text = text("text", input.text.as_ref(), true)?.unwrap_or_default();
                let author = text_or("author", input.author.as_ref(), &actor.name)?;
                let n = p.comments.len() as u32 + 1;
                p.comments.push(Comment {
                    id: n,
                    author,
                    text,
                    at: now.clone(),
                    response: None,
                    responded_by: None,
                });
                note = Some(format!("意见 {n}"));
            }
            Action::Respond => {
                let n = input.comment.ok_or_else(|| invalid("comment", "须指明答复的意见编号"))?;
                let response = text("response", input.response.as_ref(), true)?;
                let c = p
                    .comments
                    .iter_mut()
                    .find(|c| c.id == n)
                    .ok_or_else(|| invalid("comment", format!("没有第 {n} 条意见")))?;
                c.response = response;
                c.responded_by = Some(actor.name.clone());
                note = Some(format!("答复意见 {n}"));
            }
            Action::Return => {
                note = text("note", input.note.as_ref(), true)?;
                p.decision_note = note.clone();
            }
            Action::Approve | Action::Reject | Action::Withdraw => {
                note = text("note", input.note.as_ref(), false)?;
                if action != Action::Withdraw {
                    p.decision_note = note.clone();
                }
            }
            Action::RecordApproval => {
                let body = text("body", input.body.as_ref(), true)?.unwrap_or_default();
                let document = text("document", input.document.as_ref(), true)?.unwrap_or_default();
                let Some(d) = input.date.as_ref() else {
                    return Err(invalid("date", "须给出批准日期"));
                };
                let d = date("date", Some(d), today)?;
                if d > today {
                    return Err(invalid("date", "批准日期不能晚于今天"));
                }
                p.filing_due = Some((d + chrono::Days::new(cfg.filing_days as u64)).to_string());
                p.announcement_due = Some((d + chrono::Days::new(cfg.announcement_days as u64)).to_string());
                p.approval = Some(Approval { body, document, date: d.to_string() });
            }
            Action::File | Action::Announce => {
                let d = date("date", input.date.as_ref(), today)?;
                let approved = p.approval.as_ref().map(|a| a.date.clone()).unwrap_or_default();
                if d.to_string() < approved || d > today {
                    return Err(invalid("date", "日期须在批准日期之后、不晚于今天"));
                }
                if action == Action::File {
                    let with = text("with", input.with.as_ref(), true)?.unwrap_or_default();
                    p.filing = Some(Filing { date: d.to_string(), with });
                } else {
                    let with = text_or("with", input.with.as_ref(), "人民政府门户网站")?;
                    p.announcement = Some(Filing { date: d.to_string(), with });
                    p.announcement_text = Some(announcement(g, &p, geom.as_ref(), p.place_name.as_deref()));
                }
            }
            Action::Publish => p.published_place = Some(publish(tx, g, actor, &p, geom.as_ref())?),
            Action::StartExpertReview | Action::CloseConsultation => {}
        }
        let before = p.version;
        p.state = next;
        p.version += 1;
        p.updated_at = now.clone();
        p.history.push(Event {
            action: action.as_str().into(),
            actor: actor.name.clone(),
            role: actor.role.as_str().into(),
            from,
            to: next,
            at: now,
            note: note.clone(),
        });
        if !ProposalRow::update(tx, &p, geom.as_ref(), before)? {
            return Err(ReviewError::Conflict { current: p.etag() });
        }
        log(tx, actor, &p, action.as_str(), json!({"from": from, "to": next, "note": note}))?;
        Ok((p, geom))
    })
}

fn text_or(field: &str, v: Option<&String>, default: &str) -> Result<String, ReviewError> {
    Ok(text(field, v, false)?.unwrap_or_else(|| default.to_string()))
}

/// Writes the outcome into the gazetteer: the new standard name; for a
/// rename the old name becomes historical (ending on the approval date,
/// pointing at the new one) and its door plates move to the new name; for
/// a retirement the name is retired. Returns the place created or changed.
fn publish(
    tx: &Transaction,
    _g: &Gazetteer,
    actor: &Actor,
    p: &Proposal,
    geom: Option<&Geometry<f64>>,
) -> Result<i64, ReviewError> {
    let approval = p.approval.as_ref().ok_or_else(|| Refusal::Condition("尚无政府批准记录".into()))?;
    let day = super::announcement::chinese_date(&approval.date);
    let source = format!("proposal:{}", p.id);
    let entry = |tx: &Transaction, key: i64, action: &str, division: &str, summary: &str, detail| {
        append_change(
            tx,
            &ChangeEntry {
                actor: &actor.name,
                entity: "place",
                entity_key: &key.to_string(),
                action,
                detail,
                division: Some(division),
                summary: Some(summary),
                ..Default::default()
            },
        )
    };
    let target = match p.place {
        Some(fid) => {
            let row =
                PlaceRow::get(tx, fid)?.ok_or_else(|| Refusal::Condition(format!("地名 {fid} 已不存在")))?;
            if row.status != "current" {
                return Err(Refusal::Condition(format!("地名 {fid}“{}”已不是现行地名", row.name)).into());
            }
            Some(row)
        }
        None => None,
    };
    if p.kind == Kind::Retire {
        let t = target.ok_or_else(|| Refusal::Condition("未指明销名的地名".into()))?;
        PlaceRow::end(tx, t.fid, "retired", &approval.date, None)?;
        let summary = format!("“{}”销名", t.name);
        let detail = json!({"name": t.name, "valid_to": approval.date, "proposal": p.id});
        entry(tx, t.fid, "retire", &t.division_code, &summary, detail)?;
        return Ok(t.fid);
    }
    let verb = if p.kind == Kind::Rename { "更名" } else { "命名" };
    let mut history = target.as_ref().and_then(|t| t.history.clone()).map(|h| h + "；").unwrap_or_default();
    match &target {
        Some(t) => history.push_str(&format!(
            "{day}经{}批准由“{}”更名为“{}”（{}）",
            approval.body, t.name, p.name, approval.document
        )),
        None => history.push_str(&format!("{day}经{}批准{verb}（{}）", approval.body, approval.document)),
    }
    let mut former = target.as_ref().map(|t| t.former_names.clone()).unwrap_or_default();
    if let Some(t) = &target {
        former.push(t.name.clone());
    }
    let row = PlaceRow {
        class: p.class.clone(),
        name: p.name.clone(),
        specific: p.specific.clone(),
        generic: p.generic.clone(),
        pinyin: p.pinyin.clone(),
        division_code: p.division.clone(),
        status: "current".into(),
        meaning: p.meaning.clone(),
        history: Some(history),
        former_names: former,
        approved_by: Some(approval.body.clone()),
        approval_doc: Some(approval.document.clone()),
        approval_date: Some(approval.date.clone()),
        valid_from: Some(approval.date.clone()),
        source,
        geom: geom.cloned(),
        ..Default::default()
    };
    let fid = row.insert(tx)?;
    let summary = format!("命名“{}”", p.name);
    let detail = json!({"name": p.name, "class": p.class, "proposal": p.id});
    entry(tx, fid, "create", &p.division, &summary, detail)?;
    if let Some(t) = target {
        PlaceRow::end(tx, t.fid, "historical", &approval.date, Some(fid))?;
        let moved = AddressRow::rename_street(tx, t.fid, fid, &t.name, &p.name)?;
        let summary = format!("{}更名为{}", t.name, p.name);
        let detail = json!({"name": t.name, "new_name": p.name, "replaced_by": fid, "valid_to": approval.date, "addresses_moved": moved.len()});
        entry(tx, t.fid, "rename", &t.division_code, &summary, detail)?;
        for a in &moved {
            let summary = format!("{}更名为{}，地址改为“{}”", t.name, p.name, a.standard_address);
            append_change(
                tx,
                &ChangeEntry {
                    actor: &actor.name,
                    entity: "address",
                    entity_key: &a.code,
                    action: "rename",
                    detail: json!({"street": p.name, "place": fid, "proposal": p.id}),
                    code: Some(&a.code),
                    division: Some(&a.division_code),
                    summary: Some(&summary),
                },
            )?;
        }
    }
    Ok(fid)
}

/// One overdue duty of an approved name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overdue {
    /// Proposal id.
    pub proposal: i64,
    /// Name.
    pub name: String,
    /// `filing` or `announcement`.
    pub duty: &'static str,
    /// Due date (ISO).
    pub due: String,
    /// Days past due.
    pub days_overdue: i64,
}

/// Filing and announcement duties past due on `on`.
pub fn overdue(store: &Store, on: NaiveDate) -> Result<Vec<Overdue>, ReviewError> {
    let approved = store.read(ProposalRow::approved)?;
    let mut out = Vec::new();
    for p in approved {
        for (duty, due, done) in [
            ("filing", &p.filing_due, p.filing.is_some()),
            ("announcement", &p.announcement_due, p.announcement.is_some()),
        ] {
            let Some(due_date) = due.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            if !done && on > due_date {
                out.push(Overdue {
                    proposal: p.id,
                    name: p.name.clone(),
                    duty,
                    due: due_date.to_string(),
                    days_overdue: (on - due_date).num_days(),
                });
            }
        }
    }
    out.sort_by_key(|o| std::cmp::Reverse(o.days_overdue));
    Ok(out)
}
