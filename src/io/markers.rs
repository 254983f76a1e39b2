//! The checks an imported boundary marker passes before it is written: its
//! line is in the store and live, it stands within the tolerance of the
//! line, its number is new (a number is never reused, and moving a marker
//! takes both sides' signatures, not an import). A marker already stored
//! where the row puts it is left as it is.

use super::feature_row::Parsed;
use super::import::{ImportReport, Rejection};
use crate::boundaries::numbering::Walk;
use crate::store::{BoundaryLineRow, MarkerRow, Store};
use anyhow::Result;
use geo::{Coord, Distance, Geodesic, Point};
use std::collections::{HashMap, HashSet};

/// Metres within which a stored marker counts as where the row puts it.
const SAME_PLACE_M: f64 = 0.01;

/// Moves the rows that fail into `rejections`, drops those already stored
/// as they are (counted as unchanged), and files the rest under their
/// line's smaller side.
pub(super) fn check(
    store: &Store,
    rows: &mut Vec<(usize, Parsed)>,
    rejections: &mut Vec<Rejection>,
    report: &mut ImportReport,
    off_line_m: f64,
) -> Result<()> {
    let mut lines: HashMap<String, Option<(BoundaryLineRow, Walk)>> = HashMap::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut kept = Vec::with_capacity(rows.len());
    for (row, parsed) in rows.drain(..) {
        let Parsed::Marker(m, side) = parsed else {
            kept.push((row, parsed));
            continue;
        };
        let reject = |field: &str, reason: String| Rejection { row, fid: None, field: field.into(), reason };
        if !seen.insert(m.number.clone()) {
            rejections.push(reject("number", format!("编号 {} 在本次导入中重复", m.number)));
            continue;
        }
        if !lines.contains_key(&m.line_code) {
            let line =
                store.read(|c| BoundaryLineRow::get(c, &m.line_code))?.filter(|l| l.retired_on.is_none());
            let walk = line.and_then(|l| l.geom.as_ref().map(Walk::new).map(|w| (l, w)));
            lines.insert(m.line_code.clone(), walk);
        }
        let Some((line, walk)) = lines[&m.line_code].as_ref() else {
            rejections.push(reject("number", format!("界线 {} 不存在或已撤销", m.line_code)));
            continue;
        };
        let at = Coord { x: m.lon, y: m.lat };
        let off = walk.locate(at).off_m;
        if off > off_line_m {
            rejections.push(reject(
                "geometry",
                format!(
                    "界桩距界线 {} 有 {off:.1} 米，超过 {off_line_m} 米：坐标系或转换参数是否有误？",
                    line.code
                ),
            ));
            continue;
        }
        match store.read(|c| MarkerRow::get(c, &m.number))? {
            None => {}
            Some(old) if old.retired_on.is_some() => {
                rejections.push(reject("number", format!("编号 {} 属于已撤除的界桩，不可再用", m.number)));
                continue;
            }
            Some(old) => {
                let moved = Geodesic.distance(Point::new(old.lon, old.lat), Point::from(at));
                if moved <= SAME_PLACE_M && old.line_code == m.line_code {
                    report.unchanged += 1;
                } else {
                    rejections.push(reject(
                        "geometry",
                        format!(
                            "界桩 {} 已在 {moved:.2} 米外的位置：移位须由双方签认（POST /markers/{}/move）",
                            m.number, m.number
                        ),
                    ));
                }
                continue;
            }
        }
        debug_assert!(side.is_empty());
        kept.push((row, Parsed::Marker(m, line.left_code.to_string())));
    }
    *rows = kept;
    Ok(())
}
