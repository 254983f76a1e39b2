//! A naming proposal and everything recorded on it during review: the
//! record the store keeps (as one JSON document) and the API shows. The
//! rules that fill it are in [`crate::review`].

use super::{AccountId, ProposalState, Role, Timestamp, TokenId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The public id of a proposal (the `proposals` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProposalId(pub i64);

impl fmt::Display for ProposalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What the proposal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Name a place that has no standard name.
    Name,
    /// Give a named place a new name (the old one is kept as history).
    Rename,
    /// Retire a name (the place is gone or no longer named).
    Retire,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 3] = [Kind::Name, Kind::Rename, Kind::Retire];

    /// The stable identifier (the `kind` column).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Name => "name",
            Kind::Rename => "rename",
            Kind::Retire => "retire",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind in words.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Name => "命名",
            Kind::Rename => "更名",
            Kind::Retire => "销名",
        }
    }
}

/// The verdict of one rule check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The rule holds.
    Pass,
    /// The committee should look.
    Warn,
    /// The rule is broken; review cannot go on.
    Fail,
}

/// One rule check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// Stable rule identifier (`duplicate_name`, `homophone` …).
    pub rule: String,
    /// `pass`, `warn` or `fail`.
    pub result: Verdict,
    /// What a committee member reads.
    pub message: String,
}

impl Check {
    /// A check.
    pub fn new(rule: &str, result: Verdict, message: impl Into<String>) -> Check {
        Check { rule: rule.into(), result, message: message.into() }
    }
}

/// A document attached by reference (the file itself lives in the
/// document system).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Its title (综合评估报告).
    pub title: String,
    /// Where it is (document number, URL or archive reference).
    pub reference: String,
}

/// An expert's opinion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    /// The expert (account name).
    pub expert: String,
    /// The expert's account (one opinion per account).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    /// `support`, `oppose` or `amend`.
    pub position: String,
    /// The opinion.
    pub text: String,
    /// When.
    pub at: Timestamp,
}

/// A public comment and how it was handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    /// Its number within the proposal (1, 2 …).
    pub id: u32,
    /// Who commented (as given).
    pub author: String,
    /// The comment.
    pub text: String,
    /// When.
    pub at: Timestamp,
    /// How it was handled, once answered.
    pub response: Option<String>,
    /// Who answered.
    pub responded_by: Option<String>,
}

/// A committee member's vote on the proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    /// The member (account name).
    pub member: String,
    /// The member's account (one vote per account; a new one replaces it).
    pub account: AccountId,
    /// `approve`, `reject` or `abstain`.
    pub vote: String,
    /// The member's remark.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// The government's approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    /// Approving body (宁波市人民政府).
    pub body: String,
    /// Document number (甬政地〔2026〕12号).
    pub document: String,
    /// Date.
    pub date: NaiveDate,
}

/// A dated record (filing, announcement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filing {
    /// Date.
    pub date: NaiveDate,
    /// Filed with (上级民政部门) or announced where.
    pub with: String,
}

/// One step in the proposal's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The action.
    pub action: String,
    /// Who (account name).
    pub actor: String,
    /// Role of the actor.
    pub role: Role,
    /// The actor's account (separation of duties counts accounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountId>,
    /// State before.
    pub from: ProposalState,
    /// State after.
    pub to: ProposalState,
    /// When.
    pub at: Timestamp,
    /// A note (reason, decision remark).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A naming proposal (the geometry is kept beside it, as GeoJSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// Public id.
    pub id: ProposalId,
    /// Name, rename or retire.
    pub kind: Kind,
    /// Place class identifier.
    pub class: String,
    /// Proposed name (for a retirement: the name retired).
    pub name: String,
    /// 专名.
    pub specific: String,
    /// 通名.
    pub generic: String,
    /// Romanised spelling (generated, or the applicant's override).
    pub pinyin: String,
    /// The spelling the national rules generate.
    pub pinyin_generated: String,
    /// Division code it lies in (6 to 12 digits).
    pub division: String,
    /// The place renamed or retired (place id).
    pub place: Option<i64>,
    /// Its name when the proposal was made.
    pub place_name: Option<String>,
    /// 含义.
    pub meaning: Option<String>,
    /// Why (理由).
    pub reason: Option<String>,
    /// Who applies (unit or person).
    pub applicant: Option<String>,
    /// The place-name plan the name implements, if any.
    pub plan: Option<String>,
    /// Reference of the heritage protection plan (for renaming a
    /// protected name).
    pub protection_plan: Option<String>,
    /// Documents by reference.
    pub attachments: Vec<Attachment>,
    /// Where it stands.
    pub state: ProposalState,
    /// Increases with every change (the ETag).
    pub version: i64,
    /// The token that created it (its id).
    pub owner: TokenId,
    /// The account that created it: its applicant, whichever token it
    /// uses (none on proposals made before accounts: the token counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_account: Option<AccountId>,
    /// The holder of that token.
    pub created_by: String,
    /// When created.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
    /// The latest rule checks.
    pub checks: Vec<Check>,
    /// Expert opinions (one per expert; a new one replaces the old).
    pub opinions: Vec<Opinion>,
    /// Consultation period (the day it opened, the day it ends), once
    /// opened.
    pub consultation: Option<(NaiveDate, NaiveDate)>,
    /// Public comments.
    pub comments: Vec<Comment>,
    /// The committee members' votes in the current review.
    #[serde(default)]
    pub votes: Vec<Vote>,
    /// The committee's decision note, or why it was returned.
    pub decision_note: Option<String>,
    /// The government's approval.
    pub approval: Option<Approval>,
    /// Filing due date, from the approval.
    pub filing_due: Option<NaiveDate>,
    /// Announcement due date, from the approval.
    pub announcement_due: Option<NaiveDate>,
    /// Filing (备案).
    pub filing: Option<Filing>,
    /// Announcement (公告).
    pub announcement: Option<Filing>,
    /// The announcement text.
    pub announcement_text: Option<String>,
    /// The place created or changed when published.
    pub published_place: Option<i64>,
    /// Every step so far.
    pub history: Vec<Event>,
}

impl Proposal {
    /// Whether a rule check failed.
    pub fn checks_failed(&self) -> bool {
        self.checks.iter().any(|c| c.result == Verdict::Fail)
    }

    /// Whether account `account` (acting through token `token`) is the
    /// applicant who created it.
    pub fn is_owned_by(&self, account: AccountId, token: TokenId) -> bool {
        match self.owner_account {
            Some(a) => a == account,
            None => self.owner == token,
        }
    }

    /// The ETag of this version.
    pub fn etag(&self) -> String {
        format!("\"proposal-{}-v{}\"", self.id, self.version)
    }

    /// Whether it is still under way (for duplicate checks against other
    /// proposals).
    pub fn is_active(&self) -> bool {
        !self.state.is_final() && self.state != ProposalState::Draft
    }
}
