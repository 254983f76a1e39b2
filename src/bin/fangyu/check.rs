//! `fangyu check …`: checks of the store's data.

use anyhow::Result;
use fangyu::boundaries::topology_check::{self, Tolerances};
use fangyu::config::Settings;
use fangyu::model::DivisionCode;
use fangyu::store::Store;
use std::io::Write;
use std::path::Path;

/// `fangyu check topology`: gaps, overlaps, children outside their parent,
/// markers off their line and lines without markers, as GeoJSON to
/// `out` (stdout by default); the counts per kind to stderr.
pub fn topology(settings: &Settings, division: Option<&str>, out: Option<&Path>) -> Result<()> {
    let division =
        division.map(DivisionCode::parse).transpose().map_err(|e| anyhow::anyhow!("--division: {e}"))?;
    let store = Store::open(&settings.store.path)?;
    let started = std::time::Instant::now();
    let tol = Tolerances::from(&settings.boundaries);
    let report = store.read_snapshot(|c| topology_check::check_store(c, tol, division.as_ref()))?;
    let seconds = started.elapsed().as_secs_f64();
    let body = serde_json::to_vec(&report.to_geojson())?;
    match out {
        Some(path) => std::fs::write(path, &body)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&body)?;
            stdout.write_all(b"\n")?;
        }
    }
    let counts: Vec<String> =
        report.counts().iter().map(|(kind, n)| format!("{} {n}", kind.as_str())).collect();
    eprintln!(
        "topology check{}: {} problems ({}), tolerance {} m, markers {} m, in {seconds:.1} s",
        division.map(|d| format!(" of {d}")).unwrap_or_default(),
        report.problems.len(),
        counts.join(", "),
        tol.topology_m,
        tol.marker_off_line_m,
    );
    Ok(())
}
