use serde::{Deserialize, Serialize};

/// The five levels of the administrative hierarchy (行政区划层级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// 省级: provinces, autonomous regions, municipalities, SARs.
    Province = 1,
    /// 地级: prefecture-level cities, prefectures, leagues, autonomous prefectures.
    Prefecture = 2,
    /// 县级: districts, counties, county-level cities, banners.
    County = 3,
    /// 乡级: subdistricts (街道), towns (镇), townships (乡).
    Township = 4,
    /// 村级: residents' committees (社区/居委会) and villagers' committees (村委会).
    Village = 5,
}

impl Level {
    /// All levels, top down.
    pub const ALL: [Level; 5] =
        [Level::Province, Level::Prefecture, Level::County, Level::Township, Level::Village];

    /// The stored integer (1 = province … 5 = village).
    pub fn as_i64(self) -> i64 {
        self as i64
    }

    /// Parses the stored integer.
    pub fn from_i64(n: i64) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_i64() == n)
    }

    /// The stable ASCII identifier used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
            Level::Township => "township",
            Level::Village => "village",
        }
    }

    /// Parses the API identifier.
    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The level below (none below villages).
    pub fn child(self) -> Option<Level> {
        Level::from_i64(self.as_i64() + 1)
    }

    /// In Chinese (省级, 地级 …).
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "省级区划",
            Level::Prefecture => "地级区划",
            Level::County => "县级区划",
            Level::Township => "乡级区划",
            Level::Village => "村级区划",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
