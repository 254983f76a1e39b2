//! The automatic checks the regulation asks of a proposed name, each with
//! a verdict and an explanation a committee member can read.

use crate::config::ReviewSettings;
use crate::index::metric::LocalFrame;
use crate::index::{Gazetteer, NameRef};
use crate::model::romanize::syllables;
use crate::model::{Check, Kind, Verdict};
use crate::model::{Level, PlaceClass, village_name};
use geo::{Coord, CoordsIter, Geometry, InteriorPoint};
use std::collections::HashSet;

/// Characters that are easily mistaken for one another (形近字).
const LOOKALIKES: &[&str] = &[
    "己已巳",
    "戊戌戍戎",
    "未末",
    "土士",
    "日曰",
    "大太犬",
    "王玉主",
    "人入八",
    "千干于",
    "天夫",
    "白自百",
    "木本术",
    "今令",
    "拔拨",
    "侯候",
    "析折",
    "崇祟",
    "汩汨",
    "刺剌",
    "苑宛",
    "园圆",
    "湾弯",
    "沐沭",
    "晴睛",
    "莱菜",
];

/// The rules in force: the settings and the common-character list.
pub struct Rules {
    /// The settings.
    pub settings: ReviewSettings,
    common: HashSet<char>,
}

/// What is checked: a proposal's name, where it lies and what it changes.
pub struct Subject<'a> {
    /// Name, rename or retire.
    pub kind: Kind,
    /// Class identifier.
    pub class: &'a str,
    /// Proposed name.
    pub name: &'a str,
    /// 专名.
    pub specific: &'a str,
    /// 通名.
    pub generic: &'a str,
    /// The applicant's spelling and the generated one.
    pub pinyin: (&'a str, &'a str),
    /// Division code (6 to 12 digits).
    pub division: &'a str,
    /// Geometry, lon/lat.
    pub geometry: Option<&'a Geometry<f64>>,
    /// The place renamed or retired: (place id, its name).
    pub target: Option<(i64, &'a str)>,
    /// The plan it implements.
    pub plan: Option<&'a str>,
    /// The protection plan attached.
    pub protection_plan: Option<&'a str>,
}

/// Another proposal under way, for duplicates among proposals.
pub struct Pending<'a> {
    /// Its id.
    pub id: i64,
    /// Its class.
    pub class: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its division code.
    pub division: &'a str,
}

/// A standard name already in use that the scope checks compare with.
struct Existing {
    name: String,
    /// Its toneless sound, computed once.
    sound: String,
    source: Source,
}

/// Where an existing name comes from (described only when reported).
enum Source {
    /// A place (index).
    Place(u32),
    /// A village of the division tree (index).
    Village(u32),
}

impl Existing {
    fn describe(&self, g: &Gazetteer) -> String {
        match self.source {
            Source::Place(i) => {
                let p = g.places.get(i);
                let within = g
                    .divisions
                    .by_code(&p.division_code, None)
                    .map(|d| g.divisions.chain_names(d))
                    .unwrap_or_default();
                format!("{}“{}”（地名编号 {}，位于{within}）", Rules::class_label(&p.class), p.name, p.fid)
            }
            Source::Village(d) => format!(
                "村“{}”（区划代码 {}，{}）",
                self.name,
                g.divisions.get(d).code,
                g.divisions.chain_names(d)
            ),
        }
    }
}

/// The names a proposal must not clash with: the same class family, inside
/// the class's legal scope around the proposal's division.
struct ScopeFilter<'a> {
    prefixes: Vec<String>,
    family: &'a str,
}

impl ScopeFilter<'_> {
    fn admits(&self, class: &str, division: &str) -> bool {
        family(class) == self.family && self.prefixes.iter().any(|x| division.starts_with(x.as_str()))
    }
}

