//! Query strings as the read routes take them: decoded as axum's `Query`
//! decodes them (`serde_urlencoded`, also into the handlers' own query
//! types), every value then given to every parser of `http::params` and
//! of the model's identifiers (division and address codes, levels, place
//! classes and statuses, roles, states, marker kinds, the change feed's
//! filter).
//!
//! Checked: what parses is in range (longitude, latitude, boxes, limits,
//! whole numbers) and reads back as itself (a box or point printed and read
//! again, a date, a division code in its normalised form, an 18-digit
//! address code, every identifier, a code through JSON).

#![no_main]

use fangyu::http::params;
use fangyu::model::{
    AddressCode, AddressKind, ChangeFilter, ChangeKind, DivisionCode, Kind, Level, MarkerCondition,
    MarkerKind, PlaceClass, PlaceStatus, ProposalState, Role,
};
use libfuzzer_sys::fuzz_target;

const MAX_LIMIT: usize = 100;
const MAX_QUERY_CHARS: usize = 200;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    // The handlers' own query types decode the same string.
    let _ = serde_urlencoded::from_str::<fangyu::http::reverse::ReverseQuery>(query);
    let _ = serde_urlencoded::from_str::<fangyu::http::places::PlacesQuery>(query);
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else { return };
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());

    if let Ok(c) = params::lon_lat(get("lon"), get("lat")) {
        check_lon_lat(c.x, c.y);
    }
    if let Ok(f) = ChangeFilter::parse("kind", get("kind").unwrap_or("").split(','), get("division")) {
        if let Some(d) = &f.division {
            assert!(d.len() <= 12 && d.bytes().all(|b| b.is_ascii_digit()), "division prefix {d:?}");
        }
        for (i, k) in f.kinds.iter().enumerate() {
            assert!(!f.kinds[..i].contains(k), "{k:?} twice");
        }
    }
    for (_, v) in &pairs {
        value(v);
    }
});

fn check_lon_lat(x: f64, y: f64) {
    assert!((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y), "({x}, {y}) accepted");
}

/// Every single-value parser on `v`.
fn value(v: &str) {
    if let Ok(n) = params::number("n", v) {
        assert!(n.is_finite());
        assert_eq!(v.trim().parse::<f64>().ok(), Some(n));
    }
    if let Ok(b) = params::bbox(v) {
        let (min, max) = (b.min(), b.max());
        check_lon_lat(min.x, min.y);
        check_lon_lat(max.x, max.y);
        assert!(min.x <= max.x && min.y <= max.y, "{v:?}");
        let again =
            params::bbox(&format!("{},{},{},{}", min.x, min.y, max.x, max.y)).expect("box reads back");
        assert_eq!(again, b);
    }
    if let Ok(p) = params::point("near", v) {
        check_lon_lat(p.x, p.y);
        let again = params::point("near", &format!("{},{}", p.x, p.y)).expect("point reads back");
        assert_eq!(again, p);
    }
    if let Ok(Some(d)) = params::date("at", Some(v)) {
        let text = d.format("%Y-%m-%d").to_string();
        assert_eq!(params::date("at", Some(&text)).ok().flatten(), Some(d), "{v:?} read as {text}");
    }
    if let Ok(n) = params::whole("since", Some(v), 0, i64::MAX) {
        assert!(n >= 0);
        assert_eq!(params::whole("since", Some(&n.to_string()), 0, i64::MAX).ok(), Some(n));
    }
    if let Ok(n) = params::whole("wait", Some(v), 0, 30) {
        assert!((0..=30).contains(&n));
    }
    if let Ok(n) = params::limit(Some(v), 20, MAX_LIMIT) {
        assert!((1..=MAX_LIMIT).contains(&n));
    }
    if let Ok(Some(t)) = params::query_text("q", Some(v), MAX_QUERY_CHARS) {
        assert!(!t.is_empty() && t == t.trim() && t.chars().count() <= MAX_QUERY_CHARS);
        assert!(v.contains(t.as_str()));
    }
    if let Ok(f) = params::flag("geometry", Some(v)) {
        assert_eq!(f, v == "true" || v == "1");
    }
    if let Ok(code) = params::division_code("division", v) {
        check_division_code(v, &code);
    }
    if let Some(code) = AddressCode::parse(v) {
        assert_eq!(code.to_string(), v);
        assert_eq!(serde_json::to_string(&code).expect("serialises"), format!("\"{v}\""));
        // Its first 12 digits are a division's when they are a code at all.
        let _ = DivisionCode::parse(&v[..12]);
    }
    identifiers(v);
}

/// A division code is the input less trailing zero groups, and parses,
/// prints and serialises as itself.
fn check_division_code(v: &str, code: &DivisionCode) {
    let s = code.as_str();
    let t = v.trim();
    assert!(matches!(s.len(), 6 | 9 | 12) && s.bytes().all(|b| b.is_ascii_digit()), "{v:?} -> {s}");
    assert!(t.starts_with(s), "{v:?} -> {s}");
    let dropped = &t[s.len()..];
    assert!(dropped.bytes().all(|b| b == b'0') && dropped.len() % 3 == 0, "{v:?} -> {s}");
    assert!(!s.starts_with("00"), "{s}");
    assert_eq!(DivisionCode::parse(s).as_ref(), Ok(code));
    assert_eq!(code.to_string(), s);
    assert!(s.starts_with(code.prefix()));
    let level = code.implied_level();
    match s.len() {
        12 => assert_eq!(level, Level::Village),
        9 => assert_eq!(level, Level::Township),
        _ => assert!(level <= Level::County),
    }
    let json = serde_json::to_string(code).expect("serialises");
    assert_eq!(serde_json::from_str::<DivisionCode>(&json).ok().as_ref(), Some(code));
}

/// Every identifier parser: what parses prints as the input.
fn identifiers(v: &str) {
    macro_rules! round_trip {
        ($($t:ty),*) => {$(
            if let Some(x) = <$t>::parse(v) {
                assert_eq!(x.as_str(), v, "{} {v:?}", stringify!($t));
            }
        )*};
    }
    round_trip!(
        Level,
        PlaceClass,
        PlaceStatus,
        ProposalState,
        Role,
        MarkerKind,
        MarkerCondition,
        Kind,
        AddressKind,
        ChangeKind
    );
}
