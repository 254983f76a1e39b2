//! Drafting: an applicant creates a proposal (a draft, checked at once)
//! and revises it while it is a draft or returned; the rule checks run
//! again on every revision.

use super::input::{ProposalInput, apply_input};
use super::{Actor, ReviewError, check_version, invalid, log};
use crate::index::Gazetteer;
use crate::model::{Event, Kind, Proposal, ProposalId, Timestamp};
use crate::review::checks::{Pending, Rules, Subject};
use crate::review::workflow::{Refusal, Role, State};
use crate::store::{PlaceRow, ProposalRow, Store};
use geo::Geometry;
use serde_json::json;

/// Runs every rule check on `p`.
pub(super) fn run_checks(
    conn: &rusqlite::Connection,
    g: &Gazetteer,
    rules: &Rules,
    p: &Proposal,
    geom: Option<&Geometry<f64>>,
) -> Result<Vec<crate::model::Check>, ReviewError> {
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
    let now = Timestamp::now();
    let mut p = Proposal {
        id: ProposalId::default(),
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
        owner_account: Some(actor.account),
        created_by: actor.name.clone(),
        created_at: now,
        updated_at: now,
        checks: Vec::new(),
        opinions: Vec::new(),
        consultation: None,
        comments: Vec::new(),
        votes: Vec::new(),
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
            role: actor.role,
            account: Some(actor.account),
            from: State::Draft,
            to: State::Draft,
            at: now,
            note: None,
        }],
    };
    store.write(|tx| {
        let mut geom = None;
        apply_input(tx, g, rules, &mut p, &mut geom, input)?;
        if !actor.covers(&p.division) {
            return Err(Refusal::OutOfScope(p.division.clone()).into());
        }
        p.checks = run_checks(tx, g, rules, &p, geom.as_ref())?;
        p.id = ProposalRow::insert(tx, &p, geom.as_ref())?;
        log(tx, actor, &p, "create", json!({"kind": p.kind, "class": p.class, "name": p.name}))?;
        Ok((p, geom))
    })
}

/// `PATCH /proposals/{id}`: the applicant revises a draft or a returned
/// proposal (`If-Match` required); the checks run again.
pub fn revise(
    store: &Store,
    g: &Gazetteer,
    rules: &Rules,
    actor: &Actor,
    id: ProposalId,
    if_match: Option<&str>,
    input: &ProposalInput,
) -> Result<(Proposal, Option<Geometry<f64>>), ReviewError> {
    store.write(|tx| {
        let (mut p, mut geom) = ProposalRow::get(tx, id)?.ok_or(ReviewError::NotFound(id))?;
        if actor.role != Role::Applicant {
            return Err(Refusal::role(actor.role, "revise", &[Role::Applicant]).into());
        }
        if !p.is_owned_by(actor.account, actor.id) {
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
        if !actor.covers(&p.division) {
            return Err(Refusal::OutOfScope(p.division.clone()).into());
        }
        p.checks = run_checks(tx, g, rules, &p, geom.as_ref())?;
        p.version += 1;
        p.updated_at = Timestamp::now();
        p.history.push(Event {
            action: "revise".into(),
            actor: actor.name.clone(),
            role: actor.role,
            account: Some(actor.account),
            from: p.state,
            to: p.state,
            at: p.updated_at,
            note: None,
        });
        if !ProposalRow::update(tx, &p, geom.as_ref(), before)? {
            return Err(ReviewError::Conflict { current: p.etag() });
        }
        log(tx, actor, &p, "revise", json!({"name": p.name, "version": p.version}))?;
        Ok((p, geom))
    })
}
