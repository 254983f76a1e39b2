//! The forward geocoder on free text, over the demo gazetteer: finding the
//! address in text around it, cleaning, segmenting into division names,
//! resolving them, matching the street and the door plate; and the name
//! search behind `/autocomplete` and `/divisions?q=`.
//!
//! The demo store is `FANGYU_FUZZ_STORE`, else `fuzz/target/demo.gpkg`,
//! built from `data/sources` the first time (about a minute); it is loaded
//! before fuzzing starts, so no input is charged for it.
//!
//! Checked: at most `limit` candidates, best first, no standard address
//! twice; confidences in [0, 1]; an address code is 18 digits that read
//! back as themselves; a door-plate answer has one; locations are finite
//! lon/lat; an answer asked `within` a division lies in it.

#![no_main]

use fangyu::config::Settings;
use fangyu::demo::Scale;
use fangyu::geocode::{MatchLevel, Options, geocode};
use fangyu::index::Gazetteer;
use fangyu::model::AddressCode;
use fangyu::store::Store;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Longest query the service takes (`[server] max_query_chars`).
const MAX_QUERY_CHARS: usize = 200;

/// Divisions an answer may be asked to lie in: the detail prefecture, a
/// county of it and one of its townships.
const WITHIN: [&str; 3] = ["330200", "330203", "330203001"];

fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let path = std::env::var_os("FANGYU_FUZZ_STORE")
            .map_or_else(|| root.join("target/demo.gpkg"), PathBuf::from);
        let mut settings = Settings::default();
        settings.store.path = path.clone();
        settings.store.sources = root.join("../data/sources");
        settings.review.common_chars_file = root.join("../data/review/common_chars.txt");
        fangyu::startup::ensure_demo_store(&settings, &path, Scale::Demo).expect("demo store builds");
        let store = Store::open(&path).expect("demo store opens");
        Gazetteer::load(&store).expect("gazetteer loads")
    })
}

fuzz_target!(init: { gazetteer(); }, |data: &[u8]| {
    let g = gazetteer();
    // A leading control byte (never typed) chooses the options: the limit
    // in its low three bits, a division to stay within in the next two.
    let (limit, within, text) = match data.split_first() {
        Some((&b, rest)) if b < 0x20 => {
            let within = (b >> 3).checked_sub(1).map(|i| WITHIN[usize::from(i)]);
            (usize::from(b % 8) + 1, within.and_then(|w| g.divisions.by_code(w, None)), rest)
        }
        _ => (5, None, data),
    };
    let Ok(text) = std::str::from_utf8(text) else { return };
    // What the handler lets through: trimmed, not empty, not too long.
    let q = text.trim();
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
        return;
    }
    let found = geocode(g, q, Options { limit, within, at: None });
    assert!(found.len() <= limit, "{} candidates for limit {limit}", found.len());
    let mut seen = std::collections::HashSet::new();
    for (i, c) in found.iter().enumerate() {
        assert!((0.0..=1.0).contains(&c.confidence), "confidence {} for {q:?}", c.confidence);
        if i > 0 {
            assert!(found[i - 1].confidence >= c.confidence, "candidates out of order for {q:?}");
        }
        assert!(seen.insert(c.standard_address.as_str()), "{} twice for {q:?}", c.standard_address);
        assert!(!c.standard_address.is_empty(), "empty standard address for {q:?}");
        let [lon, lat] = c.location;
        assert!(lon.is_finite() && lat.is_finite(), "location {:?} for {q:?}", c.location);
        assert!((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat), "{:?}", c.location);
        if let Some(code) = &c.address_code {
            let parsed = AddressCode::parse(code).unwrap_or_else(|| panic!("address code {code:?}"));
            assert_eq!(&parsed.to_string(), code);
        }
        if c.match_level == MatchLevel::DoorPlate {
            assert!(c.address_code.is_some(), "door plate without a code for {q:?}");
        }
        if let Some(w) = within {
            assert!(
                g.divisions.is_within(c.division, w),
                "{} is outside {} for {q:?}",
                c.standard_address,
                g.divisions.get(w).name
            );
        }
        serde_json::to_vec(c).expect("a candidate serialises");
    }

    // The name search behind autocompletion.
    let names = g.names.search(q, limit * 8);
    let mut targets = std::collections::HashSet::new();
    for m in &names {
        assert!(targets.insert(m.target), "{:?} twice in the search for {q:?}", m.target);
    }
    assert!(names.windows(2).all(|w| w[0].kind <= w[1].kind), "search for {q:?} out of order");
});
