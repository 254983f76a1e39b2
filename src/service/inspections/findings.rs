//! Findings and their photos.

use super::super::Service;
use super::super::boundaries::{BoundaryError, boundary_officer, check_point, invalid, log, side_for};
use super::*;

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
}
