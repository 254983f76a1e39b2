//! The `[review]` part of the settings tree: the naming-review rules that
//! differ by jurisdiction (legal scopes, periods, vocabularies and word
//! lists), as plain data with their defaults. Defaults follow the national
//! regulation (地名管理条例 2022 and its 2024 implementing measures); a city
//! overrides them in the settings file under `[review]`. The checks that
//! read them live in [`crate::review`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How far a name must be unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The whole country.
    Nation,
    /// The province (2-digit code prefix).
    Province,
    /// The prefecture (4-digit code prefix).
    Prefecture,
    /// The county, or the built-up area that holds it.
    County,
    /// The township (9-digit code prefix).
    Township,
}

impl Scope {
    /// Digits of the division code that name the scope's division.
    pub fn code_digits(self) -> usize {
        match self {
            Scope::Nation => 0,
            Scope::Province => 2,
            Scope::Prefecture => 4,
            Scope::County => 6,
            Scope::Township => 9,
        }
    }

    /// The scope in words.
    pub fn label(self) -> &'static str {
        match self {
            Scope::Nation => "全国",
            Scope::Province => "本省",
            Scope::Prefecture => "本市",
            Scope::County => "本县（市、区）",
            Scope::Township => "本乡镇（街道）",
        }
    }
}

/// A list of words a name must not contain, with the verdict they earn.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WordList {
    /// Stable identifier (`leader_name`, `foreign_name` …).
    pub category: String,
    /// What the committee reads (领导人姓名 …).
    pub label: String,
    /// `fail` or `warn`.
    pub result: String,
    /// The words.
    pub words: Vec<String>,
}

/// A name the place-name plan reserves for a planned feature.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReservedName {
    /// The reserved name.
    pub name: String,
    /// Division (code prefix) the reservation holds in.
    pub division: String,
    /// The plan that reserves it (《宁波市中心城区地名规划》).
    pub plan: String,
}

/// A name on the heritage protection list (地名文化遗产).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedName {
    /// The protected name.
    pub name: String,
    /// Division (code prefix) it is protected in.
    pub division: String,
}

/// Counties that form one built-up area (建成区): roads and compounds must
/// be unique across all of them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuiltUpArea {
    /// Its name (宁波市中心城区).
    pub name: String,
    /// County codes (6 digits).
    pub counties: Vec<String>,
}

