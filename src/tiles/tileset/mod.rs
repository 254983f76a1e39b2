//! The `base` tileset: everything a tile is cut from, read from one
//! snapshot of the store, and which tiles may hold something. The points
//! and lines are in [`features`], the cutting of a tile in [`render`], and
//! what a change touched in [`fingerprints`].

mod features;
mod fingerprints;
mod render;

pub use features::Features;
pub use fingerprints::Fingerprints;
pub use render::separating_level;

use super::coverage::{Coverage, DivisionFeature};
use super::layers::{BUFFER, Selection, division_layer, label_minzoom};
use super::world::{TileId, to_world, unit};
use crate::index::PlateIndex;
use crate::model::{Level, PlaceStatus};
use crate::store::{DivisionRow, MarkerRow, PlaceRow, Store, StoreResult};
use features::layer_min;
use fingerprints::{division_prints, point_box};
use rayon::prelude::*;
use std::sync::Arc;

/// The division coverages, one per level.
pub struct Divisions {
    /// Province … village.
    pub levels: Vec<Coverage>,
}

/// What a tile is cut from.
pub struct TileSet {
    /// Division coverages (shared between snapshots while divisions are unchanged).
    pub divisions: Arc<Divisions>,
    /// Points and lines.
    pub features: Features,
    /// Each division's fingerprint and box (shared while divisions are
    /// unchanged), to find what a change touched.
    pub division_prints: Arc<Fingerprints>,
    /// The same for every other feature.
    pub fingerprints: Fingerprints,
}

impl TileSet {
    /// Reads one snapshot of the store and builds everything; `previous`
    /// lends its division coverages when no division changed. The door
    /// plates are `plates` (the service's plate index).
    pub fn load(
        store: &Store,
        previous: Option<&TileSet>,
        plates: Option<Arc<PlateIndex>>,
    ) -> StoreResult<TileSet> {
        TileSet::load_selected(store, previous, &Selection::all(), plates)
    }

    /// Like [`TileSet::load`], reading and building only what the selected
    /// layers need (a county-only archive needs no door plates).
    pub fn load_selected(
        store: &Store,
        previous: Option<&TileSet>,
        sel: &Selection,
        plates: Option<Arc<PlateIndex>>,
    ) -> StoreResult<TileSet> {
        let started = std::time::Instant::now();
        let wants_division =
            |l: Level| sel.has(division_layer(l).id) || sel.has("division_label") || sel.has("boundary");
        let (divs, places, markers) = store.read_snapshot(|c| {
            let divs: Vec<DivisionRow> = DivisionRow::load_all(c, true)?
                .into_iter()
                .filter(|d| d.valid_to.is_none() && d.geom.is_some() && wants_division(d.level))
                .collect();
            let places: Vec<PlaceRow> = if sel.has("place") || sel.has("road") {
                PlaceRow::load_all(c, true)?
                    .into_iter()
                    .filter(|p| p.status == PlaceStatus::Current)
                    .collect()
            } else {
                Vec::new()
            };
            let markers = if sel.has("marker") { MarkerRow::load_all(c)? } else { Vec::new() };
            Ok((divs, places, markers))
        })?;
        tracing::debug!("tile data read in {:?}", started.elapsed());
        let division_prints = division_prints(&divs);
        let same_divisions = previous.is_some_and(|p| {
            p.division_prints.len() == division_prints.len()
                && division_prints.iter().all(|(k, v)| p.division_prints.get(k) == Some(v))
        });
        let (divisions, division_prints) = match previous {
            Some(p) if same_divisions => (p.divisions.clone(), p.division_prints.clone()),
            _ => (Arc::new(Divisions::build(divs)), Arc::new(division_prints.into_iter().collect())),
        };
        let plates = plates.filter(|_| sel.has("door_plate"));
        let mut fingerprints = Fingerprints::default();
        let features = Features::build(places, plates, markers, &mut fingerprints);
        tracing::debug!("tile set built in {:?}", started.elapsed());
        Ok(TileSet { divisions, features, division_prints, fingerprints })
    }