impl Rules {
    /// Loads the common-character list named by the settings.
    pub fn load(settings: &ReviewSettings) -> anyhow::Result<Rules> {
        let text = std::fs::read_to_string(&settings.common_chars_file).map_err(|e| {
            anyhow::anyhow!("common characters {}: {e}", settings.common_chars_file.display())
        })?;
        let mut common: HashSet<char> = text
            .lines()
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.chars())
            .filter(|c| !c.is_whitespace())
            .collect();
        common.extend(settings.extra_common_chars.chars());
        Ok(Rules { settings: settings.clone(), common })
    }

    /// Every check for `s`. `road_geometry` gives the geometry of a road
    /// (place id) for the along-the-road rule.
    pub fn check(
        &self,
        g: &Gazetteer,
        s: &Subject,
        pending: &[Pending],
        road_geometry: &dyn Fn(i64) -> Option<Geometry<f64>>,
    ) -> Vec<Check> {
        let mut out = Vec::new();
        if s.kind != Kind::Retire {
            out.push(self.structure(s));
            out.push(self.length(s));
            out.push(self.characters(s));
            out.extend(self.forbidden(s));
            let existing = self.existing_in_scope(g, s);
            let key = sound(s.name);
            out.push(self.duplicate(g, s, &existing));
            out.push(self.homophone(g, s, &key, &existing));
            out.push(self.near_duplicate(g, s, &key, &existing));
            if let Some(c) = self.duplicate_pending(s, &key, pending) {
                out.push(c);
            }
            out.push(self.reserved(s));
            out.extend(self.contains_names(g, s, road_geometry));
            out.push(pinyin(s));
        }
        if s.kind != Kind::Name {
            out.push(self.heritage(s));
        }
        out.push(location(g, s));
        out
    }

    fn class_label(class: &str) -> &'static str {
        PlaceClass::parse(class).map_or("地名", PlaceClass::label)
    }

    fn structure(&self, s: &Subject) -> Check {
        const RULE: &str = "structure";
        let generics = self.settings.generics.get(s.class).cloned().unwrap_or_default();
        if s.specific.is_empty() {
            return Check::new(RULE, Verdict::Fail, format!("“{}”只有通名，没有专名", s.name));
        }
        if generics.is_empty() {
            return Check::new(RULE, Verdict::Pass, format!("专名“{}”，该类地名可不带通名", s.specific));
        }
        if !generics.iter().any(|x| x == s.generic) {
            let msg = if s.generic.is_empty() {
                format!("缺少通名：{}类地名应以{}结尾", Self::class_label(s.class), generics.join("、"))
            } else {
                format!(
                    "“{}”不是{}类地名的通名（可用：{}）",
                    s.generic,
                    Self::class_label(s.class),
                    generics.join("、")
                )
            };
            return Check::new(RULE, Verdict::Fail, msg);
        }
        let thoroughfare = PlaceClass::parse(s.class).is_some_and(PlaceClass::is_thoroughfare);
        let stacked = generics.iter().find(|x| {
            s.specific.ends_with(x.as_str())
                && s.specific != x.as_str()
                && (x.chars().count() >= 2 || thoroughfare && ["路", "街", "巷", "弄"].contains(&x.as_str()))
        });
        if let Some(x) = stacked {
            let verdict = if thoroughfare { Verdict::Fail } else { Verdict::Warn };
            return Check::new(RULE, verdict, format!("通名叠用：专名“{}”已以通名“{x}”结尾", s.specific));
        }
        Check::new(RULE, Verdict::Pass, format!("专名“{}”＋通名“{}”", s.specific, s.generic))
    }

    fn length(&self, s: &Subject) -> Check {
        let n = s.name.chars().count();
        if n > self.settings.max_chars {
            Check::new(
                "length",
                Verdict::Fail,
                format!("名称共 {n} 个字，超过 {} 个字的上限", self.settings.max_chars),
            )
        } else {
            Check::new("length", Verdict::Pass, format!("名称共 {n} 个字"))
        }
    }

    fn characters(&self, s: &Subject) -> Check {
        const RULE: &str = "rare_character";
        let foreign: String = s.name.chars().filter(|c| c.is_ascii_alphabetic()).collect();
        if !foreign.is_empty() {
            return Check::new(RULE, Verdict::Fail, format!("含有外文字母“{foreign}”，地名应使用规范汉字"));
        }
        let mut rare: Vec<char> =
            s.name.chars().filter(|c| !c.is_ascii_digit() && !self.common.contains(c)).collect();
        rare.dedup();
        if rare.is_empty() {
            Check::new(RULE, Verdict::Pass, "未使用生僻字")
        } else {
            let list: Vec<String> = rare.iter().map(|c| format!("“{c}”")).collect();
            Check::new(RULE, Verdict::Fail, format!("含有生僻字{}（不在常用字表内）", list.join("、")))
        }
    }

    fn forbidden(&self, s: &Subject) -> Vec<Check> {
        let mut out = Vec::new();
        for list in &self.settings.forbidden {
            if let Some(w) = list.words.iter().find(|w| s.name.contains(w.as_str())) {
                let verdict = if list.result == "warn" { Verdict::Warn } else { Verdict::Fail };
                out.push(Check::new(
                    &format!("forbidden_content:{}", list.category),
                    verdict,
                    format!("含有“{w}”（{}），不宜用作地名", list.label),
                ));
            }
        }
        if out.is_empty() {
            out.push(Check::new("forbidden_content", Verdict::Pass, "未含禁用词"));
        }
        out
    }

    /// Current standard names of the same kind within the proposal's legal
    /// scope (excluding the place being renamed).
    fn scope_filter<'a>(&self, s: &Subject<'a>) -> ScopeFilter<'a> {
        let scope = self.settings.scope_of(s.class);
        ScopeFilter { prefixes: self.settings.scope_prefixes(scope, s.division), family: family(s.class) }
    }

    fn existing_in_scope(&self, g: &Gazetteer, s: &Subject) -> Vec<Existing> {
        let filter = self.scope_filter(s);
        let mut out = Vec::new();
        for i in g.places.ids() {
            let p = g.places.get(i);
            if p.status == "current"
                && filter.admits(&p.class, &p.division_code)
                && s.target.is_none_or(|(fid, _)| fid != p.fid)
            {
                out.push(Existing { name: p.name.clone(), sound: sound(&p.name), source: Source::Place(i) });
            }
        }
        // Village seats: the villages of the division tree count too.
        if s.class == "village" {
            for (i, d) in g.divisions.all().iter().enumerate() {
                if d.level == Level::Village && d.valid_to.is_none() && filter.admits("village", &d.code) {
                    let name = village_name(&d.name);
                    out.push(Existing { sound: sound(&name), name, source: Source::Village(i as u32) });
                }
            }
        }
        out
    }

    fn scope_words(&self, s: &Subject) -> &'static str {
        self.settings.scope_of(s.class).label()
    }

    fn duplicate(&self, g: &Gazetteer, s: &Subject, existing: &[Existing]) -> Check {
        let same: Vec<&Existing> = existing.iter().filter(|e| e.name == s.name).collect();
        if same.is_empty() {
            return Check::new("duplicate_name", Verdict::Pass, format!("{}内无重名", self.scope_words(s)));
        }
        Check::new(
            "duplicate_name",
            Verdict::Fail,
            format!("与{}内已有的{}重名", self.scope_words(s), listed(same.iter().map(|e| e.describe(g)))),
        )
    }

    fn homophone(&self, g: &Gazetteer, s: &Subject, key: &str, existing: &[Existing]) -> Check {
        let same: Vec<&Existing> = existing.iter().filter(|e| e.name != s.name && e.sound == key).collect();
        if same.is_empty() {
            return Check::new("homophone", Verdict::Pass, format!("{}内无同音地名", self.scope_words(s)));
        }
        Check::new(
            "homophone",
            Verdict::Warn,
            format!(
                "与{}内的{}同音（{}），易混淆",
                self.scope_words(s),
                listed(same.iter().map(|e| e.describe(g))),
                key
            ),
        )
    }

    fn near_duplicate(&self, g: &Gazetteer, s: &Subject, key: &str, existing: &[Existing]) -> Check {
        let mut notes = Vec::new();
        for e in existing {
            if e.name == s.name || e.sound == key {
                continue;
            }
            if let Some(why) = near(s.name, &e.name) {
                notes.push(format!("{}：{why}", e.describe(g)));
            }
        }
        if notes.is_empty() {
            return Check::new("near_duplicate", Verdict::Pass, "无形近或一字之差的地名");
        }
        Check::new(
            "near_duplicate",
            Verdict::Warn,
            format!("与{}内的地名相近，易混淆：{}", self.scope_words(s), listed(notes.into_iter())),
        )
    }

    fn duplicate_pending(&self, s: &Subject, key: &str, pending: &[Pending]) -> Option<Check> {
        let filter = self.scope_filter(s);
        let same: Vec<String> = pending
            .iter()
            .filter(|p| filter.admits(p.class, p.division) && (p.name == s.name || sound(p.name) == key))
            .map(|p| format!("第 {} 号申请“{}”", p.id, p.name))
            .collect();
        (!same.is_empty()).then(|| {
            Check::new(
                "duplicate_pending",
                Verdict::Warn,
                format!("{}内正在审查的{}与其同名或同音", self.scope_words(s), same.join("、")),
            )
        })
    }

    fn reserved(&self, s: &Subject) -> Check {
        const RULE: &str = "reserved_name";
        let hit =
            self.settings.reserved.iter().find(|r| r.name == s.name && s.division.starts_with(&r.division));
        match hit {
            None => Check::new(RULE, Verdict::Pass, "非地名规划预留名称"),
            Some(r) if s.plan.is_some_and(|p| p.contains(&r.plan) || r.plan.contains(p)) => {
                Check::new(RULE, Verdict::Pass, format!("使用《{}》预留的名称，与规划一致", r.plan))
            }
            Some(r) => Check::new(
                RULE,
                Verdict::Fail,
                format!("“{}”是《{}》预留的名称，只能用于规划所定的地物", r.name, r.plan),
            ),
        }
    }

    fn heritage(&self, s: &Subject) -> Check {
        const RULE: &str = "heritage_protection";
        let Some((_, old)) = s.target else {
            return Check::new(RULE, Verdict::Fail, "未指明要更名或销名的地名");
        };
        let protected =
            self.settings.protected.iter().any(|p| p.name == old && s.division.starts_with(&p.division));
        match (protected, s.protection_plan) {
            (false, _) => Check::new(RULE, Verdict::Pass, format!("“{old}”不在地名文化遗产保护名录内")),
            (true, Some(plan)) => Check::new(
                RULE,
                Verdict::Pass,
                format!("“{old}”列入地名文化遗产保护名录，已附保护方案（{plan}）"),
            ),
            (true, None) => Check::new(
                RULE,
                Verdict::Fail,
                format!("“{old}”列入地名文化遗产保护名录，{}须先附保护方案", s.kind.label()),
            ),
        }
    }

    /// A name that contains a division's or a road's name must lie inside
    /// that division, or along that road.
    fn contains_names(
        &self,
        g: &Gazetteer,
        s: &Subject,
        road_geometry: &dyn Fn(i64) -> Option<Geometry<f64>>,
    ) -> Vec<Check> {
        const RULE: &str = "contains_name";
        let Some(geom) = s.geometry else { return vec![] };
        let Some(at) = geom.interior_point() else { return vec![] };
        let located: Vec<u32> = g.divisions.locate(at.0).map(|d| g.divisions.chain(d)).unwrap_or_default();
        let county = &s.division[..6.min(s.division.len())];
        let mut division_spans: Vec<(usize, usize, &str, u32)> = Vec::new();
        let mut road_spans: Vec<(usize, usize)> = Vec::new();
        let mut roads: Vec<(String, Vec<i64>)> = Vec::new();
        for (i, _) in s.name.char_indices() {
            for (len, posts) in g.names.prefixes_of(&s.name[i..]) {
                let part = &s.name[i..i + len];
                if part == s.name || part.chars().count() < 2 {
                    continue;
                }
                for &p in posts {
                    match crate::index::NameIndex::target(p) {
                        NameRef::Division(d) => {
                            // Townships count within the proposal's county
                            // only: their short names recur across the country.
                            let div = g.divisions.get(d);
                            let relevant = div.level <= Level::County
                                || div.level == Level::Township && div.code.starts_with(county);
                            if div.valid_to.is_none() && relevant {
                                division_spans.push((i, i + len, part, d));
                            }
                        }
                        NameRef::Place(pi) => {
                            let place = g.places.get(pi);
                            if place.status == "current"
                                && PlaceClass::parse(&place.class).is_some_and(PlaceClass::is_thoroughfare)
                                && part.chars().count() >= 3
                            {
                                road_spans.push((i, i + len));
                                push(&mut roads, part, place.fid);
                            }
                        }
                    }
                }
            }
        }
        // A division's name counts where it lies within the 专名 and not
        // inside a road's name (路桥 in 张弓南路桥 is neither).
        let mut divisions: Vec<(String, Vec<u32>)> = Vec::new();
        let specific_end = if s.name.starts_with(s.specific) { s.specific.len() } else { s.name.len() };
        for (a, b, part, d) in division_spans {
            if b <= specific_end && !road_spans.iter().any(|&(ra, rb)| ra <= a && b <= rb) {
                push(&mut divisions, part, d);
            }
        }
        let mut out = Vec::new();
        for (part, ds) in divisions {
            if ds.iter().any(|d| located.contains(d)) {
                out.push(Check::new(
                    RULE,
                    Verdict::Pass,
                    format!("名称含行政区划名“{part}”，且位于该区划内"),
                ));
                continue;
            }
            let province = &s.division[..2.min(s.division.len())];
            let same_province = ds.iter().any(|&d| g.divisions.get(d).code.starts_with(province));
            let verdict = if same_province { Verdict::Fail } else { Verdict::Warn };
            let why = if same_province { "易造成误解" } else { "借用外地地名，请审慎" };
            out.push(Check::new(RULE, verdict, format!("名称含行政区划名“{part}”，但不在该区划内，{why}")));
        }
        for (part, fids) in roads {
            let nearest = fids
                .iter()
                .filter_map(|&f| road_geometry(f))
                .map(|road| distance_m(geom, &road))
                .fold(f64::INFINITY, f64::min);
            let limit = self.settings.along_road_m;
            if nearest <= limit {
                out.push(Check::new(
                    RULE,
                    Verdict::Pass,
                    format!("名称含道路名“{part}”，位于该路沿线（{nearest:.0} 米）"),
                ));
            } else {
                let far = if nearest.is_finite() {
                    format!("最近 {nearest:.0} 米")
                } else {
                    "无该路几何".into()
                };
                out.push(Check::new(
                    RULE,
                    Verdict::Fail,
                    format!("名称含道路名“{part}”，但不在该路沿线（{far}，限 {limit:.0} 米）"),
                ));
            }
        }
        out
    }
}

