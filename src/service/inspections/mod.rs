//! Joint inspection rounds (界线联合检查). A round covers lines between
//! the same two sides; the teams record a finding per marker or line
//! section, with photos; repairs are set for what needs one; the round
//! closes when a `boundary` officer of each side has signed (two different
//! people), which records every marker's state and the day it was
//! inspected.

mod findings;
mod overdue;
mod repairs;
mod rounds;

pub use overdue::{Overdue, OverdueReason, overdue};

use super::boundaries::{BoundaryError, invalid};
use crate::config::BoundarySettings;
use crate::model::{FindingKind, MarkerCondition, RoundState, Timestamp};
use crate::review::lifecycle::Actor;
use crate::store::{
    BoundaryLineRow, FindingRow, MarkerRow, PhotoRow, RepairRow, RoundRow, Signature, StoreResult,
};
use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, Transaction};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// Most lines one round covers.
pub const MAX_ROUND_LINES: usize = 500;
/// Most names in one side's team.
const MAX_TEAM: usize = 30;

/// A new round.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundInput {
    /// The inspection year.
    pub year: i32,
    /// Title (default: the year and the lines' names).
    #[serde(default)]
    pub title: Option<String>,
    /// The lines inspected, all between the same two sides.
    pub lines: Vec<String>,
    /// Each side's team: side code → names.
    pub teams: BTreeMap<String, Vec<String>>,
}

/// A finding at a marker (`marker`) or along a line section (`line` with
/// `from_m`/`to_m`, metres along the line from its start).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    /// The marker's number.
    #[serde(default)]
    pub marker: Option<String>,
    /// The line, for a line section.
    #[serde(default)]
    pub line: Option<String>,
    /// What was found: intact, damaged, missing, moved, illegible,
    /// line_unclear, terrain_changed.
    #[serde(default)]
    #[schema(value_type = String, example = "damaged")]
    pub kind: Option<FindingKind>,
    /// Start of the section, metres along the line.
    #[serde(default)]
    pub from_m: Option<f64>,
    /// End of the section.
    #[serde(default)]
    pub to_m: Option<f64>,
    /// Where (for a moved marker: where it stands now).
    #[serde(default)]
    pub lon: Option<f64>,
    /// Latitude.
    #[serde(default)]
    pub lat: Option<f64>,
    /// Remarks.
    #[serde(default)]
    pub note: Option<String>,
    /// The side recorded for, when the account covers both.
    #[serde(default)]
    pub side: Option<String>,
}

/// A photo as sent.
#[derive(Debug, Clone)]
pub struct Photo {
    /// The file name it was sent with.
    pub file_name: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// A repair task for a finding.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairInput {
    /// The finding it answers.
    pub finding: i64,
    /// What is to be done.
    pub task: String,
    /// By when (YYYY-MM-DD).
    #[schema(value_type = String, format = Date)]
    pub due_on: NaiveDate,
}

/// A repair done.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairDone {
    /// The day it was done (default today).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    pub done_on: Option<NaiveDate>,
    /// What was done.
    pub note: String,
}

/// A round with everything recorded in it.
#[derive(Debug, Clone)]
pub struct RoundView {
    /// The round.
    pub round: RoundRow,
    /// Its lines.
    pub lines: Vec<BoundaryLineRow>,
    /// The live markers of its lines.
    pub markers: Vec<MarkerRow>,
    /// Its findings.
    pub findings: Vec<FindingRow>,
    /// Their photos (without bytes).
    pub photos: Vec<PhotoRow>,
    /// Their repairs.
    pub repairs: Vec<RepairRow>,
}

impl RoundView {
    /// Reads round `id`.
    pub fn read(c: &Connection, id: i64) -> Result<RoundView, BoundaryError> {
        let round =
            RoundRow::get(c, id)?.ok_or_else(|| BoundaryError::NotFound("检查轮次", id.to_string()))?;
        let mut lines = Vec::with_capacity(round.lines.len());
        let mut markers = Vec::new();
        for code in &round.lines {
            lines.extend(BoundaryLineRow::get(c, code)?);
            markers.extend(MarkerRow::of_line(c, code)?.into_iter().filter(|m| m.retired_on.is_none()));
        }
        Ok(RoundView {
            findings: FindingRow::of_round(c, id)?,
            photos: PhotoRow::of_round(c, id)?,
            repairs: RepairRow::of_round(c, id)?,
            round,
            lines,
            markers,
        })
    }

    /// The live markers of the round's lines that no finding names yet.
    pub fn unchecked(&self) -> Vec<&str> {
        let seen: BTreeSet<&str> = self.findings.iter().filter_map(|f| f.marker.as_deref()).collect();
        self.markers.iter().map(|m| m.number.as_str()).filter(|n| !seen.contains(n)).collect()
    }
}

pub(super) fn text(field: &'static str, s: &str, max: usize) -> Result<String, BoundaryError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(invalid(field, "不能为空"));
    }
    if t.chars().count() > max {
        return Err(invalid(field, format!("不能超过 {max} 个字")));
    }
    Ok(t.to_string())
}

pub(super) fn signature(actor: &Actor, side: String) -> Signature {
    Signature { account: actor.account.0, token: actor.id.0, side, at: Timestamp::now() }
}

pub(super) fn round_in(tx: &Transaction, id: i64) -> Result<RoundRow, BoundaryError> {
    RoundRow::get(tx, id)?.ok_or_else(|| BoundaryError::NotFound("检查轮次", id.to_string()))
}

/// Refuses an account whose scope covers neither side of the round.
pub(super) fn covers_a_side(actor: &Actor, round: &RoundRow) -> Result<(), BoundaryError> {
    if round.sides.iter().any(|s| actor.covers(s)) {
        Ok(())
    } else {
        Err(BoundaryError::Forbidden(format!(
            "账户的管辖范围不含本轮检查的任何一方（{}、{}）",
            round.sides[0], round.sides[1]
        )))
    }
}

pub(super) fn sides(round: &RoundRow) -> [&str; 2] {
    [round.sides[0].as_str(), round.sides[1].as_str()]
}