    /// The same divisions and markers with the places `changed` (rows of
    /// any status) and new door plates: what a change that touched neither
    /// divisions nor markers needs, without reading the store again; and
    /// the world boxes the change touched.
    pub fn with_features(
        &self,
        changed: &[PlaceRow],
        plates: Option<Arc<PlateIndex>>,
    ) -> (TileSet, Vec<[i64; 4]>) {
        let plates = plates.filter(|_| self.features.plates.is_some());
        let mut fingerprints = self.fingerprints.clone();
        let features = self.features.with_changes(changed, plates, &mut fingerprints);
        let new = TileSet {
            divisions: self.divisions.clone(),
            features,
            division_prints: self.division_prints.clone(),
            fingerprints,
        };
        let keys: Vec<(u8, u64)> = changed.iter().flat_map(|p| features::place_keys(p.fid)).collect();
        let boxes = new.changed_boxes(self, Some(&keys));
        (new, boxes)
    }

    /// Generalises every level for every zoom now rather than on first use.
    /// Sequential on purpose: each generalisation runs on every core, and a
    /// rayon worker must never block waiting for one that a request thread
    /// is building (it would hold the pool the builder needs).
    pub fn prepare(&self) {
        let started = std::time::Instant::now();
        self.prepare_zooms(0, super::coverage::GENERALISED_MAX_ZOOM, &Selection::all());
        tracing::info!("tiles: every zoom generalised in {:.1?}", started.elapsed());
    }

    /// Generalises every level shown at zooms `min..=max` (see [`TileSet::prepare`]).
    pub fn prepare_zooms(&self, min: u8, max: u8, sel: &Selection) {
        for cov in &self.divisions.levels {
            let first = min.max(sel.minzoom(division_layer(cov.level)));
            for z in first..=max.min(super::coverage::GENERALISED_MAX_ZOOM) {
                cov.at(z);
            }
        }
    }

    /// The tiles of zoom `z` that may hold something of the selected layers
    /// (every tile a feature's box touches), in no particular order.
    pub fn tiles_at(&self, z: u8, sel: &Selection) -> Vec<TileId> {
        let mut boxes: Vec<[i64; 4]> = Vec::new();
        for cov in &self.divisions.levels {
            let spec = division_layer(cov.level);
            let wanted = (sel.has(spec.id) && z >= sel.minzoom(spec))
                || (sel.has("division_label") && z >= label_minzoom(cov.level))
                || (sel.has("boundary") && z >= spec.minzoom);
            if wanted {
                boxes.extend(cov.feature_tree.iter().map(|b| b.bbox));
            }
        }
        let f = &self.features;
        if z >= layer_min("road") && sel.has("road") {
            boxes.extend(f.road_boxes());
        }
        if z >= layer_min("marker") && sel.has("marker") {
            boxes.extend(f.marker_tree.iter().map(|b| b.bbox));
        }
        if z >= layer_min("place") && sel.has("place") {
            boxes.extend(f.place_points().filter(|p| p.minzoom <= z).map(|p| point_box(p.at)));
        }
        if let Some(plates) =
            f.plates.as_ref().filter(|_| z >= layer_min("door_plate") && sel.has("door_plate"))
        {
            let ids: Vec<u32> = plates.ids().collect();
            boxes.par_extend(ids.into_par_iter().map(|i| point_box(to_world(plates.point(i)))));
        }
        let pad = i64::from(BUFFER) * unit(z);
        let mut tiles: rustc_hash::FxHashSet<TileId> = Default::default();
        for b in boxes {
            tiles.extend(TileId::covering(z, [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad]));
        }
        tiles.into_iter().collect()
    }
}

impl Divisions {
    fn build(rows: Vec<DivisionRow>) -> Divisions {
        let mut by_level: Vec<Vec<(DivisionFeature, geo::MultiPolygon<f64>)>> =
            (0..5).map(|_| Vec::new()).collect();
        for d in rows {
            let Some(geom) = d.geom else { continue };
            let f = DivisionFeature { code: d.code.into(), name: d.name, pinyin: d.pinyin };
            by_level[d.level.as_i64() as usize - 1].push((f, geom));
        }
        let levels = by_level
            .into_par_iter()
            .zip(Level::ALL.into_par_iter())
            .map(|(rows, level)| Coverage::build(level, rows))
            .collect();
        Divisions { levels }
    }
}
