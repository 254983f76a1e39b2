//! Boundary markers (界桩) by GB/T 17796: their types, the conditions they
//! are found in, the changes both sides sign, and where a change stands.

use super::keyword::keyword_enum;

keyword_enum! {
    /// The type of a boundary marker: a single marker, one of a pair
    /// either side of a boundary river or road, or one of a triple where
    /// three divisions meet.
    pub enum MarkerKind {
        /// A single marker on the line.
        Q = ("Q", "单立"),
        /// The first of a pair.
        A = ("A", "同号双立（A）"),
        /// The second of a pair.
        B = ("B", "同号双立（B）"),
        /// The first of a triple.
        C = ("C", "同号三立（C）"),
        /// The second of a triple.
        D = ("D", "同号三立（D）"),
        /// The third of a triple.
        E = ("E", "同号三立（E）"),
    }
}

keyword_enum! {
    /// The state a boundary marker was last found in.
    pub enum MarkerCondition {
        /// In place and whole.
        Intact = ("intact", "完好"),
        /// In place but damaged.
        Damaged = ("damaged", "损坏"),
        /// Gone.
        Lost = ("lost", "丢失"),
        /// Found away from its recorded position.
        Moved = ("moved", "移位"),
    }
}

keyword_enum! {
    /// A change to a line's markers, which both sides must sign.
    pub enum MarkerAction {
        /// A new marker.
        Add = ("add", "增设"),
        /// A marker set at a new position.
        Move = ("move", "移位"),
        /// A marker removed from the line.
        Retire = ("retire", "撤除"),
    }
}

keyword_enum! {
    /// Where a marker change stands.
    pub enum SignOff {
        /// Proposed by one side, waiting for the other.
        Pending = ("pending", "待对方签认"),
        /// Confirmed by the other side, and applied.
        Confirmed = ("confirmed", "双方已签认"),
        /// Refused by the other side.
        Rejected = ("rejected", "对方不同意"),
        /// Taken back by the side that proposed it.
        Withdrawn = ("withdrawn", "提出方撤回"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_round_trip_and_serialise_as_stored() {
        for &k in MarkerKind::ALL {
            assert_eq!(MarkerKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).ok(), Some(serde_json::json!(k.as_str())));
        }
        for &c in MarkerCondition::ALL {
            assert_eq!(MarkerCondition::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).ok(), Some(serde_json::json!(c.as_str())));
        }
        for &a in MarkerAction::ALL {
            assert_eq!(serde_json::from_value::<MarkerAction>(serde_json::json!(a.as_str())).ok(), Some(a));
        }
        for &s in SignOff::ALL {
            assert_eq!(serde_json::from_value::<SignOff>(serde_json::json!(s.as_str())).ok(), Some(s));
        }
    }
}