fn push<T: PartialEq>(list: &mut Vec<(String, Vec<T>)>, part: &str, item: T) {
    match list.iter_mut().find(|(p, _)| p == part) {
        Some((_, items)) => {
            if !items.contains(&item) {
                items.push(item);
            }
        }
        None => list.push((part.to_string(), vec![item])),
    }
}

fn pinyin(s: &Subject) -> Check {
    let (given, generated) = s.pinyin;
    if given == generated {
        Check::new(
            "pinyin",
            Verdict::Pass,
            format!("罗马字母拼写“{generated}”按《中国地名汉语拼音字母拼写规则》生成"),
        )
    } else {
        Check::new(
            "pinyin",
            Verdict::Warn,
            format!("申请的拼写“{given}”与按规则生成的“{generated}”不同，请核实多音字读音"),
        )
    }
}

/// The geometry must lie in the division the proposal names.
fn location(g: &Gazetteer, s: &Subject) -> Check {
    const RULE: &str = "location";
    let Some(at) = s.geometry.and_then(|x| x.interior_point()) else {
        return Check::new(RULE, Verdict::Fail, "缺少位置（几何）");
    };
    let Some(deepest) = g.divisions.locate(at.0) else {
        return Check::new(RULE, Verdict::Fail, "位置不在任何行政区域内");
    };
    let chain = g.divisions.chain(deepest);
    let named = g.divisions.by_code(s.division, None);
    let where_ = g.divisions.chain_names(deepest);
    if named.is_some_and(|d| chain.contains(&d)) {
        return Check::new(RULE, Verdict::Pass, format!("位于{where_}"));
    }
    if s.division.starts_with(g.divisions.get(deepest).code.as_str()) {
        return Check::new(RULE, Verdict::Warn, format!("位于{where_}，无法核实到申请所填的下级区划"));
    }
    Check::new(RULE, Verdict::Fail, format!("位置实际在{where_}，不在申请所填的区划 {} 内", s.division))
}

