//! The forward-geocoding evaluation: address strings generated from the
//! division tree and its change history with a fixed seed ([`cases`]), in
//! classes (every county in the forms people write, townships and villages
//! behind a province or prefecture, old names behind their prefecture,
//! addresses inside other text, contradictions), each with the division
//! it must resolve to; and the report: per class the share right, the
//! share answered with confidence ≥ 0.9, the share wrong at that
//! confidence, and the calibration (confidence band → share right). A
//! second set ([`public`]) is written from other lists, the way records
//! write addresses, and only measured.

pub mod cases;
pub mod public;

use crate::geocode::{Options, geocode};
use crate::index::Gazetteer;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Confidence from which an answer is trusted.
pub const CONFIDENT: f64 = 0.9;

/// What a case expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The best answer lies in this division (index).
    Within(u32),
    /// No answer at confidence ≥ [`CONFIDENT`] (a contradiction, a name
    /// that exists nowhere).
    NotConfident,
}

/// One evaluation case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The class it belongs to (`county/full`, `township/prefecture`, …).
    pub class: &'static str,
    /// The address string.
    pub input: String,
    /// What a right answer is.
    pub want: Want,
}

/// The outcome of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Whether the answer is right.
    pub right: bool,
    /// The best answer's confidence (0 without one).
    pub confidence: f64,
    /// The best answer's standard address.
    pub answer: Option<String>,
    /// The best answer's division.
    pub division: Option<u32>,
}

/// Runs every case (in parallel).
pub fn run(g: &Gazetteer, cases: &[Case]) -> Vec<Outcome> {
    let opts = Options { limit: 5, within: None, at: None };
    cases
        .par_iter()
        .map(|c| {
            let best = geocode(g, &c.input, opts).into_iter().next();
            let confidence = best.as_ref().map_or(0.0, |b| b.confidence);
            let right = match c.want {
                Want::Within(d) => best.as_ref().is_some_and(|b| g.divisions.is_within(b.division, d)),
                Want::NotConfident => confidence < CONFIDENT,
            };
            let division = best.as_ref().map(|b| b.division);
            Outcome { right, confidence, answer: best.map(|b| b.standard_address), division }
        })
        .collect()
}

/// Counts of one class.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Cases.
    pub n: usize,
    /// Right.
    pub right: usize,
    /// Answered at confidence ≥ [`CONFIDENT`].
    pub confident: usize,
    /// Wrong at confidence ≥ [`CONFIDENT`].
    pub confident_wrong: usize,
}

impl Tally {
    fn add(&mut self, o: &Outcome) {
        self.n += 1;
        self.right += usize::from(o.right);
        let confident = o.confidence >= CONFIDENT;
        self.confident += usize::from(confident);
        self.confident_wrong += usize::from(confident && !o.right);
    }

    /// Share right.
    pub fn right_share(&self) -> f64 {
        share(self.right, self.n)
    }

    /// Share of the confident answers that are wrong.
    pub fn confident_wrong_share(&self) -> f64 {
        share(self.confident_wrong, self.confident)
    }
}

