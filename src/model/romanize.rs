//! Hanyu Pinyin spelling of place names by the national rules (中国地名汉语
//! 拼音字母拼写规则, 1984): 专名 and 通名 written separately and capitalised,
//! syllables inside each part joined, an apostrophe before a non-initial
//! syllable that starts with a, o or e, numbers in Arabic digits, no tones,
//! and readings of polyphonic characters fixed by a table of place-name
//! readings.

use pinyin::ToPinyin;

/// Generic terms (通名), longest first so that `自治县` wins over `县`.
const GENERICS: &[&str] = &[
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "自治旗",
    "居民委员会",
    "村民委员会",
    "居委会",
    "村委会",
    "开发区",
    "风景区",
    "管委会",
    "街道",
    "地区",
    "林区",
    "特区",
    "民族乡",
    "苏木",
    "嘎查",
    "社区",
    "新村",
    "大街",
    "大道",
    "大桥",
    "胡同",
    "小区",
    "花园",
    "公寓",
    "大厦",
    "广场",
    "公园",
    "省",
    "市",
    "县",
    "区",
    "旗",
    "盟",
    "镇",
    "乡",
    "村",
    "路",
    "街",
    "巷",
    "弄",
    "道",
    "里",
    "苑",
    "园",
    "府",
    "城",
    "庄",
    "湾",
    "居",
    "坊",
    "邸",
    "院",
    "舍",
    "阁",
    "轩",
    "墅",
    "桥",
    "山",
    "河",
    "江",
    "湖",
    "岛",
    "站",
];

/// Readings of polyphonic characters in real place names, applied before
/// the per-character dictionary (longest phrase first).
const READINGS: &[(&str, &[&str])] = &[
    ("重庆", &["chong", "qing"]),
    ("长沙", &["chang", "sha"]),
    ("长春", &["chang", "chun"]),
    ("长治", &["chang", "zhi"]),
    ("长安", &["chang", "an"]),
    ("长宁", &["chang", "ning"]),
    ("长兴", &["chang", "xing"]),
    ("六安", &["lu", "an"]),
    ("六合", &["lu", "he"]),
    ("蚌埠", &["beng", "bu"]),
    ("厦门", &["xia", "men"]),
    ("丽水", &["li", "shui"]),
    ("乐清", &["yue", "qing"]),
    ("台州", &["tai", "zhou"]),
    ("番禺", &["pan", "yu"]),
    ("铅山", &["yan", "shan"]),
    ("东阿", &["dong", "e"]),
    ("单县", &["shan", "xian"]),
    ("会稽", &["kuai", "ji"]),
    ("句容", &["ju", "rong"]),
    ("洪洞", &["hong", "tong"]),
    ("涡阳", &["guo", "yang"]),
    ("大曲", &["da", "qu"]),
    ("曲阜", &["qu", "fu"]),
    ("郫都", &["pi", "du"]),
    ("鄞州", &["yin", "zhou"]),
    ("镇海", &["zhen", "hai"]),
    ("奉化", &["feng", "hua"]),
    ("宁海", &["ning", "hai"]),
    ("象山", &["xiang", "shan"]),
    ("石碶", &["shi", "qi"]),
    ("堡", &["bao"]),
    ("行", &["xing"]),
    ("长", &["chang"]),
    ("重", &["zhong"]),
    ("都", &["du"]),
    ("沈", &["shen"]),
    ("呼", &["hu"]),
];

const CHINESE_DIGITS: &[(char, u32)] = &[
    ('零', 0),
    ('〇', 0),
    ('一', 1),
    ('二', 2),
    ('三', 3),
    ('四', 4),
    ('五', 5),
    ('六', 6),
    ('七', 7),
    ('八', 8),
    ('九', 9),
    ('十', 10),
];

/// Splits a name into 专名 and 通名 (`中山路` → `("中山", "路")`). A name
/// that is only a generic term is returned as its own 专名 with no 通名.
///
/// ```
/// use fangyu::model::split_generic;
/// assert_eq!(split_generic("黑龙江省"), ("黑龙江", "省"));
/// assert_eq!(split_generic("鄞州区"), ("鄞州", "区"));
/// assert_eq!(split_generic("路"), ("路", ""));
/// ```
pub fn split_generic(name: &str) -> (&str, &str) {
    for g in GENERICS {
        if let Some(specific) = name.strip_suffix(g)
            && !specific.is_empty()
        {
            return (specific, g);
        }
    }
    (name, "")
}

/// The romanised spelling of a place name.
///
/// ```
/// use fangyu::model::romanize;
/// assert_eq!(romanize("中山路"), "Zhongshan Lu");
/// assert_eq!(romanize("江苏省"), "Jiangsu Sheng");
/// assert_eq!(romanize("黑龙江省"), "Heilongjiang Sheng");
/// assert_eq!(romanize("西安市"), "Xi'an Shi");
/// assert_eq!(romanize("经五路"), "Jing 5 Lu");
/// assert_eq!(romanize("重庆市"), "Chongqing Shi");
/// ```
pub fn romanize(name: &str) -> String {
    let (specific, generic) = split_generic(name);
    romanize_parts(specific, generic)
}