/// Classes whose names share one namespace: roads, streets and lanes;
/// compounds and buildings; every other class on its own.
fn family(class: &str) -> &str {
    match class {
        "road" | "street" | "lane" => "thoroughfare",
        "compound" | "building" => "compound",
        other => other,
    }
}

/// The toneless sound of a name.
fn sound(name: &str) -> String {
    syllables(name).concat()
}

/// Why two names are near duplicates: one look-alike character, or one
/// character added, dropped or changed.
fn near(a: &str, b: &str) -> Option<String> {
    let x: Vec<char> = a.chars().collect();
    let y: Vec<char> = b.chars().collect();
    if x.len() == y.len() {
        let diff: Vec<(char, char)> =
            x.iter().zip(&y).filter(|(p, q)| p != q).map(|(p, q)| (*p, *q)).collect();
        if let [(p, q)] = diff[..] {
            let alike = LOOKALIKES.iter().any(|grp| grp.contains(p) && grp.contains(q));
            return Some(if alike {
                format!("形近字“{p}”与“{q}”")
            } else {
                format!("一字之差（“{p}”与“{q}”）")
            });
        }
        return None;
    }
    let (short, long) = if x.len() < y.len() { (&x, &y) } else { (&y, &x) };
    if long.len() != short.len() + 1 || short.len() < 2 {
        return None;
    }
    let i = short.iter().zip(long.iter()).take_while(|(p, q)| p == q).count();
    (short[i..] == long[i + 1..]).then(|| format!("一字之差（多或少“{}”）", long[i]))
}

