//! The divisions around a change: its parent, the parent's current
//! children and every code ever used; the checks of the codes and names a
//! change gives.

use super::*;
use crate::boundaries::topology_check;
use crate::model::DivisionClass;
use geo::Area;

pub(super) fn code_of(field: &'static str, s: &str) -> Result<DivisionCode, DivisionChangeError> {
    DivisionCode::parse(s.trim()).map_err(|e| invalid(field, format!("{s} 不是区划代码：{e}")))
}

pub(super) fn name_of(field: &'static str, s: Option<&str>) -> Result<String, DivisionChangeError> {
    let n = s.map(str::trim).unwrap_or_default();
    if n.is_empty() {
        return Err(invalid(field, "须给出名称"));
    }
    if n.chars().count() > 40 || n.chars().any(|c| c.is_ascii() || c.is_whitespace()) {
        return Err(invalid(field, format!("{n} 不是规范的区划名称（汉字，至多 40 字）")));
    }
    Ok(n.to_string())
}

pub(super) fn polygon_of(
    field: &'static str,
    g: &geojson::Geometry,
) -> Result<MultiPolygon<f64>, DivisionChangeError> {
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
pub(super) fn current(
    tx: &Connection,
    field: &'static str,
    code: &DivisionCode,
) -> Result<DivisionRow, DivisionChangeError> {
    DivisionRow::current(tx, code)?.ok_or_else(|| invalid(field, format!("没有现行的区划 {code}")))
}

/// What the divisions around a change look like: the parent, its current
/// children, every code ever used.
pub(super) struct Around {
    pub(super) parent: Option<DivisionRow>,
    pub(super) siblings: Vec<DivisionRow>,
    pub(super) taken: Vec<DivisionCode>,
}

impl Around {
    pub(super) fn of(tx: &Connection, parent: Option<&DivisionCode>) -> Result<Around, DivisionChangeError> {
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
    pub(super) fn new_code(
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
    pub(super) fn name_free(
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
