//! `fangyu eval`: the forward-geocoding evaluation on a store.

use anyhow::Result;
use fangyu::eval::{Report, cases};
use fangyu::index::Gazetteer;
use fangyu::store::Store;
use std::path::Path;

/// Generates the cases, geocodes them and prints the report.
/// `bands`: where to write the calibration as CSV.
pub fn run(
    path: &Path,
    seed: u64,
    sizes: cases::Sizes,
    public: usize,
    misses: usize,
    bands: Option<&Path>,
    cases_out: Option<&Path>,
) -> Result<()> {
    anyhow::ensure!(path.exists(), "{} does not exist", path.display());
    let started = std::time::Instant::now();
    let g = Gazetteer::load(&Store::open(path)?)?;
    let all = cases::generate(&g, seed, sizes);
    eprintln!("{} cases from {} in {:.1?}", all.len(), path.display(), started.elapsed());
    let started = std::time::Instant::now();
    let outcomes = fangyu::eval::run(&g, &all);
    eprintln!("geocoded in {:.1?}", started.elapsed());
    let report = Report::of(&all, &outcomes, misses);
    println!("## Generated from the division tree and its history (seed {seed})\n\n{}", report.table());
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sources");
    let second = fangyu::eval::public::generate(&g, &sources, seed, public)?;
    let second_outcomes = fangyu::eval::run(&g, &second);
    let second_report = Report::of(&second, &second_outcomes, misses);
    println!("## Written as records write them (statistical lists of 2023)\n\n{}", second_report.table());
    if let Some(path) = cases_out {
        let tsv = format!(
            "set\tclass\tinput\twant_county\tgot_county\tconfidence\n{}{}",
            fangyu::eval::cases_tsv(&g, "generated", &all, &outcomes),
            fangyu::eval::cases_tsv(&g, "records", &second, &second_outcomes)
        );
        std::fs::write(path, tsv)?;
    }
    if let Some(path) = bands {
        let csv = format!(
            "set,low,high,answers,right\n{}{}",
            report.bands_csv("generated"),
            second_report.bands_csv("records")
        );
        std::fs::write(path, csv)?;
    }
    for (class, m) in report.misses.iter().chain(&second_report.misses) {
        for (input, answer, confidence) in m {
            println!("miss {class}: {input:?} → {} ({confidence:.2})", answer.as_deref().unwrap_or("none"));
        }
    }
    Ok(())
}
