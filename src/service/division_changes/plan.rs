//! A division change request turned into what it does: the current
//! versions that end on the effective day and the versions that start, with
//! their codes (GB/T 2260 classes: a county becoming a district takes a
//! district code) and geometries, checked against the divisions as they
//! are now.

use super::around::{Around, code_of, current, name_of, polygon_of};
use super::*;
use crate::boundaries::topology_check;
use crate::model::DivisionClass;
use geo::{Area, BooleanOps, Intersects, unary_union};

/// A version that starts on the effective day.
#[derive(Debug, Clone)]
pub struct Start {
    /// The version (code, name, parent, geometry …).
    pub row: DivisionRow,
    /// The ending divisions whose land it takes.
    pub from: Vec<DivisionCode>,
}

/// What a change does.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The kind.
    pub kind: ChangeKind,
    /// What it is called (撤县设区, 更名, 合并 …).
    pub label: String,
    /// The level of the divisions changed.
    pub level: Level,
    /// Their parent.
    pub parent: Option<DivisionCode>,
    /// Current versions that end (with geometry).
    pub ends: Vec<DivisionRow>,
    /// Versions that start.
    pub starts: Vec<Start>,
}

impl Plan {
    /// The plan as JSON, for the request's record and its readers.
    pub fn to_json(&self) -> Value {
        json!({
            "label": self.label,
            "level": self.level.as_str(),
            "parent": self.parent,
            "ends": self.ends.iter().map(|r| json!({"code": r.code, "name": r.name})).collect::<Vec<_>>(),
            "starts": self.starts.iter().map(|s| json!({
                "code": s.row.code, "name": s.row.name, "from": s.from,
            })).collect::<Vec<_>>(),
        })
    }

    /// Whether the change moves any boundary (not a rename or a
    /// reclassification, which keep them).
    pub fn moves_boundaries(&self) -> bool {
        !matches!(self.kind, ChangeKind::Rename | ChangeKind::Reclassify)
    }
}

/// A new version of `row` starting on `day`, with the given code, name
/// and geometry.
fn start_of(
    row: &DivisionRow,
    code: DivisionCode,
    name: String,
    geom: Option<MultiPolygon<f64>>,
    day: NaiveDate,
) -> DivisionRow {
    let (short_name, pinyin) = if name == row.name {
        (row.short_name.clone(), row.pinyin.clone())
    } else {
        (crate::model::short_name(&name), Some(crate::model::romanize(&name)))
    };
    DivisionRow {
        fid: 0,
        code,
        name,
        short_name,
        level: row.level,
        parent_code: row.parent_code.clone(),
        pinyin,
        valid_from: Some(day),
        valid_to: None,
        seat: row.seat,
        source: String::new(),
        geom,
    }
}

