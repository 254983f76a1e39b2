//! Boundary lines derived from the division polygons and brought into the
//! store, a pair of sides keeping its number.

use super::*;

/// What a derivation changed.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DeriveReport {
    /// Lines new to the store.
    pub added: usize,
    /// Lines whose course, name or sides changed.
    pub changed: usize,
    /// Lines derived no longer (retired, kept as history).
    pub retired: usize,
    /// Lines as they were.
    pub unchanged: usize,
    /// Live lines per level after: province, prefecture, county.
    pub per_level: [usize; 3],
    /// Their total length, kilometres, per level.
    pub km_per_level: [f64; 3],
}

fn level_slot(l: Level) -> usize {
    match l {
        Level::Province => 0,
        Level::Prefecture => 1,
        _ => 2,
    }
}

impl From<&DerivedLine> for BoundaryLineRow {
    fn from(l: &DerivedLine) -> BoundaryLineRow {
        BoundaryLineRow {
            code: l.code.clone(),
            name: l.name.clone(),
            level: l.level,
            left_code: l.left_code.clone(),
            right_code: l.right_code.clone(),
            geom: Some(l.geom.clone()),
            length_m: Some((l.length_m * 10.0).round() / 10.0),
            retired_on: None,
        }
    }
}

impl Service {
    /// Derives every boundary line from the current division polygons and
    /// brings the stored lines to them, one change-log entry per line that
    /// is new, changed or no longer derived (`today` is its retirement day).
    pub fn derive_boundaries(&self, today: NaiveDate) -> Result<DeriveReport, BoundaryError> {
        let rows: Vec<DivisionRow> = self.store.read(lined_divisions)?;
        let derived = derive(&rows);
        let report = self.store.write(|tx| sync_lines(tx, &derived, today, None))?;
        self.committed();
        Ok(report)
    }
}

/// The current divisions with polygons at the levels lines are kept for.
fn lined_divisions(c: &rusqlite::Connection) -> Result<Vec<DivisionRow>, StoreError> {
    let mut all = DivisionRow::load_all(c, true)?;
    all.retain(|r| r.level <= Level::County && r.valid_to.is_none() && r.geom.is_some());
    Ok(all)
}

/// Derives the lines again from the divisions as `tx` has them and brings
/// the stored lines with a side in `only` to them (a division change).
pub fn sync_lines_in(
    tx: &Transaction,
    today: NaiveDate,
    only: Option<&std::collections::HashSet<String>>,
) -> Result<DeriveReport, BoundaryError> {
    let rows = lined_divisions(tx)?;
    sync_lines(tx, &derive(&rows), today, only)
}

/// Brings the stored lines to `derived` (only those with a side in
/// `only`, when given), logging each line new, changed or retired.
fn sync_lines(
    tx: &Transaction,
    derived: &[DerivedLine],
    today: NaiveDate,
    only: Option<&std::collections::HashSet<String>>,
) -> Result<DeriveReport, BoundaryError> {
    let touches = |l: &BoundaryLineRow| {
        only.is_none_or(|o| o.contains(l.left_code.as_str()) || o.contains(l.right_code.as_str()))
    };
    let mut report = DeriveReport::default();
    // A pair of sides keeps the number it has (its markers carry it); a
    // new pair whose number is taken by another gets a suffix.
    let all = BoundaryLineRow::list(
        tx,
        &crate::store::LineFilter { with_retired: true, limit: usize::MAX >> 1, ..Default::default() },
        false,
    )?;
    let by_pair: std::collections::HashMap<(String, String), String> = all
        .iter()
        .map(|l| ((l.left_code.as_str().to_string(), l.right_code.as_str().to_string()), l.code.clone()))
        .collect();
    let mut taken: std::collections::HashSet<String> = all.iter().map(|l| l.code.clone()).collect();
    let mut live: std::collections::BTreeMap<&str, &BoundaryLineRow> =
        all.iter().filter(|l| l.retired_on.is_none() && touches(l)).map(|l| (l.code.as_str(), l)).collect();
    for d in derived {
        let mut row = BoundaryLineRow::from(d);
        if !touches(&row) {
            continue;
        }
        let pair = (row.left_code.as_str().to_string(), row.right_code.as_str().to_string());
        let existed = by_pair.contains_key(&pair);
        match by_pair.get(&pair) {
            Some(code) => row.code = code.clone(),
            None => {
                let base = row.code.clone();
                let mut n = 0;
                while taken.contains(&row.code) {
                    n += 1;
                    row.code = format!("{base}{n}");
                }
                taken.insert(row.code.clone());
            }
        }
        live.remove(row.code.as_str());
        report.per_level[level_slot(d.level)] += 1;
        report.km_per_level[level_slot(d.level)] += d.length_m / 1000.0;
        if !row.upsert(tx)? {
            report.unchanged += 1;
            continue;
        }
        let action = if existed { "update" } else { "create" };
        if existed {
            report.changed += 1
        } else {
            report.added += 1
        }
        let summary =
            format!("界线 {}（{}）{}", row.name, row.code, if existed { "线位更新" } else { "建档" });
        let detail = json!({"name": row.name, "level": row.level.as_str(), "left": row.left_code.as_str(),
            "right": row.right_code.as_str(), "length_m": row.length_m});
        log(tx, ("boundary", &row.code, action), detail, row.left_code.as_str(), &summary, None)?;
    }
    for (code, l) in live {
        if BoundaryLineRow::retire(tx, code, today)? {
            report.retired += 1;
            let summary = format!("界线 {}（{}）不再是两区划之间的界线，停用", l.name, code);
            log(
                tx,
                ("boundary", code, "retire"),
                json!({"retired_on": today}),
                l.left_code.as_str(),
                &summary,
                None,
            )?;
        }
    }
    Ok(report)
}
