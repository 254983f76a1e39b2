//! Deadlines of an approved name: filing (备案) and announcement (公告)
//! are due a configured number of days after the government's approval;
//! these are the duties past due.

use super::ReviewError;
use crate::model::ProposalId;
use crate::store::{ProposalRow, Store};
use chrono::NaiveDate;

/// One overdue duty of an approved name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Overdue {
    /// Proposal id.
    pub proposal: ProposalId,
    /// Name.
    pub name: String,
    /// `filing` or `announcement`.
    pub duty: &'static str,
    /// Due date.
    pub due: NaiveDate,
    /// Days past due.
    pub days_overdue: i64,
}

/// Filing and announcement duties past due on `on`.
pub fn overdue(store: &Store, on: NaiveDate) -> Result<Vec<Overdue>, ReviewError> {
    let approved = store.read(ProposalRow::approved)?;
    let mut out = Vec::new();
    for p in approved {
        for (duty, due, done) in [
            ("filing", &p.filing_due, p.filing.is_some()),
            ("announcement", &p.announcement_due, p.announcement.is_some()),
        ] {
            let Some(due_date) = *due else { continue };
            if !done && on > due_date {
                out.push(Overdue {
                    proposal: p.id,
                    name: p.name.clone(),
                    duty,
                    due: due_date,
                    days_overdue: (on - due_date).num_days(),
                });
            }
        }
    }
    out.sort_by_key(|o| std::cmp::Reverse(o.days_overdue));
    Ok(out)
}
