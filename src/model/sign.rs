//! Place-name signs (地名标志, GB 17733): road-name signs, place-name signs
//! and door plates, and the state each is in.

use super::keyword::keyword_enum;

keyword_enum! {
    /// What a sign is.
    pub enum SignKind {
        /// A road-name sign (路名牌) at a road's end or junction.
        RoadName = ("road_name", "路名牌"),
        /// A place-name sign (地名牌) at a village or compound entrance.
        PlaceName = ("place_name", "地名牌"),
        /// A door plate (门牌) on a building.
        DoorPlate = ("door_plate", "门牌"),
    }
}

keyword_enum! {
    /// The state a sign is in.
    pub enum SignState {
        /// Whole and legible.
        Good = ("good", "完好"),
        /// Damaged (bent, faded, cracked).
        Damaged = ("damaged", "损坏"),
        /// Gone.
        Missing = ("missing", "缺失"),
        /// Replaced by a new sign.
        Replaced = ("replaced", "已更换"),
    }
}
