//! Pre-generated archives: every non-empty tile of a zoom range cut on all
//! cores and written, gzip-compressed, to PMTiles v3 (in tile-id order) or
//! MBTiles (SQLite, TMS rows).

use super::layers::Selection;
use super::tilejson;
use super::{TileId, TileSet};
use crate::progress::Progress;
use crate::store::mbtiles::MbTilesWriter;
use anyhow::{Context, Result, bail};
use flate2::Compression as Level;
use flate2::write::GzEncoder;
use pmtiles::{Compression, PmTilesWriter, TileCoord, TileType};
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;

/// What was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildReport {
    /// Tiles written (non-empty).
    pub tiles: u64,
    /// Tiles considered (touched by some feature's box).
    pub candidates: u64,
    /// Bytes of compressed tile data.
    pub bytes: u64,
}

/// Gzips a tile.
pub fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::with_capacity(raw.len() / 2 + 64), Level::fast());
    // Writing into a Vec cannot fail.
    let _ = e.write_all(raw);
    e.finish().unwrap_or_default()
}

/// Cuts every tile of zooms `min..=max` holding something of the selected
/// layers and writes them to `out` (`.pmtiles` or `.mbtiles`).
pub fn build(set: &TileSet, sel: &Selection, min: u8, max: u8, out: &Path) -> Result<BuildReport> {
    let kind = out.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(kind, "pmtiles" | "mbtiles") {
        bail!("the archive must end in .pmtiles or .mbtiles: {}", out.display());
    }
    if min > max || max > super::layers::MAX_ZOOM {
        bail!("zoom range {min}..={max} is outside 0..={}", super::layers::MAX_ZOOM);
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    set.prepare_zooms(min, max, sel);
    let mut candidates: Vec<TileId> = (min..=max).flat_map(|z| set.tiles_at(z, sel)).collect();
    candidates.par_sort_unstable_by_key(|t| pm_id(*t));
    let mut report = BuildReport { candidates: candidates.len() as u64, ..Default::default() };
    let mut progress = Progress::new("tiles", candidates.len() as u64);
    let partial = out.with_extension(format!("{kind}.partial"));
    let _ = std::fs::remove_file(&partial);
    let mut sink: Box<dyn Sink> = if kind == "pmtiles" {
        Box::new(PmSink::create(&partial, sel, min, max)?)
    } else {
        Box::new(MbSink::create(&partial, sel, min, max)?)
    };
    // Cut in chunks on every core, write each chunk in tile order.
    for chunk in candidates.chunks(4096) {
        let cut: Vec<(TileId, Option<Vec<u8>>)> =
            chunk.par_iter().map(|t| (*t, set.render(*t, sel).map(|raw| gzip(&raw)))).collect();
        for (t, data) in cut {
            if let Some(d) = data {
                report.tiles += 1;
                report.bytes += d.len() as u64;
                sink.add(t, &d)?;
            }
        }
        progress.inc(chunk.len() as u64);
    }
    progress.finish();
    sink.finish()?;
    std::fs::rename(&partial, out).with_context(|| format!("moving the archive to {}", out.display()))?;
    Ok(report)
}

/// The PMTiles tile id (Hilbert order within each zoom).
fn pm_id(t: TileId) -> u64 {
    TileCoord::new(t.z, t.x, t.y).map(|c| pmtiles::TileId::from(c).value()).unwrap_or(u64::MAX)
}

trait Sink {
    fn add(&mut self, t: TileId, gz: &[u8]) -> Result<()>;
    fn finish(self: Box<Self>) -> Result<()>;
}

struct PmSink {
    w: pmtiles::PmTilesStreamWriter<std::fs::File>,
}

impl PmSink {
    fn create(path: &Path, sel: &Selection, min: u8, max: u8) -> Result<PmSink> {
        let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let [w, s, e, n] = tilejson::BOUNDS;
        let w = PmTilesWriter::new(TileType::Mvt)
            .precompressed(Compression::Gzip)
            .min_zoom(min)
            .max_zoom(max)
            .bounds(w, s, e, n)
            .center(tilejson::CENTER[0], tilejson::CENTER[1])
            .center_zoom(tilejson::CENTER_ZOOM.clamp(min, max))
            .metadata(tilejson::archive_metadata(sel, min, max).to_string())
            .create(file)?;
        Ok(PmSink { w })
    }
}

impl Sink for PmSink {
    fn add(&mut self, t: TileId, gz: &[u8]) -> Result<()> {
        self.w.add_tile(TileCoord::new(t.z, t.x, t.y)?, gz)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        self.w.finalize()?;
        Ok(())
    }
}

/// MBTiles, written through the store's [`MbTilesWriter`].
struct MbSink {
    w: MbTilesWriter,
}

impl MbSink {
    fn create(path: &Path, sel: &Selection, min: u8, max: u8) -> Result<MbSink> {
        let [w, s, e, n] = tilejson::BOUNDS;
        let meta = [
            ("name", sel.tileset_id()),
            ("format", "pbf".to_string()),
            ("type", "baselayer".to_string()),
            ("minzoom", min.to_string()),
            ("maxzoom", max.to_string()),
            ("bounds", format!("{w},{s},{e},{n}")),
            ("center", format!("{},{},{}", tilejson::CENTER[0], tilejson::CENTER[1], tilejson::CENTER_ZOOM)),
            ("json", tilejson::archive_metadata(sel, min, max).to_string()),
        ];
        Ok(MbSink { w: MbTilesWriter::create(path, &meta)? })
    }
}

impl Sink for MbSink {
    fn add(&mut self, t: TileId, gz: &[u8]) -> Result<()> {
        let row = (1u32 << t.z) - 1 - t.y;
        self.w.add(t.z, t.x, row, gz)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<()> {
        self.w.finish()?;
        Ok(())
    }
}

/// Tiles read back from a PMTiles archive, for serving.
pub struct Archive {
    reader: pmtiles::AsyncPmTilesReader<pmtiles::MmapBackend>,
    /// The archive's zoom range.
    pub zooms: (u8, u8),
}

impl Archive {
    /// Opens an archive (memory-mapped).
    pub async fn open(path: &Path) -> Result<Archive> {
        let reader = pmtiles::AsyncPmTilesReader::new_with_path(path)
            .await
            .with_context(|| format!("opening the tile archive {}", path.display()))?;
        let h = reader.get_header();
        if h.tile_compression != Compression::Gzip || h.tile_type != TileType::Mvt {
            bail!("{}: expected gzip-compressed MVT tiles", path.display());
        }
        let zooms = (h.min_zoom, h.max_zoom);
        Ok(Archive { reader, zooms })
    }

    /// A tile's gzip bytes, if the archive holds it.
    pub async fn gzipped(&self, t: TileId) -> Result<Option<bytes::Bytes>> {
        Ok(self.reader.get_tile(TileCoord::new(t.z, t.x, t.y)?).await?)
    }
}
