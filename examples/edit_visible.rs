//! Commit → visible: how long after a write commits the change is in every
//! index and the tile cache and announced on the feed (the projections'
//! `catch_up`, which a write of the server runs before it answers).
//!
//! `cargo run --release --example edit_visible -- STORE [EDITS]` on a copy
//! of a store (it writes): `scripts/bench-edits.sh` makes the copy. Four
//! kinds of edit in turn, each checked in the indices after it applies: a
//! door plate moved 50 m, a new road with five plates, a place renamed as
//! a published rename does (a new place with the new name, the old one
//! historical, the plates on it moved to the new name), a place retired.
//! Prints the median and the 99th percentile per kind, in milliseconds.
//!
//! `… -- STORE EDITS --rate R` instead commits the edits at R a second and
//! applies none of them, as another process would while a server follows
//! the same store (`scripts/bench-reads-under-edits.sh`).

use fangyu::config::TileSettings;
use fangyu::index::Gazetteer;
use fangyu::model::{AddressCode, AddressKind, DivisionCode, PlaceClass, PlaceStatus};
use fangyu::service::Projections;
use fangyu::store::{AddressRow, ChangeEntry, PlaceRow, Store, append_change};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn log(tx: &rusqlite::Transaction, entity: &str, key: &str, action: &str) -> fangyu::store::StoreResult<i64> {
    append_change(tx, &ChangeEntry { actor: "bench", entity, entity_key: key, action, ..Default::default() })
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    v.sort_unstable();
    v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3
}

/// The kinds of edit, in the order they take turns.
const KINDS: [&str; 4] = ["move a door plate", "new road with 5 plates", "rename a place", "retire a place"];

/// Whether an edit is visible in a snapshot.
type Check = Box<dyn Fn(&Gazetteer) -> bool>;

/// Plates and roads the edits take turns on.
fn samples(store: &Store, edits: usize) -> anyhow::Result<(Vec<AddressRow>, Vec<PlaceRow>)> {
    Ok(store.read(|c| {
        let mut stmt =
            c.prepare("SELECT code FROM addresses WHERE kind = 'road_plate' ORDER BY fid LIMIT ?1")?;
        let codes: Vec<AddressCode> = stmt.query_map([edits], |r| r.get(0))?.collect::<Result<_, _>>()?;
        let plates = codes.iter().filter_map(|&code| AddressRow::by_code(c, code).ok().flatten()).collect();
        let places = PlaceRow::load_all(c, true)?
            .into_iter()
            .filter(|p| p.status == PlaceStatus::Current && p.class == PlaceClass::Road)
            .collect();
        Ok((plates, places))
    })?)
}

/// The first edit number of this run: runs on the same store go on from
/// where the last one stopped, so their new roads and codes are new.
fn first_edit(store: &Store) -> anyhow::Result<usize> {
    let made: i64 = store.read(|c| {
        Ok(c.query_row("SELECT count(*) FROM places WHERE name LIKE '测评新路%'", [], |r| r.get(0))?)
    })?;
    Ok(made as usize * KINDS.len())
}

