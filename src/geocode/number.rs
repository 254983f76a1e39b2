//! Door numbers and what follows them: 88号, 88-1号, 88之1, 甲88号, 358弄81号,
//! 4组6号, 3幢 / 3栋 / 3座 / 3号楼, 2单元, 501室, 5层, 6号院, and the
//! compact 2-1-1401 (building-unit-room). Input is normalised text after the
//! street name, with numerals already digits.

use serde::Serialize;

/// The parts of a door number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DoorNumber {
    /// Lane (弄) number, written before the plate number (358弄81号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lane: Option<u32>,
    /// Village group (组).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<u32>,
    /// Heavenly-stem prefix (甲, 乙 …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Main plate number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main: Option<u32>,
    /// Sub-number (附号, 88-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<u32>,
    /// Building (幢).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<String>,
    /// Unit (单元).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<u32>,
    /// Floor (层).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<u32>,
    /// Room (室).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    /// Whatever could not be read as a number part.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub rest: String,
}

impl DoorNumber {
    /// The plate text in the standard form (`甲88-1号`), if there is a
    /// plate number.
    pub fn plate_text(&self) -> Option<String> {
        let main = self.main?;
        let mut s = String::new();
        if let Some(g) = self.group {
            s.push_str(&format!("{g}组"));
        }
        if let Some(p) = &self.prefix {
            s.push_str(p);
        }
        s.push_str(&main.to_string());
        if let Some(sub) = self.sub {
            s.push_str(&format!("-{sub}"));
        }
        s.push('号');
        Some(s)
    }

    /// The plate text without its sub-number or prefix (`88号`), the
    /// fallback when the exact plate is unknown.
    pub fn main_text(&self) -> Option<String> {
        let main = self.main?;
        Some(match self.group {
            Some(g) => format!("{g}组{main}号"),
            None => format!("{main}号"),
        })
    }

    /// The building in the standard form (`3幢`).
    pub fn building_text(&self) -> Option<String> {
        self.building.as_ref().map(|b| format!("{b}幢"))
    }

    /// Unit and room in the standard form (`2单元501室`), empty if none.
    pub fn unit_room_text(&self) -> String {
        let mut s = String::new();
        if let Some(u) = self.unit {
            s.push_str(&format!("{u}单元"));
        }
        if let Some(r) = &self.room {
            s.push_str(&format!("{r}室"));
        }
        s
    }

    /// Whether nothing was read.
    pub fn is_empty(&self) -> bool {
        *self == DoorNumber::default()
    }
}

