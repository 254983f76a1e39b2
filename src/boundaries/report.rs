//! The report of a joint inspection round (界线联合检查报告): its lines,
//! every marker's state as found, the line sections, the photos, the
//! repairs and both sides' signatures — as HTML (photos inline) and as PDF
//! (see [`super::report_pdf`]), from the same [`Report`].

use crate::index::Gazetteer;
use crate::model::Account;
use crate::model::{FindingKind, RoundState};
use crate::service::boundaries::BoundaryError;
use crate::service::inspections::RoundView;
use crate::store::{AccountRow, FindingRow, PhotoRow, RepairRow, Signature};
use base64::Engine;
use maud::{DOCTYPE, Markup, html};
use rusqlite::Connection;
use std::collections::BTreeMap;

pub use super::report_pdf::pdf;

/// Everything a report shows, read once.
pub struct Report {
    /// The round and its records.
    pub view: RoundView,
    /// The two sides' names, in the order of the round's sides.
    pub side_names: [String; 2],
    /// The accounts that opened, recorded and signed: id → name and
    /// department.
    pub people: BTreeMap<i64, String>,
    /// The photos with their bytes.
    pub photos: Vec<(PhotoRow, Vec<u8>)>,
}

/// One row of the marker table.
pub struct MarkerLine<'a> {
    /// Number.
    pub number: &'a str,
    /// Type letter.
    pub kind: &'a str,
    /// The last finding, if any.
    pub finding: Option<&'a FindingRow>,
    /// Its repairs.
    pub repairs: Vec<&'a RepairRow>,
    /// How many photos.
    pub photos: usize,
}

impl Report {
    /// Reads round `id` with its photos and the people named in it.
    pub fn read(c: &Connection, id: i64, g: &Gazetteer) -> Result<Report, BoundaryError> {
        let view = RoundView::read(c, id)?;
        let name_of = |code: &str| {
            g.divisions
                .by_code(code, None)
                .map_or_else(|| code.to_string(), |i| g.divisions.get(i).name.clone())
        };
        let side_names = [name_of(&view.round.sides[0]), name_of(&view.round.sides[1])];
        let mut ids: Vec<i64> = vec![view.round.created.account];
        ids.extend(view.round.signatures.iter().flatten().map(|s| s.account));
        ids.extend(view.findings.iter().map(|f| f.recorded.account));
        ids.extend(view.repairs.iter().flat_map(|r| [Some(r.created_by), r.done_by]).flatten());
        let mut people = BTreeMap::new();
        for id in ids {
            if let std::collections::btree_map::Entry::Vacant(e) = people.entry(id)
                && let Some(a) = AccountRow::get(c, crate::model::AccountId(id))?
            {
                e.insert(person(&a));
            }
        }
        let photos = PhotoRow::with_data_of_round(c, id)?;
        Ok(Report { view, side_names, people, photos })
    }

    /// The name of account `id`.
    pub fn who(&self, id: i64) -> &str {
        self.people.get(&id).map_or("（未知账户）", String::as_str)
    }

    /// Side `code`'s name.
    pub fn side_name(&self, code: &str) -> &str {
        if code == self.view.round.sides[1] { &self.side_names[1] } else { &self.side_names[0] }
    }

    /// The markers of the round's lines by number, each with its last
    /// finding, repairs and photo count.
    pub fn marker_lines(&self) -> Vec<MarkerLine<'_>> {
        let v = &self.view;
        let mut last: BTreeMap<&str, &FindingRow> = BTreeMap::new();
        for f in &v.findings {
            if let Some(m) = &f.marker {
                last.insert(m, f);
            }
        }
        v.markers
            .iter()
            .map(|m| {
                let finding = last.get(m.number.as_str()).copied();
                let ids: Vec<i64> = v
                    .findings
                    .iter()
                    .filter(|f| f.marker.as_deref() == Some(&m.number))
                    .map(|f| f.id)
                    .collect();
                MarkerLine {
                    number: &m.number,
                    kind: m.kind.as_str(),
                    finding,
                    repairs: v.repairs.iter().filter(|r| ids.contains(&r.finding_id)).collect(),
                    photos: v.photos.iter().filter(|p| ids.contains(&p.finding_id)).count(),
                }
            })
            .collect()
    }

    /// What a finding is about, in words.
    pub fn subject(f: &FindingRow) -> String {
        match (&f.marker, f.section_m) {
            (Some(m), _) => format!("界桩 {m}"),
            (None, Some((a, b))) => format!("界线 {} 第 {:.0}–{:.0} 米", f.line_code, a, b),
            (None, None) => format!("界线 {}", f.line_code),
        }
    }

    /// A signature in words.
    pub fn signed(&self, s: &Option<Signature>) -> String {
        match s {
            Some(s) => {
                format!("{}　{}", self.who(s.account), s.at.as_datetime().format("%Y-%m-%d %H:%M UTC"))
            }
            None => "未签认".into(),
        }
    }

    /// The state in words.
    pub fn state(&self) -> &'static str {
        self.view.round.state.label()
    }
}

fn person(a: &Account) -> String {
    if a.department.is_empty() { a.name.clone() } else { format!("{}（{}）", a.name, a.department) }
}

