use serde::{Deserialize, Serialize};

/// An administrative division code: GB/T 2260 (6 digits: province, prefecture,
/// county) or the statistical extension (9 digits adds the township, 12 the
/// village). Stored in its shortest exact form, so `330212` and `330212000`
/// are different codes (a county and a township placeholder), while trailing
/// zero groups of a 12-digit code (`330212000000`) normalise to 6 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

/// Why a string is not a division code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Not 6, 9 or 12 ASCII digits.
    #[error("区划代码应为 6、9 或 12 位数字")]
    Shape,
    /// The province digits are zero.
    #[error("区划代码的省级部分不能为 00")]
    ZeroProvince,
}

impl DivisionCode {
    /// Parses a code. A 12-digit code whose village part is `000` is the
    /// township; a 9- or 12-digit code whose township part is `000` is the
    /// county.
    ///
    /// ```
    /// use fangyu::model::DivisionCode;
    /// assert_eq!(DivisionCode::parse("330212000000").unwrap().as_str(), "330212");
    /// assert_eq!(DivisionCode::parse("330212001000").unwrap().as_str(), "330212001");
    /// assert!(DivisionCode::parse("33021").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<DivisionCode, CodeError> {
        let s = s.trim();
        if !matches!(s.len(), 6 | 9 | 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::Shape);
        }
        if &s[..2] == "00" {
            return Err(CodeError::ZeroProvince);
        }
        let mut t = s;
        if t.len() == 12 && t.ends_with("000") {
            t = &t[..9];
        }
        if t.len() == 9 && t.ends_with("000") {
            t = &t[..6];
        }
        Ok(DivisionCode(t.to_string()))
    }

    /// The code as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits every division inside this one starts with: `33` for a
    /// province, `3302` for a prefecture, the whole code below that.
    ///
    /// ```
    /// use fangyu::model::DivisionCode;
    /// assert_eq!(DivisionCode::parse("330000").unwrap().prefix(), "33");
    /// assert_eq!(DivisionCode::parse("330200").unwrap().prefix(), "3302");
    /// assert_eq!(DivisionCode::parse("330212").unwrap().prefix(), "330212");
    /// ```
    pub fn prefix(&self) -> &str {
        match self.implied_level() {
            super::Level::Province => &self.0[..2],
            super::Level::Prefecture => &self.0[..4],
            _ => &self.0,
        }
    }

    /// The level the code's shape implies (a 6-digit code ending in `0000`
    /// is a province, in `00` a prefecture, else a county).
    pub fn implied_level(&self) -> super::Level {
        use super::Level;
        match self.0.len() {
            12 => Level::Village,
            9 => Level::Township,
            _ if self.0.ends_with("0000") => Level::Province,
            _ if self.0.ends_with("00") => Level::Prefecture,
            _ => Level::County,
        }
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        DivisionCode::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

impl AsRef<str> for DivisionCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Hashes and orders as its text, so maps keyed by code are looked up by
/// a `&str`.
impl std::borrow::Borrow<str> for DivisionCode {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for DivisionCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for DivisionCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl std::fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Level;

    #[test]
    fn codes_normalise_trailing_zero_groups() {
        assert_eq!(DivisionCode::parse("330000").unwrap().implied_level(), Level::Province);
        assert_eq!(DivisionCode::parse("330200").unwrap().implied_level(), Level::Prefecture);
        assert_eq!(DivisionCode::parse("330212000").unwrap().as_str(), "330212");
        assert_eq!(DivisionCode::parse("330212001001").unwrap().implied_level(), Level::Village);
    }

    #[test]
    fn malformed_codes_are_refused() {
        for bad in ["", "3302", "33021a", "000000", "3302120011", "３３０２１２"] {
            assert!(DivisionCode::parse(bad).is_err(), "{bad}");
        }
    }
}
