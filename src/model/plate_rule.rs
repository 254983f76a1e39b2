//! Door-plate numbering rules (门牌编号规则), local to a city: which end of
//! a road numbering starts from (by the road's orientation, or the end
//! nearer the city centre), which side carries odd numbers, the frontage
//! each number stands for, numbers left out, how an infill number is
//! written (附号 88-1号, 88之1号, 甲88号), and the forms of building, unit
//! and room numbers. Settings name rule sets and the divisions they apply
//! to (inherited downward).

use serde::{Deserialize, Serialize};

/// A compass end or side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compass {
    /// North.
    North,
    /// South.
    South,
    /// East.
    East,
    /// West.
    West,
}

impl Compass {
    /// In Chinese (北, 南 …).
    pub fn label(self) -> &'static str {
        match self {
            Compass::North => "北",
            Compass::South => "南",
            Compass::East => "东",
            Compass::West => "西",
        }
    }
}

/// Where numbering starts on a road.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum NumberingStart {
    /// By the road's orientation: east–west roads from one end, north–south
    /// roads from one end (Beijing: from the east, from the north).
    Orientation {
        /// East–west roads start at this end.
        east_west_from: Compass,
        /// North–south roads start at this end.
        north_south_from: Compass,
    },
    /// From the end nearer the city centre, outward.
    Centre {
        /// The centre, lon/lat CGCS2000.
        lon: f64,
        /// The centre, lon/lat CGCS2000.
        lat: f64,
    },
}

/// Which side of a road carries the odd numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case", deny_unknown_fields)]
pub enum OddSide {
    /// By compass side: of east–west roads, of north–south roads.
    Compass {
        /// Odd side of east–west roads (north or south).
        east_west: Compass,
        /// Odd side of north–south roads (east or west).
        north_south: Compass,
    },
    /// Left of the numbering direction.
    Left,
    /// Right of the numbering direction.
    Right,
}

/// How an infill number between two plates is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InfillForm {
    /// 附号 with a hyphen: 88-1号.
    Hyphen,
    /// 之: 88之1号.
    Zhi,
    /// A prefix: 甲88号, 乙88号 ….
    Prefix,
}

/// The prefixes an infill number takes in [`InfillForm::Prefix`], in order.
pub const INFILL_PREFIXES: [&str; 10] = ["甲", "乙", "丙", "丁", "戊", "己", "庚", "辛", "壬", "癸"];

/// A city's numbering rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlateRule {
    /// What the rule is called (北京市门牌编号规则).
    pub title: String,
    /// Where numbering starts.
    pub start: NumberingStart,
    /// The side with odd numbers.
    pub odd: OddSide,
    /// Frontage per number on each side, metres.
    pub frontage_m: f64,
    /// Numbers never given.
    #[serde(default)]
    pub skip: Vec<u32>,
    /// How an infill number is written.
    pub infill: InfillForm,
    /// A building's form (`{n}幢`).
    pub building: String,
    /// A unit's form (`{n}单元`).
    pub unit: String,
    /// A room's form (`{floor}{nn}室`: floor, then the room on the floor in
    /// two digits).
    pub room: String,
}

impl PlateRule {
    /// Beijing's rule (as DOMAIN.md gives it): east–west streets from east
    /// to west with odd numbers on the north side, north–south streets
    /// from north to south with odd numbers on the west; 4, 13 and 14 are
    /// not left out; infill numbers as 附号.
    pub fn beijing() -> PlateRule {
        PlateRule {
            title: "北京市门牌编号规则（东西向街道自东向西、单号在北；南北向街道自北向南、单号在西）".into(),
            start: NumberingStart::Orientation {
                east_west_from: Compass::East,
                north_south_from: Compass::North,
            },
            odd: OddSide::Compass { east_west: Compass::North, north_south: Compass::West },
            frontage_m: 10.0,
            skip: Vec::new(),
            infill: InfillForm::Hyphen,
            building: "{n}号楼".into(),
            unit: "{n}单元".into(),
            room: "{floor}{nn}".into(),
        }
    }

    /// The frontage rule: one number per 2 m of frontage on each side from
    /// the city centre outward, odd numbers on the left, numbers between
    /// plates kept for infill, recesses as 附号.
    pub fn frontage(centre: (f64, f64)) -> PlateRule {
        PlateRule {
            title: "按临街长度编号（每 2 米一号，自城市中心向外，单号在左）".into(),
            start: NumberingStart::Centre { lon: centre.0, lat: centre.1 },
            odd: OddSide::Left,
            frontage_m: 2.0,
            skip: Vec::new(),
            infill: InfillForm::Hyphen,
            building: "{n}幢".into(),
            unit: "{n}单元".into(),
            room: "{floor}{nn}室".into(),
        }
    }

    /// The demo city's rule (宁波市 in the demo data): Beijing's
    /// directions, one number per 30 m of frontage, 甲 for a plate put in
    /// before an existing one's twin, 附号 otherwise.
    pub fn demo_city() -> PlateRule {
        PlateRule {
            title: "示例城市门牌编号规则（东西向自东向西、单号在北；南北向自北向南、单号在西；每 30 米一号）"
                .into(),
            frontage_m: 30.0,
            building: "{n}幢".into(),
            room: "{floor}{nn}室".into(),
            ..PlateRule::beijing()
        }
    }

    /// An infill number after `main` (the `k`-th, from 1) as written.
    pub fn infill_text(&self, main: u32, k: u32) -> String {
        match self.infill {
            InfillForm::Hyphen => format!("{main}-{k}号"),
            InfillForm::Zhi => format!("{main}之{k}号"),
            InfillForm::Prefix => {
                let p = INFILL_PREFIXES.get(k.saturating_sub(1) as usize).copied().unwrap_or("癸");
                format!("{p}{main}号")
            }
        }
    }

    /// A building number as written.
    pub fn building_text(&self, n: &str) -> String {
        self.building.replace("{n}", n)
    }

    /// A unit number as written.
    pub fn unit_text(&self, n: &str) -> String {
        self.unit.replace("{n}", n)
    }

    /// A room number as written: floor, then the room on the floor.
    pub fn room_text(&self, floor: u32, room: u32) -> String {
        self.room.replace("{floor}", &floor.to_string()).replace("{nn}", &format!("{room:02}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infill_and_room_forms_follow_the_rule() {
        let b = PlateRule::beijing();
        assert_eq!(b.infill_text(88, 1), "88-1号");
        assert_eq!(b.room_text(5, 1), "501");
        let zhi = PlateRule { infill: InfillForm::Zhi, ..PlateRule::frontage((0.0, 0.0)) };
        assert_eq!(zhi.infill_text(88, 2), "88之2号");
        assert_eq!(zhi.room_text(12, 3), "1203室");
        let jia = PlateRule { infill: InfillForm::Prefix, ..PlateRule::demo_city() };
        assert_eq!(jia.infill_text(88, 1), "甲88号");
        assert_eq!(jia.infill_text(88, 2), "乙88号");
        assert_eq!(jia.building_text("3"), "3幢");
    }
}
