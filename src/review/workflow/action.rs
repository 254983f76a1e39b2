//! What an actor can do to a proposal, and which roles may do it.

use super::Role;
use serde::{Deserialize, Serialize};

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
    /// A committee member's vote (approve, reject or abstain).
    Vote,
    /// The committee approves (its members' votes carry it).
    Approve,
    /// The committee rejects (its members' votes do not carry it).
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
    pub const ALL: [Action; 17] = [
        Action::Submit,
        Action::Check,
        Action::StartExpertReview,
        Action::Opinion,
        Action::StartConsultation,
        Action::Comment,
        Action::Respond,
        Action::CloseConsultation,
        Action::Vote,
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
            Action::Vote => "vote",
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
            Action::Vote | Action::Approve | Action::Reject => &[Committee],
            Action::Return => &[Reviewer, Committee],
            Action::RecordApproval => &[Approver],
            Action::File => &[Reviewer, Approver],
        }
    }
}
