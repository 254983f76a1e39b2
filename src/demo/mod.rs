//! The bundled demo dataset, generated deterministically from the real
//! sources committed under `data/sources/`:
//!
//! 1. divisions — every province, prefecture, county and township with its
//!    real code and name; real polygons down to the county; township
//!    polygons generated inside each county; the real change history;
//! 2. the detail prefecture (宁波市 by default) — its real villages with
//!    generated polygons, roads with real road names, door plates numbered
//!    by the configured rule, compounds with buildings and rooms, and
//!    rural plates;
//! 3. with `national`, every village in China and rural plates in each, for
//!    benchmarks at national volume (over ten million plates).
//!
//! Everything runs in one transaction: an interrupted build leaves nothing.

pub mod boundaries;
pub mod divisions;
pub mod partition;
pub mod plates;
pub mod signs;
pub mod sources;
pub mod streets;

use crate::config::Settings;
use crate::model::{Level, MarkerCondition};
use crate::progress::Progress;
use crate::store::{BoundaryLineRow, ChangeEntry, MarkerRow, Store, append_change};
use anyhow::Result;
use divisions::VillageScope;
use std::path::Path;
use streets::{Divisions, Serials, Vocabulary};

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The bundled demo: full detail for one prefecture.
    Demo,
    /// Plus every village in China with rural plates (benchmarks).
    National,
}

/// What a build produced.
#[derive(Debug, Default)]
pub struct BuildReport {
    /// Division rows written.
    pub divisions: usize,
    /// Places written.
    pub places: usize,
    /// Addresses written.
    pub addresses: usize,
    /// Signs written.
    pub signs: usize,
    /// Notes on the sources.
    pub notes: Vec<String>,
}

/// Builds the demo dataset into `store` (which should be empty).
pub fn build(store: &Store, settings: &Settings, scale: Scale) -> Result<BuildReport> {
    let dir = settings.store.sources.as_path();
    let seed = settings.demo.seed;
    let detail = settings.demo.detail_prefecture.trim_end_matches("00").to_string();
    tracing::info!("generating divisions from {}", dir.display());
    let scope = match scale {
        Scale::Demo => VillageScope::Prefix(&detail),
        Scale::National => VillageScope::National,
    };
    let set = divisions::build(dir, seed, scope)?;
    let divs = Divisions::new(&set.rows);
    let mut vocab = vocabulary(dir, seed)?;
    let mut serials = Serials::default();
    let places = streets::streets(&divs, &detail, &settings.demo.numbering, &mut vocab, &mut serials, seed);
    let (lines, markers) = boundaries::lines_and_markers(&set.rows, &detail);
    let mut report = BuildReport { notes: set.notes.clone(), ..Default::default() };
    store.write(|tx| -> Result<()> {
        let mut p = Progress::new("divisions", set.rows.len() as u64);
        for r in &set.rows {
            r.insert(tx)?;
            p.inc(1);
        }
        p.finish();
        for c in &set.changes {
            c.insert(tx)?;
        }
        for a in &set.aliases {
            a.insert(tx)?;
        }
        for l in &lines {
            BoundaryLineRow::from(l).insert(tx)?;
        }
        for m in &markers {
            MarkerRow {
                number: m.number.clone(),
                line_code: m.line_code.clone(),
                kind: m.kind,
                condition: MarkerCondition::Intact,
                installed_on: None,
                lon: m.at.x,
                lat: m.at.y,
                retired_on: None,
                inspected_on: None,
            }
            .insert(tx)?;
        }
        report.divisions = set.rows.len();
        let mut p = Progress::new("streets", places.len() as u64);
        for (place, addresses) in &places {
            let fid = place.insert(tx)?;
            for a in addresses {
                let mut a = a.clone();
                a.place_fid = Some(fid);
                a.insert(tx)?;
            }
            report.places += 1;
            report.addresses += addresses.len();
            p.inc(1);
        }
        p.finish();
        let villages: Vec<_> =
            set.rows.iter().filter(|r| r.level == Level::Village && r.valid_to.is_none()).collect();
        let mut p = Progress::new("rural plates", villages.len() as u64);
        for v in villages {
            let committee: u32 = v.code.as_str()[9..].parse().unwrap_or(0);
            let in_detail = v.code.as_str().starts_with(&detail);
            let (groups, per_group) = match (in_detail, scale) {
                (true, _) if committee >= 200 => (3..=6, 5..=15),
                (true, _) => (0..=0, 0..=0),
                (false, _) => (3..=3, 4..=8),
            };
            let mut rng = divisions::rng_for(seed, v.code.as_str(), 5);
            use rand::RngExt;
            let (g, n) = (rng.random_range(groups), rng.random_range(per_group));
            for a in plates::rural_plates(&divs, v, g, n, &mut serials, &mut rng) {
                a.insert(tx)?;
                report.addresses += 1;
            }
            p.inc(1);
        }
        p.finish();
        report.signs = signs::generate(tx, &set.rows, &detail, seed, &settings.plates)?;
        append_change(
            tx,
            &ChangeEntry {
                actor: "demo",
                entity: "dataset",
                entity_key: &settings.demo.detail_prefecture,
                action: "bulk_load",
                detail: serde_json::json!({
                    "scale": format!("{scale:?}"),
                    "seed": seed,
                    "divisions": report.divisions,
                    "places": report.places,
                    "addresses": report.addresses,
                    "signs": report.signs,
                }),
                ..Default::default()
            },
        )?;
        Ok(())
    })?;
    Ok(report)
}

/// Whether a name stacks two generic terms (珠江大道路), which the naming
/// rules forbid.
fn stacked_generic(name: &str) -> bool {
    let (specific, _) = crate::model::split_generic(name);
    ["路", "街", "道", "巷", "弄"].iter().any(|g| specific.ends_with(g))
}

fn vocabulary(dir: &Path, seed: u64) -> Result<Vocabulary> {
    let banned = ['省', '市', '县', '区', '镇', '乡', '村'];
    let roads = sources::vocabulary(dir, "region.dic.gz", |n| {
        let len = n.chars().count();
        sources::all_han(n)
            && (3..=5).contains(&len)
            && ["路", "街", "大道", "巷"].iter().any(|g| n.ends_with(g))
            && !stacked_generic(n)
            && !n.contains(banned)
    })?;
    let compounds = sources::vocabulary(dir, "community.dic.gz", |n| {
        let len = n.chars().count();
        sources::all_han(n)
            && (3..=6).contains(&len)
            && ["苑", "园", "小区", "花园", "公寓", "新村", "家园", "府", "城", "庭", "居", "湾"]
                .iter()
                .any(|g| n.ends_with(g))
            && !n.contains(['省', '市', '县', '镇', '乡'])
    })?;
    Ok(Vocabulary::new(roads, compounds, seed))
}
