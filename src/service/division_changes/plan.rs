//! A division change request turned into what it does: the current
//! versions that end on the effective day and the versions that start, with
//! their codes (GB/T 2260 classes: a county becoming a district takes a
//! district code) and geometries, checked against the divisions as they
//! are now.

use super::*;
use crate::boundaries::topology_check;
use crate::model::DivisionClass;
use geo::{Area, BooleanOps, Intersects, unary_union};

/// The kinds of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// 更名: a new name, the class and code kept.
    Rename,
    /// 撤县设区, 撤县设市, 撤镇设街道 …: a new class, hence a new name and code.
    Reclassify,
    /// 合并: several divisions become one.
    Merge,
    /// 拆分: one division becomes several.
    Split,
    /// 新设: a new division carved out of its neighbours.
    Create,
    /// 边界调整: new boundaries between divisions.
    AdjustBoundary,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Rename,
        ChangeKind::Reclassify,
        ChangeKind::Merge,
        ChangeKind::Split,
        ChangeKind::Create,
        ChangeKind::AdjustBoundary,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Rename => "rename",
            ChangeKind::Reclassify => "reclassify",
            ChangeKind::Merge => "merge",
            ChangeKind::Split => "split",
            ChangeKind::Create => "create",
            ChangeKind::AdjustBoundary => "adjust_boundary",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One division after a split or a boundary adjustment.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PartInput {
    /// Its code: an existing one (the part that keeps it), a new one, or
    /// none for the next free code of its class.
    #[serde(default)]
    pub code: Option<String>,
    /// Its name (a split's new parts need one).
    #[serde(default)]
    pub name: Option<String>,
    /// Its boundary, GeoJSON (Multi)Polygon in lon/lat CGCS2000.
    pub geometry: geojson::Geometry,
}

/// A division change as requested.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    /// `rename`, `reclassify`, `merge`, `split`, `create`, `adjust_boundary`.
    pub kind: String,
    /// The day it takes effect (a later day is scheduled).
    pub effective_on: NaiveDate,
    /// The approval document number (国函〔2026〕12号).
    #[serde(default)]
    pub doc_no: Option<String>,
    /// Why.
    pub reason: String,
    /// The division renamed, reclassified or split.
    #[serde(default)]
    pub code: Option<String>,
    /// Its new name (rename, reclassify; the merged division's name).
    #[serde(default)]
    pub new_name: Option<String>,
    /// A new code (reclassify, merge, create); else the next free one of
    /// the class.
    #[serde(default)]
    pub new_code: Option<String>,
    /// The divisions merged.
    #[serde(default)]
    pub codes: Vec<String>,
    /// The merged division that goes on (its code kept); none for a new one.
    #[serde(default)]
    pub into: Option<String>,
    /// The parent of a new division.
    #[serde(default)]
    pub parent: Option<String>,
    /// The name of a new division.
    #[serde(default)]
    pub name: Option<String>,
    /// The boundary of a new division.
    #[serde(default)]
    pub geometry: Option<geojson::Geometry>,
    /// The parts of a split, or the divisions of an adjustment with their
    /// new boundaries.
    #[serde(default)]
    pub parts: Vec<PartInput>,
}

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

fn code_of(field: &'static str, s: &str) -> Result<DivisionCode, DivisionChangeError> {
    DivisionCode::parse(s.trim()).map_err(|e| invalid(field, format!("{s} 不是区划代码：{e}")))
}

fn name_of(field: &'static str, s: Option<&str>) -> Result<String, DivisionChangeError> {
    let n = s.map(str::trim).unwrap_or_default();
    if n.is_empty() {
        return Err(invalid(field, "须给出名称"));
    }
    if n.chars().count() > 40 || n.chars().any(|c| c.is_ascii() || c.is_whitespace()) {
        return Err(invalid(field, format!("{n} 不是规范的区划名称（汉字，至多 40 字）")));
    }
    Ok(n.to_string())
}

