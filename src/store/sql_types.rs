//! How the model's ids, roles, states, codes, classes and moments are
//! written to SQLite columns and read back: ids and levels as integers,
//! the rest as the same text the columns have always held (`reviewer`,
//! `approved`, `rename`, `330212001`, `road_plate`,
//! `2026-03-01T08:30:00Z`), so stores written before these types open
//! unchanged and the change log's hashes stay the same. Kept here so that
//! `model` stays free of SQL. (Dates are `chrono::NaiveDate`, written as
//! `YYYY-MM-DD` by rusqlite's own `chrono` support.)

use crate::model::{
    AddressCode, AddressKind, DivisionCode, FindingKind, Kind, Level, MarkerAction, MarkerCondition,
    MarkerKind, PlaceClass, PlaceStatus, ProposalId, ProposalState, Role, RoundState, SignKind, SignOff,
    SignState, Timestamp, TokenId,
};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

/// An integer id column.
macro_rules! id_column {
    ($t:ty) => {
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }
        impl FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(v).map(Self)
            }
        }
    };
}

/// A text column holding a stable identifier (`as_str` / `parse`).
macro_rules! identifier_column {
    ($t:ty, $what:literal) => {
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }
        impl FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                let s = v.as_str()?;
                <$t>::parse(s).ok_or_else(|| FromSqlError::Other(format!("unknown {} {s:?}", $what).into()))
            }
        }
    };
}

id_column!(ProposalId);
id_column!(TokenId);
identifier_column!(Role, "role");
identifier_column!(ProposalState, "proposal state");
identifier_column!(Kind, "proposal kind");
identifier_column!(PlaceClass, "place class");
identifier_column!(PlaceStatus, "status");
identifier_column!(AddressKind, "address kind");
identifier_column!(MarkerKind, "marker type");
identifier_column!(MarkerCondition, "marker condition");
identifier_column!(MarkerAction, "marker action");
identifier_column!(SignOff, "sign-off state");
identifier_column!(FindingKind, "finding kind");
identifier_column!(RoundState, "round state");
identifier_column!(SignKind, "sign kind");
identifier_column!(SignState, "sign state");

/// Reads and writes the code's text. Every writer stores the parsed
/// (normalised) form, so parsing on the way back gives the same text.
impl ToSql for DivisionCode {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for DivisionCode {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = v.as_str()?;
        DivisionCode::parse(s).map_err(|e| FromSqlError::Other(format!("division code {s:?}: {e}").into()))
    }
}

/// The 18-digit text, as the column has always held it.
impl ToSql for AddressCode {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for AddressCode {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = v.as_str()?;
        AddressCode::parse(s).ok_or_else(|| FromSqlError::Other(format!("address code {s:?}").into()))
    }
}

/// The stored integer (1 = province … 5 = village).
impl ToSql for Level {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_i64()))
    }
}

impl FromSql for Level {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        let n = v.as_i64()?;
        Level::from_i64(n).ok_or(FromSqlError::OutOfRange(n))
    }
}

impl ToSql for Timestamp {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Timestamp {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = v.as_str()?;
        s.parse().map_err(|e| FromSqlError::Other(format!("timestamp {s:?}: {e}").into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn round_trip<T: ToSql + FromSql>(v: &T) -> (String, T) {
        let conn = Connection::open_in_memory().expect("open");
        conn.query_row("SELECT CAST(?1 AS TEXT), ?1", [v], |r| Ok((r.get(0)?, r.get(1)?))).expect("query")
    }

    #[test]
    fn columns_keep_their_text() {
        assert_eq!(round_trip(&Role::Reviewer).0, "reviewer");
        assert_eq!(round_trip(&ProposalState::CommitteeReview).0, "committee_review");
        assert_eq!(round_trip(&Kind::Rename).0, "rename");
        assert_eq!(round_trip(&ProposalId(42)), ("42".to_string(), ProposalId(42)));
        let t: Timestamp = "2026-03-01T08:30:00Z".parse().expect("parses");
        assert_eq!(round_trip(&t), ("2026-03-01T08:30:00Z".to_string(), t));
        for s in ProposalState::ALL {
            assert_eq!(round_trip(&s).1, s);
        }
        for r in Role::ALL {
            assert_eq!(round_trip(&r).1, r);
        }
        for c in PlaceClass::ALL {
            assert_eq!(round_trip(&c), (c.as_str().to_string(), c));
        }
        assert_eq!(round_trip(&PlaceStatus::Historical).0, "historical");
        assert_eq!(round_trip(&AddressKind::RuralPlate).0, "rural_plate");
        let code = DivisionCode::parse("330212001").expect("parses");
        assert_eq!(round_trip(&code), ("330212001".to_string(), code));
        let a = AddressCode::parse("330212001001000042").expect("parses");
        assert_eq!(round_trip(&a), ("330212001001000042".to_string(), a));
        assert_eq!(round_trip(&Level::Township), ("4".to_string(), Level::Township));
        let d = chrono::NaiveDate::from_ymd_opt(1985, 1, 1).expect("a date");
        assert_eq!(round_trip(&d), ("1985-01-01".to_string(), d));
    }

    #[test]
    fn an_unknown_identifier_is_an_error() {
        let conn = Connection::open_in_memory().expect("open");
        let r: rusqlite::Result<Role> = conn.query_row("SELECT 'overlord'", [], |r| r.get(0));
        assert!(r.is_err());
        let r: rusqlite::Result<Level> = conn.query_row("SELECT 6", [], |r| r.get(0));
        assert!(r.is_err());
        let r: rusqlite::Result<DivisionCode> = conn.query_row("SELECT '3302'", [], |r| r.get(0));
        assert!(r.is_err());
    }
}
