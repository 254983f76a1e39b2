//! The request bodies of the proposal API and how they are read: text
//! limits, dates, GeoJSON geometry in the service's extent, and the
//! proposal's content filled from them (a rename or retirement from the
//! place it is about; 专名 and 通名 split by the class's 通名).

use super::{ReviewError, invalid};
use crate::index::Gazetteer;
use crate::model::romanize::romanize_parts;
use crate::model::{Attachment, DivisionCode, Kind, PlaceClass, PlaceStatus, Proposal, split_generic};
use crate::review::Rules;
use crate::store::PlaceRow;
use chrono::NaiveDate;
use geo::{Geometry, Validation};
use serde::Deserialize;

/// The body of `POST /proposals` (and of `PATCH`, where absent fields keep
/// their values).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// `name`, `rename` or `retire`.
    pub kind: Option<Kind>,
    /// Class identifier (`road` …); for a rename or retirement, the
    /// place's.
    pub class: Option<String>,
    /// Proposed name.
    pub name: Option<String>,
    /// 专名 (split from the name by the class's 通名 when absent).
    pub specific: Option<String>,
    /// 通名.
    pub generic: Option<String>,
    /// Romanised spelling, to override the generated one (polyphones).
    pub pinyin: Option<String>,
    /// Division code (6, 9 or 12 digits).
    pub division: Option<String>,
    /// GeoJSON geometry, lon/lat CGCS2000.
    pub geometry: Option<serde_json::Value>,
    /// The place renamed or retired (place id).
    pub place: Option<i64>,
    /// 含义.
    pub meaning: Option<String>,
    /// 理由.
    pub reason: Option<String>,
    /// Applicant unit or person.
    pub applicant: Option<String>,
    /// The place-name plan the name implements.
    pub plan: Option<String>,
    /// Reference of the heritage protection plan.
    pub protection_plan: Option<String>,
    /// Documents by reference.
    pub attachments: Option<Vec<Attachment>>,
}

/// The body of `POST /proposals/{id}/{action}`: what each action reads.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    /// Reason or remark (return, approve, reject, withdraw).
    pub note: Option<String>,
    /// Opinion: `support`, `oppose` or `amend`.
    pub position: Option<String>,
    /// A committee member's vote: `approve`, `reject` or `abstain`.
    pub vote: Option<String>,
    /// Opinion or comment text.
    pub text: Option<String>,
    /// Who commented.
    pub author: Option<String>,
    /// The comment answered (its number).
    pub comment: Option<u32>,
    /// How the comment was handled.
    pub response: Option<String>,
    /// Consultation period, days (at least the configured one).
    pub days: Option<u32>,
    /// Approving body.
    pub body: Option<String>,
    /// Approval document number.
    pub document: Option<String>,
    /// Date (ISO) of approval, filing or announcement.
    pub date: Option<String>,
    /// Filed with, or announced where.
    pub with: Option<String>,
}

const MAX_TEXT: usize = 2000;

pub(super) fn text(field: &str, v: Option<&String>, required: bool) -> Result<Option<String>, ReviewError> {
    match v.map(|s| s.trim()) {
        None | Some("") if required => Err(invalid(field, "不能为空")),
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > MAX_TEXT => Err(invalid(field, format!("超过 {MAX_TEXT} 个字"))),
        Some(s) => Ok(Some(s.to_string())),
    }
}

pub(super) fn date(field: &str, v: Option<&String>, default: NaiveDate) -> Result<NaiveDate, ReviewError> {
    match v {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| invalid(field, format!("“{s}”不是 YYYY-MM-DD 日期"))),
    }
}

/// Reads GeoJSON into a geometry in the service's extent, valid.
pub fn geometry(v: &serde_json::Value) -> Result<Geometry<f64>, ReviewError> {
    let gj: geojson::Geometry = serde_json::from_value(v.clone())
        .map_err(|e| invalid("geometry", format!("不是 GeoJSON 几何：{e}")))?;
    // The conversion below reads two numbers of every position unchecked.
    if !positions_complete(&gj) {
        return Err(invalid("geometry", "每个坐标须有经度和纬度"));
    }
    let g: Geometry<f64> = gj.try_into().map_err(|e| invalid("geometry", format!("无法读取几何：{e}")))?;
    if matches!(g, Geometry::GeometryCollection(_)) {
        return Err(invalid("geometry", "不接受几何集合"));
    }
    use geo::CoordsIter;
    if g.coords_count() == 0 {
        return Err(invalid("geometry", "几何为空"));
    }
    if let Some(c) = g.coords_iter().find(|c| !(73.0..=136.0).contains(&c.x) || !(3.0..=54.0).contains(&c.y))
    {
        return Err(invalid(
            "geometry",
            format!("坐标 ({}, {}) 不在中国范围内（经度、纬度，CGCS2000）", c.x, c.y),
        ));
    }
    // Holes without an outer ring pass `is_valid`, and GeoJSON written from
    // such a polygon is empty.
    let polygons = match &g {
        Geometry::Polygon(p) => std::slice::from_ref(p),
        Geometry::MultiPolygon(mp) => mp.0.as_slice(),
        _ => &[],
    };
    if polygons.iter().any(|p| p.exterior().0.is_empty()) {
        return Err(invalid("geometry", "面缺少外环"));
    }
    if !g.is_valid() {
        return Err(invalid("geometry", "几何无效（自相交或环不闭合）"));
    }
    Ok(g)
}

