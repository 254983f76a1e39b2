//! Duplicates within the class's legal scope: the same name, the same
//! sound (homophones), a look-alike or one-character difference, and the
//! same name or sound among other proposals under way.

use super::{Pending, Rules, Subject, listed};
use crate::index::Gazetteer;
use crate::model::romanize::syllables;
use crate::model::{Check, Level, PlaceStatus, Verdict, village_name};

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

/// A standard name already in use that the scope checks compare with.
pub(super) struct Existing {
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
                    .by_code(p.division_code.as_str(), None)
                    .map(|d| g.divisions.chain_names(d))
                    .unwrap_or_default();
                format!("{}“{}”（地名编号 {}，位于{within}）", p.class.label(), p.name, p.fid)
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
    /// Current standard names of the same kind within the proposal's legal
    /// scope (excluding the place being renamed).
    fn scope_filter<'a>(&self, s: &Subject<'a>) -> ScopeFilter<'a> {
        let scope = self.settings.scope_of(s.class);
        ScopeFilter { prefixes: self.settings.scope_prefixes(scope, s.division), family: family(s.class) }
    }

    pub(super) fn existing_in_scope(&self, g: &Gazetteer, s: &Subject) -> Vec<Existing> {
        let filter = self.scope_filter(s);
        let mut out = Vec::new();
        for i in g.places.ids() {
            let p = g.places.get(i);
            if p.status == PlaceStatus::Current
                && filter.admits(p.class.as_str(), p.division_code.as_str())
                && s.target.is_none_or(|(fid, _)| fid != p.fid)
            {
                out.push(Existing { name: p.name.clone(), sound: sound(&p.name), source: Source::Place(i) });
            }
        }
        // Village seats: the villages of the division tree count too.
        if s.class == "village" {
            for (i, d) in g.divisions.all().iter().enumerate() {
                if d.level == Level::Village
                    && d.valid_to.is_none()
                    && filter.admits("village", d.code.as_str())
                {
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

    pub(super) fn duplicate(&self, g: &Gazetteer, s: &Subject, existing: &[Existing]) -> Check {
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

    pub(super) fn homophone(&self, g: &Gazetteer, s: &Subject, key: &str, existing: &[Existing]) -> Check {
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

    pub(super) fn near_duplicate(
        &self,
        g: &Gazetteer,
        s: &Subject,
        key: &str,
        existing: &[Existing],
    ) -> Check {
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

    pub(super) fn duplicate_pending(&self, s: &Subject, key: &str, pending: &[Pending]) -> Option<Check> {
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
pub(super) fn sound(name: &str) -> String {
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
