//! The demo city's sign inventory, generated deterministically like its
//! door plates: a road-name sign at both ends and at every junction of each
//! road, a place-name sign at every village seat and compound entrance;
//! install dates spread over recent years, and a share of signs found
//! damaged or missing, repaired or replaced since.

use super::divisions::rng_for;
use crate::config::PlateSettings;
use crate::model::{Level, PlaceClass, SignKind, SignState, Timestamp, romanize};
use crate::store::{DivisionRow, PlaceRow, SignEvent, SignRow, StoreResult};
use chrono::{Days, NaiveDate};
use geo::{BoundingRect, Coord, Geometry};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

const MATERIALS: [&str; 4] = ["铝板反光膜", "搪瓷", "不锈钢", "铸铝"];

/// The first day of the years signs are installed over, and the last.
fn span() -> (NaiveDate, NaiveDate) {
    (NaiveDate::from_ymd_opt(2018, 1, 1).expect("date"), NaiveDate::from_ymd_opt(2026, 6, 30).expect("date"))
}

fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.random_range(0..=days))
}

/// Writes one sign with its history: installed, then perhaps inspected
/// good, found damaged or missing, repaired, or replaced by a new sign.
fn write_sign(tx: &rusqlite::Transaction, mut s: SignRow, rng: &mut ChaCha8Rng) -> StoreResult<usize> {
    let (from, to) = span();
    let installed = day_between(rng, from, to);
    s.installed_on = installed.to_string();
    s.state_on = s.installed_on.clone();
    s.material = MATERIALS[rng.random_range(0..MATERIALS.len())].to_string();
    let later = |rng: &mut ChaCha8Rng| day_between(rng, installed, to).to_string();
    let roll: f64 = rng.random();
    let mut events: Vec<(String, &str, SignState)> =
        vec![(s.installed_on.clone(), "install", SignState::Good)];
    let mut replacement = None;
    if roll < 0.70 {
        if rng.random_bool(0.4) {
            events.push((later(rng), "inspect", SignState::Good));
        }
    } else if roll < 0.80 {
        let d = later(rng);
        events.push((d.clone(), "inspect", SignState::Damaged));
        (s.state, s.state_on) = (SignState::Damaged, d);
    } else if roll < 0.85 {
        let d = later(rng);
        events.push((d.clone(), "inspect", SignState::Missing));
        (s.state, s.state_on) = (SignState::Missing, d);
    } else if roll < 0.92 {
        let d = later(rng);
        events.push((d.clone(), "inspect", SignState::Damaged));
        events.push((d, "repair", SignState::Good));
    } else {
        let d = later(rng);
        events.push((d.clone(), "inspect", SignState::Damaged));
        events.push((d.clone(), "replace", SignState::Replaced));
        (s.state, s.state_on) = (SignState::Replaced, d.clone());
        replacement = Some(d);
    }
    s.source = "demo".into();
    let id = s.insert(tx)?;
    for (on, action, state) in events {
        let e = SignEvent {
            id: 0,
            sign_id: id,
            on_date: on,
            action: action.into(),
            state,
            note: None,
            by: None,
            recorded_at: Timestamp::now(),
        };
        e.insert(tx)?;
    }
    let Some(d) = replacement else { return Ok(1) };
    let new = SignRow {
        installed_on: d.clone(),
        state: SignState::Good,
        state_on: d.clone(),
        replaces: Some(id),
        ..s
    };
    let nid = new.insert(tx)?;
    SignEvent {
        id: 0,
        sign_id: nid,
        on_date: d,
        action: "install".into(),
        state: SignState::Good,
        note: None,
        by: None,
        recorded_at: Timestamp::now(),
    }
    .insert(tx)?;
    Ok(2)
}

/// Vertices quantised to about a metre.
fn key(c: Coord<f64>) -> (i64, i64) {
    ((c.x * 1e5).round() as i64, (c.y * 1e5).round() as i64)
}