fn polygon_of(field: &'static str, g: &geojson::Geometry) -> Result<MultiPolygon<f64>, DivisionChangeError> {
    let geom: geo::Geometry<f64> =
        g.clone().try_into().map_err(|e| invalid(field, format!("不是有效的 GeoJSON 几何：{e}")))?;
    let mp = match geom {
        geo::Geometry::Polygon(p) => MultiPolygon(vec![p]),
        geo::Geometry::MultiPolygon(mp) => mp,
        _ => return Err(invalid(field, "边界须为 Polygon 或 MultiPolygon")),
    };
    let ok = |c: &geo::Coord<f64>| {
        c.x.is_finite() && c.y.is_finite() && (-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)
    };
    if mp.0.is_empty()
        || !mp.0.iter().flat_map(|p| p.exterior().0.iter()).all(ok)
        || mp.unsigned_area() <= 0.0
    {
        return Err(invalid(field, "边界须为经纬度（CGCS2000）表示的非空多边形"));
    }
    Ok(mp)
}

/// The current version of `code`, with geometry.
fn current(
    tx: &Connection,
    field: &'static str,
    code: &DivisionCode,
) -> Result<DivisionRow, DivisionChangeError> {
    DivisionRow::current(tx, code)?.ok_or_else(|| DivisionChangeError::NotFound(code.to_string())).map_err(
        |e| match e {
            DivisionChangeError::NotFound(c) => invalid(field, format!("没有现行的区划 {c}")),
            other => other,
        },
    )
}

/// What the divisions around a change look like: the parent, its current
/// children, every code ever used.
struct Around {
    parent: Option<DivisionRow>,
    siblings: Vec<DivisionRow>,
    taken: Vec<DivisionCode>,
}

impl Around {
    fn of(tx: &Connection, parent: Option<&DivisionCode>) -> Result<Around, DivisionChangeError> {
        let parent = match parent {
            Some(p) => DivisionRow::current(tx, p)?,
            None => None,
        };
        let siblings = match &parent {
            Some(p) => DivisionRow::current_children(tx, &p.code)?,
            None => Vec::new(),
        };
        Ok(Around { parent, siblings, taken: DivisionRow::all_codes(tx)? })
    }

    /// A code for a new division named `name` (class from the name, else
    /// `fallback`'s), or the one asked for, checked.
    fn new_code(
        &mut self,
        field: &'static str,
        asked: Option<&str>,
        name: &str,
        level: Level,
        fallback: Option<&DivisionCode>,
    ) -> Result<DivisionCode, DivisionChangeError> {
        let parent = self.parent.as_ref().map(|p| p.code.clone());
        let county_level = level == Level::County;
        let class =
            DivisionClass::of_name(name, county_level).or_else(|| fallback.and_then(DivisionClass::of_code));
        let code = match asked {
            Some(a) => {
                let c = code_of(field, a)?;
                if c.implied_level() != level {
                    return Err(invalid(field, format!("{c} 不是{}代码", level.label())));
                }
                if let Some(p) = &parent
                    && !(c.as_str().starts_with(p.prefix()) && c != *p)
                {
                    return Err(invalid(field, format!("{c} 不在上级区划 {p} 的代码段内")));
                }
                if self.taken.contains(&c) {
                    return Err(invalid(field, format!("代码 {c} 已使用过，GB/T 2260 不重复启用旧代码")));
                }
                if let (Some(want), Some(got)) = (class, DivisionClass::of_code(&c))
                    && want != got
                {
                    return Err(invalid(
                        field,
                        format!("{name}是{}，代码 {c} 却属于{}的号段", want.label(), got.label()),
                    ));
                }
                c
            }
            None => {
                let (Some(class), Some(parent)) = (class, parent.as_ref()) else {
                    return Err(invalid(field, format!("{}不按类别编码，须给出新代码", level.label())));
                };
                class
                    .next_code(parent, &self.taken)
                    .ok_or_else(|| invalid(field, format!("{parent} 下{}的号段已用尽", class.label())))?
            }
        };
        self.taken.push(code.clone());
        Ok(code)
    }

    /// Refuses a name another current division under the parent has
    /// (other than those that end).
    fn name_free(
        &self,
        field: &'static str,
        name: &str,
        ending: &[DivisionCode],
    ) -> Result<(), DivisionChangeError> {
        if let Some(s) = self.siblings.iter().find(|s| s.name == name && !ending.contains(&s.code)) {
            return Err(invalid(field, format!("上级区划内已有同名的{}", topology_check::label(s))));
        }
        Ok(())
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
