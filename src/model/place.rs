use serde::{Deserialize, Serialize};

/// The class of a standard place name, with a stable ASCII identifier used
/// by the API (`/places?class=road`) and the Chinese term of the
/// place-name census classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceClass {
    /// 道路 (路、大道).
    Road,
    /// 街 (街、大街).
    Street,
    /// 巷、弄、胡同.
    Lane,
    /// 居民区 / 小区.
    Compound,
    /// 建筑物 (大厦、楼).
    Building,
    /// 桥梁.
    Bridge,
    /// 自然村.
    Village,
    /// 公园、广场.
    Park,
    /// 车站、港口、机场.
    Station,
    /// 山.
    Mountain,
    /// 河流、湖泊.
    Water,
    /// 岛屿.
    Island,
    /// 其他.
    Other,
}

impl PlaceClass {
    /// Every class.
    pub const ALL: [PlaceClass; 13] = [
        PlaceClass::Road,
        PlaceClass::Street,
        PlaceClass::Lane,
        PlaceClass::Compound,
        PlaceClass::Building,
        PlaceClass::Bridge,
        PlaceClass::Village,
        PlaceClass::Park,
        PlaceClass::Station,
        PlaceClass::Mountain,
        PlaceClass::Water,
        PlaceClass::Island,
        PlaceClass::Other,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceClass::Road => "road",
            PlaceClass::Street => "street",
            PlaceClass::Lane => "lane",
            PlaceClass::Compound => "compound",
            PlaceClass::Building => "building",
            PlaceClass::Bridge => "bridge",
            PlaceClass::Village => "village",
            PlaceClass::Park => "park",
            PlaceClass::Station => "station",
            PlaceClass::Mountain => "mountain",
            PlaceClass::Water => "water",
            PlaceClass::Island => "island",
            PlaceClass::Other => "other",
        }
    }

    /// The Chinese class name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            PlaceClass::Road => "道路",
            PlaceClass::Street => "街",
            PlaceClass::Lane => "巷弄",
            PlaceClass::Compound => "居民区",
            PlaceClass::Building => "建筑物",
            PlaceClass::Bridge => "桥梁",
            PlaceClass::Village => "自然村",
            PlaceClass::Park => "公园广场",
            PlaceClass::Station => "交通设施",
            PlaceClass::Mountain => "山",
            PlaceClass::Water => "水系",
            PlaceClass::Island => "岛屿",
            PlaceClass::Other => "其他",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<PlaceClass> {
        PlaceClass::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether places of this class carry door plates along them.
    pub fn is_thoroughfare(self) -> bool {
        matches!(self, PlaceClass::Road | PlaceClass::Street | PlaceClass::Lane)
    }

    /// Whether door plates hang off places of this class: a thoroughfare
    /// or a compound (the streets of forward geocoding).
    pub fn carries_plates(self) -> bool {
        self.is_thoroughfare() || self == PlaceClass::Compound
    }

    /// The class a road-like name implies by its generic term.
    pub fn of_thoroughfare(name: &str) -> PlaceClass {
        if name.ends_with('街') || name.ends_with("大街") {
            PlaceClass::Street
        } else if ["巷", "弄", "胡同", "里"].iter().any(|g| name.ends_with(g)) {
            PlaceClass::Lane
        } else {
            PlaceClass::Road
        }
    }
}

/// Whether a name is in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceStatus {
    /// The standard name in use.
    Current,
    /// A former name kept as history.
    Historical,
    /// Retired: the place no longer exists or no longer carries a name.
    Retired,
}

impl PlaceStatus {
    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceStatus::Current => "current",
            PlaceStatus::Historical => "historical",
            PlaceStatus::Retired => "retired",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<PlaceStatus> {
        [PlaceStatus::Current, PlaceStatus::Historical, PlaceStatus::Retired]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}
