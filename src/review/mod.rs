//! Naming review: a proposal to name, rename or retire a place, the
//! regulation's automatic checks ([`checks`]), the workflow from draft to
//! published standard name ([`workflow`], [`lifecycle`]), the public
//! announcement ([`announcement`]) and the API tokens with roles that
//! sign every step ([`token`]).

pub mod announcement;
pub mod checks;
pub mod lifecycle;
pub mod token;
pub mod workflow;

pub use crate::model::{Check, Kind, Proposal, Verdict};
pub use checks::Rules;
pub use lifecycle::{Actor, ReviewError};
pub use workflow::{Action, Role, State};

use chrono::{FixedOffset, NaiveDate, Utc};

/// Today in China Standard Time (UTC+8): deadlines and consultation
/// periods are counted in local days.
pub fn today() -> NaiveDate {
    let cst = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"));
    Utc::now().with_timezone(&cst).date_naive()
}
