//! One source feature read into a typed row: the mapped fields parsed into
//! the model's values (codes, classes, romanised names), the geometry
//! reprojected to CGCS2000 lon/lat, checked in every coordinate and
//! repaired where it is invalid. A row that cannot be read gives the field
//! and why, for the rejection report.

use super::import::{ImportOptions, Target};
use crate::boundaries::numbering::MarkerNumber;
use crate::model::{
    AddressCode, AddressKind, DivisionCode, Level, MarkerCondition, PlaceClass, romanize, short_name,
    split_generic,
};
use crate::store::{AddressRow, DivisionRow, MarkerRow, PlaceRow};
use gdal::spatial_ref::CoordTransform;
use gdal::vector::Feature;
use geo::{Centroid, Geometry, MultiPolygon};

/// A feature as the row it becomes.
pub(super) enum Parsed {
    Division(DivisionRow),
    Place(PlaceRow),
    Address(AddressRow),
    /// A marker and the division its line's log entries are filed under
    /// (the line's smaller side, set once the line is found).
    Marker(MarkerRow, String),
}

/// Why a feature was rejected: (field, reason).
pub(super) type RowError = (String, String);

fn field(feature: &Feature, opts: &ImportOptions, name: &str) -> Option<String> {
    let src = opts.mapping.get(name).map_or(name, String::as_str);
    let idx = feature.field_index(src).ok()?;
    feature.field_as_string(idx).ok().flatten().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn required(feature: &Feature, opts: &ImportOptions, name: &str) -> Result<String, RowError> {
    field(feature, opts, name).ok_or_else(|| (name.to_string(), "缺少必填字段".to_string()))
}

/// Reads one feature: the row and whether its geometry was repaired.
pub(super) fn read_row(
    feature: &Feature,
    opts: &ImportOptions,
    ct: Option<&CoordTransform>,
) -> Result<(Parsed, bool), RowError> {
    let (geom, repaired) = geometry(feature, ct)?;
    let source = format!(
        "import:{}",
        opts.source.file_name().map_or(String::new(), |f| f.to_string_lossy().into_owned())
    );
    let parsed = match opts.target {
        Target::Divisions => {
            let code = required(feature, opts, "code")?;
            let code =
                DivisionCode::parse(&code).map_err(|e| ("code".to_string(), format!("“{code}”: {e}")))?;
            let name = required(feature, opts, "name")?;
            let level = match field(feature, opts, "level") {
                Some(l) => l
                    .parse::<i64>()
                    .ok()
                    .and_then(Level::from_i64)
                    .ok_or(("level".to_string(), format!("“{l}” 不是 1–5 的层级")))?,
                None => code.implied_level(),
            };
            let mp = match geom {
                Some(Geometry::MultiPolygon(mp)) => mp,
                Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
                Some(_) => return Err(("geometry".into(), "区划边界应为面".into())),
                None => return Err(("geometry".into(), "缺少边界几何".into())),
            };
            let parent = match field(feature, opts, "parent") {
                Some(p) => {
                    Some(DivisionCode::parse(&p).map_err(|e| ("parent".to_string(), format!("“{p}”: {e}")))?)
                }
                None => implied_parent(code.as_str()),
            };
            Parsed::Division(DivisionRow {
                short_name: field(feature, opts, "short_name").or_else(|| short_name(&name)),
                pinyin: Some(romanize(&name)),
                seat: mp.centroid().map(|c| (c.x(), c.y())),
                name,
                parent_code: parent,
                source,
                geom: Some(mp),
                ..DivisionRow::new(code, level)
            })
        }
        Target::Places => {
            let name = required(feature, opts, "name")?;
            let class = required(feature, opts, "class")?;
            let class =
                PlaceClass::parse(&class).ok_or(("class".to_string(), format!("未知地名类别 “{class}”")))?;
            let division = required(feature, opts, "division")?;
            let division =
                DivisionCode::parse(&division).map_err(|e| ("division".to_string(), e.to_string()))?;
            let (specific, generic) = split_generic(&name);
            Parsed::Place(PlaceRow {
                specific: specific.into(),
                generic: generic.into(),
                pinyin: romanize(&name),
                meaning: field(feature, opts, "meaning"),
                history: field(feature, opts, "history"),
                name,
                source,
                geom,
                ..PlaceRow::new(class, division)
            })
        }
        Target::Addresses => {
            let code = required(feature, opts, "code")?;
            let code = AddressCode::parse(&code)
                .ok_or(("code".to_string(), format!("“{code}” 不是 18 位地址编码")))?;
            let street = required(feature, opts, "street")?;
            let Some(Geometry::Point(p)) = geom else {
                return Err(("geometry".into(), "地址应为点".into()));
            };
            let division =
                field(feature, opts, "division").unwrap_or_else(|| code.to_string()[..12].to_string());
            let division =
                DivisionCode::parse(&division).map_err(|e| ("division".to_string(), e.to_string()))?;
            // An address code begins with the code of its division: at
            // least its province's (the plate index files plates by it).
            if code.to_string()[..2] != division.as_str()[..2] {
                return Err((
                    "code".into(),
                    format!("地址编码 “{code}” 与所在行政区划 {division} 不在同一省"),
                ));
            }
            let number = field(feature, opts, "number");
            let standard = field(feature, opts, "standard_address")
                .unwrap_or_else(|| format!("{street}{}", number.clone().unwrap_or_default()));
            let kind = match field(feature, opts, "kind") {
                None => AddressKind::RoadPlate,
                Some(k) => {
                    AddressKind::parse(&k).ok_or(("kind".to_string(), format!("未知地址类型 “{k}”")))?
                }
            };
            Parsed::Address(AddressRow {
                street,
                number,
                standard_address: standard,
                lon: p.x(),
                lat: p.y(),
                source,
                ..AddressRow::new(code, kind, division)
            })
        }
        Target::Markers => Parsed::Marker(marker(feature, opts, geom)?, String::new()),
    };
    Ok((parsed, repaired))
}

/// A boundary marker: its GB/T 17796 number (the line is the number
/// without its last four characters unless a `line` field says otherwise),
/// optional condition and installation day, a point.
fn marker(
    feature: &Feature,
    opts: &ImportOptions,
    geom: Option<Geometry<f64>>,
) -> Result<MarkerRow, RowError> {
    let number = required(feature, opts, "number")?;
    if !number.is_ascii() || number.len() < 6 {
        return Err(("number".into(), format!("“{number}” 不是界桩编号（界线编号 + 三位序号 + 类型字母）")));
    }
    let line = field(feature, opts, "line").unwrap_or_else(|| number[..number.len() - 4].to_string());
    let n = MarkerNumber::parse(&number, &line)
        .map_err(|r| ("number".to_string(), format!("“{number}”: {r}")))?;
    let Some(Geometry::Point(p)) = geom else {
        return Err(("geometry".into(), "界桩应为点".into()));
    };
    let condition = match field(feature, opts, "condition") {
        None => MarkerCondition::Intact,
        Some(c) => MarkerCondition::parse(&c)
            .ok_or(("condition".to_string(), format!("“{c}” 应为 intact、damaged、lost 或 moved")))?,
    };
    let installed_on = field(feature, opts, "installed_on")
        .map(|d| {
            chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| ("installed_on".to_string(), format!("“{d}” 不是 YYYY-MM-DD 日期")))
        })
        .transpose()?;
    Ok(MarkerRow {
        number,
        line_code: line,
        kind: n.kind,
        condition,
        installed_on,
        lon: p.x(),
        lat: p.y(),
        retired_on: None,
        inspected_on: None,
    })
}

