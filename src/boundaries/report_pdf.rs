//! The inspection report as PDF: A4 pages set in the configured Chinese
//! font (embedded whole, with its Unicode map, so the text can be searched
//! and copied), tables as wrapped rows, photos scaled into the page, page
//! numbers at the foot.

use super::report::{Report, photo_caption, repair_words};
use crate::pdf::{BODY, document};

/// The report as PDF bytes, set in `font` (a TrueType file or the first
/// face of a collection), embedded.
pub fn pdf(r: &Report, font: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    let v = &r.view;
    let round = &v.round;
    let (mut doc, mut p) = document(&round.title, font)?;

    p.para(16.0, &round.title);
    let closed = round.closed_on.map(|d| format!("　结束日期：{d}")).unwrap_or_default();
    p.para(BODY, &format!("检查年度：{}　状态：{}{closed}", round.year, r.state()));

    p.heading("检查双方");
    let rows = (0..2)
        .map(|i| vec![r.side_names[i].clone(), round.sides[i].clone(), round.teams[i].join("、")])
        .collect();
    p.table(&[55.0, 30.0, 85.0], &["一方", "代码", "检查人员"], rows);

    p.heading("界线");
    let rows = v
        .lines
        .iter()
        .map(|l| {
            vec![
                l.code.clone(),
                l.name.clone(),
                l.length_m.map_or("—".into(), |m| format!("{:.2} 千米", m / 1000.0)),
                v.markers.iter().filter(|m| m.line_code == l.code).count().to_string(),
            ]
        })
        .collect();
    p.table(&[35.0, 65.0, 40.0, 30.0], &["界线编号", "名称", "长度", "界桩数"], rows);

    p.heading("界桩状况");
    let rows = r
        .marker_lines()
        .into_iter()
        .map(|m| {
            vec![
                m.number.to_string(),
                m.kind.to_string(),
                m.finding.map_or("未检查", |f| f.kind.label()).to_string(),
                m.finding.and_then(|f| f.note.clone()).unwrap_or_default(),
                m.finding.map_or(String::new(), |f| r.who(f.recorded.account).to_string()),
                m.photos.to_string(),
                m.repairs.iter().map(|x| repair_words(x)).collect::<Vec<_>>().join("；"),
            ]
        })
        .collect();
    p.table(
        &[28.0, 10.0, 18.0, 40.0, 32.0, 10.0, 32.0],
        &["编号", "类型", "结果", "说明", "记录人", "照片", "维修"],
        rows,
    );

    let sections: Vec<_> = v.findings.iter().filter(|f| f.marker.is_none()).collect();
    if !sections.is_empty() {
        p.heading("界线区段");
        let rows = sections
            .iter()
            .map(|f| {
                vec![
                    Report::subject(f),
                    f.kind.label().to_string(),
                    f.note.clone().unwrap_or_default(),
                    r.side_name(&f.recorded.side).to_string(),
                ]
            })
            .collect();
        p.table(&[60.0, 25.0, 55.0, 30.0], &["区段", "结果", "说明", "记录方"], rows);
    }

    if !v.repairs.is_empty() {
        p.heading("维修任务");
        let rows = v
            .repairs
            .iter()
            .map(|rep| {
                vec![
                    rep.task.clone(),
                    v.findings
                        .iter()
                        .find(|f| f.id == rep.finding_id)
                        .map(Report::subject)
                        .unwrap_or_default(),
                    rep.due_on.to_string(),
                    rep.done_on.map_or("未完成".into(), |d| {
                        format!("{d} {}", rep.done_note.as_deref().unwrap_or(""))
                    }),
                ]
            })
            .collect();
        p.table(&[55.0, 45.0, 25.0, 45.0], &["任务", "对象", "期限", "完成"], rows);
    }

    if !r.photos.is_empty() {
        // The heading stays with the first photo.
        p.room(75.0);
        p.heading("照片");
        for (photo, data) in &r.photos {
            p.photo(&mut doc, data, &photo_caption(r, photo));
        }
    }

    p.heading("签认");
    let rows = (0..2).map(|i| vec![r.side_names[i].clone(), r.signed(&round.signatures[i])]).collect();
    p.table(&[55.0, 115.0], &["一方", "签认人"], rows);
    if round.state != crate::model::RoundState::Closed {
        p.para(BODY, "本轮检查尚未由双方签认。");
    }

    Ok(p.finish(doc))
}
