//! Deterministic cost of reverse answers, counted by callgrind's cache
//! simulation (run it through `scripts/reverse-probe.sh`): answers N random
//! points over 宁波市 (as the load script does) to JSON, and between answers
//! walks a scratch buffer the size of what handling a request touches
//! elsewhere, so that the index is read as cold as it is in the server. Only
//! `answer_one` is counted (`--toggle-collect`); with `PROBE_PAUSE` set it
//! says `loaded` and waits that many seconds, so that the store can load
//! uninstrumented.
//!   target/release/examples/reverse_probe [STORE] [N] [SCRATCH_KB]

use rand::{RngExt, SeedableRng};
use std::hint::black_box;

/// One answer, as JSON, into `body`.
#[inline(never)]
fn answer_one(
    g: &fangyu::index::Gazetteer,
    json: &fangyu::geocode::DivisionJson,
    p: geo::Coord<f64>,
    body: &mut Vec<u8>,
) {
    body.clear();
    let answer = fangyu::geocode::reverse(g, json, p, None, 2000.0);
    answer.write_json(body).expect("JSON");
}

/// Writes one word of every cache line of `scratch`.
#[inline(never)]
fn scrub(scratch: &mut [u64], i: usize) {
    for w in scratch.iter_mut().step_by(8) {
        *w = w.wrapping_add(i as u64);
    }
}

fn answer_all(
    g: &fangyu::index::Gazetteer,
    json: &fangyu::geocode::DivisionJson,
    pts: &[geo::Coord<f64>],
    scratch: &mut [u64],
) -> usize {
    let mut bytes = 0;
    let mut body = Vec::with_capacity(1024);
    for (i, p) in pts.iter().enumerate() {
        answer_one(g, json, *p, &mut body);
        bytes += body.len();
        scrub(scratch, i);
    }
    black_box(bytes)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let store = args.next().unwrap_or_else(|| "target/test-demo.gpkg".into());
    let n: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let scratch_kb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(256);
    let store = fangyu::store::Store::open(std::path::Path::new(&store)).expect("store");
    let g = fangyu::index::Gazetteer::load(&store).expect("indices");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20261122);
    let pts: Vec<geo::Coord<f64>> = (0..n)
        .map(|_| geo::Coord { x: 121.0 + rng.random::<f64>() * 1.2, y: 29.2 + rng.random::<f64>() * 0.9 })
        .collect();
    let mut scratch = vec![0u64; scratch_kb * 1024 / 8];
    if let Ok(secs) = std::env::var("PROBE_PAUSE").map(|s| s.parse::<u64>().unwrap_or(0)) {
        // Time for `callgrind_control --instr=on` (scripts/reverse-probe.sh).
        println!("loaded");
        std::thread::sleep(std::time::Duration::from_secs(secs));
    }
    let json = fangyu::geocode::DivisionJson::build(&g.divisions);
    let bytes = answer_all(&g, &json, &pts, &mut scratch);
    println!("{n} answers, {bytes} bytes of JSON, scratch {scratch_kb} KiB");
}