fn implied_parent(code: &str) -> Option<DivisionCode> {
    let parent = match code.len() {
        12 => code[..9].to_string(),
        9 => code[..6].to_string(),
        6 if code.ends_with("0000") => return None,
        6 if code.ends_with("00") => format!("{}0000", &code[..2]),
        6 => format!("{}00", &code[..4]),
        _ => return None,
    };
    // As written: the parent of 330212001001 is 330212001, of 330212001 is 330212.
    DivisionCode::parse(&parent).ok()
}

/// The feature's geometry in CGCS2000 lon/lat, repaired if invalid;
/// whether it was repaired.
fn geometry(
    feature: &Feature,
    ct: Option<&CoordTransform>,
) -> Result<(Option<Geometry<f64>>, bool), RowError> {
    let Some(g) = feature.geometry() else {
        return Ok((None, false));
    };
    if g.is_empty() {
        return Ok((None, false));
    }
    let g = match ct {
        Some(ct) => g.transform(ct).map_err(|e| ("geometry".to_string(), format!("坐标转换失败: {e}")))?,
        None => g.clone(),
    };
    let (g, repaired) = if g.is_valid() {
        (g, false)
    } else {
        let fixed = g
            .make_valid(&gdal::cpl::CslStringList::new())
            .map_err(|e| ("geometry".to_string(), format!("几何无效且无法修复: {e}")))?;
        (fixed, true)
    };
    let geo: Geometry<f64> =
        g.to_geo().map_err(|e| ("geometry".to_string(), format!("几何无法读取: {e}")))?;
    let geo = match geo {
        Geometry::GeometryCollection(gc) => {
            // MakeValid may return a collection: keep its polygons.
            let polys: Vec<_> =
                gc.0.into_iter()
                    .flat_map(|g| match g {
                        Geometry::Polygon(p) => vec![p],
                        Geometry::MultiPolygon(mp) => mp.0,
                        _ => vec![],
                    })
                    .collect();
            if polys.is_empty() {
                return Err(("geometry".into(), "修复后不是有效的面".into()));
            }
            Geometry::MultiPolygon(MultiPolygon(polys))
        }
        g => g,
    };
    let in_range = |x: f64, y: f64| (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y);
    // Every coordinate, not only the first: one stray vertex would put a
    // polygon across the world.
    if let Some(c) = geo::CoordsIter::coords_iter(&geo).find(|c| !in_range(c.x, c.y)) {
        return Err((
            "geometry".into(),
            format!("坐标 ({}, {}) 超出经纬度范围，请用 --s-srs 指定源坐标系", c.x, c.y),
        ));
    }
    Ok((Some(geo), repaired))
}
