//! `[plates]`: door-plate numbering rules and the divisions they apply to.

use crate::model::DivisionCode;
use crate::model::plate_rule::PlateRule;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The numbering rules in force: rule sets by name (the shipped ones,
/// `beijing`, `frontage` and `demo_city`, plus any defined here), the
/// division each applies to (inherited by everything under it), and the
/// rule elsewhere.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlateSettings {
    /// Rule sets defined in the settings, by name (they may replace a
    /// shipped one of the same name).
    pub rules: BTreeMap<String, PlateRule>,
    /// Division code → rule name. Default: 宁波市 (330200) the demo
    /// city's rule.
    pub divisions: BTreeMap<String, String>,
    /// The rule where no division names one. Default `beijing`.
    pub default_rule: String,
    /// Farthest a point may lie from a road's centreline to be numbered on
    /// it, metres. Default 60.
    pub max_off_road_m: f64,
}

impl Default for PlateSettings {
    fn default() -> PlateSettings {
        PlateSettings {
            rules: BTreeMap::new(),
            divisions: BTreeMap::from([("330200".to_string(), "demo_city".to_string())]),
            default_rule: "beijing".into(),
            max_off_road_m: 60.0,
        }
    }
}

impl PlateSettings {
    /// A rule set by name: one defined in the settings, else a shipped one
    /// (`frontage` from the centre of 宁波市).
    pub fn rule(&self, name: &str) -> Option<PlateRule> {
        if let Some(r) = self.rules.get(name) {
            return Some(r.clone());
        }
        match name {
            "beijing" => Some(PlateRule::beijing()),
            "frontage" => Some(PlateRule::frontage((121.5503, 29.8746))),
            "demo_city" => Some(PlateRule::demo_city()),
            _ => None,
        }
    }

    /// The rule in force in division `code`: the one named for it or its
    /// nearest ancestor, else the default; with its name.
    pub fn rule_for(&self, code: &DivisionCode) -> (String, PlateRule) {
        let s = code.as_str();
        let mut candidates = vec![s.to_string()];
        if s.len() > 9 {
            candidates.push(s[..9].to_string());
        }
        if s.len() > 6 {
            candidates.push(s[..6].to_string());
        }
        candidates.push(format!("{}00", &s[..4]));
        candidates.push(format!("{}0000", &s[..2]));
        let name = candidates
            .iter()
            .find_map(|c| self.divisions.get(c))
            .cloned()
            .unwrap_or_else(|| self.default_rule.clone());
        match self.rule(&name) {
            Some(r) => (name, r),
            None => ("beijing".into(), PlateRule::beijing()),
        }
    }

    /// Names a rule set the settings do not know, if any.
    pub fn unknown_rule(&self) -> Option<&str> {
        std::iter::once(&self.default_rule)
            .chain(self.divisions.values())
            .find(|n| self.rule(n).is_none())
            .map(String::as_str)
    }
}
