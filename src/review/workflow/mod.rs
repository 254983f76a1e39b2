//! The state machine of a naming proposal: which action moves it from
//! which state, who may take it, and what must hold first. Pure: the
//! handlers gather the [`Facts`] and store the outcome.
//!
//! ```text
//! draft ─submit→ submitted ─check→ checked ─start_expert_review→ expert_review
//!   ─start_consultation→ consultation ─close_consultation→ committee_review
//!   ─vote…, approve→ committee_approved ─record_approval→ approved ─publish→ published
//! committee_review ─reject→ rejected;  checked | committee_review ─return→ returned ─submit→ submitted
//! draft | submitted | checked | returned ─withdraw→ withdrawn
//! ```
//! `opinion`, `comment`, `respond`, `vote`, `file` and `announce` record
//! something without moving the proposal. `approve` and `reject` close the
//! committee's vote: they need the quorum, and approval a majority of the
//! votes cast. One account acts on a proposal in one role only (comments
//! aside): applicant, reviewer, expert, committee member and approver are
//! separate hands.
//!
//! The states ([`State`]) and roles ([`Role`]) are part of the stored
//! record and live in [`crate::model`]; here are the actions
//! ([`action`]), the transition table ([`transition`]) and its property
//! tests.

mod action;
mod transition;

#[cfg(test)]
mod tests;

pub use crate::model::{ProposalState as State, Role};
pub use action::Action;
pub use transition::{Facts, Refusal, step};
