//! Forms of division names: the short name people write (鄞州 for 鄞州区,
//! 恩施 for 恩施土家族苗族自治州) and the place name of a village committee
//! (张村 for 张村村民委员会).

use super::romanize::split_generic;

/// Ethnic-group names that stand between a 专名 and an autonomous
/// 通名 (恩施土家族苗族自治州).
const ETHNIC: &[&str] = &[
    "土家族",
    "苗族",
    "藏族",
    "彝族",
    "壮族",
    "回族",
    "蒙古族",
    "维吾尔",
    "哈萨克",
    "朝鲜族",
    "满族",
    "瑶族",
    "侗族",
    "布依族",
    "白族",
    "哈尼族",
    "傣族",
    "黎族",
    "傈僳族",
    "畲族",
    "拉祜族",
    "佤族",
    "水族",
    "纳西族",
    "羌族",
    "土族",
    "仫佬族",
    "锡伯族",
    "柯尔克孜",
    "达斡尔族",
    "景颇族",
    "毛南族",
    "撒拉族",
    "布朗族",
    "塔吉克",
    "阿昌族",
    "普米族",
    "鄂温克族",
    "怒族",
    "京族",
    "基诺族",
    "德昂族",
    "保安族",
    "裕固族",
    "门巴族",
    "鄂伦春族",
    "独龙族",
    "东乡族",
    "仡佬族",
    "各族",
];

/// The short name of a division, if it has one distinct from the full
/// name and at least two characters long.
///
/// ```
/// use fangyu::model::short_name;
/// assert_eq!(short_name("鄞州区").as_deref(), Some("鄞州"));
/// assert_eq!(short_name("恩施土家族苗族自治州").as_deref(), Some("恩施"));
/// assert_eq!(short_name("泾县"), None);
/// ```
pub fn short_name(name: &str) -> Option<String> {
    let (mut specific, generic) = split_generic(name);
    if generic.is_empty() {
        return None;
    }
    loop {
        let before = specific;
        for e in ETHNIC {
            if let Some(s) = specific.strip_suffix(e)
                && s.chars().count() >= 2
            {
                specific = s;
            }
        }
        if specific == before {
            break;
        }
    }
    (specific.chars().count() >= 2 && specific != name).then(|| specific.to_string())
}

/// The place name of a village or residents' committee.
///
/// ```
/// use fangyu::model::village_name;
/// assert_eq!(village_name("张村村民委员会"), "张村");
/// assert_eq!(village_name("多福巷社区居委会"), "多福巷社区");
/// assert_eq!(village_name("李家村村委会"), "李家村");
/// ```
pub fn village_name(committee: &str) -> String {
    for suffix in ["村民委员会", "居民委员会", "村委会", "居委会", "委会"] {
        if let Some(s) = committee.strip_suffix(suffix)
            && !s.is_empty()
        {
            let mut s = s.to_string();
            if suffix.starts_with('村') && !s.ends_with('村') {
                s.push('村');
            }
            if suffix.starts_with('居') && !s.ends_with("社区") {
                s.push_str("社区");
            }
            return s;
        }
    }
    committee.to_string()
}

/// Everyday forms of an autonomous division's name: the first two
/// characters of its short name with the generic term (兰坪县 for
/// 兰坪白族普米族自治县, 前郭县 for 前郭尔罗斯蒙古族自治县, 黔南州 for
/// 黔南布依族苗族自治州, 恩施州 for 恩施土家族苗族自治州); the whole short
/// name with it (黔东南州, 西双版纳州); the name without 自治 (博尔塔拉蒙古州).
///
/// ```
/// use fangyu::model::everyday_names;
/// assert_eq!(everyday_names("前郭尔罗斯蒙古族自治县"), ["前郭县", "前郭尔罗斯县", "前郭尔罗斯蒙古族县"]);
/// assert_eq!(everyday_names("黔南布依族苗族自治州"), ["黔南州", "黔南布依族苗族州"]);
/// assert!(everyday_names("黔东南苗族侗族自治州").contains(&"黔东南州".to_string()));
/// assert!(everyday_names("鄞州区").is_empty());
/// ```
pub fn everyday_names(name: &str) -> Vec<String> {
    let generic = [("自治县", "县"), ("自治州", "州"), ("自治旗", "旗")];
    let Some((suffix, g)) = generic.iter().find(|(suffix, _)| name.ends_with(suffix)) else { return vec![] };
    let Some(short) = short_name(name) else { return vec![] };
    let head: String = short.chars().take(2).collect();
    let mut out = vec![format!("{head}{g}")];
    for form in [format!("{short}{g}"), format!("{}{g}", &name[..name.len() - suffix.len()])] {
        if !out.contains(&form) && form != name {
            out.push(form);
        }
    }
    out
}

/// Colloquial abbreviations of a few cities, in everyday use and not
/// derivable from the name (呼市 for 呼和浩特市): `(abbreviation, code)`.
pub const COLLOQUIAL_NAMES: &[(&str, &str)] =
    &[("呼市", "150100"), ("乌市", "650100"), ("哈市", "230100"), ("齐市", "230200")];
