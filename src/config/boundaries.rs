//! `[boundaries]`: the tolerances of boundary management.

use serde::{Deserialize, Serialize};

/// Tolerances of boundary lines and markers (metres), and the limits of
/// joint inspections.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BoundarySettings {
    /// Farthest a marker may stand from its line. Default 50.
    pub marker_off_line_m: f64,
    /// Farthest a marker of a triple (C/D/E) may stand from the tri-point.
    /// Default 100.
    pub tri_point_m: f64,
    /// Farthest apart along the line the markers of one pair or triple
    /// may stand. Default 30.
    pub marker_group_m: f64,
    /// Gaps and overlaps between neighbouring divisions narrower than this
    /// are not reported by the topology check. Default 10.
    pub topology_tolerance_m: f64,
    /// Years after which a marker not inspected is overdue. Default 5 (a
    /// joint inspection round every five years).
    pub inspection_years: u32,
    /// Largest photo attached to a finding, bytes. Default 8 MiB.
    pub photo_max_bytes: usize,
    /// Most photos one finding carries. Default 10.
    pub photos_per_finding: usize,
    /// The font inspection reports are set in (a TrueType file or
    /// collection with Chinese glyphs; embedded in each PDF). Default the
    /// Debian `fonts-wqy-microhei` file.
    pub report_font: std::path::PathBuf,
    /// How often (seconds) a running server applies the approved division
    /// changes whose effective day has come. Default 600.
    pub division_changes_every_secs: u64,
}

impl Default for BoundarySettings {
    fn default() -> BoundarySettings {
        BoundarySettings {
            marker_off_line_m: 50.0,
            tri_point_m: 100.0,
            marker_group_m: 30.0,
            topology_tolerance_m: 10.0,
            inspection_years: 5,
            photo_max_bytes: 8 << 20,
            photos_per_finding: 10,
            report_font: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc".into(),
            division_changes_every_secs: 600,
        }
    }
}
