//! The source layers of the `base` tileset: what each holds, from which
//! zoom, with which attributes. TileJSON's `vector_layers`, the style and
//! the renderer all read this one table.

use crate::model::Level;

/// The deepest zoom the tileset serves; clients overzoom beyond it.
pub const MAX_ZOOM: u8 = 16;

/// Extent units of buffer around each tile for lines and polygons.
pub const BUFFER: i32 = 64;

/// The largest tile we aim to serve (bytes, uncompressed); above it point
/// layers are thinned harder.
pub const MAX_TILE_BYTES: usize = 500 * 1024;

/// A source layer.
#[derive(Debug, Clone, Copy)]
pub struct LayerSpec {
    /// Layer id (the MVT layer name).
    pub id: &'static str,
    /// First zoom it appears at.
    pub minzoom: u8,
    /// Its attributes and their TileJSON types.
    pub fields: &'static [(&'static str, &'static str)],
    /// What it holds.
    pub description: &'static str,
}

const DIVISION_FIELDS: &[(&str, &str)] = &[
    ("code", "String"),
    ("name", "String"),
    ("level", "Number"),
    ("pinyin", "String"),
    ("status", "String"),
];

/// Every layer, bottom to top.
pub const LAYERS: &[LayerSpec] = &[
    LayerSpec { id: "province", minzoom: 0, fields: DIVISION_FIELDS, description: "省级行政区" },
    LayerSpec { id: "prefecture", minzoom: 3, fields: DIVISION_FIELDS, description: "地级行政区" },
    LayerSpec { id: "county", minzoom: 5, fields: DIVISION_FIELDS, description: "县级行政区" },
    LayerSpec { id: "township", minzoom: 8, fields: DIVISION_FIELDS, description: "乡级行政区" },
    LayerSpec {
        id: "village", minzoom: 11, fields: DIVISION_FIELDS, description: "村级（村委会、社区）"
    },
    LayerSpec {
        id: "boundary",
        minzoom: 0,
        fields: &[("level", "Number"), ("left", "String"), ("right", "String")],
        description: "行政区域界线：level 为所分隔的最高一级（1 省界 … 5 村界），left/right 为两侧区划代码",
    },
    LayerSpec {
        id: "road",
        minzoom: 12,
        fields: &[
            ("id", "Number"),
            ("name", "String"),
            ("class", "String"),
            ("pinyin", "String"),
            ("status", "String"),
        ],
        description: "道路",
    },
    LayerSpec {
        id: "marker",
        minzoom: 10,
        fields: &[("code", "String"), ("line", "String"), ("kind", "String"), ("status", "String")],
        description: "界桩",
    },
    LayerSpec {
        id: "place",
        minzoom: 10,
        fields: &[
            ("id", "Number"),
            ("name", "String"),
            ("class", "String"),
            ("pinyin", "String"),
            ("status", "String"),
            ("rank", "Number"),
        ],
        description: "地名（道路除外），rank 越小越重要",
    },
    LayerSpec {
        id: "door_plate",
        minzoom: 15,
        fields: &[("code", "String"), ("name", "String"), ("status", "String")],
        description: "门（楼）牌",
    },
    LayerSpec {
        id: "division_label",
        minzoom: 2,
        fields: DIVISION_FIELDS,
        description: "行政区注记点（最大内切圆心）",
    },
];

/// The polygon layer of a level.
pub fn division_layer(level: Level) -> &'static LayerSpec {
    &LAYERS[level.as_i64() as usize - 1]
}

/// The zoom from which a level's label points appear.
pub fn label_minzoom(level: Level) -> u8 {
    match level {
        Level::Province => 2,
        Level::Prefecture => 5,
        Level::County => 7,
        Level::Township => 10,
        Level::Village => 13,
    }
}

/// The layer spec by id.
pub fn layer(id: &str) -> Option<&'static LayerSpec> {
    LAYERS.iter().find(|l| l.id == id)
}

/// The zoom from which a place class appears, and its rank (smaller is
/// more important); `None` for classes drawn by another layer (roads).
pub fn place_class(class: &str) -> Option<(u8, i64)> {
    Some(match class {
        "mountain" | "water" | "island" => (10, 1),
        "village" => (12, 2),
        "station" | "park" => (13, 3),
        "bridge" | "compound" => (14, 4),
        "road" | "street" | "lane" => return None,
        _ => (15, 5),
    })
}

const FROM_ZERO: u32 = 1 << 31;

/// A choice of layers (all by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Selection(u32);

impl Selection {
    /// Every layer.
    pub fn all() -> Selection {
        Selection((1u32 << LAYERS.len()) - 1)
    }

    /// Layers by id, comma-separated; the unknown ids are returned as the error.
    pub fn parse(ids: &str) -> Result<Selection, String> {
        let mut bits = 0;
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let i = LAYERS.iter().position(|l| l.id == id).ok_or_else(|| id.to_string())?;
            bits |= 1 << i;
        }
        Ok(Selection(bits))
    }

    /// The layers of a tileset id: `base` is every layer; otherwise layer
    /// ids joined by commas (`county`, `county,boundary`). `None` when an
    /// id is unknown or none is given.
    pub fn tileset(id: &str) -> Option<Selection> {
        if id == "base" {
            return Some(Selection::all());
        }
        Selection::parse(id).ok().filter(|s| s.0 != 0)
    }

    /// Each layer on its own, in table order.
    pub fn single_layers() -> impl Iterator<Item = Selection> {
        (0..LAYERS.len()).map(|i| Selection(1 << i))
    }

    /// Whether every layer is chosen (the `base` tileset).
    pub fn is_all(&self) -> bool {
        self.0 & !FROM_ZERO == Selection::all().0
    }

    /// The tileset id of these layers: `base` for every layer, else their
    /// ids in table order joined by commas (so one set of layers has one id).
    pub fn tileset_id(&self) -> String {
        if self.is_all() {
            return "base".into();
        }
        self.layers().map(|l| l.id).collect::<Vec<_>>().join(",")
    }

    /// The chosen layers, in table order.
    pub fn layers(&self) -> impl Iterator<Item = &'static LayerSpec> + '_ {
        LAYERS.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, l)| l)
    }

    /// The same layers, each from zoom 0 rather than its usual first zoom
    /// (an archive of one layer at every zoom).
    pub fn from_zoom_zero(self) -> Selection {
        Selection(self.0 | FROM_ZERO)
    }

    /// The first zoom a layer appears at under this selection.
    pub fn minzoom(&self, spec: &LayerSpec) -> u8 {
        if self.0 & FROM_ZERO != 0 { 0 } else { spec.minzoom }
    }

    /// Whether the layer is chosen.
    pub fn has(&self, id: &str) -> bool {
        LAYERS.iter().position(|l| l.id == id).is_some_and(|i| self.0 & (1 << i) != 0)
    }
}