/// All naming-review settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewSettings {
    /// Scope of the duplicate and homophone checks per class identifier.
    pub scopes: BTreeMap<String, Scope>,
    /// Built-up areas wider than one county.
    pub built_up_areas: Vec<BuiltUpArea>,
    /// Allowed 通名 per class identifier; an empty list allows a name
    /// without one (natural villages are one word).
    pub generics: BTreeMap<String, Vec<String>>,
    /// Longest name, characters.
    pub max_chars: usize,
    /// Expert opinions needed before public consultation.
    pub experts_required: usize,
    /// Committee members' votes a decision needs (a committee of seven
    /// with a two-thirds quorum: 5). Default 5.
    pub committee_quorum: usize,
    /// The share of the votes cast that approval must exceed. Default
    /// 0.5 (more than half).
    pub committee_majority: f64,
    /// Public consultation period, days (local: 5 to 30).
    pub consultation_days: u32,
    /// Days after government approval by which the name must be filed.
    pub filing_days: u32,
    /// Days after government approval by which it must be announced.
    pub announcement_days: u32,
    /// Words a name must not contain.
    pub forbidden: Vec<WordList>,
    /// The list of common characters (one file, `#` comments).
    pub common_chars_file: PathBuf,
    /// Characters accepted on top of the list.
    pub extra_common_chars: String,
    /// Names the place-name plan reserves.
    pub reserved: Vec<ReservedName>,
    /// Names under heritage protection.
    pub protected: Vec<ProtectedName>,
    /// A name containing a road's name must lie within this distance of
    /// the road, metres.
    pub along_road_m: f64,
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for ReviewSettings {
    fn default() -> Self {
        let scope = |c: &str, s: Scope| (c.to_string(), s);
        let generics = |c: &str, g: &[&str]| (c.to_string(), words(g));
        ReviewSettings {
            scopes: BTreeMap::from([
                scope("road", Scope::County),
                scope("street", Scope::County),
                scope("lane", Scope::County),
                scope("compound", Scope::County),
                scope("building", Scope::County),
                scope("bridge", Scope::County),
                scope("village", Scope::County),
                scope("park", Scope::County),
                scope("station", Scope::County),
                scope("mountain", Scope::Province),
                scope("water", Scope::Province),
                scope("island", Scope::Province),
                scope("other", Scope::County),
            ]),
            built_up_areas: Vec::new(),
            generics: BTreeMap::from([
                generics("road", &["路", "大道", "道", "公路", "环路"]),
                generics("street", &["街", "大街", "步行街"]),
                generics("lane", &["巷", "弄", "胡同", "里", "坊"]),
                generics(
                    "compound",
                    &[
                        "小区", "花园", "新村", "家园", "公寓", "公馆", "苑", "园", "府", "城", "居", "庭",
                        "湾", "庄", "院", "舍", "坊", "邸", "轩", "墅", "阁", "里",
                    ],
                ),
                generics("building", &["大厦", "大楼", "楼", "中心", "广场", "公寓", "阁", "馆"]),
                generics("bridge", &["桥", "大桥", "立交桥", "立交"]),
                generics("village", &[]),
                generics("park", &["公园", "广场", "绿地", "园"]),
                generics("station", &["站", "车站", "港", "码头", "机场", "枢纽"]),
                generics("mountain", &["山", "峰", "岭", "岗", "坡", "岩", "崖"]),
                generics(
                    "water",
                    &["河", "江", "湖", "溪", "港", "浦", "塘", "渠", "湾", "水库", "泾", "浜"],
                ),
                generics("island", &["岛", "屿", "礁"]),
                generics("other", &[]),
            ]),
            max_chars: 10,
            experts_required: 3,
            committee_quorum: 5,
            committee_majority: 0.5,
            consultation_days: 10,
            filing_days: 15,
            announcement_days: 15,
            forbidden: vec![
                WordList {
                    category: "leader_name".into(),
                    label: "国家领导人姓名".into(),
                    result: "fail".into(),
                    words: words(&["毛泽东", "周恩来", "刘少奇", "朱德", "邓小平"]),
                },
                WordList {
                    category: "foreign_name".into(),
                    label: "外国人名、地名".into(),
                    result: "fail".into(),
                    words: words(&[
                        "曼哈顿",
                        "威尼斯",
                        "维也纳",
                        "巴黎",
                        "伦敦",
                        "纽约",
                        "加州",
                        "夏威夷",
                        "比华利",
                        "香榭丽舍",
                        "莱茵",
                        "普罗旺斯",
                        "塞纳",
                        "温莎",
                        "剑桥",
                        "牛津",
                        "哈佛",
                        "拿破仑",
                        "莎士比亚",
                        "凡尔赛",
                        "地中海",
                        "波尔多",
                        "托斯卡纳",
                        "好莱坞",
                        "洛杉矶",
                        "阿尔卑斯",
                    ]),
                },
                WordList {
                    category: "enterprise_name".into(),
                    label: "企业名称、商标名称".into(),
                    result: "fail".into(),
                    words: words(&[
                        "万达",
                        "碧桂园",
                        "恒大",
                        "万科",
                        "华为",
                        "阿里巴巴",
                        "腾讯",
                        "娃哈哈",
                        "雅戈尔",
                        "奥克斯",
                        "吉利",
                        "海尔",
                    ]),
                },
                WordList {
                    category: "exaggerated".into(),
                    label: "夸大、怪异用词".into(),
                    result: "warn".into(),
                    words: words(&[
                        "世界",
                        "环球",
                        "宇宙",
                        "帝王",
                        "皇家",
                        "帝豪",
                        "至尊",
                        "天下第一",
                        "中央",
                    ]),
                },
            ],
            common_chars_file: "data/review/common_chars.txt".into(),
            extra_common_chars: String::new(),
            reserved: Vec::new(),
            protected: Vec::new(),
            along_road_m: 300.0,
        }
    }
}

impl ReviewSettings {
    /// The uniqueness scope of a class.
    pub fn scope_of(&self, class: &str) -> Scope {
        self.scopes.get(class).copied().unwrap_or(Scope::County)
    }

    /// The code prefixes that make up the scope of `division` (more than
    /// one for a built-up area of several counties).
    pub fn scope_prefixes(&self, scope: Scope, division: &str) -> Vec<String> {
        let n = scope.code_digits().min(division.len());
        if scope == Scope::County
            && let Some(area) =
                self.built_up_areas.iter().find(|a| a.counties.iter().any(|c| division.starts_with(c)))
        {
            return area.counties.clone();
        }
        vec![division[..n].to_string()]
    }
}