fn share(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The bands of the calibration table: lower bounds.
pub const BANDS: [f64; 7] = [0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99];

/// A wrong answer: the input, the best answer, its confidence.
pub type Miss = (String, Option<String>, f64);

/// The evaluation's figures.
#[derive(Debug, Default)]
pub struct Report {
    /// Per class.
    pub classes: BTreeMap<&'static str, Tally>,
    /// Per group (the class up to its `/`: county, township, village,
    /// change, text, conflict).
    pub groups: BTreeMap<&'static str, Tally>,
    /// All cases that expect a division.
    pub all: Tally,
    /// Per confidence band (lower bound index into [`BANDS`]): cases, right.
    pub bands: [(usize, usize); BANDS.len()],
    /// Some wrong answers per class: (input, answer, confidence).
    pub misses: BTreeMap<&'static str, Vec<Miss>>,
}

impl Report {
    /// Tallies `outcomes` of `cases`, keeping up to `misses` wrong answers
    /// per class.
    pub fn of(cases: &[Case], outcomes: &[Outcome], misses: usize) -> Report {
        let mut r = Report::default();
        for (c, o) in cases.iter().zip(outcomes) {
            r.classes.entry(c.class).or_default().add(o);
            r.groups.entry(group(c.class)).or_default().add(o);
            if let Want::Within(_) = c.want {
                r.all.add(o);
                let band = BANDS.iter().rposition(|&b| o.confidence >= b).unwrap_or(0);
                r.bands[band].0 += 1;
                r.bands[band].1 += usize::from(o.right);
            }
            let kept = r.misses.entry(c.class).or_default();
            if !o.right && kept.len() < misses {
                kept.push((c.input.clone(), o.answer.clone(), o.confidence));
            }
        }
        r
    }

    /// The report as Markdown tables.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let row = |s: &mut String, name: &str, t: &Tally| {
            let _ = writeln!(
                s,
                "| {name} | {} | {:.2} % | {:.2} % | {:.2} % |",
                t.n,
                100.0 * t.right_share(),
                100.0 * share(t.confident, t.n),
                100.0 * t.confident_wrong_share()
            );
        };
        s.push_str("| class | cases | right | confidence ≥ 0.9 | wrong of those |\n|---|---|---|---|---|\n");
        for (k, t) in &self.classes {
            row(&mut s, k, t);
        }
        s.push_str(
            "\n| group | cases | right | confidence ≥ 0.9 | wrong of those |\n|---|---|---|---|---|\n",
        );
        for (k, t) in &self.groups {
            row(&mut s, k, t);
        }
        row(&mut s, "**all with a division to find**", &self.all);
        s.push_str("\n| confidence | answers | right |\n|---|---|---|\n");
        for (i, &(n, right)) in self.bands.iter().enumerate() {
            let hi = BANDS.get(i + 1).map_or("1".to_string(), |b| format!("{b}"));
            let _ = writeln!(s, "| {}–{hi} | {n} | {:.2} % |", BANDS[i], 100.0 * share(right, n));
        }
        s
    }
}

impl Report {
    /// The calibration as CSV rows `set,low,high,answers,right` (for the
    /// plot `scripts/plot-calibration.py` draws).
    pub fn bands_csv(&self, set: &str) -> String {
        let mut s = String::new();
        for (i, &(n, right)) in self.bands.iter().enumerate() {
            let hi = BANDS.get(i + 1).copied().unwrap_or(1.0);
            let _ = writeln!(s, "{set},{},{hi},{n},{right}", BANDS[i]);
        }
        s
    }
}

/// The county-level code a division lies in (its own code cut to six
/// digits when no county stands above it: the towns of 东莞).
fn county_code(g: &Gazetteer, d: u32) -> String {
    let at =
        g.divisions.lineage(d).find(|&a| g.divisions.level(a) <= crate::model::Level::County).unwrap_or(d);
    g.divisions.get(at).code.as_str().chars().take(6).collect()
}

/// The cases that expect a division as TSV rows `set, class, input
/// (newlines as \n), wanted county code, answered county code, confidence`,
/// for scoring another geocoder on the same strings at county level.
pub fn cases_tsv(g: &Gazetteer, set: &str, cases: &[Case], outcomes: &[Outcome]) -> String {
    let mut s = String::new();
    for (c, o) in cases.iter().zip(outcomes) {
        let Want::Within(want) = c.want else { continue };
        let got = o.division.map(|d| county_code(g, d)).unwrap_or_default();
        let input = c.input.replace('\t', " ").replace('\n', "\\n").replace('\r', "");
        let _ = writeln!(s, "{set}\t{}\t{input}\t{}\t{got}\t{}", c.class, county_code(g, want), o.confidence);
    }
    s
}

/// The group of a class: what comes before its `/`.
pub fn group(class: &'static str) -> &'static str {
    class.split('/').next().unwrap_or(class)
}
