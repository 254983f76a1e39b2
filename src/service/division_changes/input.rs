//! A division change as requested: its kind and fields.

use super::*;

/// The kinds of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// 更名: a new name, the class and code kept.
    Rename,
    /// 撤县设区, 撤县设市, 撤镇设街道 …: a new class, hence a new name and code.
    Reclassify,
    /// 合并: several divisions become one.
    Merge,
    /// 拆分: one division becomes several.
    Split,
    /// 新设: a new division carved out of its neighbours.
    Create,
    /// 边界调整: new boundaries between divisions.
    AdjustBoundary,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Rename,
        ChangeKind::Reclassify,
        ChangeKind::Merge,
        ChangeKind::Split,
        ChangeKind::Create,
        ChangeKind::AdjustBoundary,
    ];

    /// The stable identifier.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Rename => "rename",
            ChangeKind::Reclassify => "reclassify",
            ChangeKind::Merge => "merge",
            ChangeKind::Split => "split",
            ChangeKind::Create => "create",
            ChangeKind::AdjustBoundary => "adjust_boundary",
        }
    }

    /// Parses the identifier.
    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One division after a split or a boundary adjustment.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PartInput {
    /// Its code: an existing one (the part that keeps it), a new one, or
    /// none for the next free code of its class.
    #[serde(default)]
    pub code: Option<String>,
    /// Its name (a split's new parts need one).
    #[serde(default)]
    pub name: Option<String>,
    /// Its boundary, GeoJSON (Multi)Polygon in lon/lat CGCS2000.
    pub geometry: geojson::Geometry,
}

/// A division change as requested.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    /// `rename`, `reclassify`, `merge`, `split`, `create`, `adjust_boundary`.
    pub kind: String,
    /// The day it takes effect (a later day is scheduled).
    pub effective_on: NaiveDate,
    /// The approval document number (国函〔2026〕12号).
    #[serde(default)]
    pub doc_no: Option<String>,
    /// Why.
    pub reason: String,
    /// The division renamed, reclassified or split.
    #[serde(default)]
    pub code: Option<String>,
    /// Its new name (rename, reclassify; the merged division's name).
    #[serde(default)]
    pub new_name: Option<String>,
    /// A new code (reclassify, merge, create); else the next free one of
    /// the class.
    #[serde(default)]
    pub new_code: Option<String>,
    /// The divisions merged.
    #[serde(default)]
    pub codes: Vec<String>,
    /// The merged division that goes on (its code kept); none for a new one.
    #[serde(default)]
    pub into: Option<String>,
    /// The parent of a new division.
    #[serde(default)]
    pub parent: Option<String>,
    /// The name of a new division.
    #[serde(default)]
    pub name: Option<String>,
    /// The boundary of a new division.
    #[serde(default)]
    pub geometry: Option<geojson::Geometry>,
    /// The parts of a split, or the divisions of an adjustment with their
    /// new boundaries.
    #[serde(default)]
    pub parts: Vec<PartInput>,
}
