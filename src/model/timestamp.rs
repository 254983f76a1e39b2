//! A moment recorded on a proposal or a token (created, changed, revoked,
//! an opinion's or comment's time): UTC to the second, written as RFC 3339
//! with `Z` (`2026-03-01T08:30:00Z`), the text the store and the API hold.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A moment, UTC, whole seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    /// Now, to the second.
    pub fn now() -> Timestamp {
        Timestamp(Utc::now().trunc_subsecs(0))
    }

    /// The moment.
    pub fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Timestamp {
        Timestamp(t.trunc_subsecs(0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::Secs, true))
    }
}

impl FromStr for Timestamp {
    type Err = chrono::ParseError;

    /// Reads RFC 3339 (any offset; kept as UTC).
    fn from_str(s: &str) -> Result<Timestamp, chrono::ParseError> {
        Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc).into())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_round_trips() {
        for s in ["2026-03-01T08:30:00Z", "1999-12-31T23:59:59Z"] {
            let t: Timestamp = s.parse().expect("parses");
            assert_eq!(t.to_string(), s);
            assert_eq!(serde_json::to_string(&t).expect("json"), format!("\"{s}\""));
        }
        let t: Timestamp = "2026-03-01T16:30:00+08:00".parse().expect("parses");
        assert_eq!(t.to_string(), "2026-03-01T08:30:00Z");
    }
}
