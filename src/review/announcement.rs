//! The public announcement (公告) of an approved name, with the fields the
//! regulation requires: the standard name, its romanised spelling, the
//! division it lies in, a description of its location, the approving body
//! and the date.

use crate::index::Gazetteer;
use crate::model::PlaceClass;
use crate::model::{Kind, Proposal};
use chrono::{Datelike, NaiveDate};
use geo::{Coord, Geometry, InteriorPoint};

/// The announcement text of `p` (which has its government approval).
pub fn announcement(
    g: &Gazetteer,
    p: &Proposal,
    geometry: Option<&Geometry<f64>>,
    old_name: Option<&str>,
) -> String {
    let class = PlaceClass::parse(&p.class).map_or("地名", PlaceClass::label);
    let within =
        g.divisions.by_code(&p.division, None).map(|d| g.divisions.chain_names(d)).unwrap_or_default();
    let (body, doc, date) = p
        .approval
        .as_ref()
        .map(|a| (a.body.as_str(), a.document.as_str(), chinese_date(a.date)))
        .unwrap_or_default();
    let own: Vec<&str> = [Some(p.name.as_str()), old_name].into_iter().flatten().collect();
    let location = geometry.map(|x| describe_location(g, x, &own)).unwrap_or_else(|| "（未附位置）".into());
    let mut t = String::new();
    let title = match p.kind {
        Kind::Name => format!("关于{}命名的公告", p.name),
        Kind::Rename => format!("关于{}更名为{}的公告", old_name.unwrap_or("原地名"), p.name),
        Kind::Retire => format!("关于{}销名的公告", p.name),
    };
    t.push_str(&title);
    t.push_str("\n\n");
    t.push_str(&format!(
        "根据《地名管理条例》，经{body}批准（{doc}），现将{class}{}事项公告如下：\n",
        p.kind.label()
    ));
    match p.kind {
        Kind::Rename => t.push_str(&format!("原名称：{}\n标准名称：{}\n", old_name.unwrap_or(""), p.name)),
        Kind::Retire => t.push_str(&format!("销名名称：{}\n", p.name)),
        Kind::Name => t.push_str(&format!("标准名称：{}\n", p.name)),
    }
    if p.kind != Kind::Retire {
        t.push_str(&format!("罗马字母拼写：{}\n", p.pinyin));
    }
    t.push_str(&format!("类别：{class}\n所在行政区域：{within}\n位置描述：{location}\n"));
    if let Some(m) = &p.meaning {
        t.push_str(&format!("含义：{m}\n"));
    }
    t.push_str(&format!("批准机关：{body}\n批准文号：{doc}\n批准日期：{date}\n"));
    t.push_str("\n特此公告。\n");
    t
}

/// `2026-11-23` → `2026年11月23日`.
pub fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.format("%Y"), d.month(), d.day())
}

/// Where a place is, in the words of an announcement: for a line, the
/// roads (or places) at its two ends (东起…，西至…); otherwise the nearest
/// road and door plate.
pub fn describe_location(g: &Gazetteer, geometry: &Geometry<f64>, own: &[&str]) -> String {
    let ends = match geometry {
        Geometry::LineString(l) if l.0.len() >= 2 => Some((l.0[0], l.0[l.0.len() - 1])),
        Geometry::MultiLineString(m) => {
            m.0.first().zip(m.0.last()).and_then(|(a, b)| Some((*a.0.first()?, *b.0.last()?)))
        }
        _ => None,
    };
    if let Some((a, b)) = ends {
        let (from, to) = if (b.x - a.x).abs() >= (b.y - a.y).abs() {
            if a.x > b.x { (("东起", a), ("西至", b)) } else { (("东起", b), ("西至", a)) }
        } else if a.y > b.y {
            (("北起", a), ("南至", b))
        } else {
            (("北起", b), ("南至", a))
        };
        return format!("{}{}，{}{}", from.0, landmark(g, from.1, own), to.0, landmark(g, to.1, own));
    }
    match geometry.interior_point() {
        Some(p) => format!("位于{}", landmark(g, p.0, own)),
        None => "（未附位置）".into(),
    }
}

/// The nearest road (or door plate) to a point that is not the place
/// itself, else the coordinates.
fn landmark(g: &Gazetteer, c: Coord<f64>, own: &[&str]) -> String {
    let frame = crate::index::metric::LocalFrame::new(c);
    if let Some(r) = g.roads.nearest(&frame, 500.0)
        && let name = &g.roads.get(r.index).name
        && !own.contains(&&**name)
    {
        return name.to_string();
    }
    if let Some(p) = g.plates.nearest(&frame, 500.0)
        && let label = &g.plates.get(p.index).label
        && !own.iter().any(|o| label.contains(o))
    {
        return format!("{label}附近");
    }
    format!("东经{:.5}°、北纬{:.5}°", c.x, c.y)
}
