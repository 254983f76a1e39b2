//! The romanised spelling: the applicant's override against the one the
//! national rules generate (a difference is usually a polyphone).

use super::Subject;
use crate::model::{Check, Verdict};

pub(super) fn pinyin(s: &Subject) -> Check {
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
