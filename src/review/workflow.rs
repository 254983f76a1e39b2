//! The state machine of a naming proposal: which action moves it from
//! which state, who may take it, and what must hold first. Pure: the
//! handlers gather the [`Facts`] and store the outcome.
//!
//! ```text
//! draft ─submit→ submitted ─check→ checked ─start_expert_review→ expert_review
//!   ─start_consultation→ consultation ─close_consultation→ committee_review
//!   ─approve→ committee_approved ─record_approval→ approved ─publish→ published
//! committee_review ─reject→ rejected;  checked | committee_review ─return→ returned ─submit→ submitted
//! draft | submitted | checked | returned ─withdraw→ withdrawn
//! ```
//! `opinion`, `comment`, `respond`, `file` and `announce` record something
//! without moving the proposal.

use serde::{Deserialize, Serialize};

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written by the applicant.
    Draft,
    /// Handed in, waiting for the rule checks.
    Submitted,
    /// Checked by the rules, waiting for the reviewer.
    Checked,
    /// Experts give their opinions.
    ExpertReview,
    /// Public consultation is open.
    Consultation,
    /// Waiting for the committee's decision.
    CommitteeReview,
    /// The committee approved; waiting for the government.
    CommitteeApproved,
    /// The government approved; filing and announcement run.
    Approved,
    /// The standard name is in the gazetteer.
    Published,
    /// The committee rejected it.
    Rejected,
    /// Sent back to the applicant for revision.
    Returned,
    /// Withdrawn by the applicant.
    Withdrawn,
}

impl State {
    /// Every state.
    pub const ALL: [State; 12] = [
        State::Draft,
        State::Submitted,
        State::Checked,
        State::ExpertReview,
        State::Consultation,
        State::CommitteeReview,
        State::CommitteeApproved,
        State::Approved,
        State::Published,
        State::Rejected,
        State::Returned,
        State::Withdrawn,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Submitted => "submitted",
            State::Checked => "checked",
            State::ExpertReview => "expert_review",
            State::Consultation => "consultation",
            State::CommitteeReview => "committee_review",
            State::CommitteeApproved => "committee_approved",
            State::Approved => "approved",
            State::Published => "published",
            State::Rejected => "rejected",
            State::Returned => "returned",
            State::Withdrawn => "withdrawn",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The state in words.
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "草稿",
            State::Submitted => "已提交",
            State::Checked => "已完成规则审查",
            State::ExpertReview => "专家论证",
            State::Consultation => "征求意见",
            State::CommitteeReview => "待地名委员会审议",
            State::CommitteeApproved => "委员会已通过，待政府批准",
            State::Approved => "已批准，待备案和公告",
            State::Published => "已发布",
            State::Rejected => "未通过",
            State::Returned => "退回修改",
            State::Withdrawn => "已撤回",
        }
    }

    /// Whether nothing can happen to it any more.
    pub fn is_final(self) -> bool {
        matches!(self, State::Published | State::Rejected | State::Withdrawn)
    }
}

/// What an actor does to a proposal (`POST /proposals/{id}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Hand the draft (or the revised proposal) in.
    Submit,
    /// Run the rule checks again and record them.
    Check,
    /// Open expert review (no check may fail).
    StartExpertReview,
    /// An expert's opinion.
    Opinion,
    /// Open public consultation (enough expert opinions).
    StartConsultation,
    /// A comment from the public.
    Comment,
    /// How a comment was handled.
    Respond,
    /// Close consultation (period over, every comment answered).
    CloseConsultation,
    /// The committee approves.
    Approve,
    /// The committee rejects.
    Reject,
    /// Back to the applicant for revision.
    Return,
    /// The government's approval: body, document number, date.
    RecordApproval,
    /// Filed (备案) with the level above.
    File,
    /// Announced (公告).
    Announce,
    /// Into the gazetteer.
    Publish,
    /// The applicant withdraws it.
    Withdraw,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 16] = [
        Action::Submit,
        Action::Check,
        Action::StartExpertReview,
        Action::Opinion,
        Action::StartConsultation,
        Action::Comment,
        Action::Respond,
        Action::CloseConsultation,
        Action::Approve,
        Action::Reject,
        Action::Return,
        Action::RecordApproval,
        Action::File,
        Action::Announce,
        Action::Publish,
        Action::Withdraw,
    ];

    /// The stable identifier (the last path segment).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Check => "check",
            Action::StartExpertReview => "start_expert_review",
            Action::Opinion => "opinion",
            Action::StartConsultation => "start_consultation",
            Action::Comment => "comment",
            Action::Respond => "respond",
            Action::CloseConsultation => "close_consultation",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Return => "return",
            Action::RecordApproval => "record_approval",
            Action::File => "file",
            Action::Announce => "announce",
            Action::Publish => "publish",
            Action::Withdraw => "withdraw",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// Who may take it.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Action::Submit | Action::Withdraw => &[Applicant],
            Action::Check
            | Action::StartExpertReview
            | Action::StartConsultation
            | Action::Respond
            | Action::CloseConsultation
            | Action::Announce
            | Action::Publish => &[Reviewer],
            Action::Opinion => &[Expert],
            Action::Comment => &[Applicant, Reviewer, Expert, Committee, Approver],
            Action::Approve | Action::Reject => &[Committee],
            Action::Return => &[Reviewer, Committee],
            Action::RecordApproval => &[Approver],
            Action::File => &[Reviewer, Approver],
        }
    }
}

