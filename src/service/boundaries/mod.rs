//! Boundary lines and markers. Lines are derived from the division
//! polygons and written as records; a marker is added, moved or retired
//! only when both sides have signed: a `boundary` officer of one side
//! proposes, one of the other side confirms, and the change is applied in
//! the confirming transaction with both signatures in the change log.

use super::Service;
use crate::boundaries::derive::{DerivedLine, derive};
use crate::boundaries::numbering::{self, MarkerNumber, Placed, Side, Tolerances, Walk};
use crate::config::BoundarySettings;
use crate::index::Gazetteer;
use crate::model::{Level, MarkerAction, MarkerCondition, MarkerKind, Role, SignOff, Timestamp};
use crate::review::lifecycle::Actor;
use crate::store::{
    BoundaryLineRow, ChangeEntry, DivisionRow, MarkerChangeRow, MarkerRow, Signature, StoreError,
    append_change,
};
use chrono::NaiveDate;
use geo::Coord;
use rusqlite::Transaction;
use serde_json::json;

mod lines;
mod markers;

pub use lines::{DeriveReport, sync_lines_in};
pub use markers::{Decision, MarkerEdit, NewMarker};

/// Why a boundary write was refused.
#[derive(Debug, thiserror::Error)]
pub enum BoundaryError {
    /// No such line, marker or change (404).
    #[error("{0} {1} 不存在")]
    NotFound(&'static str, String),
    /// A field is wrong (400).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why, in Chinese.
        reason: String,
    },
    /// The caller may not do this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The record is not in a state that allows it (409).
    #[error("{0}")]
    Conflict(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> BoundaryError {
    BoundaryError::Invalid { field, reason: reason.into() }
}

pub(super) fn check_point(lon: f64, lat: f64) -> Result<Coord<f64>, BoundaryError> {
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(invalid("lon", "经度须在 -180 与 180 之间"));
    }
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(invalid("lat", "纬度须在 -90 与 90 之间"));
    }
    Ok(Coord { x: lon, y: lat })
}

pub(super) fn boundary_officer(actor: &Actor) -> Result<(), BoundaryError> {
    if actor.role != Role::Boundary {
        return Err(BoundaryError::Forbidden(format!(
            "界桩变更须由界线管理人员（boundary）办理，当前角色为{}",
            actor.role.label()
        )));
    }
    Ok(())
}

/// The side of `what` (a line, a round) between `sides` that `actor` acts
/// for: the one asked for, which the account's scope must cover, or the
/// only one it covers.
pub(super) fn side_for(
    actor: &Actor,
    sides: [&str; 2],
    what: &str,
    asked: Option<&str>,
) -> Result<String, BoundaryError> {
    if let Some(a) = asked {
        if !sides.contains(&a) {
            return Err(invalid("side", format!("{a} 不是{what}的一方（{}、{}）", sides[0], sides[1])));
        }
        if !actor.covers(a) {
            return Err(BoundaryError::Forbidden(format!("账户的管辖范围不含 {a}，不能代表该方签认")));
        }
        return Ok(a.to_string());
    }
    let covered: Vec<&str> = sides.into_iter().filter(|s| actor.covers(s)).collect();
    match covered.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(BoundaryError::Forbidden(format!(
            "账户的管辖范围不含{what}的任何一方（{}、{}）",
            sides[0], sides[1]
        ))),
        _ => Err(invalid("side", format!("账户管辖{what}双方，请用 side 指明代表哪一方"))),
    }
}

/// Logs `(entity, key, action)` with its detail, division and summary.
pub(super) fn log(
    tx: &Transaction,
    (entity, key, action): (&str, &str, &str),
    detail: serde_json::Value,
    division: &str,
    summary: &str,
    by: Option<(i64, i64)>,
) -> Result<(), StoreError> {
    append_change(
        tx,
        &ChangeEntry {
            actor: "boundary",
            entity,
            entity_key: key,
            action,
            detail,
            code: Some(key),
            division: Some(division),
            summary: Some(summary),
            by,
        },
    )?;
    Ok(())
}
