//! Cleaning an address as people type it before it is parsed: full-width
//! letters and digits to ASCII, spaces and punctuation out, common typing
//! slips corrected, Chinese numerals in door numbers to digits. Every change
//! that alters meaning-bearing text is reported as a correction.

use serde::Serialize;

/// One change made to the input, reported to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Correction {
    /// Stable identifier: `full_width`, `spacing`, `typo`, `numerals`,
    /// `alias`, `short_name`, `old_name`, `missing_level`, `wrong_part`,
    /// `fuzzy_name`, `number_not_found`, `renumbered` (an old number, and
    /// the one that replaced it), `ambiguous`, `unmatched` (text
    /// left unread), `ignored_text` (text around the address: a label, a
    /// name, a phone number, a sentence).
    pub kind: &'static str,
    /// What the input had.
    pub from: String,
    /// What the standard form has.
    pub to: String,
}

impl Correction {
    /// A correction of `kind` from `from` to `to`.
    pub fn new(kind: &'static str, from: impl Into<String>, to: impl Into<String>) -> Correction {
        Correction { kind, from: from.into(), to: to.into() }
    }
}

/// Typing slips seen in addresses, with what was meant. Only characters that
/// do not occur in standard place names of these positions are listed.
const TYPOS: &[(&str, &str)] =
    &[("懂", "栋"), ("憧", "幢"), ("撞", "幢"), ("単元", "单元"), ("单无", "单元"), ("搂", "楼")];

/// Committee names as records write them, and the village or community
/// they stand for (施家梁村村民委员会 is 施家梁村).
const COMMITTEES: &[(&str, &str)] = &[
    ("村村民委员会", "村"),
    ("村民委员会", "村"),
    ("社区居民委员会", "社区"),
    ("居民委员会", "社区"),
    ("村村委会", "村"),
    ("村委会", "村"),
    ("社区居委会", "社区"),
    ("居委会", "社区"),
];

/// The cleaned text and the corrections made.
pub fn normalize(input: &str) -> (String, Vec<Correction>) {
    let mut out = String::with_capacity(input.len());
    let mut corrections = Vec::new();
    let (mut full_width, mut dropped) = (false, false);
    for ch in input.chars() {
        let c = match ch {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => {
                full_width = true;
                char::from_u32(ch as u32 - 0xFEE0).unwrap_or(ch)
            }
            _ => ch,
        };
        match c {
            c if c.is_whitespace() => dropped = true,
            // A dash joins numbers (88-1, 2-1-1401); between names it is a
            // separator.
            '-' | '—' | '–' | '－' | '~' | '～' => {
                if out.chars().last().is_some_and(|p| p.is_ascii_alphanumeric()) {
                    out.push('-');
                } else {
                    dropped = true;
                }
            }
            '#' => out.push('号'),
            'a'..='z' => out.push(c.to_ascii_uppercase()),
            '0'..='9' | 'A'..='Z' => out.push(c),
            c if c.is_ascii_punctuation() || is_cjk_punctuation(c) => dropped = true,
            c => out.push(c),
        }
    }
    if full_width {
        corrections.push(Correction::new("full_width", "全角字符", "半角字符"));
    }
    if dropped {
        corrections.push(Correction::new("spacing", "空格或标点", ""));
    }
    for (committee, place) in COMMITTEES {
        if out.contains(committee) {
            out = out.replace(committee, place);
        }
    }
    for (typo, meant) in TYPOS {
        if out.contains(typo) {
            out = out.replace(typo, meant);
            corrections.push(Correction::new("typo", *typo, *meant));
        }
    }
    (out, corrections)
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c, '\u{3001}'..='\u{3003}' | '\u{3008}'..='\u{3011}' | '\u{3014}'..='\u{301F}' | '·' | '•')
        || matches!(c, '，' | '。' | '：' | '；' | '“' | '”' | '‘' | '’' | '（' | '）' | '！' | '？')
}

/// Chinese numerals followed by a door-number unit (号, 幢, 单元 …) become
/// Arabic digits: 八十八号 → 88号, 三幢 → 3幢, 二〇三室 → 203室. Names stay
/// as they are (三江路 has no unit after 三).
pub fn numerals_to_digits(text: &str) -> (String, bool) {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && numeral_value(chars[i]).is_some() {
            i += 1;
        }
        if i > start {
            let unit_follows = chars.get(i).is_some_and(|c| "号幢栋座单室组楼层弄之-".contains(*c));
            let run: String = chars[start..i].iter().collect();
            match (unit_follows, chinese_number(&run)) {
                (true, Some(n)) => {
                    out.push_str(&n.to_string());
                    changed = true;
                }
                _ => out.push_str(&run),
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    (out, changed)
}

fn numeral_value(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' => 0,
        '一' | '壹' => 1,
        '二' | '两' | '贰' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        _ => return None,
    })
}

/// The value of a Chinese numeral: positional (八十八, 一百零五, 十二) or
/// digit by digit (二〇三, 一四〇一).
///
/// ```
/// use fangyu::geocode::normalize::chinese_number;
/// assert_eq!(chinese_number("八十八"), Some(88));
/// assert_eq!(chinese_number("十二"), Some(12));
/// assert_eq!(chinese_number("一百零五"), Some(105));
/// assert_eq!(chinese_number("一四〇一"), Some(1401));
/// ```
pub fn chinese_number(s: &str) -> Option<u32> {
    let vals: Vec<u32> = s.chars().map(numeral_value).collect::<Option<_>>()?;
    if vals.is_empty() {
        return None;
    }
    if vals.iter().all(|&v| v < 10) {
        return vals.iter().try_fold(0u32, |acc, &d| acc.checked_mul(10)?.checked_add(d));
    }
    let (mut total, mut digit) = (0u32, None::<u32>);
    for v in vals {
        if v >= 10 {
            total += digit.unwrap_or(1) * v;
            digit = None;
        } else {
            digit = Some(v);
        }
    }
    Some(total + digit.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_width_spacing_punctuation_and_typos() {
        let (t, c) = normalize("浙江省 宁波市，海曙区中山西路８８号３懂");
        assert_eq!(t, "浙江省宁波市海曙区中山西路88号3栋");
        let kinds: Vec<&str> = c.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, ["full_width", "spacing", "typo"]);
    }

    #[test]
    fn numerals_before_units_become_digits_and_names_stay() {
        assert_eq!(numerals_to_digits("三江路八十八号").0, "三江路88号");
        assert_eq!(numerals_to_digits("四组六号").0, "4组6号");
        assert_eq!(numerals_to_digits("三幢二单元一四〇一室").0, "3幢2单元1401室");
        assert!(!numerals_to_digits("三江路").1);
    }
}
