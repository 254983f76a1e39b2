//! The cases of the evaluation, generated from the division tree and its
//! change history with a fixed seed: every current county in the forms
//! people write, a sample of townships and villages, every old county
//! name behind its prefecture, addresses inside other text, and
//! contradictions. A case's label is the division the string was written
//! from, never what the geocoder answers.

use super::{Case, Want};
use crate::index::Gazetteer;
use crate::model::{Level, short_name};
use rand::{Rng, RngExt, SeedableRng};
use rustc_hash::FxHashMap;

/// How many cases of the sampled kinds to make.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Counties (every one when larger than their number).
    pub counties: usize,
    /// Townships.
    pub townships: usize,
    /// Villages.
    pub villages: usize,
    /// Old county names.
    pub changes: usize,
}

impl Default for Sizes {
    fn default() -> Self {
        Sizes { counties: usize::MAX, townships: 20_000, villages: 20_000, changes: usize::MAX }
    }
}

/// What follows a division part in the generated addresses.
const TAILS: &[&str] = &[
    "人民路88号",
    "解放路12号",
    "建设路5号院",
    "中山路201号",
    "新华街3号",
    "胜利路18号3幢2单元501室",
    "东风路7号",
    "文化路66号",
];

/// Labels, names and sentences around an address in records.
const WRAPPERS: &[(&str, &str, &str)] = &[
    ("text/label", "地址：", ""),
    ("text/label", "所在地区: ", ""),
    ("text/label", "收件地址：", ""),
    ("text/name_phone", "张伟 13912345678 ", ""),
    ("text/name_phone", "", " 李娜 电话：0574-87654321"),
    ("text/sentence", "我住在", "附近"),
    ("text/sentence", "请送到", "，谢谢"),
    ("text/lines", "联系人：王芳\n地址：", "\n邮编：100000"),
];

/// Municipalities: their districts sit directly under the province.
const MUNICIPALITIES: &[&str] = &["11", "12", "31", "50"];

/// The names along a division's chain.
struct Chain<'g> {
    province: &'g str,
    prefecture: Option<&'g str>,
    county: Option<&'g str>,
    township: Option<&'g str>,
}

fn chain(g: &Gazetteer, d: u32) -> Chain<'_> {
    let mut c = Chain { province: "", prefecture: None, county: None, township: None };
    for a in g.divisions.lineage(d).skip(1) {
        let div = g.divisions.get(a);
        match div.level {
            Level::Province => c.province = &div.name,
            Level::Prefecture => c.prefecture = Some(&div.name),
            Level::County => c.county = Some(&div.name),
            Level::Township => c.township = Some(&div.name),
            Level::Village => {}
        }
    }
    c
}

fn short(name: &str) -> String {
    short_name(name).unwrap_or_else(|| name.to_string())
}

/// A county's name without its generic term (鄞州 for 鄞州区), when what is
/// left is two characters or more.
fn without_suffix(name: &str) -> Option<&str> {
    let s = ["县", "区", "市", "旗"].iter().find_map(|g| name.strip_suffix(g))?;
    (s.chars().count() >= 2).then_some(s)
}

/// Up to `n` of `items`, drawn without replacement.
fn sample<T: Copy>(items: &[T], n: usize, rng: &mut impl Rng) -> Vec<T> {
    let mut v = items.to_vec();
    let n = n.min(v.len());
    for i in 0..n {
        let j = rng.random_range(i..v.len());
        v.swap(i, j);
    }
    v.truncate(n);
    v
}

/// How many current divisions under each division carry each name, for
/// the divisions of `level`: (ancestor, name) → count.
fn names_under(g: &Gazetteer, level: Level) -> FxHashMap<(u32, &str), usize> {
    let mut m: FxHashMap<(u32, &str), usize> = FxHashMap::default();
    for (i, d) in g.divisions.all().iter().enumerate() {
        if d.level == level && d.valid_to.is_none() {
            for a in g.divisions.lineage(i as u32).skip(1) {
                *m.entry((a, d.name.as_str())).or_default() += 1;
            }
            *m.entry((u32::MAX, d.name.as_str())).or_default() += 1;
        }
    }
    m
}

