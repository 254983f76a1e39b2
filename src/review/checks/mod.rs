//! The automatic checks the regulation asks of a proposed name, each with
//! a verdict and an explanation a committee member can read. One file per
//! family of checks: the name's form ([`form`]: 专名＋通名, length,
//! characters), the word lists ([`words`]: forbidden content, reserved and
//! protected names), duplicates within the legal scope ([`duplicates`]:
//! same name, homophones, near duplicates, other proposals), where the
//! place lies ([`location`]) and its spelling ([`pinyin`]).

mod duplicates;
mod form;
mod location;
mod pinyin;
mod words;

use crate::config::ReviewSettings;
use crate::index::Gazetteer;
use crate::model::{Check, Kind, PlaceClass, ProposalId};
use geo::Geometry;
use std::collections::HashSet;

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
    pub id: ProposalId,
    /// Its class.
    pub class: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its division code.
    pub division: &'a str,
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
            let key = duplicates::sound(s.name);
            out.push(self.duplicate(g, s, &existing));
            out.push(self.homophone(g, s, &key, &existing));
            out.push(self.near_duplicate(g, s, &key, &existing));
            if let Some(c) = self.duplicate_pending(s, &key, pending) {
                out.push(c);
            }
            out.push(self.reserved(s));
            out.extend(self.contains_names(g, s, road_geometry));
            out.push(pinyin::pinyin(s));
        }
        if s.kind != Kind::Name {
            out.push(self.heritage(s));
        }
        out.push(location::location(g, s));
        out
    }

    fn class_label(class: &str) -> &'static str {
        PlaceClass::parse(class).map_or("地名", PlaceClass::label)
    }
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
