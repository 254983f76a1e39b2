//! What the change feed says about a change: the kind of record and what
//! happened to it, in the stable words other agencies' systems read.

use serde::Serialize;

/// The kind of record a change is about (`kind` in `/changes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// An administrative division.
    Division,
    /// A standard place name.
    Place,
    /// A door plate or standard address.
    Address,
    /// A boundary marker (界桩).
    Marker,
    /// A boundary line.
    Boundary,
    /// A naming proposal.
    Proposal,
}

impl ChangeKind {
    /// Every kind, in the order the feed documents them.
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Division,
        ChangeKind::Place,
        ChangeKind::Address,
        ChangeKind::Marker,
        ChangeKind::Boundary,
        ChangeKind::Proposal,
    ];

    /// The stable identifier, which is also the change log's `entity`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Division => "division",
            ChangeKind::Place => "place",
            ChangeKind::Address => "address",
            ChangeKind::Marker => "marker",
            ChangeKind::Boundary => "boundary",
            ChangeKind::Proposal => "proposal",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What happened to the record (`action` in `/changes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    /// It was created.
    Create,
    /// Some of its fields changed.
    Update,
    /// Its name changed.
    Rename,
    /// Its location changed.
    Move,
    /// It was retired (it stays as history).
    Retire,
}

impl ChangeAction {
    /// Every action.
    pub const ALL: [ChangeAction; 5] = [
        ChangeAction::Create,
        ChangeAction::Update,
        ChangeAction::Rename,
        ChangeAction::Move,
        ChangeAction::Retire,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Rename => "rename",
            ChangeAction::Move => "move",
            ChangeAction::Retire => "retire",
        }
    }

    /// The feed's word for an action as the change log records it: the
    /// feed's own words pass through; older words (`insert`, `bulk_load`,
    /// `revoke`) and workflow steps (`submit`, `approve`, …) are mapped.
    pub fn from_log(action: &str) -> ChangeAction {
        match action {
            "create" | "insert" | "bulk_load" => ChangeAction::Create,
            "rename" => ChangeAction::Rename,
            "move" => ChangeAction::Move,
            "retire" | "revoke" => ChangeAction::Retire,
            _ => ChangeAction::Update,
        }
    }
}

/// Which changes a reader follows: some kinds (every kind when empty) in
/// the divisions whose code starts with a prefix (everywhere when none).
/// The same filter serves `/changes`, its event stream and subscriptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeFilter {
    /// Only these kinds (all when empty).
    pub kinds: Vec<ChangeKind>,
    /// Only changes in divisions whose code starts with this.
    pub division: Option<String>,
}

/// A filter field that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct FilterError {
    /// The field as the caller named it (`kind`, `kinds`, `division`).
    pub field: &'static str,
    /// Why, in Chinese.
    pub reason: String,
}

impl ChangeFilter {
    /// Parses the kinds (given in field `kinds_field`; blanks are skipped)
    /// and the division code prefix (up to 12 digits; empty is none).
    pub fn parse<'a>(
        kinds_field: &'static str,
        kinds: impl IntoIterator<Item = &'a str>,
        division: Option<&str>,
    ) -> Result<ChangeFilter, FilterError> {
        let mut parsed = Vec::new();
        for k in kinds.into_iter().map(str::trim).filter(|k| !k.is_empty()) {
            let kind = ChangeKind::parse(k).ok_or_else(|| {
                let all: Vec<&str> = ChangeKind::ALL.iter().map(|k| k.as_str()).collect();
                FilterError {
                    field: kinds_field, reason: format!("未知类别“{k}”，可用：{}", all.join("、"))
                }
            })?;
            if !parsed.contains(&kind) {
                parsed.push(kind);
            }
        }
        let division = division.map(str::trim).filter(|d| !d.is_empty());
        if division.is_some_and(|d| d.len() > 12 || !d.bytes().all(|b| b.is_ascii_digit())) {
            return Err(FilterError {
                field: "division",
                reason: "须为区划代码或其前缀（至多 12 位数字）".into(),
            });
        }
        Ok(ChangeFilter { kinds: parsed, division: division.map(str::to_owned) })
    }

    /// The kinds the filter lets through.
    pub fn kinds_or_all(&self) -> &[ChangeKind] {
        if self.kinds.is_empty() { &ChangeKind::ALL } else { &self.kinds }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_actions_read_back_their_own_words() {
        for k in ChangeKind::ALL {
            assert_eq!(ChangeKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ChangeKind::parse("api_token"), None, "tokens are not in the public feed");
        for a in ChangeAction::ALL {
            assert_eq!(ChangeAction::from_log(a.as_str()), a);
        }
        assert_eq!(ChangeAction::from_log("insert"), ChangeAction::Create);
        assert_eq!(ChangeAction::from_log("submit"), ChangeAction::Update);
    }

    #[test]
    fn a_filter_reads_comma_lists_and_division_prefixes() {
        let f = ChangeFilter::parse("kind", "address, place,,address".split(','), Some("3302")).unwrap();
        assert_eq!(f.kinds, vec![ChangeKind::Address, ChangeKind::Place]);
        assert_eq!(f.division.as_deref(), Some("3302"));
        let all = ChangeFilter::parse("kind", [], Some("")).unwrap();
        assert_eq!((all.kinds_or_all().len(), all.division), (ChangeKind::ALL.len(), None));
        let e = ChangeFilter::parse("kinds", ["token"], None).unwrap_err();
        assert_eq!(e.field, "kinds");
        assert!(e.reason.contains("token"), "{e}");
        assert_eq!(ChangeFilter::parse("kind", [], Some("33a")).unwrap_err().field, "division");
        assert_eq!(ChangeFilter::parse("kind", [], Some("1234567890123")).unwrap_err().field, "division");
    }
}
