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
}
