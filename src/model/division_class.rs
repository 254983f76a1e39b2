//! The classes a division code's last digits carry (GB/T 2260 and the
//! statistical division codes): a county-level code's two digits say
//! district (01–20), county (21–80) or county-level city (81–99); a
//! township's three say subdistrict (001–099), town (100–199), township
//! (200–399) or development zone (400–599). A change of class — 撤县设区,
//! 撤县设市, 撤镇设街道 — is therefore a change of code. Real data breaks the
//! ranges here and there (`310151` 崇明区, province-administered `90xx`
//! cities), so the rule is held for new codes only.

use super::DivisionCode;
use super::keyword::keyword_enum;

keyword_enum! {
    /// The class of a county-level division or a township.
    pub enum DivisionClass {
        /// 市辖区.
        District = ("district", "区"),
        /// 县, 自治县, 旗, 自治旗, 特区, 林区.
        County = ("county", "县"),
        /// 县级市.
        City = ("city", "县级市"),
        /// 街道.
        Subdistrict = ("subdistrict", "街道"),
        /// 镇.
        Town = ("town", "镇"),
        /// 乡, 民族乡, 苏木.
        Township = ("township", "乡"),
        /// 开发区 and the like at township level.
        Zone = ("zone", "开发区"),
    }
}

impl DivisionClass {
    /// The digits (the last two of a county code, the last three of a
    /// township code) a code of this class takes.
    pub fn range(self) -> std::ops::RangeInclusive<u16> {
        match self {
            DivisionClass::District => 1..=20,
            DivisionClass::County => 21..=80,
            DivisionClass::City => 81..=99,
            DivisionClass::Subdistrict => 1..=99,
            DivisionClass::Town => 100..=199,
            DivisionClass::Township => 200..=399,
            DivisionClass::Zone => 400..=599,
        }
    }

    /// Whether the class is one of county level (else township level).
    pub fn is_county_level(self) -> bool {
        matches!(self, DivisionClass::District | DivisionClass::County | DivisionClass::City)
    }

    /// The class a code's digits put it in: county-level for 6 digits whose
    /// prefecture and county parts are not zero, township for 9 digits.
    pub fn of_code(code: &DivisionCode) -> Option<DivisionClass> {
        let s = code.as_str();
        let (digits, county_level) = match s.len() {
            6 if &s[2..4] != "00" && &s[4..] != "00" => (&s[4..], true),
            9 => (&s[6..], false),
            _ => return None,
        };
        let n: u16 = digits.parse().ok()?;
        DivisionClass::ALL
            .iter()
            .copied()
            .find(|c| c.is_county_level() == county_level && c.range().contains(&n))
    }

    /// The class a name's generic part says: 区, 县/旗/特区/林区, 市 at
    /// county level; 街道, 镇, 乡/苏木, 开发区/园区 at township level.
    pub fn of_name(name: &str, county_level: bool) -> Option<DivisionClass> {
        let ends = |tails: &[&str]| tails.iter().any(|t| name.ends_with(t));
        if county_level {
            if ends(&["林区", "特区", "县", "旗"]) {
                Some(DivisionClass::County)
            } else if ends(&["区"]) {
                Some(DivisionClass::District)
            } else if ends(&["市"]) {
                Some(DivisionClass::City)
            } else {
                None
            }
        } else if ends(&["街道", "街道办事处"]) {
            Some(DivisionClass::Subdistrict)
        } else if ends(&["镇"]) {
            Some(DivisionClass::Town)
        } else if ends(&["乡", "苏木"]) {
            Some(DivisionClass::Township)
        } else if ends(&["开发区", "园区", "新区", "管委会"]) {
            Some(DivisionClass::Zone)
        } else {
            None
        }
    }

    /// What a change from `self` to `to` is called (撤县设区, 撤镇设街道 …);
    /// 更名 when the class stays.
    pub fn change_label(self, to: DivisionClass) -> String {
        if self == to {
            return "更名".into();
        }
        let word = |c: DivisionClass| match c {
            DivisionClass::City => "市",
            DivisionClass::Subdistrict => "街道",
            other => other.label(),
        };
        format!("撤{}设{}", word(self), word(to))
    }

