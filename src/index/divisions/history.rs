//! The change history of the divisions: renames, merges and splits as
//! code → code links with their dates, read backwards (the division that
//! stood for a code on a date) and forwards (today's division for a
//! former one).

use super::DivisionIndex;
use crate::model::DivisionCode;
use crate::store::ChangeRow;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Codes linked by a change: code → (change date, the code on the other side).
type Links = HashMap<DivisionCode, Vec<(NaiveDate, DivisionCode)>>;

/// The change history by code.
pub(super) struct History {
    /// new code → (change date, old code), from the change history.
    predecessors: Links,
    /// old code → (change date, new code), the same history read forwards.
    successors: Links,
}

impl History {
    /// The history of `changes`.
    pub(super) fn build(changes: &[ChangeRow]) -> History {
        let mut predecessors = Links::new();
        let mut successors = Links::new();
        for c in changes {
            if let (Some(old), Some(new)) = (&c.old_code, &c.new_code)
                && old != new
            {
                predecessors.entry(new.clone()).or_default().push((c.date, old.clone()));
                successors.entry(old.clone()).or_default().push((c.date, new.clone()));
            }
        }
        History { predecessors, successors }
    }
}

impl DivisionIndex {
    /// The division that stood for `code` on `date`: a version of the same
    /// code, else (following the change history back) a predecessor's.
    pub fn version_on(&self, code: &str, date: NaiveDate) -> Option<u32> {
        self.version_on_depth(code, date, 0)
    }

    fn version_on_depth(&self, code: &str, date: NaiveDate, depth: usize) -> Option<u32> {
        if let Some(i) = self.by_code(code, Some(date)) {
            return Some(i);
        }
        if depth > 8 {
            return None;
        }
        self.history
            .predecessors
            .get(code)?
            .iter()
            .filter(|(changed, _)| *changed > date)
            .find_map(|(_, old)| self.version_on_depth(old.as_str(), date, depth + 1))
    }

    /// The current division that stands for version `i` today: itself if
    /// current, the current version of its code if it was renamed, else
    /// (following the change history forwards, latest change first) a
    /// successor's.
    pub fn current_of(&self, i: u32) -> Option<u32> {
        self.currents[i as usize].get()
    }

    pub(super) fn current_of_uncached(&self, i: u32) -> Option<u32> {
        let d = self.get(i);
        let Some(ended) = d.valid_to else {
            return Some(i);
        };
        self.current_of_code(d.code.as_str(), ended, 0)
    }

    fn current_of_code(&self, code: &str, after: NaiveDate, depth: usize) -> Option<u32> {
        if let Some(i) = self.by_code(code, None) {
            return Some(i);
        }
        if depth > 8 {
            return None;
        }
        let mut next: Vec<&(NaiveDate, DivisionCode)> =
            self.history.successors.get(code)?.iter().filter(|(date, _)| *date >= after).collect();
        next.sort_by_key(|e| std::cmp::Reverse(e.0));
        next.into_iter().find_map(|(date, new)| self.current_of_code(new.as_str(), *date, depth + 1))
    }
}
