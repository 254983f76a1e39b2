//! API tokens: their ids, and the role a token carries (what its holder
//! may do in the naming workflow and the rest of the API). The role is
//! stored by its identifier (the `api_tokens.role` column) and recorded on
//! every step of a proposal.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of an API token (the `api_tokens` row); it also names who
/// created a proposal or a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenId(pub i64);

impl From<i64> for TokenId {
    fn from(id: i64) -> TokenId {
        TokenId(id)
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
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
    /// A boundary officer of the divisions in the account's scope: proposes
    /// and confirms changes to markers, records joint inspections.
    Boundary,
    /// Another department's system of records (公安户籍, 市场监管 …), named
    /// by the account's department: links its records to address codes.
    Department,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 9] = [
        Role::Applicant,
        Role::Reviewer,
        Role::Expert,
        Role::Committee,
        Role::Approver,
        Role::Admin,
        Role::Subscriber,
        Role::Boundary,
        Role::Department,
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
            Role::Boundary => "boundary",
            Role::Department => "department",
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
            Role::Boundary => "界线管理人员",
            Role::Department => "部门业务系统",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