/// Every case, in class order.
pub fn generate(g: &Gazetteer, seed: u64, sizes: Sizes) -> Vec<Case> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let current = |l: Level| -> Vec<u32> {
        let all = g.divisions.all().iter().enumerate();
        all.filter(|(_, d)| d.level == l && d.valid_to.is_none()).map(|(i, _)| i as u32).collect()
    };
    let mut out = Vec::new();
    let counties = sample(&current(Level::County), sizes.counties, &mut rng);
    county_cases(g, &counties, &mut rng, &mut out);
    let townships = current(Level::Township);
    township_cases(g, &sample(&townships, sizes.townships, &mut rng), &mut rng, &mut out);
    let villages = current(Level::Village);
    village_cases(g, &sample(&villages, sizes.villages, &mut rng), &mut out);
    change_cases(g, sizes.changes, &mut rng, &mut out);
    let clean: Vec<Case> =
        out.iter().filter(|c| matches!(c.class, "county/full" | "township/full")).cloned().collect();
    for c in sample(&(0..clean.len()).collect::<Vec<_>>(), 4_000, &mut rng) {
        let (class, before, after) = WRAPPERS[rng.random_range(0..WRAPPERS.len())];
        out.push(Case { class, input: format!("{before}{}{after}", clean[c].input), want: clean[c].want });
    }
    conflict_cases(g, &counties, &mut rng, &mut out);
    out
}

fn county_cases(g: &Gazetteer, counties: &[u32], rng: &mut impl Rng, out: &mut Vec<Case>) {
    let unique = names_under(g, Level::County);
    let push =
        |out: &mut Vec<Case>, class, input: String, d| out.push(Case { class, input, want: Want::Within(d) });
    for &x in counties {
        let mut push = |class, input, d| push(out, class, input, d);
        let div = g.divisions.get(x);
        let name = div.name.as_str();
        let c = chain(g, x);
        let p = c.province;
        let tail = TAILS[rng.random_range(0..TAILS.len())];
        let alone = unique.get(&(u32::MAX, name)) == Some(&1) && g.names.exact(name).len() == 1;
        match c.prefecture {
            Some(pref) => {
                push("county/full", format!("{p}{pref}{name}"), x);
                push("county/no_province", format!("{pref}{name}"), x);
                push("county/short", format!("{}{}{}", short(p), short(pref), short(name)), x);
                push("county/with_address", format!("{pref}{name}{tail}"), x);
                if let Some(s) = without_suffix(name) {
                    push("county/suffix_dropped", format!("{p}{pref}{s}{tail}"), x);
                }
                if unique.contains_key(&(div.parent.unwrap_or(u32::MAX), name))
                    && unique.get(&(u32::MAX, name)) > Some(&1)
                {
                    push("county/same_name_with_context", format!("{p}{pref}{name}{tail}"), x);
                }
                if pref.ends_with("自治州") || pref.ends_with('盟') || pref.ends_with("地区") {
                    let bare = short(pref);
                    push("county/autonomous_prefecture", format!("{pref}{name}"), x);
                    push("county/autonomous_prefecture", format!("{bare}{name}{tail}"), x);
                    if pref.ends_with("自治州") {
                        push("county/autonomous_prefecture", format!("{}州{name}", bare), x);
                    }
                }
            }
            None if MUNICIPALITIES.contains(&&div.code.as_str()[..2]) => {
                push("county/full", format!("{p}{name}"), x);
                push("county/with_address", format!("{}{name}{tail}", short(p)), x);
            }
            None => {
                push("county/province_direct", format!("{p}{name}"), x);
                push("county/province_direct", format!("{}{name}{tail}", short(p)), x);
                if alone {
                    push("county/province_direct", format!("{name}{tail}"), x);
                }
            }
        }
        if alone {
            push("county/alone", format!("{name}{tail}"), x);
        }
        // A name several counties carry, alone: the readings ranked, none
        // confident.
        if unique.get(&(u32::MAX, name)).is_some_and(|&n| n > 1) {
            out.push(Case {
                class: "conflict/ambiguous_alone",
                input: format!("{name}{tail}"),
                want: Want::NotConfident,
            });
        }
    }
}