fn listed(items: impl Iterator<Item = String>) -> String {
    let all: Vec<String> = items.collect();
    let shown: Vec<&str> = all.iter().take(5).map(String::as_str).collect();
    if all.len() > shown.len() {
        format!("{}等 {} 处", shown.join("、"), all.len())
    } else {
        shown.join("、")
    }
}

/// The least distance in metres between the vertices of `a` and the
/// segments of `b` (or its points).
fn distance_m(a: &Geometry<f64>, b: &Geometry<f64>) -> f64 {
    let segments: Vec<(Coord<f64>, Coord<f64>)> = match b {
        Geometry::LineString(l) => l.lines().map(|s| (s.start, s.end)).collect(),
        Geometry::MultiLineString(m) => {
            m.0.iter().flat_map(|l| l.lines().map(|s| (s.start, s.end))).collect()
        }
        other => other.coords_iter().map(|c| (c, c)).collect(),
    };
    a.coords_iter()
        .map(|c| {
            let f = LocalFrame::new(c);
            segments.iter().map(|&(p, q)| f.distance_to_segment(p, q)).fold(f64::INFINITY, f64::min)
        })
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_differ_by_one_character() {
        assert_eq!(near("未来路", "末来路").as_deref(), Some("形近字“未”与“末”"));
        assert!(near("中山路", "中天路").is_some_and(|w| w.starts_with("一字之差")));
        assert!(near("中山路", "中山北路").is_some());
        assert!(near("中山路", "解放路").is_none());
        assert!(near("中山路", "中山路").is_none());
    }

    #[test]
    fn homophones_share_a_toneless_sound() {
        assert_eq!(sound("中山路"), sound("钟山路"));
        assert_ne!(sound("中山路"), sound("中天路"));
    }
}
