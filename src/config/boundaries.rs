//! `[boundaries]`: the tolerances of boundary management.

use serde::{Deserialize, Serialize};

/// Tolerances of boundary lines and markers, metres.
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
}

impl Default for BoundarySettings {
    fn default() -> BoundarySettings {
        BoundarySettings {
            marker_off_line_m: 50.0,
            tri_point_m: 100.0,
            marker_group_m: 30.0,
            topology_tolerance_m: 10.0,
        }
    }
}