fn township_cases(g: &Gazetteer, townships: &[u32], rng: &mut impl Rng, out: &mut Vec<Case>) {
    let unique = names_under(g, Level::Township);
    for &t in townships {
        let name = g.divisions.get(t).name.as_str();
        let c = chain(g, t);
        let tail = TAILS[rng.random_range(0..TAILS.len())];
        let mut push = |class, input: String| out.push(Case { class, input, want: Want::Within(t) });
        let unique_in = |a: Option<u32>| a.is_some_and(|a| unique.get(&(a, name)) == Some(&1));
        let pref = g.divisions.lineage(t).find(|&a| g.divisions.level(a) == Level::Prefecture);
        let prov = g.divisions.lineage(t).find(|&a| g.divisions.level(a) == Level::Province);
        match (c.prefecture, c.county) {
            (Some(pn), None) => {
                // A city without districts: its towns sit directly under it.
                push("township/city_without_districts", format!("{}{pn}{name}{tail}", c.province));
                push("township/city_without_districts", format!("{pn}{name}"));
            }
            (pn, Some(x)) => {
                let pn = pn.unwrap_or("");
                push("township/full", format!("{}{pn}{x}{name}{tail}", c.province));
                push("township/county", format!("{x}{name}"));
                if unique_in(pref) && !pn.is_empty() {
                    push("township/prefecture", format!("{pn}{name}{tail}"));
                }
                if unique_in(prov) {
                    push("township/province", format!("{}{name}", c.province));
                }
            }
            (None, None) => {}
        }
    }
}

fn village_cases(g: &Gazetteer, villages: &[u32], out: &mut Vec<Case>) {
    let unique = names_under(g, Level::Village);
    for &v in villages {
        let name = g.divisions.get(v).name.as_str();
        let c = chain(g, v);
        let (Some(t), Some(x)) = (c.township, c.county.or(c.prefecture)) else { continue };
        let mut push = |class, input: String| out.push(Case { class, input, want: Want::Within(v) });
        push("village/full", format!("{}{}{x}{t}{name}", c.province, c.prefecture.unwrap_or("")));
        push("village/county_township", format!("{x}{t}{name}"));
        let pref = g.divisions.lineage(v).find(|&a| g.divisions.level(a) == Level::Prefecture);
        if let (Some(p), Some(pn)) = (pref, c.prefecture)
            && unique.get(&(p, name)) == Some(&1)
        {
            push("village/prefecture", format!("{pn}{name}"));
        }
    }
}

