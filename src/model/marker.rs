use serde::{Deserialize, Serialize};

/// The type of a boundary marker (界桩) by GB/T 17796: a single marker, one
/// of a pair either side of a boundary river or road, or one of a triple
/// where three divisions meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MarkerKind {
    /// A single marker on the line.
    Q,
    /// The first of a pair.
    A,
    /// The second of a pair.
    B,
    /// The first of a triple.
    C,
    /// The second of a triple.
    D,
    /// The third of a triple.
    E,
}

impl MarkerKind {
    /// Every type.
    pub const ALL: [MarkerKind; 6] =
        [MarkerKind::Q, MarkerKind::A, MarkerKind::B, MarkerKind::C, MarkerKind::D, MarkerKind::E];

    /// The letter of the marker number (`Q`, `A` …).
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerKind::Q => "Q",
            MarkerKind::A => "A",
            MarkerKind::B => "B",
            MarkerKind::C => "C",
            MarkerKind::D => "D",
            MarkerKind::E => "E",
        }
    }

    /// Parses the letter.
    pub fn parse(s: &str) -> Option<MarkerKind> {
        MarkerKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The state a boundary marker was last found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerCondition {
    /// In place and whole.
    Intact,
    /// In place but damaged.
    Damaged,
    /// Gone.
    Lost,
    /// Found away from its recorded position.
    Moved,
}

impl MarkerCondition {
    /// Every condition.
    pub const ALL: [MarkerCondition; 4] =
        [MarkerCondition::Intact, MarkerCondition::Damaged, MarkerCondition::Lost, MarkerCondition::Moved];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerCondition::Intact => "intact",
            MarkerCondition::Damaged => "damaged",
            MarkerCondition::Lost => "lost",
            MarkerCondition::Moved => "moved",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<MarkerCondition> {
        MarkerCondition::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// A change to a line's markers, which both sides must sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkerAction {
    /// A new marker.
    Add,
    /// A marker set at a new position.
    Move,
    /// A marker removed from the line.
    Retire,
}

impl MarkerAction {
    /// Every action.
    pub const ALL: [MarkerAction; 3] = [MarkerAction::Add, MarkerAction::Move, MarkerAction::Retire];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            MarkerAction::Add => "add",
            MarkerAction::Move => "move",
            MarkerAction::Retire => "retire",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<MarkerAction> {
        MarkerAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The action in words.
    pub fn label(self) -> &'static str {
        match self {
            MarkerAction::Add => "增设",
            MarkerAction::Move => "移位",
            MarkerAction::Retire => "撤除",
        }
    }
}

/// Where a marker change stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignOff {
    /// Proposed by one side, waiting for the other.
    Pending,
    /// Confirmed by the other side, and applied.
    Confirmed,
    /// Refused by the other side.
    Rejected,
    /// Taken back by the side that proposed it.
    Withdrawn,
}

impl SignOff {
    /// Every state.
    pub const ALL: [SignOff; 4] =
        [SignOff::Pending, SignOff::Confirmed, SignOff::Rejected, SignOff::Withdrawn];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            SignOff::Pending => "pending",
            SignOff::Confirmed => "confirmed",
            SignOff::Rejected => "rejected",
            SignOff::Withdrawn => "withdrawn",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<SignOff> {
        SignOff::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_and_serialise_as_stored() {
        for k in MarkerKind::ALL {
            assert_eq!(MarkerKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::json!(k.as_str())));
        }
        for c in MarkerCondition::ALL {
            assert_eq!(MarkerCondition::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).ok(), Some(serde_json::json!(c.as_str())));
        }
    }
}