/// Whether every position of `g` has at least a longitude and a latitude.
fn positions_complete(g: &geojson::Geometry) -> bool {
    use geojson::GeometryValue as V;
    let ok = |p: &geojson::Position| p.len() >= 2;
    match &g.value {
        V::Point { coordinates } => ok(coordinates),
        V::MultiPoint { coordinates } | V::LineString { coordinates } => coordinates.iter().all(ok),
        V::MultiLineString { coordinates } | V::Polygon { coordinates } => {
            coordinates.iter().flatten().all(ok)
        }
        V::MultiPolygon { coordinates } => coordinates.iter().flatten().flatten().all(ok),
        V::GeometryCollection { geometries } => geometries.iter().all(positions_complete),
    }
}

/// Splits a name by the longest 通名 of its class (else the general list).
fn split(rules: &Rules, class: &str, name: &str) -> (String, String) {
    let mut generics = rules.settings.generics.get(class).cloned().unwrap_or_default();
    generics.sort_by_key(|g| std::cmp::Reverse(g.len()));
    for g in &generics {
        if let Some(s) = name.strip_suffix(g.as_str())
            && !s.is_empty()
        {
            return (s.to_string(), g.clone());
        }
    }
    if generics.is_empty() {
        return (name.to_string(), String::new());
    }
    let (s, g) = split_generic(name);
    (s.to_string(), g.to_string())
}