/// A token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Proposes names; acts on its own proposals.
    Applicant,
    /// Civil-affairs staff: checks, runs review and consultation, files,
    /// announces, publishes.
    Reviewer,
    /// Gives expert opinions.
    Expert,
    /// The naming committee: decides.
    Committee,
    /// The approving government body: records approval.
    Approver,
    /// Manages tokens; reads everything.
    Admin,
    /// Another agency's system: reads the change feed and manages its own
    /// webhook subscriptions.
    Subscriber,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 7] = [
        Role::Applicant,
        Role::Reviewer,
        Role::Expert,
        Role::Committee,
        Role::Approver,
        Role::Admin,
        Role::Subscriber,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Applicant => "applicant",
            Role::Reviewer => "reviewer",
            Role::Expert => "expert",
            Role::Committee => "committee",
            Role::Approver => "approver",
            Role::Admin => "admin",
            Role::Subscriber => "subscriber",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The role in words.
    pub fn label(self) -> &'static str {
        match self {
            Role::Applicant => "申请人",
            Role::Reviewer => "审核人员",
            Role::Expert => "专家",
            Role::Committee => "地名委员会",
            Role::Approver => "批准机关",
            Role::Admin => "管理员",
            Role::Subscriber => "数据订阅方",
        }
    }
}

