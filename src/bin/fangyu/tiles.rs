//! `fangyu tiles build`: every non-empty tile of a selection into a
//! PMTiles or MBTiles archive.

use anyhow::Result;
use fangyu::config::Settings;
use fangyu::demo::Scale;
use fangyu::store::Store;
use std::path::{Path, PathBuf};

/// What to build.
pub struct Build {
    /// Deepest zoom.
    pub max_zoom: u8,
    /// Shallowest zoom.
    pub min_zoom: u8,
    /// The archive (`.pmtiles` or `.mbtiles`).
    pub out: PathBuf,
    /// Only these layers, comma-separated (default: all).
    pub layers: Option<String>,
    /// The selected layers in every zoom from `min_zoom`.
    pub every_zoom: bool,
}

/// Builds the archive from the store at `path` (the demo store is built
/// first if it is missing).
pub fn build(settings: &Settings, path: &Path, b: Build) -> Result<()> {
    let Build { max_zoom, min_zoom, out, layers, every_zoom } = b;
    fangyu::startup::ensure_demo_store(settings, path, Scale::Demo)?;
    let sel = match layers {
        Some(l) => {
            fangyu::tiles::layers::Selection::parse(&l).map_err(|id| anyhow::anyhow!("unknown layer {id}"))?
        }
        None => fangyu::tiles::layers::Selection::all(),
    };
    let sel = if every_zoom { sel.from_zoom_zero() } else { sel };
    let started = std::time::Instant::now();
    let store = Store::open(path)?;
    let plates = match sel.has("door_plate") {
        true => Some(std::sync::Arc::new(store.read(fangyu::index::PlateIndex::read)?)),
        false => None,
    };
    let set = fangyu::tiles::TileSet::load_selected(&store, None, &sel, plates)?;
    let loaded = started.elapsed().as_secs_f64();
    let r = fangyu::tiles::archive::build(&set, &sel, min_zoom, max_zoom, &out)?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} tiles ({} considered, {:.1} MB) in {secs:.1} s ({loaded:.1} s reading and building the edge graphs) → {}",
        r.tiles,
        r.candidates,
        r.bytes as f64 / 1e6,
        out.display()
    );
    Ok(())
}