/// Turns a request into its plan against the divisions as they are in
/// `tx`; refuses what GB/T 2260, the names or the geometry do not allow.
pub fn plan(tx: &Connection, input: &ChangeInput, tolerance_m: f64) -> Result<Plan, DivisionChangeError> {
    let kind = ChangeKind::parse(&input.kind)
        .ok_or_else(|| invalid("kind", "应为 rename、reclassify、merge、split、create 或 adjust_boundary"))?;
    let day = input.effective_on;
    let one = |field: &'static str| -> Result<DivisionRow, DivisionChangeError> {
        let code = input.code.as_deref().ok_or_else(|| invalid(field, "须给出区划代码"))?;
        current(tx, field, &code_of(field, code)?)
    };
    let (label, ends, starts, parent): (String, Vec<DivisionRow>, Vec<Start>, Option<DivisionCode>) =
        match kind {
            ChangeKind::Rename | ChangeKind::Reclassify => {
                let row = one("code")?;
                let around = &mut Around::of(tx, row.parent_code.as_ref())?;
                let name = name_of("new_name", input.new_name.as_deref())?;
                if name == row.name && kind == ChangeKind::Rename {
                    return Err(invalid("new_name", "新名称与现名称相同"));
                }
                around.name_free("new_name", &name, std::slice::from_ref(&row.code))?;
                let classed = matches!(row.level, Level::County | Level::Township);
                let was = DivisionClass::of_code(&row.code)
                    .or_else(|| DivisionClass::of_name(&row.name, row.level == Level::County));
                let to = DivisionClass::of_name(&name, row.level == Level::County);
                let (label, code) = if kind == ChangeKind::Rename {
                    if classed && was.is_some() && to.is_some() && was != to {
                        return Err(invalid(
                            "new_name",
                            format!(
                                "{}改为{name}改变了区划类别，应按 reclassify（{}）申报",
                                row.name,
                                was.zip(to).map(|(a, b)| a.change_label(b)).unwrap_or_default()
                            ),
                        ));
                    }
                    if input.new_code.is_some() {
                        return Err(invalid("new_code", "更名不改代码"));
                    }
                    ("更名".to_string(), row.code.clone())
                } else {
                    let label = match (was, to) {
                        (Some(a), Some(b)) if a == b => {
                            return Err(invalid(
                                "new_name",
                                format!("{}与{name}同属{}，不是类别变更", row.name, a.label()),
                            ));
                        }
                        (Some(a), Some(b)) => a.change_label(b),
                        _ if classed => {
                            return Err(invalid("new_name", format!("无法从“{name}”看出区划类别")));
                        }
                        _ => "更名并改码".to_string(),
                    };
                    let code =
                        around.new_code("new_code", input.new_code.as_deref(), &name, row.level, None)?;
                    (label, code)
                };
                let start = start_of(&row, code, name, row.geom.clone(), day);
                let parent = row.parent_code.clone();
                (label, vec![row.clone()], vec![Start { row: start, from: vec![row.code.clone()] }], parent)
            }
            ChangeKind::Merge => {
                if input.codes.len() < 2 {
                    return Err(invalid("codes", "合并须列出至少两个区划"));
                }
                let mut rows = Vec::new();
                for c in &input.codes {
                    let row = current(tx, "codes", &code_of("codes", c)?)?;
                    if rows.iter().any(|r: &DivisionRow| r.code == row.code) {
                        return Err(invalid("codes", format!("{} 重复", row.code)));
                    }
                    rows.push(row);
                }
                let first = rows[0].clone();
                if let Some(r) =
                    rows.iter().find(|r| r.parent_code != first.parent_code || r.level != first.level)
                {
                    return Err(invalid(
                        "codes",
                        format!("{} 与 {} 不属同一上级、同一级别，不能合并", r.code, first.code),
                    ));
                }
                let around = &mut Around::of(tx, first.parent_code.as_ref())?;
                let codes: Vec<DivisionCode> = rows.iter().map(|r| r.code.clone()).collect();
                let survivor = match &input.into {
                    Some(s) => Some(
                        rows.iter()
                            .find(|r| r.code.as_str() == s.trim())
                            .ok_or_else(|| invalid("into", format!("{s} 不在合并的区划之中")))?
                            .clone(),
                    ),
                    None => None,
                };
                let name = match (&input.new_name, &survivor) {
                    (Some(n), _) => name_of("new_name", Some(n))?,
                    (None, Some(s)) => s.name.clone(),
                    (None, None) => return Err(invalid("new_name", "合并为新区划须给出名称")),
                };
                around.name_free("new_name", &name, &codes)?;
                let code = match &survivor {
                    Some(s) if input.new_code.is_none() => s.code.clone(),
                    _ => around.new_code(
                        "new_code",
                        input.new_code.as_deref(),
                        &name,
                        first.level,
                        Some(&first.code),
                    )?,
                };
                let geoms: Vec<&MultiPolygon<f64>> = rows.iter().filter_map(|r| r.geom.as_ref()).collect();
                let geom = (geoms.len() == rows.len()).then(|| unary_union(geoms));
                let base = survivor.as_ref().unwrap_or(&first);
                let start = start_of(base, code, name, geom, day);
                (
                    format!(
                        "合并（{}）",
                        rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join("、")
                    ),
                    rows,
                    vec![Start { row: start, from: codes }],
                    first.parent_code.clone(),
                )
            }
            ChangeKind::Split => {
                let row = one("code")?;
                if input.parts.len() < 2 {
                    return Err(invalid("parts", "拆分须给出至少两个部分"));
                }
                let around = &mut Around::of(tx, row.parent_code.as_ref())?;
                let mut starts = Vec::new();
                let mut kept = false;
                for p in &input.parts {
                    let geom = polygon_of("parts.geometry", &p.geometry)?;
                    let keeps = p.code.as_deref().map(str::trim) == Some(row.code.as_str());
                    if keeps && kept {
                        return Err(invalid("parts.code", format!("只有一个部分可以沿用代码 {}", row.code)));
                    }
                    kept |= keeps;
                    let name = match (&p.name, keeps) {
                        (Some(n), _) => name_of("parts.name", Some(n))?,
                        (None, true) => row.name.clone(),
                        (None, false) => return Err(invalid("parts.name", "拆分出的新区划须给出名称")),
                    };
                    if starts.iter().any(|s: &Start| s.row.name == name) {
                        return Err(invalid("parts.name", format!("{name} 重复")));
                    }
                    around.name_free("parts.name", &name, std::slice::from_ref(&row.code))?;
                    let code = if keeps {
                        row.code.clone()
                    } else {
                        around.new_code("parts.code", p.code.as_deref(), &name, row.level, Some(&row.code))?
                    };
                    starts.push(Start {
                        row: start_of(&row, code, name, Some(geom), day),
                        from: vec![row.code.clone()],
                    });
                }
                let parent = row.parent_code.clone();
                ("拆分".to_string(), vec![row], starts, parent)
            }
            ChangeKind::Create => {
                let parent =
                    current(tx, "parent", &code_of("parent", input.parent.as_deref().unwrap_or_default())?)?;
                let level = parent.level.child().ok_or_else(|| invalid("parent", "村级区划之下不设区划"))?;
                let geom = polygon_of(
                    "geometry",
                    input.geometry.as_ref().ok_or_else(|| invalid("geometry", "新设区划须给出边界"))?,
                )?;
                let name = name_of("name", input.name.as_deref())?;
                let around = &mut Around::of(tx, Some(&parent.code))?;
                around.name_free("name", &name, &[])?;
                let code = around.new_code("new_code", input.new_code.as_deref(), &name, level, None)?;
                // The children whose land it takes give up that land.
                let mut ends = Vec::new();
                let mut starts = Vec::new();
                for s in &around.siblings {
                    let Some(g) = &s.geom else { continue };
                    if !g.intersects(&geom) || g.intersection(&geom).unsigned_area() <= 0.0 {
                        continue;
                    }
                    let rest = g.difference(&geom);
                    ends.push(s.clone());
                    if rest.unsigned_area() > 0.0 {
                        starts.push(Start {
                            row: start_of(s, s.code.clone(), s.name.clone(), Some(rest), day),
                            from: vec![s.code.clone()],
                        });
                    }
                }
                let mut new = DivisionRow::new(code, level);
                new.short_name = crate::model::short_name(&name);
                new.pinyin = Some(crate::model::romanize(&name));
                new.name = name;
                new.parent_code = Some(parent.code.clone());
                new.valid_from = Some(day);
                new.geom = Some(geom);
                starts.push(Start { from: ends.iter().map(|e| e.code.clone()).collect(), row: new });
                ("新设".to_string(), ends, starts, Some(parent.code.clone()))
            }
            ChangeKind::AdjustBoundary => {
                if input.parts.is_empty() {
                    return Err(invalid("parts", "须给出调整后的区划及其边界"));
                }
                let mut ends: Vec<DivisionRow> = Vec::new();
                let mut starts = Vec::new();
                for p in &input.parts {
                    let code = code_of(
                        "parts.code",
                        p.code.as_deref().ok_or_else(|| invalid("parts.code", "须给出区划代码"))?,
                    )?;
                    let row = current(tx, "parts.code", &code)?;
                    if ends.iter().any(|e| e.code == row.code) {
                        return Err(invalid("parts.code", format!("{code} 重复")));
                    }
                    if let Some(e) = ends.first()
                        && e.parent_code != row.parent_code
                    {
                        return Err(invalid(
                            "parts.code",
                            format!("{} 与 {} 不属同一上级区划", row.code, e.code),
                        ));
                    }
                    if p.name.as_deref().is_some_and(|n| n.trim() != row.name) {
                        return Err(invalid("parts.name", "边界调整不改名称，更名请另行申报"));
                    }
                    let geom = polygon_of("parts.geometry", &p.geometry)?;
                    starts.push(Start {
                        row: start_of(&row, row.code.clone(), row.name.clone(), Some(geom), day),
                        from: vec![row.code.clone()],
                    });
                    ends.push(row);
                }
                // Land an adjusted division gives up goes to the neighbours
                // whose new boundary takes it: they are the ones listed.
                let parent = ends[0].parent_code.clone();
                ("边界调整".to_string(), ends, starts, parent)
            }
        };
    for e in &ends {
        if e.valid_from == Some(day) {
            return Err(DivisionChangeError::Conflict(format!(
                "{} 的现行版本自 {day} 起施行，同一天不能再作变更",
                topology_check::label(e)
            )));
        }
        if e.valid_from.is_some_and(|f| f > day) {
            return Err(invalid("effective_on", format!("生效日期早于 {} 现行版本的施行日期", e.code)));
        }
    }
    let level = ends.first().map_or(Level::County, |e| e.level);
    let plan = Plan { kind, label, level, parent, ends, starts };
    if plan.moves_boundaries() {
        check_geometry(tx, &plan, tolerance_m)?;
    }
    Ok(plan)
}

/// Refuses a change that would leave the parent's children overlapping,
/// with a gap, or outside the parent where they were not before.
fn check_geometry(tx: &Connection, plan: &Plan, tolerance_m: f64) -> Result<(), DivisionChangeError> {
    let Some(parent) = &plan.parent else { return Ok(()) };
    let Some(parent) = DivisionRow::current(tx, parent)? else { return Ok(()) };
    let before = DivisionRow::current_children(tx, &parent.code)?;
    let ending: Vec<&DivisionCode> = plan.ends.iter().map(|e| &e.code).collect();
    let mut after: Vec<DivisionRow> = before.iter().filter(|r| !ending.contains(&&r.code)).cloned().collect();
    after.extend(plan.starts.iter().map(|s| s.row.clone()));
    let problems = topology_check::introduced(&parent, &before, &after, tolerance_m);
    if problems.is_empty() {
        return Ok(());
    }
    Err(DivisionChangeError::Geometry(problems.into_iter().map(|p| p.description).collect()))
}
