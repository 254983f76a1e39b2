//! Finding the address in other text, as records and the public write it:
//! a label in front (地址：, 所在地区:, 收件地址), a name and a phone number
//! before or after, a sentence around it (我住在…附近), several lines. The
//! address is the line where a division is named first, from that name on,
//! up to what plainly is not an address; the rest is reported as ignored.

use crate::index::{Gazetteer, NameIndex, NameRef};
use crate::model::Level;

/// What ends an address inside a sentence.
const ENDINGS: &[&str] =
    &["附近", "一带", "旁边", "周边", "对面", "谢谢", "，", "。", "！", "？", ",", "!", "?"];

/// Labels of a phone number or a person, and what follows them.
const FIELD_LABELS: &[&str] =
    &["联系电话", "电话", "手机", "联系人", "收件人", "收货人", "姓名", "邮编", "Tel", "TEL", "tel"];

/// Whether `text` holds something other than an address around it, so that
/// [`address_in`] is worth running: several lines, a label, a long run of
/// digits (a phone number).
pub(super) fn may_be_wrapped(text: &str) -> bool {
    if text.contains(['\n', '\r', '：', ':', '；', ';']) {
        return true;
    }
    let mut run = 0;
    for c in text.chars() {
        run = if c.is_ascii_digit() || ('０'..='９').contains(&c) { run + 1 } else { 0 };
        if run >= 7 {
            return true;
        }
    }
    false
}

/// The highest level of a division named at the start of `text` by at
/// least two characters.
fn named_level(g: &Gazetteer, text: &str) -> Option<Level> {
    let names = g.names.prefixes_of(text);
    let long = names.iter().filter(|(len, _)| text[..*len].chars().count() >= 2);
    let divisions = long.flat_map(|(_, posts)| posts.iter()).filter_map(|&p| match NameIndex::target(p) {
        NameRef::Division(d) => Some(g.divisions.level(d)),
        NameRef::Place(_) => None,
    });
    divisions.min()
}

/// Whether a division of `level` or above is named at the start of `text`.
fn names_division(g: &Gazetteer, text: &str, level: Level) -> bool {
    named_level(g, text).is_some_and(|l| l <= level)
}

/// Where in `line` the address starts: the first county or larger division
/// named, else the first township (我家在中卫市 starts at 中卫, not at the
/// township 在中乡). One scan: a county ends it.
fn address_start(g: &Gazetteer, line: &str) -> Option<usize> {
    let mut township = None;
    for (k, _) in line.char_indices() {
        match named_level(g, &line[k..]) {
            Some(l) if l <= Level::County => return Some(k),
            Some(l) if l <= Level::Township => township = township.or(Some(k)),
            _ => {}
        }
    }
    township
}

/// Removes phone numbers (a run of seven or more digits and dashes) and
/// the labels of fields that are not the address.
fn without_fields(line: &str, ignored: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(line.len());
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
        if digit(chars[i]) {
            let mut j = i;
            while j < chars.len() && (digit(chars[j]) || chars[j] == '-') {
                j += 1;
            }
            let digits = chars[i..j].iter().filter(|c| digit(**c)).count();
            if digits >= 7 {
                ignored.push(chars[i..j].iter().collect());
                i = j;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    // A field label and its short value (联系人：王芳, 电话：).
    for label in FIELD_LABELS {
        while let Some(at) = out.find(label) {
            let after = &out[at + label.len()..];
            let seps = after.len() - after.trim_start_matches(['：', ':', ' ']).len();
            let value_len: usize = after[seps..]
                .char_indices()
                .take_while(|(_, c)| !c.is_whitespace() && !matches!(c, '，' | ','))
                .take(12)
                .last()
                .map_or(0, |(k, c)| k + c.len_utf8());
            let end = at + label.len() + seps + value_len;
            ignored.push(out[at..end].trim().to_string());
            out.replace_range(at..end, " ");
        }
    }
    out
}

/// The address in `text` and the pieces of text left out, when a division
/// is named somewhere in it; `None` when none is.
pub(super) fn address_in(g: &Gazetteer, text: &str) -> Option<(String, Vec<String>)> {
    let mut ignored = Vec::new();
    let mut found: Option<String> = None;
    for raw in text.split(['\n', '\r', '；', ';']) {
        let mut pieces = Vec::new();
        let mut line = without_fields(raw, &mut pieces);
        // A label in front: text up to a colon, with no digits.
        if let Some(at) = line.find(['：', ':'])
            && !line[..at].chars().any(|c| c.is_ascii_digit())
            && line[..at].chars().count() <= 8
            && !names_division(g, line[..at].trim(), Level::Township)
        {
            pieces.push(line[..at].trim().to_string());
            line = line[at..].trim_start_matches(['：', ':']).to_string();
        }
        let start = found.is_none().then(|| address_start(g, &line));
        match start.flatten() {
            Some(k) => {
                pieces.push(line[..k].trim().to_string());
                let (address, rest) = cut_tail(g, &line[k..]);
                pieces.push(rest.trim().to_string());
                found = Some(address);
            }
            None => pieces.push(line.trim().to_string()),
        }
        ignored
            .extend(pieces.into_iter().filter(|p| !p.trim_matches(['：', ':', ' ', '，', ',']).is_empty()));
    }
    found.map(|a| (a, ignored))
}

/// Splits `text` (which starts with a division name) into the address and
/// what follows it: a sentence's ending, or after a space a short word
/// that names nothing (a person's name).
fn cut_tail(g: &Gazetteer, text: &str) -> (String, String) {
    let mut end = text.len();
    for e in ENDINGS {
        if let Some(at) = text.find(e)
            && at > 0
        {
            end = end.min(at);
        }
    }
    let (head, tail) = text.split_at(end);
    let mut kept = String::new();
    let mut rest = String::new();
    for (n, word) in head.split_whitespace().enumerate() {
        let continues = n == 0
            || word.starts_with(|c: char| c.is_ascii_digit())
            || word.contains(['号', '幢', '栋', '室', '路', '街', '村', '组', '巷', '弄'])
            || !g.names.prefixes_of(word).is_empty();
        if continues && rest.is_empty() {
            kept.push_str(word);
        } else {
            rest.push_str(word);
            rest.push(' ');
        }
    }
    rest.push_str(tail);
    (kept, rest)
}
