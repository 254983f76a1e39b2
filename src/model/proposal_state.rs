//! Where a naming proposal stands: the states of the review workflow, as
//! they are stored (the `state` column and the record) and shown.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
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

impl ProposalState {
    /// Every state.
    pub const ALL: [ProposalState; 12] = [
        ProposalState::Draft,
        ProposalState::Submitted,
        ProposalState::Checked,
        ProposalState::ExpertReview,
        ProposalState::Consultation,
        ProposalState::CommitteeReview,
        ProposalState::CommitteeApproved,
        ProposalState::Approved,
        ProposalState::Published,
        ProposalState::Rejected,
        ProposalState::Returned,
        ProposalState::Withdrawn,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Draft => "draft",
            ProposalState::Submitted => "submitted",
            ProposalState::Checked => "checked",
            ProposalState::ExpertReview => "expert_review",
            ProposalState::Consultation => "consultation",
            ProposalState::CommitteeReview => "committee_review",
            ProposalState::CommitteeApproved => "committee_approved",
            ProposalState::Approved => "approved",
            ProposalState::Published => "published",
            ProposalState::Rejected => "rejected",
            ProposalState::Returned => "returned",
            ProposalState::Withdrawn => "withdrawn",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<ProposalState> {
        ProposalState::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The state in words.
    pub fn label(self) -> &'static str {
        match self {
            ProposalState::Draft => "草稿",
            ProposalState::Submitted => "已提交",
            ProposalState::Checked => "已完成规则审查",
            ProposalState::ExpertReview => "专家论证",
            ProposalState::Consultation => "征求意见",
            ProposalState::CommitteeReview => "待地名委员会审议",
            ProposalState::CommitteeApproved => "委员会已通过，待政府批准",
            ProposalState::Approved => "已批准，待备案和公告",
            ProposalState::Published => "已发布",
            ProposalState::Rejected => "未通过",
            ProposalState::Returned => "退回修改",
            ProposalState::Withdrawn => "已撤回",
        }
    }

    /// Whether nothing can happen to it any more.
    pub fn is_final(self) -> bool {
        matches!(self, ProposalState::Published | ProposalState::Rejected | ProposalState::Withdrawn)
    }
}

impl fmt::Display for ProposalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