/// Fills `p`'s content from `input` (over what `p` holds) and checks it.
pub(super) fn apply_input(
    conn: &rusqlite::Connection,
    g: &Gazetteer,
    rules: &Rules,
    p: &mut Proposal,
    geom: &mut Option<Geometry<f64>>,
    input: &ProposalInput,
) -> Result<(), ReviewError> {
    if let Some(k) = input.kind {
        p.kind = k;
    }
    let set = |field: &str, target: &mut Option<String>, v: &Option<String>| -> Result<(), ReviewError> {
        if v.is_some() {
            *target = text(field, v.as_ref(), false)?;
        }
        Ok(())
    };
    set("meaning", &mut p.meaning, &input.meaning)?;
    set("reason", &mut p.reason, &input.reason)?;
    set("applicant", &mut p.applicant, &input.applicant)?;
    set("plan", &mut p.plan, &input.plan)?;
    set("protection_plan", &mut p.protection_plan, &input.protection_plan)?;
    if let Some(a) = &input.attachments {
        if a.iter().any(|x| x.title.trim().is_empty() || x.reference.trim().is_empty()) {
            return Err(invalid("attachments", "每个附件须有 title 和 reference"));
        }
        p.attachments = a.clone();
    }
    if let Some(v) = &input.geometry {
        *geom = Some(geometry(v)?);
    }
    if let Some(d) = &input.division {
        let code = DivisionCode::parse(d).map_err(|e| invalid("division", e.to_string()))?;
        if g.divisions.by_code(code.as_str(), None).is_none() {
            return Err(invalid("division", format!("区划代码 {} 不存在或已撤销", code.as_str())));
        }
        p.division = code.as_str().to_string();
    }
    if let Some(fid) = input.place {
        p.place = Some(fid);
    }
    if let Some(c) = &input.class {
        PlaceClass::parse(c).ok_or_else(|| invalid("class", format!("未知地名类别“{c}”")))?;
        p.class = c.clone();
    }
    if let Some(n) = &input.name {
        let n = n.trim();
        if n.is_empty() || n.chars().count() > 50 {
            return Err(invalid("name", "名称须为 1 到 50 个字"));
        }
        if n.chars().any(|c| c.is_whitespace() || c.is_control() || c.is_ascii_punctuation()) {
            return Err(invalid("name", "名称不能含空格、控制字符或标点"));
        }
        p.name = n.to_string();
    }

    // A rename or retirement is about an existing current place.
    if p.kind != Kind::Name {
        let fid =
            p.place.ok_or_else(|| invalid("place", format!("{}须指明地名编号 place", p.kind.label())))?;
        let place =
            PlaceRow::get(conn, fid)?.ok_or_else(|| invalid("place", format!("地名 {fid} 不存在")))?;
        if place.status != PlaceStatus::Current {
            return Err(invalid("place", format!("地名 {fid}“{}”不是现行地名", place.name)));
        }
        let class = place.class.as_str();
        if input.class.is_some() && p.class != class {
            return Err(invalid("class", format!("须与原地名类别 {class} 一致")));
        }
        p.class = class.to_string();
        p.place_name = Some(place.name.clone());
        if input.division.is_none() && p.division.is_empty() {
            p.division = place.division_code.to_string();
        }
        if geom.is_none() {
            *geom = place.geom.clone();
        }
        if p.kind == Kind::Retire {
            p.name = place.name.clone();
        } else if p.name == place.name {
            return Err(invalid("name", "新名称与原名称相同"));
        }
    } else {
        p.place = None;
        p.place_name = None;
    }
    if p.class.is_empty() {
        return Err(invalid("class", "缺少地名类别 class"));
    }
    if p.name.is_empty() {
        return Err(invalid("name", "缺少名称 name"));
    }
    if p.division.is_empty() {
        return Err(invalid("division", "缺少所在行政区划代码 division"));
    }
    if geom.is_none() {
        return Err(invalid("geometry", "缺少位置 geometry（GeoJSON）"));
    }

    match (&input.specific, &input.generic) {
        (Some(s), Some(gn)) => {
            if format!("{s}{gn}") != p.name {
                return Err(invalid("specific", format!("专名“{s}”＋通名“{gn}”应等于名称“{}”", p.name)));
            }
            (p.specific, p.generic) = (s.clone(), gn.clone());
        }
        (None, None) => (p.specific, p.generic) = split(rules, &p.class, &p.name),
        _ => return Err(invalid("specific", "专名 specific 和通名 generic 须同时给出")),
    }
    p.pinyin_generated = romanize_parts(&p.specific, &p.generic);
    match &input.pinyin {
        Some(s) => {
            let ok = !s.trim().is_empty()
                && s.len() <= 200
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '\'' || c == '-');
            if !ok {
                return Err(invalid("pinyin", "拼写只能由拉丁字母、数字、空格、隔音符号组成"));
            }
            p.pinyin = s.trim().to_string();
        }
        None if input.name.is_some() || p.pinyin.is_empty() => p.pinyin = p.pinyin_generated.clone(),
        None => {}
    }
    Ok(())
}

pub(super) fn text_or(field: &str, v: Option<&String>, default: &str) -> Result<String, ReviewError> {
    Ok(text(field, v, false)?.unwrap_or_else(|| default.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn positions_without_a_latitude_are_refused_not_a_panic() {
        let short = [
            json!({"type": "Point", "coordinates": [121.5]}),
            json!({"type": "LineString", "coordinates": [[121.5, 29.8], []]}),
            json!({"type": "Polygon", "coordinates": [[[29.6], [121.41, 29.6], [121.41, 29.61], [121.4, 29.6]]]}),
            json!({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [1.0]}]}),
        ];
        for v in short {
            assert!(matches!(geometry(&v), Err(ReviewError::Invalid { .. })), "{v}");
        }
        assert!(geometry(&json!({"type": "Point", "coordinates": [121.55, 29.87, 12.0]})).is_ok());
    }

    #[test]
    fn a_polygon_of_holes_without_an_outer_ring_is_refused() {
        let hole = json!([[121.52, 29.82], [121.52, 29.85], [121.55, 29.85], [121.52, 29.82]]);
        let holes_only = [
            json!({"type": "Polygon", "coordinates": [[], hole.clone()]}),
            json!({"type": "MultiPolygon", "coordinates": [[[], hole.clone()]]}),
        ];
        for v in holes_only {
            assert!(matches!(geometry(&v), Err(ReviewError::Invalid { .. })), "{v}");
        }
        let with_ring = json!({"type": "Polygon", "coordinates": [
            [[121.5, 29.8], [121.6, 29.8], [121.6, 29.9], [121.5, 29.9], [121.5, 29.8]], hole
        ]});
        assert!(geometry(&with_ring).is_ok());
    }
}