/// Commits `edits` edits at `rate` a second, applying none.
fn drive(store: &Store, edits: usize, rate: f64) -> anyhow::Result<()> {
    let (plates, places) = samples(store, edits)?;
    let first = first_edit(store)?;
    // The load scripts start measuring once the samples are read.
    println!("driving");
    std::io::Write::flush(&mut std::io::stdout())?;
    let started = Instant::now();
    for k in 0..edits {
        let i = first + k;
        let due = started + Duration::from_secs_f64(k as f64 / rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let _visible_when = edit(store, &plates, &places, i)?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{edits} edits in {secs:.1} s ({:.1}/s)", edits as f64 / secs);
    Ok(())
}

/// Commits edit `i` (the kinds take turns); returns how to see it.
fn edit(store: &Store, plates: &[AddressRow], places: &[PlaceRow], i: usize) -> anyhow::Result<Check> {
    let (kind, n) = (i % KINDS.len(), i / KINDS.len());
    let check: Check = match kind {
        0 => {
            let mut a = plates[n % plates.len()].clone();
            a.lon += 0.0005;
            let (code, lon) = (a.code, a.lon);
            store.write(|tx| {
                a.upsert(tx)?;
                log(tx, "address", &code.to_string(), "move")
            })?;
            Box::new(move |g| {
                g.plates.find_code(code.0).is_some_and(|p| (g.plates.point(p).x - lon).abs() < 1e-9)
            })
        }
        1 => {
            let base = &plates[n % plates.len()];
            let name = format!("测评新路{n}");
            let county = DivisionCode::parse(&base.division_code.as_str()[..6])?;
            let road = PlaceRow {
                name: name.clone(),
                source: "bench".into(),
                geom: Some(geo::Geometry::LineString(geo::LineString::from(vec![
                    (base.lon, base.lat + 0.001),
                    (base.lon + 0.002, base.lat + 0.001),
                ]))),
                ..PlaceRow::new(PlaceClass::Road, county)
            };
            // The plate's 12-digit division, then 9 and a 5-digit serial.
            let codes: Vec<AddressCode> = (0..5)
                .map(|k| AddressCode(base.code.0 / 1_000_000 * 1_000_000 + 900_000 + (n * 5 + k) as u64))
                .collect();
            store.write(|tx| {
                let fid = road.insert(tx)?;
                log(tx, "place", &fid.to_string(), "create")?;
                for (k, &code) in codes.iter().enumerate() {
                    let a = AddressRow {
                        place_fid: Some(fid),
                        street: name.clone(),
                        number: Some(format!("{}号", 2 * k + 1)),
                        standard_address: format!("{name}{}号", 2 * k + 1),
                        lon: base.lon + 0.0004 * k as f64,
                        lat: base.lat + 0.001,
                        source: "bench".into(),
                        ..AddressRow::new(code, AddressKind::RoadPlate, base.division_code.clone())
                    };
                    a.insert(tx)?;
                    log(tx, "address", &code.to_string(), "create")?;
                }
                Ok::<_, fangyu::store::StoreError>(())
            })?;
            let first = codes[0].0;
            Box::new(move |g| g.plates.find_code(first).is_some() && !g.names.exact(&name).is_empty())
        }
        2 => {
            // As a published rename does: a new place carries the new name,
            // the old one becomes historical and points at it, and the door
            // plates on it move to the new name.
            let old = &places[(2 * n) % places.len()];
            let name = format!("{}{n}", old.name);
            let new = PlaceRow { name: name.clone(), source: "bench".into(), ..old.clone() };
            store.write(|tx| {
                let fid = new.insert(tx)?;
                log(tx, "place", &fid.to_string(), "create")?;
                let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
                PlaceRow::end(tx, old.fid, PlaceStatus::Historical, day, Some(fid))?;
                log(tx, "place", &old.fid.to_string(), "rename")?;
                for a in AddressRow::rename_street(tx, old.fid, fid, &old.name, &name)? {
                    log(tx, "address", &a.code.to_string(), "update")?;
                }
                Ok::<_, fangyu::store::StoreError>(())
            })?;
            Box::new(move |g| !g.names.exact(&name).is_empty())
        }
        _ => {
            let fid = places[(2 * n + 1) % places.len()].fid;
            store.write(|tx| {
                let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap_or_default();
                PlaceRow::end(tx, fid, PlaceStatus::Retired, day, None)?;
                log(tx, "place", &fid.to_string(), "retire")
            })?;
            Box::new(move |g| {
                g.places
                    .ids()
                    .any(|i| g.places.get(i).fid == fid && g.places.get(i).status == PlaceStatus::Retired)
            })
        }
    };
    Ok(check)
}

/// This process's resident set, MB (0 where /proc is not there).
fn rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().split(' ').next()?.parse().ok());
    kb.unwrap_or(0u64) / 1024
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or_else(|| anyhow::anyhow!("usage: edit_visible STORE [EDITS]"))?;
    let edits: usize = args.next().map_or(Ok(200), |n| n.parse())?;
    let rate: Option<f64> = match args.next().as_deref() {
        Some("--rate") => Some(args.next().ok_or_else(|| anyhow::anyhow!("--rate R"))?.parse()?),
        _ => None,
    };
    let store = Arc::new(Store::open(path.as_ref())?);
    if let Some(rate) = rate {
        return drive(&store, edits, rate);
    }
    let started = Instant::now();
    let g = Gazetteer::load(&store)?;
    eprintln!("indices loaded in {:.1} s: {} plates", started.elapsed().as_secs_f64(), g.plates.len());
    let tiles =
        fangyu::tiles::service::TileService::start(store.clone(), g.plates.clone(), &TileSettings::default());
    let swap = Arc::new(arc_swap::ArcSwap::from_pointee(g));
    let projections = Projections::new(store.clone(), swap.clone(), tiles.clone(), usize::MAX);
    // The first tile set loads in the background; edits wait for it, as a
    // server's do once it is up.
    while !tiles.loaded() {
        std::thread::sleep(Duration::from_millis(200));
    }
    let (plates, places) = samples(&store, edits)?;
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); KINDS.len()];
    let first = first_edit(&store)?;
    for i in first..first + edits {
        let kind = i % KINDS.len();
        let check = edit(&store, &plates, &places, i)?;
        let committed = Instant::now();
        projections.catch_up()?;
        times[kind].push(committed.elapsed());
        anyhow::ensure!(check(&swap.load()), "edit {i} ({}) is not visible after it applied", KINDS[kind]);
        if std::env::var_os("EDIT_RSS").is_some() && (i - first) % 500 == 0 {
            let mut last: Vec<Duration> =
                times.iter().flat_map(|t| t.iter().rev().take(125)).copied().collect();
            let overlay = swap.load().plates.overlay_len() + swap.load().roads.overlay_len();
            eprintln!(
                "after {} edits: RSS {} MB, overlay {overlay}, last 500 edits median {:.2} ms, p99 {:.2} ms",
                i - first,
                rss_mb(),
                percentile(&mut last, 0.5),
                percentile(&mut last, 0.99)
            );
        }
    }
    println!("| edit | n | median ms | p99 ms |");
    println!("|---|---|---|---|");
    for (k, t) in times.iter_mut().enumerate() {
        if !t.is_empty() {
            let n = t.len();
            println!("| {} | {n} | {:.2} | {:.2} |", KINDS[k], percentile(t, 0.5), percentile(t, 0.99));
        }
    }
    let mut all: Vec<Duration> = times.concat();
    println!(
        "| all | {} | {:.2} | {:.2} |",
        all.len(),
        percentile(&mut all, 0.5),
        percentile(&mut all, 0.99)
    );
    Ok(())
}