fn lines_of(g: &Geometry<f64>) -> Vec<&geo::LineString<f64>> {
    match g {
        Geometry::LineString(l) => vec![l],
        Geometry::MultiLineString(m) => m.0.iter().collect(),
        _ => vec![],
    }
}

/// Generates the signs of the places under `detail` (a prefecture's code
/// prefix) and of its villages; returns how many were written.
pub fn generate(
    tx: &rusqlite::Transaction,
    divisions: &[DivisionRow],
    detail: &str,
    seed: u64,
    plates: &PlateSettings,
) -> StoreResult<usize> {
    let places: Vec<PlaceRow> = PlaceRow::load_all(tx, true)?
        .into_iter()
        .filter(|p| p.division_code.as_str().starts_with(detail) && p.geom.is_some())
        .collect();
    // Junctions: vertices two or more roads share.
    let mut at: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, p) in places.iter().enumerate().filter(|(_, p)| p.class.is_thoroughfare()) {
        for l in lines_of(p.geom.as_ref().expect("geometry")) {
            for c in &l.0 {
                let v = at.entry(key(*c)).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
    }
    let mut written = 0;
    let base = |p: &PlaceRow, kind: SignKind, c: Coord<f64>, content: serde_json::Value| SignRow {
        id: 0,
        kind,
        name: p.name.clone(),
        pinyin: p.pinyin.clone(),
        content,
        place_id: Some(p.fid),
        address_code: None,
        division_code: p.division_code.to_string(),
        lon: c.x,
        lat: c.y,
        installed_on: String::new(),
        material: String::new(),
        state: SignState::Good,
        state_on: String::new(),
        replaces: None,
        source: String::new(),
    };
    for (i, p) in places.iter().enumerate() {
        let g = p.geom.as_ref().expect("geometry");
        let mut rng = rng_for(seed, &p.fid.to_string(), 17);
        if p.class.is_thoroughfare() {
            let content = crate::plates::signs::road_content(tx, p, plates)?;
            let mut spots: Vec<(i64, i64)> = Vec::new();
            for l in lines_of(g) {
                if let (Some(a), Some(b)) = (l.0.first(), l.0.last()) {
                    spots.extend([key(*a), key(*b)]);
                }
                spots.extend(
                    l.0.iter()
                        .map(|c| key(*c))
                        .filter(|k| at.get(k).is_some_and(|v| v.len() > 1 && v.contains(&i))),
                );
            }
            spots.sort_unstable();
            spots.dedup();
            for (x, y) in spots {
                let c = Coord { x: x as f64 / 1e5, y: y as f64 / 1e5 };
                written += write_sign(tx, base(p, SignKind::RoadName, c, content.clone()), &mut rng)?;
            }
        } else if p.class == PlaceClass::Compound
            && let Some(r) = g.bounding_rect()
        {
            // The entrance: the middle of the south side.
            let c = Coord { x: (r.min().x + r.max().x) / 2.0, y: r.min().y };
            let content = crate::plates::signs::place_content(p.class.label());
            written += write_sign(tx, base(p, SignKind::PlaceName, c, content), &mut rng)?;
        }
    }
    for v in divisions.iter().filter(|d| {
        d.level == Level::Village
            && d.valid_to.is_none()
            && d.code.as_str().starts_with(detail)
            && d.seat.is_some()
    }) {
        let mut rng = rng_for(seed, v.code.as_str(), 19);
        let (x, y) = v.seat.expect("seat");
        let s = SignRow {
            id: 0,
            kind: SignKind::PlaceName,
            name: v.name.clone(),
            pinyin: romanize(&v.name),
            content: crate::plates::signs::place_content("村（社区）"),
            place_id: None,
            address_code: None,
            division_code: v.code.to_string(),
            lon: x,
            lat: y,
            installed_on: String::new(),
            material: String::new(),
            state: SignState::Good,
            state_on: String::new(),
            replaces: None,
            source: String::new(),
        };
        written += write_sign(tx, s, &mut rng)?;
    }
    Ok(written)
}