/// Old county names (renamed, merged, made districts or cities), each
/// written after today's prefecture of its successor.
fn change_cases(g: &Gazetteer, n: usize, rng: &mut impl Rng, out: &mut Vec<Case>) {
    // Of versions written alike (a county renamed twice, a name given up
    // and later taken again), the latest stands for the name.
    let mut latest: FxHashMap<String, (chrono::NaiveDate, u32)> = FxHashMap::default();
    for (i, d) in g.divisions.all().iter().enumerate() {
        let Some(ended) = d.valid_to.filter(|_| d.level == Level::County) else { continue };
        let Some(now) = g.divisions.current_of(i as u32) else { continue };
        let c = g.divisions.get(now);
        if c.name == d.name || g.divisions.level(now) > Level::County {
            continue;
        }
        let Some(pref) = g.divisions.lineage(now).find(|&a| g.divisions.level(a) <= Level::Prefecture) else {
            continue;
        };
        // An old name another current division under the same prefecture
        // carries names that one.
        let taken = g.names.exact(&d.name).iter().any(|m| match m.target {
            crate::index::NameRef::Division(o) => {
                g.divisions.get(o).valid_to.is_none() && g.divisions.is_within(o, pref) && o != now
            }
            crate::index::NameRef::Place(_) => false,
        });
        let input = format!("{}{}", g.divisions.get(pref).name, d.name);
        if !taken && latest.get(&input).is_none_or(|&(e, _)| e < ended) {
            latest.insert(input, (ended, now));
        }
    }
    let mut found: Vec<Case> = latest
        .into_iter()
        .map(|(input, (_, now))| Case { class: "change/old_name", input, want: Want::Within(now) })
        .collect();
    found.sort_by(|a, b| a.input.cmp(&b.input));
    let picked = sample(&(0..found.len()).collect::<Vec<_>>(), n, rng);
    for i in picked {
        out.push(found[i].clone());
    }
}

/// A county under another province or prefecture, and names that exist
/// nowhere: no confident answer.
fn conflict_cases(g: &Gazetteer, counties: &[u32], rng: &mut impl Rng, out: &mut Vec<Case>) {
    let provinces: Vec<u32> = (0..g.divisions.all().len() as u32)
        .filter(|&i| g.divisions.level(i) == Level::Province && g.divisions.get(i).valid_to.is_none())
        .collect();
    for &x in sample(counties, 1_000, rng).iter() {
        let c = chain(g, x);
        let Some(pref) = c.prefecture else { continue };
        let other = provinces[rng.random_range(0..provinces.len())];
        if g.divisions.is_within(x, other) {
            continue;
        }
        let input = format!("{}{pref}{}", g.divisions.get(other).name, g.divisions.get(x).name);
        out.push(Case { class: "conflict/wrong_province", input, want: Want::NotConfident });
        // Under another prefecture of its own province.
        let own_prefecture = g.divisions.lineage(x).find(|&a| g.divisions.level(a) == Level::Prefecture);
        let province = g.divisions.lineage(x).find(|&a| g.divisions.level(a) == Level::Province);
        if let (Some(own), Some(province)) = (own_prefecture, province) {
            let others: Vec<u32> = g
                .divisions
                .children(province)
                .iter()
                .copied()
                .filter(|&p| {
                    p != own
                        && g.divisions.level(p) == Level::Prefecture
                        && g.divisions.get(p).valid_to.is_none()
                })
                .collect();
            if !others.is_empty() {
                let other = others[rng.random_range(0..others.len())];
                let name = &g.divisions.get(x).name;
                let wrong = &g.divisions.get(other).name;
                // Only when no county of that name, today's or a former
                // one (合肥市郊区, now 包河区), lies in the other prefecture.
                let clash = g.names.exact(name).iter().any(|m| match m.target {
                    crate::index::NameRef::Division(o) => {
                        g.divisions.current_of(o).is_some_and(|c| g.divisions.is_within(c, other))
                    }
                    crate::index::NameRef::Place(_) => false,
                });
                if !clash {
                    let input = format!("{}{wrong}{name}", c.province);
                    out.push(Case { class: "conflict/wrong_prefecture", input, want: Want::NotConfident });
                }
            }
        }
    }
    const MADE_UP: &[&str] = &["银河", "星辰", "云梦泽", "蓬莱仙", "桃花源", "琉璃", "昆仑墟", "青丘"];
    for k in 0..200 {
        let a = MADE_UP[k % MADE_UP.len()];
        let b = MADE_UP[(k / MADE_UP.len() + k + 1) % MADE_UP.len()];
        let input = format!("{a}省{b}市{}", TAILS[k % TAILS.len()]);
        out.push(Case { class: "conflict/nowhere", input, want: Want::NotConfident });
    }
}
