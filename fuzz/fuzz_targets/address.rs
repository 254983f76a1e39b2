//! The reading of an address as people type it, without the gazetteer:
//! cleaning (`normalize`), Chinese numerals before door-number units
//! (`numerals_to_digits`, `chinese_number`) and the door-number parser
//! (`parse_door_number`), chained as the forward geocoder chains them.
//!
//! Checked: the cleaned text holds no spaces, ASCII punctuation (but the
//! dash that joins numbers), lower-case or full-width letters and no typo
//! the cleaner knows; an unchanged numeral pass returns its input; a door
//! number written back in its standard form reads back the same.

#![no_main]

use fangyu::geocode::normalize::{chinese_number, normalize, numerals_to_digits};
use fangyu::geocode::number::{DoorNumber, parse_door_number};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };

    let (clean, corrections) = normalize(input);
    check_clean(input, &clean, &corrections);

    let (digits, changed) = numerals_to_digits(&clean);
    if !changed {
        assert_eq!(digits, clean, "numerals_to_digits changed text but said it did not");
    }
    // Numerals alone (八十八, 一四〇一) never panic and, digit by digit,
    // agree with the decimal reading.
    let numeral: String = input.chars().take(12).collect();
    if let Some(n) = chinese_number(&numeral)
        && numeral.chars().all(|c| "零〇一二三四五六七八九".contains(c))
        && numeral.chars().count() <= 9
    {
        let decimal: String = numeral.chars().map(digit_of).collect();
        assert_eq!(decimal.parse::<u32>().ok(), Some(n), "{numeral}");
    }

    let number = parse_door_number(&digits);
    check_round_trip(&number);
    // The raw input too: the parser is also given text the cleaner never saw.
    check_round_trip(&parse_door_number(input));
});

fn digit_of(c: char) -> char {
    match c {
        '零' | '〇' => '0',
        '一' => '1',
        '二' => '2',
        '三' => '3',
        '四' => '4',
        '五' => '5',
        '六' => '6',
        '七' => '7',
        '八' => '8',
        _ => '9',
    }
}

/// What the cleaner promises of its output.
fn check_clean(input: &str, clean: &str, corrections: &[fangyu::geocode::normalize::Correction]) {
    let mut prev: Option<char> = None;
    for c in clean.chars() {
        assert!(!c.is_whitespace(), "whitespace left in {clean:?}");
        assert!(!c.is_ascii_lowercase(), "lower case left in {clean:?}");
        assert!(!('\u{FF01}'..='\u{FF5E}').contains(&c), "full-width left in {clean:?}");
        if c.is_ascii_punctuation() {
            assert_eq!(c, '-', "punctuation left in {clean:?}");
            assert!(prev.is_some_and(|p| p.is_ascii_alphanumeric()), "dash not after a number in {clean:?}");
        }
        prev = Some(c);
    }
    for typo in ["懂", "憧", "撞", "単元", "单无", "搂"] {
        assert!(!clean.contains(typo), "typo {typo} left in {clean:?}");
    }
    let full_width = input.chars().any(|c| ('\u{FF01}'..='\u{FF5E}').contains(&c));
    assert_eq!(full_width, corrections.iter().any(|c| c.kind == "full_width"), "{input:?}");
    // Cleaning never adds meaning-bearing characters: it is at most as long.
    assert!(clean.chars().count() <= input.chars().count(), "{input:?} -> {clean:?}");
}

/// The standard form of a door number reads back as the same number.
fn check_round_trip(n: &DoorNumber) {
    let text = format!(
        "{}{}{}",
        n.plate_text().unwrap_or_default(),
        n.building_text().unwrap_or_default(),
        n.unit_room_text()
    );
    let back = parse_door_number(&text);
    assert_eq!(back.main, n.main, "main of {text:?} from {n:?}");
    if n.main.is_some() {
        assert_eq!((&back.prefix, back.sub, back.group), (&n.prefix, n.sub, n.group), "{text:?} from {n:?}");
    }
    assert_eq!(
        (&back.building, back.unit, &back.room),
        (&n.building, n.unit, &n.room),
        "{text:?} from {n:?}"
    );
    assert!(back.rest.is_empty(), "standard form {text:?} left {:?} unread", back.rest);
    assert_eq!(back.plate_text(), n.plate_text());
}