/// Reads a door number from `text` (normalised, Arabic digits).
///
/// ```
/// use fangyu::geocode::number::parse_door_number;
/// let n = parse_door_number("甲88-1号");
/// assert_eq!(n.plate_text().as_deref(), Some("甲88-1号"));
/// let n = parse_door_number("3栋2单元501室");
/// assert_eq!((n.building.as_deref(), n.unit, n.room.as_deref()), (Some("3"), Some(2), Some("501")));
/// ```
pub fn parse_door_number(text: &str) -> DoorNumber {
    let mut n = DoorNumber::default();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let at = |i: usize, s: &str| -> bool {
        let w: Vec<char> = s.chars().collect();
        chars.get(i..i + w.len()).is_some_and(|c| c == w.as_slice())
    };
    // The compact building-unit-room form: 2-1-1401.
    if let Some((b, u, r, used)) = compact_bur(&chars) {
        n.building = Some(b.to_string());
        n.unit = Some(u);
        n.room = Some(r.to_string());
        n.rest = chars[used..].iter().collect();
        return n;
    }
    while i < chars.len() {
        let c = chars[i];
        if "甲乙丙丁".contains(c) && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            n.prefix = Some(c.to_string());
            i += 1;
            continue;
        }
        let Some((value, len)) = digits(&chars[i..]) else {
            // Characters that carry nothing: 院 after a number, 附, stray 号.
            if !"院附号".contains(c) || !n.rest.is_empty() {
                n.rest.push(c);
            }
            i += 1;
            continue;
        };
        let j = i + len;
        if at(j, "号楼") {
            n.building = Some(value.to_string());
            i = j + 2;
        } else if at(j, "幢") || at(j, "栋") || at(j, "座") || at(j, "楼") && n.main.is_some() {
            n.building = Some(value.to_string());
            i = j + 1;
        } else if at(j, "单元") {
            n.unit = Some(value);
            i = j + 2;
        } else if at(j, "室") || at(j, "房") {
            n.room = Some(value.to_string());
            i = j + 1;
        } else if at(j, "层") || at(j, "楼") {
            n.floor = Some(value);
            i = j + 1;
        } else if at(j, "组") {
            n.group = Some(value);
            i = j + 1;
        } else if at(j, "弄") {
            n.lane = Some(value);
            i = j + 1;
        } else if n.main.is_none() && (at(j, "-") || at(j, "之")) {
            // 88-1号, 88之1; a bare 88-1 too.
            n.main = Some(value);
            match digits(&chars[j + 1..]) {
                Some((sub, l)) => {
                    n.sub = Some(sub);
                    i = j + 1 + l;
                    if at(i, "号") {
                        i += 1;
                    }
                }
                None => i = j + 1,
            }
        } else if n.main.is_none() && n.building.is_none() {
            // 88号, or a bare 88 (号 omitted).
            n.main = Some(value);
            i = if at(j, "号") { j + 1 } else { j };
        } else if n.unit.is_some() && n.room.is_none() {
            // 2单元501 (室 omitted).
            n.room = Some(value.to_string());
            i = j;
        } else {
            n.rest.extend(&chars[i..j]);
            i = j;
        }
    }
    n
}

/// A run of ASCII digits at the start: its value and length.
fn digits(chars: &[char]) -> Option<(u32, usize)> {
    let len = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    if len == 0 || len > 9 {
        return None;
    }
    let s: String = chars[..len].iter().collect();
    s.parse().ok().map(|v| (v, len))
}

/// `B-U-R` at the start (three dash-separated numbers, the room of three
/// or four digits): building, unit, room, characters used.
fn compact_bur(chars: &[char]) -> Option<(u32, u32, u32, usize)> {
    let (b, l1) = digits(chars)?;
    if chars.get(l1) != Some(&'-') {
        return None;
    }
    let (u, l2) = digits(&chars[l1 + 1..])?;
    let k = l1 + 1 + l2;
    if chars.get(k) != Some(&'-') {
        return None;
    }
    let (r, l3) = digits(&chars[k + 1..])?;
    if !(3..=4).contains(&l3) {
        return None;
    }
    let mut used = k + 1 + l3;
    if chars.get(used) == Some(&'室') {
        used += 1;
    }
    Some((b, u, r, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_forms_seen_in_real_addresses() {
        let p = |s: &str| parse_door_number(s);
        assert_eq!(p("88号").plate_text().as_deref(), Some("88号"));
        assert_eq!(p("88-1号").plate_text().as_deref(), Some("88-1号"));
        assert_eq!(p("88之1").plate_text().as_deref(), Some("88-1号"));
        assert_eq!(p("甲88号").plate_text().as_deref(), Some("甲88号"));
        let lane = p("358弄81号");
        assert_eq!((lane.lane, lane.main), (Some(358), Some(81)));
        let rural = p("4组6号");
        assert_eq!(rural.plate_text().as_deref(), Some("4组6号"));
        for b in ["3幢", "3栋", "3座", "3号楼"] {
            assert_eq!(p(b).building_text().as_deref(), Some("3幢"), "{b}");
        }
        let bur = p("2-1-1401");
        assert_eq!(
            (bur.building.as_deref(), bur.unit, bur.room.as_deref()),
            (Some("2"), Some(1), Some("1401"))
        );
        let full = p("3幢2单元501室");
        assert_eq!(full.unit_room_text(), "2单元501室");
        assert_eq!(p("6号院").main, Some(6));
        assert_eq!(p("5层").floor, Some(5));
        assert!(p("").is_empty());
    }
}
