//! How the model's ids, roles, states and moments are written to SQLite
//! columns and read back: ids as integers, the rest as the same text the
//! columns have always held (`reviewer`, `approved`, `rename`,
//! `2026-03-01T08:30:00Z`), so stores written before these types open
//! unchanged. Kept here so that `model` stays free of SQL.

use crate::model::{Kind, ProposalId, ProposalState, Role, Timestamp, TokenId};
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
    }

    #[test]
    fn an_unknown_identifier_is_an_error() {
        let conn = Connection::open_in_memory().expect("open");
        let r: rusqlite::Result<Role> = conn.query_row("SELECT 'overlord'", [], |r| r.get(0));
        assert!(r.is_err());
    }
}
