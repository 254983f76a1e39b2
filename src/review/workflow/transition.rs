//! The transition table: from a state, by an action, taken in a role,
//! given the facts of the proposal, to the next state or a refusal.

use super::{Action, Role, State};

/// What the handler knows about the proposal when an action is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Facts {
    /// The actor created the proposal.
    pub is_owner: bool,
    /// A rule check failed.
    pub checks_failed: bool,
    /// Expert opinions so far.
    pub opinions: usize,
    /// Expert opinions needed.
    pub experts_required: usize,
    /// The consultation period is over.
    pub consultation_over: bool,
    /// Comments without a response.
    pub unanswered: usize,
    /// Filed with the level above.
    pub filed: bool,
    /// Announced.
    pub announced: bool,
    /// The role in which the actor's account already acted on this
    /// proposal, if another than the one it acts in now.
    pub other_hand: Option<Role>,
    /// Committee votes cast (approve, reject, abstain).
    pub votes: (usize, usize, usize),
    /// Votes needed for a decision.
    pub quorum: usize,
    /// The share of the votes cast that approval must exceed.
    pub majority: f64,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor's role may not take this action (403).
    #[error("{role}无权执行“{action}”，需要：{allowed}")]
    Role {
        /// The actor's role (in words).
        role: &'static str,
        /// The action.
        action: &'static str,
        /// The roles that may (in words).
        allowed: String,
    },
    /// Only the applicant who created the proposal may (403).
    #[error("只有提出该申请的申请人可以执行“{0}”")]
    NotOwner(&'static str),
    /// The action does not apply in this state (409).
    #[error("申请当前状态为“{state}”，不能执行“{action}”")]
    State {
        /// The state (in words).
        state: &'static str,
        /// The action.
        action: &'static str,
    },
    /// A condition of the step does not hold yet (409).
    #[error("{0}")]
    Condition(String),
    /// The actor's account already acted as another role on this
    /// proposal (403).
    #[error("同一人员已在本申请中以{earlier}身份办理，不能再以{now}身份办理（须由不同人员办理）")]
    SeparateHands {
        /// The earlier role (in words).
        earlier: &'static str,
        /// The role now (in words).
        now: &'static str,
    },
    /// The proposal lies outside the account's divisions (403).
    #[error("申请所在区划 {0} 不在账户的管辖范围内")]
    OutOfScope(String),
}

impl Refusal {
    /// `role` may not take `action`; `allowed` may.
    pub fn role(role: Role, action: &'static str, allowed: &[Role]) -> Refusal {
        let allowed: Vec<&str> = allowed.iter().map(|r| r.label()).collect();
        Refusal::Role { role: role.label(), action, allowed: allowed.join("、") }
    }
}

/// The state after `action`, or why it is refused. The role is checked
/// first, then the state, then the step's conditions.
pub fn step(state: State, action: Action, role: Role, f: Facts) -> Result<State, Refusal> {
    if !action.roles().contains(&role) {
        return Err(Refusal::role(role, action.as_str(), action.roles()));
    }
    if role == Role::Applicant && !f.is_owner && action != Action::Comment {
        return Err(Refusal::NotOwner(action.as_str()));
    }
    if let Some(earlier) = f.other_hand
        && action != Action::Comment
    {
        return Err(Refusal::SeparateHands { earlier: earlier.label(), now: role.label() });
    }
    use State::*;
    let next = match (action, state) {
        (Action::Submit, Draft | Returned) => Submitted,
        (Action::Check, Submitted | Checked) => Checked,
        (Action::StartExpertReview, Checked) => {
            if f.checks_failed {
                return Err(Refusal::Condition("规则审查有不通过项，须退回修改后重新提交".into()));
            }
            ExpertReview
        }
        (Action::Opinion, ExpertReview) => ExpertReview,
        (Action::StartConsultation, ExpertReview) => {
            if f.opinions < f.experts_required {
                return Err(Refusal::Condition(format!(
                    "专家论证意见不足：已有 {} 份，需要 {} 份",
                    f.opinions, f.experts_required
                )));
            }
            Consultation
        }
        (Action::Comment | Action::Respond, Consultation) => Consultation,
        (Action::CloseConsultation, Consultation) => {
            if !f.consultation_over {
                return Err(Refusal::Condition("征求意见期限未满".into()));
            }
            if f.unanswered > 0 {
                return Err(Refusal::Condition(format!("还有 {} 条意见未答复处理", f.unanswered)));
            }
            CommitteeReview
        }
        (Action::Vote, CommitteeReview) => CommitteeReview,
        (Action::Approve | Action::Reject, CommitteeReview) => {
            let (yes, no, abstain) = f.votes;
            let cast = yes + no + abstain;
            if cast < f.quorum {
                return Err(Refusal::Condition(format!(
                    "委员会表决未达法定人数：已投 {cast} 票，需要 {} 票",
                    f.quorum
                )));
            }
            let carried = yes as f64 > f.majority * cast as f64;
            match (action, carried) {
                (Action::Approve, true) => CommitteeApproved,
                (Action::Reject, false) => Rejected,
                (Action::Approve, false) => {
                    return Err(Refusal::Condition(format!(
                        "表决未获通过：赞成 {yes} 票、反对 {no} 票、弃权 {abstain} 票，赞成须超过所投票数的 {:.0}%",
                        f.majority * 100.0
                    )));
                }
                _ => {
                    return Err(Refusal::Condition(format!(
                        "表决已获通过（赞成 {yes} 票、反对 {no} 票、弃权 {abstain} 票），不能否决"
                    )));
                }
            }
        }
        (Action::Return, Checked | CommitteeReview) => Returned,
        (Action::RecordApproval, CommitteeApproved) => Approved,
        (Action::File, Approved) if !f.filed => Approved,
        (Action::Announce, Approved) if !f.announced => Approved,
        (Action::Publish, Approved) => {
            if !f.filed || !f.announced {
                let mut missing = Vec::new();
                if !f.filed {
                    missing.push("备案");
                }
                if !f.announced {
                    missing.push("公告");
                }
                return Err(Refusal::Condition(format!("尚未{}，不能发布", missing.join("和"))));
            }
            Published
        }
        (Action::Withdraw, Draft | Submitted | Checked | Returned) => Withdrawn,
        _ => return Err(Refusal::State { state: state.label(), action: action.as_str() }),
    };
    Ok(next)
}