/// What the handler knows about the proposal when an action is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
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
        (Action::Approve, CommitteeReview) => CommitteeApproved,
        (Action::Reject, CommitteeReview) => Rejected,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn any_state() -> impl Strategy<Value = State> {
        proptest::sample::select(State::ALL.to_vec())
    }
    fn any_action() -> impl Strategy<Value = Action> {
        proptest::sample::select(Action::ALL.to_vec())
    }
    fn any_role() -> impl Strategy<Value = Role> {
        proptest::sample::select(Role::ALL.to_vec())
    }
    prop_compose! {
        fn any_facts()(is_owner: bool, checks_failed: bool, opinions in 0usize..5, experts_required in 0usize..5,
            consultation_over: bool, unanswered in 0usize..3, filed: bool, announced: bool) -> Facts {
            Facts { is_owner, checks_failed, opinions, experts_required, consultation_over, unanswered, filed, announced }
        }
    }

    proptest! {
        #[test]
        fn final_states_accept_nothing(s in any_state(), a in any_action(), r in any_role(), f in any_facts()) {
            if s.is_final() {
                prop_assert!(step(s, a, r, f).is_err());
            }
        }

        #[test]
        fn only_the_actions_roles_are_accepted(s in any_state(), a in any_action(), r in any_role(), f in any_facts()) {
            if step(s, a, r, f).is_ok() {
                prop_assert!(a.roles().contains(&r));
            }
            if !a.roles().contains(&r) {
                let is_role_refusal = matches!(step(s, a, r, f), Err(Refusal::Role { .. }));
                prop_assert!(is_role_refusal);
            }
        }

        #[test]
        fn admins_take_no_workflow_action(s in any_state(), a in any_action(), f in any_facts()) {
            prop_assert!(step(s, a, Role::Admin, f).is_err());
        }

        #[test]
        fn recording_actions_never_move_the_proposal(s in any_state(), a in any_action(), r in any_role(), f in any_facts()) {
            let records = matches!(a, Action::Opinion | Action::Comment | Action::Respond | Action::File | Action::Announce);
            if records && let Ok(next) = step(s, a, r, f) {
                prop_assert_eq!(next, s);
            }
        }

        #[test]
        fn publishing_needs_approval_filing_and_announcement(s in any_state(), r in any_role(), f in any_facts()) {
            if step(s, Action::Publish, r, f) == Ok(State::Published) {
                prop_assert_eq!(s, State::Approved);
                prop_assert!(f.filed && f.announced);
            }
        }

    }

    /// Random walks from a draft, each step mostly one the state accepts
    /// (so that walks do reach the end): whenever one reaches `published`,
    /// the path since the last submission went through every stage in
    /// order, with the conditions of each gate met when it was passed; a
    /// refused step names the role when the role may not take the action.
    #[test]
    fn every_published_path_passed_every_gate() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20);
        let stages = [
            State::Submitted,
            State::Checked,
            State::ExpertReview,
            State::Consultation,
            State::CommitteeReview,
            State::CommitteeApproved,
            State::Approved,
            State::Published,
        ];
        let mut published = 0;
        for _ in 0..2_000 {
            let mut s = State::Draft;
            let mut since_submit: Vec<State> = Vec::new();
            for _ in 0..200 {
                let f = Facts {
                    is_owner: rng.random_bool(0.8),
                    checks_failed: rng.random_bool(0.2),
                    opinions: rng.random_range(0..5),
                    experts_required: rng.random_range(0..4),
                    consultation_over: rng.random_bool(0.7),
                    unanswered: if rng.random_bool(0.7) { 0 } else { 1 },
                    filed: rng.random_bool(0.7),
                    announced: rng.random_bool(0.7),
                };
                let accepted: Vec<(Action, Role)> = Action::ALL
                    .iter()
                    .flat_map(|&a| Role::ALL.iter().map(move |&r| (a, r)))
                    .filter(|&(a, r)| step(s, a, r, f).is_ok())
                    .collect();
                let (a, r) = if !accepted.is_empty() && rng.random_bool(0.8) {
                    accepted[rng.random_range(0..accepted.len())]
                } else {
                    (
                        Action::ALL[rng.random_range(0..Action::ALL.len())],
                        Role::ALL[rng.random_range(0..Role::ALL.len())],
                    )
                };
                match step(s, a, r, f) {
                    Ok(next) => {
                        match a {
                            Action::StartExpertReview => assert!(!f.checks_failed),
                            Action::StartConsultation => assert!(f.opinions >= f.experts_required),
                            Action::CloseConsultation => assert!(f.consultation_over && f.unanswered == 0),
                            Action::Publish => assert!(f.filed && f.announced),
                            _ => {}
                        }
                        if a == Action::Submit {
                            since_submit.clear();
                        }
                        if next != s {
                            since_submit.push(next);
                        }
                        s = next;
                    }
                    Err(e) => {
                        if !a.roles().contains(&r) && !s.is_final() {
                            assert!(
                                matches!(e, Refusal::Role { .. } | Refusal::State { .. }),
                                "{a:?} by {r:?} in {s:?}: {e}"
                            );
                        }
                    }
                }
                if s == State::Published {
                    assert_eq!(&since_submit[..], &stages[..]);
                    published += 1;
                    break;
                }
                if s.is_final() {
                    break;
                }
            }
        }
        assert!(published >= 20, "only {published} of 2000 walks reached publication");
    }

    #[test]
    fn the_happy_path_is_accepted() {
        let f = Facts {
            is_owner: true,
            opinions: 3,
            experts_required: 3,
            consultation_over: true,
            filed: true,
            announced: true,
            ..Facts::default()
        };
        let path = [
            (Action::Submit, Role::Applicant, State::Submitted),
            (Action::Check, Role::Reviewer, State::Checked),
            (Action::StartExpertReview, Role::Reviewer, State::ExpertReview),
            (Action::StartConsultation, Role::Reviewer, State::Consultation),
            (Action::CloseConsultation, Role::Reviewer, State::CommitteeReview),
            (Action::Approve, Role::Committee, State::CommitteeApproved),
            (Action::RecordApproval, Role::Approver, State::Approved),
            (Action::Publish, Role::Reviewer, State::Published),
        ];
        let mut s = State::Draft;
        for (a, r, want) in path {
            s = step(s, a, r, f).unwrap_or_else(|e| panic!("{a:?} by {r:?}: {e}"));
            assert_eq!(s, want);
        }
    }

    #[test]
    fn an_applicant_acts_only_on_its_own_proposals() {
        let f = Facts { is_owner: false, ..Facts::default() };
        assert_eq!(step(State::Draft, Action::Submit, Role::Applicant, f), Err(Refusal::NotOwner("submit")));
    }
}