    /// The smallest code of this class under `parent` (a prefecture for
    /// county-level classes, a county for township ones) that no code in
    /// `taken` uses, above every code of the class already used: a new
    /// code is never an old one reissued.
    pub fn next_code(self, parent: &DivisionCode, taken: &[DivisionCode]) -> Option<DivisionCode> {
        let width = if self.is_county_level() { 2 } else { 3 };
        let prefix = parent.prefix();
        let used = taken
            .iter()
            .filter(|c| c.as_str().len() == prefix.len() + width && c.as_str().starts_with(prefix))
            .filter_map(|c| c.as_str()[prefix.len()..].parse::<u16>().ok())
            .filter(|n| self.range().contains(n))
            .max();
        let start = used.map_or(*self.range().start(), |n| n + 1);
        // 市辖区 `01` is the old placeholder of a city's districts.
        let start = if self == DivisionClass::District { start.max(2) } else { start };
        (start <= *self.range().end())
            .then(|| DivisionCode::parse(&format!("{prefix}{start:0width$}")).ok())
            .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).expect("code")
    }

    #[test]
    fn codes_fall_in_the_classes_their_digits_say() {
        for (c, class) in [
            ("330226", DivisionClass::County),
            ("330214", DivisionClass::District),
            ("330282", DivisionClass::City),
            ("330226001", DivisionClass::Subdistrict),
            ("330226101", DivisionClass::Town),
            ("330226201", DivisionClass::Township),
            ("330226400", DivisionClass::Zone),
        ] {
            assert_eq!(DivisionClass::of_code(&code(c)), Some(class), "{c}");
        }
        assert_eq!(DivisionClass::of_code(&code("330200")), None, "a prefecture has no such class");
        assert_eq!(DivisionClass::of_code(&code("330226600")), None, "600–999 is no class");
    }

    #[test]
    fn names_say_their_class_and_changes_are_named_by_the_two() {
        assert_eq!(DivisionClass::of_name("宁海县", true), Some(DivisionClass::County));
        assert_eq!(DivisionClass::of_name("神农架林区", true), Some(DivisionClass::County));
        assert_eq!(DivisionClass::of_name("宁海区", true), Some(DivisionClass::District));
        assert_eq!(DivisionClass::of_name("慈溪市", true), Some(DivisionClass::City));
        assert_eq!(DivisionClass::of_name("跃龙街道", false), Some(DivisionClass::Subdistrict));
        assert_eq!(DivisionClass::of_name("西店镇", false), Some(DivisionClass::Town));
        assert_eq!(DivisionClass::County.change_label(DivisionClass::District), "撤县设区");
        assert_eq!(DivisionClass::County.change_label(DivisionClass::City), "撤县设市");
        assert_eq!(DivisionClass::Town.change_label(DivisionClass::Subdistrict), "撤镇设街道");
        assert_eq!(DivisionClass::County.change_label(DivisionClass::County), "更名");
    }

    #[test]
    fn a_new_code_follows_every_code_of_its_class_ever_used() {
        let taken: Vec<DivisionCode> =
            ["330203", "330205", "330206", "330211", "330212", "330213", "330225", "330226", "330281"]
                .iter()
                .map(|s| code(s))
                .collect();
        let ningbo = code("330200");
        assert_eq!(DivisionClass::District.next_code(&ningbo, &taken), Some(code("330214")));
        assert_eq!(DivisionClass::County.next_code(&ningbo, &taken), Some(code("330227")));
        assert_eq!(DivisionClass::City.next_code(&ningbo, &taken), Some(code("330282")));
        let county = code("330226");
        let towns = [code("330226101"), code("330226109")];
        assert_eq!(DivisionClass::Subdistrict.next_code(&county, &towns), Some(code("330226001")));
        assert_eq!(DivisionClass::Town.next_code(&county, &towns), Some(code("330226110")));
    }
}