/// The romanised spelling of a name already split into 专名 and 通名.
///
/// ```
/// use fangyu::model::romanize::romanize_parts;
/// assert_eq!(romanize_parts("西湖", "步行街"), "Xihu Buxingjie");
/// ```
pub fn romanize_parts(specific: &str, generic: &str) -> String {
    let (stem, ordinal) = split_ordinal(specific, generic);
    let mut out = word(stem);
    if let Some(n) = ordinal {
        out.push(' ');
        out.push_str(&n.to_string());
    }
    if !generic.is_empty() {
        out.push(' ');
        match GENERIC_SPELLINGS.iter().find(|(g, _)| *g == generic) {
            Some((_, spelling)) => out.push_str(spelling),
            None => out.push_str(&word(generic)),
        }
    }
    out
}

/// Generic terms whose official spelling is more than one word.
const GENERIC_SPELLINGS: &[(&str, &str)] = &[
    ("维吾尔自治区", "Uygur Zizhiqu"),
    ("壮族自治区", "Zhuangzu Zizhiqu"),
    ("回族自治区", "Huizu Zizhiqu"),
    ("特别行政区", "Tebie Xingzhengqu"),
];

/// Toneless syllables of a name, lowercase, one per Han character (other
/// characters are kept as they are). Used for homophone checks and pinyin
/// search keys.
pub fn syllables(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = name.chars().collect();
    let mut i = 0;
    'outer: while i < chars.len() {
        for (phrase, reading) in READINGS {
            let p: Vec<char> = phrase.chars().collect();
            if chars[i..].starts_with(&p) {
                out.extend(reading.iter().map(|s| s.to_string()));
                i += p.len();
                continue 'outer;
            }
        }
        let c = chars[i];
        match c.to_pinyin() {
            Some(p) => out.push(p.plain().to_string()),
            None => out.push(c.to_string()),
        }
        i += 1;
    }
    out
}

/// A trailing Chinese numeral in the 专名 of a road-like name (`经五` + `路`)
/// becomes an Arabic number, written as its own word.
fn split_ordinal<'a>(specific: &'a str, generic: &str) -> (&'a str, Option<u32>) {
    if !matches!(generic, "路" | "街" | "巷" | "弄" | "道" | "大街" | "大道" | "胡同" | "里") {
        return (specific, None);
    }
    let digit = |c: char| CHINESE_DIGITS.iter().find(|(d, _)| *d == c).map(|(_, v)| *v);
    let tail: Vec<(usize, char)> =
        specific.char_indices().rev().take_while(|(_, c)| digit(*c).is_some()).collect();
    let Some(&(start, _)) = tail.last() else {
        return (specific, None);
    };
    // Only a numeral after a series marker is an ordinal (经五路, 纬十二路);
    // 五一路 is a date and keeps its syllables.
    let marker = specific[..start].chars().next_back();
    if !matches!(marker, Some('经' | '纬' | '横' | '纵' | '环' | '第')) {
        return (specific, None);
    }
    let mut value = 0u32;
    let mut current = 0u32;
    for (_, c) in tail.iter().rev() {
        let v = digit(*c).unwrap_or(0);
        if v == 10 {
            value += current.max(1) * 10;
            current = 0;
        } else {
            current = current * 10 + v;
        }
    }
    (&specific[..start], Some(value + current))
}

/// One written word: syllables joined, apostrophes where the rules want
/// them, first letter capitalised, ASCII runs kept.
fn word(part: &str) -> String {
    let mut out = String::new();
    for s in syllables(part) {
        let s = s
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
                _ => c,
            })
            .collect::<String>();
        if !out.is_empty() && s.starts_with(['a', 'o', 'e']) {
            out.push('\'');
        }
        out.push_str(&s);
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(f) => f.to_uppercase().chain(chars).collect(),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_1984_rules() {
        assert_eq!(romanize("太湖"), "Tai Hu");
        assert_eq!(romanize("鄞州区"), "Yinzhou Qu");
        assert_eq!(romanize("六安市"), "Lu'an Shi");
        assert_eq!(romanize("长沙市"), "Changsha Shi");
        assert_eq!(romanize("石碶街道"), "Shiqi Jiedao");
        assert_eq!(romanize("广西壮族自治区"), "Guangxi Zhuangzu Zizhiqu");
        assert_eq!(romanize("纬十二路"), "Wei 12 Lu");
        assert_eq!(romanize("五一路"), "Wuyi Lu");
    }

    #[test]
    fn a_bare_generic_is_its_own_specific() {
        assert_eq!(split_generic("村"), ("村", ""));
        assert_eq!(romanize("路"), "Lu");
    }

    #[test]
    fn syllables_are_toneless_and_lowercase() {
        assert_eq!(syllables("宁波"), vec!["ning", "bo"]);
        assert_eq!(syllables("重庆"), vec!["chong", "qing"]);
    }
}
