//! The form of a name: 专名 and a 通名 its class allows (without a 通名
//! stacked on another), its length, and its characters (common Chinese
//! characters only).

use super::Rules;
use super::Subject;
use crate::model::{Check, PlaceClass, Verdict};

impl Rules {
    pub(super) fn structure(&self, s: &Subject) -> Check {
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

    pub(super) fn length(&self, s: &Subject) -> Check {
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

    pub(super) fn characters(&self, s: &Subject) -> Check {
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
}