fn condition_class(k: Option<FindingKind>) -> &'static str {
    match k {
        Some(FindingKind::Intact) => "ok",
        None => "none",
        Some(_) => "bad",
    }
}

/// The report as an HTML page (photos inline, so it stands alone).
pub fn html(r: &Report) -> String {
    let v = &r.view;
    let round = &v.round;
    let page: Markup = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                title { (round.title) }
                style { (CSS) }
            }
            body {
                h1 { (round.title) }
                p.meta {
                    "检查年度：" (round.year) "　状态：" (r.state())
                    @if let Some(d) = round.closed_on { "　结束日期：" (d) }
                }
                h2 { "检查双方" }
                table {
                    tr { th { "一方" } th { "代码" } th { "检查人员" } }
                    @for (i, side) in round.sides.iter().enumerate() {
                        tr { td { (r.side_names[i]) } td { (side) } td { (round.teams[i].join("、")) } }
                    }
                }
                h2 { "界线" }
                table {
                    tr { th { "界线编号" } th { "名称" } th { "长度（千米）" } th { "界桩数" } }
                    @for l in &v.lines {
                        tr {
                            td { (l.code) } td { (l.name) }
                            td.num { (l.length_m.map_or("—".to_string(), |m| format!("{:.2}", m / 1000.0))) }
                            td.num { (v.markers.iter().filter(|m| m.line_code == l.code).count()) }
                        }
                    }
                }
                h2 { "界桩状况" }
                table {
                    tr { th { "界桩编号" } th { "类型" } th { "检查结果" } th { "说明" } th { "记录人" } th { "照片" } th { "维修" } }
                    @for m in r.marker_lines() {
                        tr class=(condition_class(m.finding.map(|f| f.kind))) {
                            td { (m.number) } td { (m.kind) }
                            td { (m.finding.map_or("未检查", |f| f.kind.label())) }
                            td { (m.finding.and_then(|f| f.note.as_deref()).unwrap_or("")) }
                            td { (m.finding.map_or("", |f| r.who(f.recorded.account))) }
                            td.num { (m.photos) }
                            td { @for rep in &m.repairs { (repair_words(rep)) br; } }
                        }
                    }
                }
                @let sections: Vec<&FindingRow> = v.findings.iter().filter(|f| f.marker.is_none()).collect();
                @if !sections.is_empty() {
                    h2 { "界线区段" }
                    table {
                        tr { th { "区段" } th { "检查结果" } th { "说明" } th { "记录方" } }
                        @for f in sections {
                            tr { td { (Report::subject(f)) } td { (f.kind.label()) } td { (f.note.as_deref().unwrap_or("")) } td { (r.side_name(&f.recorded.side)) } }
                        }
                    }
                }
                @if !v.repairs.is_empty() {
                    h2 { "维修任务" }
                    table {
                        tr { th { "任务" } th { "对象" } th { "期限" } th { "完成" } }
                        @for rep in &v.repairs {
                            tr {
                                td { (rep.task) }
                                td { (v.findings.iter().find(|f| f.id == rep.finding_id).map(Report::subject).unwrap_or_default()) }
                                td { (rep.due_on) }
                                td { (rep.done_on.map_or("未完成".to_string(), |d| format!("{d} {}", rep.done_note.as_deref().unwrap_or("")))) }
                            }
                        }
                    }
                }
                @if !r.photos.is_empty() {
                    h2 { "照片" }
                    @for (p, data) in &r.photos {
                        figure {
                            img src=(format!("data:{};base64,{}", p.content_type, base64::engine::general_purpose::STANDARD.encode(data))) alt=(p.file_name);
                            figcaption { (photo_caption(r, p)) }
                        }
                    }
                }
                h2 { "签认" }
                table {
                    tr { th { "一方" } th { "签认人" } }
                    @for (i, s) in round.signatures.iter().enumerate() {
                        tr { td { (r.side_names[i]) } td { (r.signed(s)) } }
                    }
                }
                @if round.state != RoundState::Closed {
                    p.warn { "本轮检查尚未由双方签认。" }
                }
            }
        }
    };
    page.into_string()
}

/// A repair in words.
pub fn repair_words(rep: &RepairRow) -> String {
    match rep.done_on {
        Some(d) => format!("{}（{d} 完成）", rep.task),
        None => format!("{}（期限 {}）", rep.task, rep.due_on),
    }
}

/// A photo's caption: what it shows and its file.
pub fn photo_caption(r: &Report, p: &PhotoRow) -> String {
    let about = r.view.findings.iter().find(|f| f.id == p.finding_id);
    match about {
        Some(f) => format!("{}：{}（{}，{} 字节）", Report::subject(f), f.kind.label(), p.file_name, p.bytes),
        None => p.file_name.clone(),
    }
}

const CSS: &str = "body{font-family:'WenQuanYi Micro Hei','Noto Sans CJK SC',sans-serif;margin:2em;max-width:60em}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #999;padding:.25em .6em;text-align:left}\
td.num{text-align:right}tr.bad td{background:#fde8e8}tr.none td{background:#fff7d6}\
figure{display:inline-block;margin:.5em}img{max-width:20em;max-height:15em}.warn{color:#b00}";
