//! The workflow's actions on a proposal: the facts the transition table
//! reads, the actions open to an actor, and taking one (recording what it
//! carries: opinions, comments, the approval, filing, announcement).

use super::draft::run_checks;
use super::input::{ActionInput, date, text, text_or};
use super::publication::publish;
use super::{Actor, ReviewError, check_version, invalid, log};
use crate::index::Gazetteer;
use crate::model::{Approval, Comment, Event, Filing, Opinion, Proposal, ProposalId, Timestamp, Vote};
use crate::review::Rules;
use crate::review::announcement::announcement;
use crate::review::workflow::{Action, Facts, Refusal, step};
use crate::store::{ProposalRow, Store};
use chrono::NaiveDate;
use geo::Geometry;
use serde_json::json;

/// What the facts of `p` are for `actor` on `today`.
pub fn facts(p: &Proposal, actor: &Actor, rules: &Rules, today: NaiveDate) -> Facts {
    let over = p.consultation.is_some_and(|(_, end)| today >= end);
    let other_hand = p
        .history
        .iter()
        .find(|e| e.account == Some(actor.account) && e.role != actor.role && e.action != "comment")
        .map(|e| e.role);
    let count = |v: &str| p.votes.iter().filter(|x| x.vote == v).count();
    Facts {
        is_owner: p.is_owned_by(actor.account, actor.id),
        checks_failed: p.checks_failed(),
        opinions: p.opinions.len(),
        experts_required: rules.settings.experts_required,
        consultation_over: over,
        unanswered: p.comments.iter().filter(|c| c.response.is_none()).count(),
        filed: p.filing.is_some(),
        announced: p.announcement.is_some(),
        other_hand,
        votes: (count("approve"), count("reject"), count("abstain")),
        quorum: rules.settings.committee_quorum,
        majority: rules.settings.committee_majority,
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
    id: ProposalId,
    action: Action,
    if_match: Option<&str>,
    input: &ActionInput,
    today: NaiveDate,
) -> Result<(Proposal, Option<Geometry<f64>>), ReviewError> {
    let cfg = &rules.settings;
    store.write(|tx| {
        let (mut p, geom) = ProposalRow::get(tx, id)?.ok_or(ReviewError::NotFound(id))?;
        check_version(&p, if_match)?;
        if !actor.covers(&p.division) && action != Action::Comment {
            return Err(Refusal::OutOfScope(p.division.clone()).into());
        }
        let from = p.state;
        let next = step(p.state, action, actor.role, facts(&p, actor, rules, today))?;
        let mut note = None;
        let now = Timestamp::now();
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
                p.opinions.retain(|o| o.account.map_or(o.expert != actor.name, |a| a != actor.account));
                p.opinions.push(Opinion {
                    expert: actor.name.clone(),
                    account: Some(actor.account),
                    position: position.into(),
                    text,
                    at: now,
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
                p.consultation = Some((today, end));
            }
            Action::Comment => {
                let text = text("text", input.text.as_ref(), true)?.unwrap_or_default();
                let author = text_or("author", input.author.as_ref(), &actor.name)?;
                let n = p.comments.len() as u32 + 1;
                p.comments.push(Comment { id: n, author, text, at: now, response: None, responded_by: None });
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
            Action::Vote => {
                let vote = input.vote.as_deref().unwrap_or("");
                if !["approve", "reject", "abstain"].contains(&vote) {
                    return Err(invalid("vote", "须为 approve（赞成）、reject（反对）或 abstain（弃权）"));
                }
                let remark = text("note", input.note.as_ref(), false)?;
                p.votes.retain(|v| v.account != actor.account);
                p.votes.push(Vote {
                    member: actor.name.clone(),
                    account: actor.account,
                    vote: vote.into(),
                    note: remark,
                    at: now,
                });
                note = Some(format!("表决：{vote}"));
            }
            Action::CloseConsultation => p.votes.clear(),
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
                p.filing_due = Some(d + chrono::Days::new(cfg.filing_days as u64));
                p.announcement_due = Some(d + chrono::Days::new(cfg.announcement_days as u64));
                p.approval = Some(Approval { body, document, date: d });
            }
            Action::File | Action::Announce => {
                let d = date("date", input.date.as_ref(), today)?;
                let before_approval = p.approval.as_ref().is_some_and(|a| d < a.date);
                if before_approval || d > today {
                    return Err(invalid("date", "日期须在批准日期之后、不晚于今天"));
                }
                if action == Action::File {
                    let with = text("with", input.with.as_ref(), true)?.unwrap_or_default();
                    p.filing = Some(Filing { date: d, with });
                } else {
                    let with = text_or("with", input.with.as_ref(), "人民政府门户网站")?;
                    p.announcement = Some(Filing { date: d, with });
                    p.announcement_text = Some(announcement(g, &p, geom.as_ref(), p.place_name.as_deref()));
                }
            }
            Action::Publish => p.published_place = Some(publish(tx, g, actor, &p, geom.as_ref())?),
            Action::StartExpertReview => {}
        }
        let before = p.version;
        p.state = next;
        p.version += 1;
        p.updated_at = now;
        p.history.push(Event {
            action: action.as_str().into(),
            actor: actor.name.clone(),
            role: actor.role,
            account: Some(actor.account),
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
