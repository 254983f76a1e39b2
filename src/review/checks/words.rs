//! The word lists: content a name must not contain, names the
//! place-name plan reserves, and names under heritage protection (which
//! need a protection plan to be renamed or retired).

use super::{Rules, Subject};
use crate::model::{Check, Verdict};

impl Rules {
    pub(super) fn forbidden(&self, s: &Subject) -> Vec<Check> {
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

    pub(super) fn reserved(&self, s: &Subject) -> Check {
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

    pub(super) fn heritage(&self, s: &Subject) -> Check {
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
}
