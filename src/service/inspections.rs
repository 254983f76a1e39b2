//! Joint inspection rounds (界线联合检查). A round covers lines between
//! the same two sides; the teams record a finding per marker or line
//! section, with photos; repairs are set for what needs one; the round
//! closes when a `boundary` officer of each side has signed (two different
//! people), which records every marker's state and the day it was
//! inspected.

use super::Service;
use super::boundaries::{BoundaryError, boundary_officer, check_point, invalid, log, side_for};
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

/// Why a marker is overdue.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum OverdueReason {
    /// Not inspected within the cycle (never, or last on `last`).
    NotInspected {
        /// The last joint inspection both sides signed.
        last: Option<NaiveDate>,
        /// The day the next was due.
        due: Option<NaiveDate>,
    },
    /// Found damaged or missing and not repaired by the due day.
    RepairOverdue {
        /// The repair task.
        repair: i64,
        /// Its round.
        round: i64,
        /// What was found.
        finding: FindingKind,
        /// The due day.
        due: NaiveDate,
        /// The task.
        task: String,
    },
}

/// An overdue marker.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    /// The marker.
    pub marker: MarkerRow,
    /// Why.
    pub reasons: Vec<OverdueReason>,
}

/// The markers overdue on `today` among live markers whose line has a side
/// inside `prefix` (all for an empty one), by number.
pub fn overdue(c: &Connection, today: NaiveDate, years: u32, prefix: &str) -> StoreResult<Vec<Overdue>> {
    let cutoff =
        today.with_year(today.year() - years as i32).unwrap_or(today - chrono::Days::new(365 * years as u64));
    let lines: BTreeSet<String> = {
        let mut stmt = c.prepare_cached(
            "SELECT code FROM boundary_lines WHERE retired_on IS NULL AND (left_code LIKE ?1 || '%' OR right_code LIKE ?1 || '%')",
        )?;
        let rows = stmt.query_map([prefix], |r| r.get::<_, String>(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut out: BTreeMap<String, Overdue> = BTreeMap::new();
    for m in MarkerRow::load_all(c)? {
        if !lines.contains(&m.line_code) {
            continue;
        }
        let last = m.inspected_on;
        let since = last.or(m.installed_on);
        if since.is_none_or(|d| d < cutoff) {
            let due = since.and_then(|d| d.with_year(d.year() + years as i32));
            let number = m.number.clone();
            out.insert(
                number,
                Overdue { marker: m, reasons: vec![OverdueReason::NotInspected { last, due }] },
            );
        } else {
            out.insert(m.number.clone(), Overdue { marker: m, reasons: Vec::new() });
        }
    }
    for (repair, finding) in RepairRow::overdue(c, today)? {
        let Some(entry) = finding.marker.as_ref().and_then(|n| out.get_mut(n)) else { continue };
        entry.reasons.push(OverdueReason::RepairOverdue {
            repair: repair.id,
            round: finding.round_id,
            finding: finding.kind,
            due: repair.due_on,
            task: repair.task,
        });
    }
    Ok(out.into_values().filter(|o| !o.reasons.is_empty()).collect())
}

fn text(field: &'static str, s: &str, max: usize) -> Result<String, BoundaryError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(invalid(field, "不能为空"));
    }
    if t.chars().count() > max {
        return Err(invalid(field, format!("不能超过 {max} 个字")));
    }
    Ok(t.to_string())
}

fn signature(actor: &Actor, side: String) -> Signature {
    Signature { account: actor.account.0, token: actor.id.0, side, at: Timestamp::now() }
}

fn round_in(tx: &Transaction, id: i64) -> Result<RoundRow, BoundaryError> {
    RoundRow::get(tx, id)?.ok_or_else(|| BoundaryError::NotFound("检查轮次", id.to_string()))
}

/// Refuses an account whose scope covers neither side of the round.
fn covers_a_side(actor: &Actor, round: &RoundRow) -> Result<(), BoundaryError> {
    if round.sides.iter().any(|s| actor.covers(s)) {
        Ok(())
    } else {
        Err(BoundaryError::Forbidden(format!(
            "账户的管辖范围不含本轮检查的任何一方（{}、{}）",
            round.sides[0], round.sides[1]
        )))
    }
}

fn sides(round: &RoundRow) -> [&str; 2] {
    [round.sides[0].as_str(), round.sides[1].as_str()]
}

/// The kind of an image by its first bytes.
fn image_type(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// Stores `photos` for finding `finding` after checking each.
fn store_photos(
    tx: &Transaction,
    finding: i64,
    photos: &[Photo],
    actor: &Actor,
    settings: &BoundarySettings,
) -> Result<Vec<PhotoRow>, BoundaryError> {
    let had = PhotoRow::count_of(tx, finding)?;
    if had + photos.len() > settings.photos_per_finding {
        return Err(invalid(
            "photo",
            format!("一条检查记录最多 {} 张照片（已有 {had} 张）", settings.photos_per_finding),
        ));
    }
    let mut out = Vec::with_capacity(photos.len());
    for p in photos {
        if p.data.len() > settings.photo_max_bytes {
            return Err(invalid(
                "photo",
                format!("照片“{}”超过 {} MiB", p.file_name, settings.photo_max_bytes >> 20),
            ));
        }
        let Some(content_type) = image_type(&p.data) else {
            return Err(invalid("photo", format!("“{}”不是 JPEG 或 PNG 图片", p.file_name)));
        };
        let file_name: String = p.file_name.chars().filter(|c| !c.is_control()).take(120).collect();
        let mut row = PhotoRow {
            id: 0,
            finding_id: finding,
            file_name: if file_name.is_empty() { "photo".into() } else { file_name },
            content_type: content_type.into(),
            bytes: p.data.len() as i64,
            sha256: hex::encode(Sha256::digest(&p.data)),
            added_by: actor.account.0,
            added_at: Timestamp::now(),
        };
        row.id = row.insert(tx, &p.data)?;
        out.push(row);
    }
    Ok(out)
}

impl Service {
    /// Opens a joint inspection round.
    pub fn open_round(
        &self,
        actor: &Actor,
        input: &RoundInput,
        today: NaiveDate,
    ) -> Result<RoundRow, BoundaryError> {
        boundary_officer(actor)?;
        if !(1949..=today.year() + 1).contains(&input.year) {
            return Err(invalid("year", format!("年份须在 1949 与 {} 之间", today.year() + 1)));
        }
        if input.lines.is_empty() || input.lines.len() > MAX_ROUND_LINES {
            return Err(invalid("lines", format!("须列出 1 至 {MAX_ROUND_LINES} 条界线")));
        }
        let unique: BTreeSet<&String> = input.lines.iter().collect();
        if unique.len() != input.lines.len() {
            return Err(invalid("lines", "界线重复"));
        }
        let out = self.store.write(|tx| {
            let mut pair: Option<[String; 2]> = None;
            let mut names = Vec::new();
            for code in &input.lines {
                let line = BoundaryLineRow::get(tx, code)?
                    .filter(|l| l.retired_on.is_none())
                    .ok_or_else(|| invalid("lines", format!("界线 {code} 不存在或已撤销")))?;
                let sides = [line.left_code.to_string(), line.right_code.to_string()];
                match &pair {
                    None => pair = Some(sides),
                    Some(p) if *p == sides => {}
                    Some(p) => {
                        return Err(invalid(
                            "lines",
                            format!(
                                "一轮检查的界线须在同样的双方之间：{code} 在 {}、{} 之间，而非 {}、{}",
                                sides[0], sides[1], p[0], p[1]
                            ),
                        ));
                    }
                }
                names.push(line.name);
            }
            let sides = pair.expect("at least one line");
            let mine = sides.iter().find(|s| actor.covers(s)).cloned().ok_or_else(|| {
                BoundaryError::Forbidden(format!(
                    "账户的管辖范围不含本轮检查的任何一方（{}、{}）",
                    sides[0], sides[1]
                ))
            })?;
            let keys: BTreeSet<&str> = input.teams.keys().map(String::as_str).collect();
            if keys != BTreeSet::from([sides[0].as_str(), sides[1].as_str()]) {
                return Err(invalid("teams", format!("须列出双方（{}、{}）的检查人员", sides[0], sides[1])));
            }
            let mut teams: [Vec<String>; 2] = Default::default();
            for (slot, side) in sides.iter().enumerate() {
                let team = &input.teams[side];
                if team.is_empty() || team.len() > MAX_TEAM {
                    return Err(invalid("teams", format!("{side} 的检查人员须有 1 至 {MAX_TEAM} 人")));
                }
                teams[slot] = team.iter().map(|n| text("teams", n, 40)).collect::<Result<_, _>>()?;
            }
            names.dedup();
            let title = match &input.title {
                Some(t) => text("title", t, 100)?,
                None => format!(
                    "{}年{}联合检查",
                    input.year,
                    names.iter().take(3).cloned().collect::<Vec<_>>().join("、")
                ),
            };
            let mut round = RoundRow {
                id: 0,
                year: input.year,
                title,
                sides,
                teams,
                lines: input.lines.clone(),
                state: RoundState::Open,
                created: signature(actor, mine),
                signatures: [None, None],
                closed_on: None,
            };
            round.id = round.insert(tx)?;
            let summary = format!("开始{}", round.title);
            log(
                tx,
                ("inspection_round", &round.id.to_string(), "create"),
                json!({"round": round}),
                &round.sides[0],
                &summary,
                actor.by(),
            )?;
            Ok::<_, BoundaryError>(round)
        })?;
        self.committed();
        Ok(out)
    }

    /// Records a finding of one side's team, with its photos.
    pub fn record_finding(
        &self,
        actor: &Actor,
        round_id: i64,
        input: &FindingInput,
        photos: &[Photo],
        settings: &BoundarySettings,
    ) -> Result<(FindingRow, Vec<PhotoRow>), BoundaryError> {
        boundary_officer(actor)?;
        let kind = input.kind.ok_or_else(|| invalid("kind", "须给出检查结果 kind"))?;
        let note = input.note.as_deref().map(|n| text("note", n, 500)).transpose()?;
        let at = match (input.lon, input.lat) {
            (Some(x), Some(y)) => Some(check_point(x, y)?),
            (None, None) => None,
            _ => return Err(invalid("lon", "经度与纬度须同时给出")),
        };
        let out = self.store.write(|tx| {
            let round = round_in(tx, round_id)?;
            if round.state != RoundState::Open {
                return Err(BoundaryError::Conflict(format!(
                    "检查轮次 {round_id} 已有一方签认，不能再添加检查记录"
                )));
            }
            let side = side_for(actor, sides(&round), "本轮检查", input.side.as_deref())?;
            let (line_code, marker, section) = match (&input.marker, &input.line) {
                (Some(number), _) => {
                    if !kind.of_marker() {
                        return Err(invalid(
                            "kind",
                            format!("“{}”是界线的检查结果，不适用于界桩", kind.label()),
                        ));
                    }
                    let m = MarkerRow::get(tx, number)?
                        .filter(|m| m.retired_on.is_none())
                        .ok_or_else(|| invalid("marker", format!("界桩 {number} 不存在或已撤除")))?;
                    if input.line.as_ref().is_some_and(|l| *l != m.line_code) {
                        return Err(invalid("line", format!("界桩 {number} 属于界线 {}", m.line_code)));
                    }
                    if kind == FindingKind::Moved && at.is_none() {
                        return Err(invalid("lon", "界桩移位须给出其现在的位置"));
                    }
                    (m.line_code, Some(m.number), None)
                }
                (None, Some(code)) => {
                    if !kind.of_line() {
                        return Err(invalid(
                            "kind",
                            format!("“{}”是界桩的检查结果，请给出界桩编号 marker", kind.label()),
                        ));
                    }
                    let line = BoundaryLineRow::get(tx, code)?
                        .ok_or_else(|| invalid("line", format!("界线 {code} 不存在")))?;
                    let length = line.length_m.unwrap_or(f64::INFINITY);
                    let section = match (input.from_m, input.to_m) {
                        (Some(a), Some(b))
                            if a.is_finite() && b.is_finite() && 0.0 <= a && a < b && b <= length + 1.0 =>
                        {
                            Some((a, b))
                        }
                        (None, None) => None,
                        _ => {
                            return Err(invalid(
                                "from_m",
                                format!("区段须满足 0 ≤ from_m < to_m ≤ 界线长度（{length:.0} 米）"),
                            ));
                        }
                    };
                    (line.code, None, section)
                }
                (None, None) => return Err(invalid("marker", "须给出界桩编号 marker 或界线 line")),
            };
            if !round.lines.contains(&line_code) {
                return Err(invalid(
                    if marker.is_some() { "marker" } else { "line" },
                    format!("界线 {line_code} 不在本轮检查范围内"),
                ));
            }
            let mut finding = FindingRow {
                id: 0,
                round_id,
                line_code,
                marker,
                kind,
                section_m: section,
                at: at.map(|c| (c.x, c.y)),
                note,
                recorded: signature(actor, side),
            };
            finding.id = finding.insert(tx)?;
            let stored = store_photos(tx, finding.id, photos, actor, settings)?;
            let what = finding
                .marker
                .as_deref()
                .map_or_else(|| format!("界线 {}", finding.line_code), |m| format!("界桩 {m}"));
            let summary = format!("{what} 检查：{}", finding.kind.label());
            log(
                tx,
                ("inspection_finding", &finding.id.to_string(), "create"),
                json!({"finding": finding, "photos": stored}),
                &finding.recorded.side,
                &summary,
                actor.by(),
            )?;
            Ok((finding, stored))
        })?;
        self.committed();
        Ok(out)
    }

    /// Adds photos to a finding of an open round.
    pub fn add_photos(
        &self,
        actor: &Actor,
        round_id: i64,
        finding_id: i64,
        photos: &[Photo],
        settings: &BoundarySettings,
    ) -> Result<Vec<PhotoRow>, BoundaryError> {
        boundary_officer(actor)?;
        if photos.is_empty() {
            return Err(invalid("photo", "没有照片"));
        }
        let out = self.store.write(|tx| {
            let round = round_in(tx, round_id)?;
            let finding = FindingRow::get(tx, finding_id)?
                .filter(|f| f.round_id == round_id)
                .ok_or_else(|| BoundaryError::NotFound("检查记录", finding_id.to_string()))?;
            if round.state != RoundState::Open {
                return Err(BoundaryError::Conflict(format!(
                    "检查轮次 {round_id} 已有一方签认，不能再添加照片"
                )));
            }
            side_for(actor, sides(&round), "本轮检查", Some(&finding.recorded.side))?;
            let stored = store_photos(tx, finding_id, photos, actor, settings)?;
            let summary = format!("检查记录 {finding_id} 添加照片 {} 张", stored.len());
            log(
                tx,
                ("inspection_finding", &finding_id.to_string(), "update"),
                json!({"photos": stored}),
                &finding.recorded.side,
                &summary,
                actor.by(),
            )?;
            Ok::<_, BoundaryError>(stored)
        })?;
        self.committed();
        Ok(out)
    }

    /// Sets a repair task for a finding that needs one.
    pub fn set_repair(
        &self,
        actor: &Actor,
        round_id: i64,
        input: &RepairInput,
        today: NaiveDate,
    ) -> Result<RepairRow, BoundaryError> {
        boundary_officer(actor)?;
        let task = text("task", &input.task, 200)?;
        if input.due_on < today {
            return Err(invalid("due_on", "期限不能早于今天"));
        }
        let out = self.store.write(|tx| {
            let round = round_in(tx, round_id)?;
            covers_a_side(actor, &round)?;
            let finding = FindingRow::get(tx, input.finding)?
                .filter(|f| f.round_id == round_id)
                .ok_or_else(|| invalid("finding", format!("本轮检查没有检查记录 {}", input.finding)))?;
            if !finding.kind.needs_repair() {
                return Err(invalid("finding", "检查结果为完好，无需维修"));
            }
            let mut repair = RepairRow {
                id: 0,
                finding_id: finding.id,
                task,
                due_on: input.due_on,
                created_by: actor.account.0,
                created_at: Timestamp::now(),
                done_on: None,
                done_note: None,
                done_by: None,
            };
            repair.id = repair.insert(tx)?;
            let summary = format!("维修任务：{}（期限 {}）", repair.task, repair.due_on);
            log(
                tx,
                ("inspection_repair", &repair.id.to_string(), "create"),
                json!({"repair": repair, "round": round_id}),
                &round.sides[0],
                &summary,
                actor.by(),
            )?;
            Ok::<_, BoundaryError>(repair)
        })?;
        self.committed();
        Ok(out)
    }

    /// Records a repair done; a repaired marker of a closed round is
    /// intact again.
    pub fn complete_repair(
        &self,
        actor: &Actor,
        round_id: i64,
        repair_id: i64,
        input: &RepairDone,
        today: NaiveDate,
    ) -> Result<RepairRow, BoundaryError> {
        boundary_officer(actor)?;
        let note = text("note", &input.note, 500)?;
        let day = input.done_on.unwrap_or(today);
        if day > today {
            return Err(invalid("done_on", "完成日期不能晚于今天"));
        }
        let out = self.store.write(|tx| {
            let round = round_in(tx, round_id)?;
            covers_a_side(actor, &round)?;
            let repair = RepairRow::get(tx, repair_id)?
                .ok_or_else(|| BoundaryError::NotFound("维修任务", repair_id.to_string()))?;
            let finding = FindingRow::get(tx, repair.finding_id)?
                .filter(|f| f.round_id == round_id)
                .ok_or_else(|| BoundaryError::NotFound("维修任务", repair_id.to_string()))?;
            if repair.done_on.is_some() {
                return Err(BoundaryError::Conflict(format!("维修任务 {repair_id} 已完成")));
            }
            if day < repair.created_at.as_datetime().date_naive() {
                return Err(invalid("done_on", "完成日期不能早于任务下达的日期"));
            }
            RepairRow::complete(tx, repair_id, day, &note, actor.account.0)?;
            let summary = format!("维修完成：{}", repair.task);
            log(
                tx,
                ("inspection_repair", &repair_id.to_string(), "complete"),
                json!({"done_on": day, "note": note}),
                &round.sides[0],
                &summary,
                actor.by(),
            )?;
            if let (Some(number), RoundState::Closed) = (&finding.marker, round.state) {
                MarkerRow::set_condition(tx, number, MarkerCondition::Intact)?;
                log(
                    tx,
                    ("marker", number, "update"),
                    json!({"condition": "intact", "repair": repair_id}),
                    &round.sides[0],
                    &format!("界桩 {number} 修复"),
                    actor.by(),
                )?;
            }
            Ok::<_, BoundaryError>(RepairRow::get(tx, repair_id)?.expect("just written"))
        })?;
        self.committed();
        Ok(out)
    }

    /// Signs the round for the caller's side; the second side's signature
    /// (another person) closes it and records every marker's state.
    pub fn sign_round(
        &self,
        actor: &Actor,
        round_id: i64,
        side: Option<&str>,
        today: NaiveDate,
    ) -> Result<RoundRow, BoundaryError> {
        boundary_officer(actor)?;
        let out = self.store.write(|tx| {
            let view = RoundView::read(tx, round_id)?;
            let round = &view.round;
            if round.state == RoundState::Closed {
                return Err(BoundaryError::Conflict(format!("检查轮次 {round_id} 已由双方签认")));
            }
            let side = side_for(actor, sides(round), "本轮检查", side)?;
            let slot = usize::from(side == round.sides[1]);
            if round.signatures[slot].is_some() {
                return Err(BoundaryError::Conflict(format!("{side} 一方已签认本轮检查")));
            }
            if let Some(other) = &round.signatures[1 - slot]
                && other.account == actor.account.0
            {
                return Err(BoundaryError::Forbidden(
                    "双方签认须由不同的人办理：本账户已代表另一方签认".into(),
                ));
            }
            let unchecked = view.unchecked();
            if !unchecked.is_empty() {
                let shown: Vec<&str> = unchecked.iter().take(10).copied().collect();
                return Err(BoundaryError::Conflict(format!(
                    "还有 {} 个界桩没有检查记录：{}{}",
                    unchecked.len(),
                    shown.join("、"),
                    if unchecked.len() > shown.len() { "……" } else { "" }
                )));
            }
            let closing = round.signatures[1 - slot].is_some();
            let by = signature(actor, side.clone());
            RoundRow::sign(
                tx,
                round_id,
                slot,
                &by,
                if closing { RoundState::Closed } else { RoundState::Signing },
            )?;
            let summary = format!("{} 一方签认{}", side, round.title);
            log(
                tx,
                ("inspection_round", &round_id.to_string(), "sign"),
                json!({"signature": by}),
                &side,
                &summary,
                actor.by(),
            )?;
            if closing {
                RoundRow::close(tx, round_id, today)?;
                close(tx, &view, today, actor)?;
            }
            Ok::<_, BoundaryError>(RoundRow::get(tx, round_id)?.expect("just written"))
        })?;
        self.committed();
        Ok(out)
    }
}

/// Records every marker's state as the round found it (the last finding
/// for each; a repair already done leaves it intact) and logs the close
/// with both signatures.
fn close(tx: &Transaction, view: &RoundView, today: NaiveDate, actor: &Actor) -> Result<(), BoundaryError> {
    let repaired: BTreeSet<i64> =
        view.repairs.iter().filter(|r| r.done_on.is_some()).map(|r| r.finding_id).collect();
    let mut last: BTreeMap<&str, &FindingRow> = BTreeMap::new();
    for f in &view.findings {
        if let Some(m) = &f.marker {
            last.insert(m, f);
        }
    }
    let side = view.round.sides[0].as_str();
    for (number, f) in &last {
        let condition = if repaired.contains(&f.id) {
            MarkerCondition::Intact
        } else {
            f.kind.marker_condition().unwrap_or(MarkerCondition::Intact)
        };
        MarkerRow::inspected(tx, number, condition, today)?;
        let summary = format!("界桩 {number} 联合检查：{}", f.kind.label());
        log(
            tx,
            ("marker", number, "inspect"),
            json!({"round": view.round.id, "finding": f.id, "condition": condition, "inspected_on": today}),
            side,
            &summary,
            actor.by(),
        )?;
    }
    let signed = RoundRow::get(tx, view.round.id)?.map(|r| r.signatures);
    let summary = format!("{}：双方签认，检查结束", view.round.title);
    log(
        tx,
        ("inspection_round", &view.round.id.to_string(), "close"),
        json!({"signatures": signed, "markers": last.len(), "closed_on": today}),
        side,
        &summary,
        actor.by(),
    )?;
    Ok(())
}
