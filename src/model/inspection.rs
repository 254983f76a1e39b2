//! Joint inspections of boundary lines (界线联合检查): what the two sides'
//! teams find at a marker or along a section of line, and where a round
//! stands.

use super::MarkerCondition;
use super::keyword::keyword_enum;

keyword_enum! {
    /// What an inspection found at a marker or along a line section.
    pub enum FindingKind {
        /// The marker is in place and whole.
        Intact = ("intact", "完好"),
        /// The marker is damaged.
        Damaged = ("damaged", "损坏"),
        /// The marker is gone.
        Missing = ("missing", "丢失"),
        /// The marker stands away from its recorded position.
        Moved = ("moved", "移位"),
        /// The marker's inscription can no longer be read.
        Illegible = ("illegible", "字迹不清"),
        /// The line cannot be made out on the ground.
        LineUnclear = ("line_unclear", "界线不清"),
        /// The terrain along the line has changed (a river moved, a road
        /// built).
        TerrainChanged = ("terrain_changed", "地形变化"),
    }
}

impl FindingKind {
    /// Whether the finding is about a marker (the others are about a
    /// section of line; `intact` is both).
    pub fn of_marker(self) -> bool {
        !matches!(self, FindingKind::LineUnclear | FindingKind::TerrainChanged)
    }

    /// Whether the finding is about a line section.
    pub fn of_line(self) -> bool {
        matches!(self, FindingKind::Intact | FindingKind::LineUnclear | FindingKind::TerrainChanged)
    }

    /// Whether something needs repair.
    pub fn needs_repair(self) -> bool {
        self != FindingKind::Intact
    }

    /// The condition a marker is recorded in once the round is signed.
    pub fn marker_condition(self) -> Option<MarkerCondition> {
        match self {
            FindingKind::Intact => Some(MarkerCondition::Intact),
            FindingKind::Damaged | FindingKind::Illegible => Some(MarkerCondition::Damaged),
            FindingKind::Missing => Some(MarkerCondition::Lost),
            FindingKind::Moved => Some(MarkerCondition::Moved),
            FindingKind::LineUnclear | FindingKind::TerrainChanged => None,
        }
    }
}

keyword_enum! {
    /// Where a joint inspection round stands.
    pub enum RoundState {
        /// Findings are being recorded.
        Open = ("open", "检查中"),
        /// One side has signed; the other has not.
        Signing = ("signing", "待对方签认"),
        /// Both sides signed: the markers' states are recorded.
        Closed = ("closed", "双方已签认"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip_and_unknown_ones_are_refused() {
        for k in FindingKind::ALL {
            assert_eq!(FindingKind::parse(k.as_str()), Some(*k));
            let json = serde_json::to_string(k).expect("json");
            assert_eq!(serde_json::from_str::<FindingKind>(&json).expect("back"), *k);
        }
        let e = serde_json::from_str::<FindingKind>("\"broken\"").expect_err("refused");
        assert!(e.to_string().contains("line_unclear"), "{e}");
    }

    #[test]
    fn every_marker_finding_records_a_condition_and_line_findings_do_not() {
        for k in FindingKind::ALL {
            assert_eq!(k.marker_condition().is_some(), k.of_marker(), "{k:?}");
        }
    }
}
