use serde::{Deserialize, Serialize};

/// What a standard address row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressKind {
    /// A door plate on a road (道路门牌): road + number.
    RoadPlate,
    /// A building plate inside a compound (楼幢牌): compound + building.
    Building,
    /// A room inside a building: compound + building + unit + room.
    Room,
    /// A rural plate (农村门牌): village + group + number.
    RuralPlate,
}

impl AddressKind {
    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressKind::RoadPlate => "road_plate",
            AddressKind::Building => "building",
            AddressKind::Room => "room",
            AddressKind::RuralPlate => "rural_plate",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<AddressKind> {
        [AddressKind::RoadPlate, AddressKind::Building, AddressKind::Room, AddressKind::RuralPlate]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A unique address code: the 12-digit statistical code of the village or
/// township the address lies in, followed by a 6-digit serial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddressCode(pub u64);

impl AddressCode {
    /// Builds the code from a division's 12-digit code and a serial.
    pub fn new(division12: &str, serial: u32) -> Option<AddressCode> {
        let base: u64 = division12.parse().ok()?;
        (division12.len() == 12 && serial < 1_000_000)
            .then_some(AddressCode(base * 1_000_000 + serial as u64))
    }

    /// Parses the 18-digit text form.
    ///
    /// ```
    /// use fangyu::model::AddressCode;
    /// let c = AddressCode::parse("330212001001000042").unwrap();
    /// assert_eq!(c.to_string(), "330212001001000042");
    /// assert!(AddressCode::parse("12").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<AddressCode> {
        (s.len() == 18 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok().map(AddressCode))
            .flatten()
    }
}

/// Serialised as its 18-digit text.
impl Serialize for AddressCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl std::fmt::Display for AddressCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:018}", self.0)
    }
}

/// The parts of a door plate, as written on the plate.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DoorPlate {
    /// Prefix character (甲, 乙 …), if any.
    pub prefix: Option<String>,
    /// The main number (88 in 88-1号).
    pub number: u32,
    /// Sub-number (附号) for infill plates (1 in 88-1号).
    pub sub: Option<u32>,
}

impl DoorPlate {
    /// The plate text: `88号`, `88-1号`, `甲88号`.
    pub fn text(&self) -> String {
        let mut s = self.prefix.clone().unwrap_or_default();
        s.push_str(&self.number.to_string());
        if let Some(sub) = self.sub {
            s.push('-');
            s.push_str(&sub.to_string());
        }
        s.push('号');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_print_as_written() {
        let p = DoorPlate { prefix: None, number: 88, sub: Some(1) };
        assert_eq!(p.text(), "88-1号");
        let p = DoorPlate { prefix: Some("甲".into()), number: 88, sub: None };
        assert_eq!(p.text(), "甲88号");
    }

    #[test]
    fn address_codes_carry_their_division() {
        let c = AddressCode::new("330212001001", 42).unwrap();
        assert_eq!(c.to_string(), "330212001001000042");
        assert!(AddressCode::new("330212", 1).is_none());
    }
}
