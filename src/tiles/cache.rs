//! The tile cache: each cut tile once per tileset, with its gzip form and
//! strong ETag, its brotli form made on first demand. A data change removes
//! exactly the tiles whose boxes meet a changed feature's box.

use super::TileId;
use super::layers::Selection;
use super::layers::{BUFFER, MAX_ZOOM};
use super::world::{EXTENT_BITS, unit};
use bytes::Bytes;
use quick_cache::sync::Cache;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::{Arc, OnceLock};

/// One tile in every form it is sent in.
pub struct CachedTile {
    /// The MVT bytes; empty for a tile with nothing in it.
    pub raw: Bytes,
    /// Gzip form.
    pub gzip: Bytes,
    brotli: OnceLock<Bytes>,
    /// Strong ETags of the plain, gzip and brotli forms, ready to send.
    pub etags: [http::HeaderValue; 3],
}

/// The ETags of the three forms, from a hash of the raw bytes.
fn etags(raw: &[u8]) -> [http::HeaderValue; 3] {
    let hash = hex::encode(&Sha256::digest(raw)[..12]);
    ["", "-gz", "-br"].map(|suffix| {
        http::HeaderValue::from_str(&format!("\"{hash}{suffix}\""))
            .unwrap_or(http::HeaderValue::from_static("\"\""))
    })
}

impl CachedTile {
    /// Wraps a cut tile (`None`: empty).
    pub fn new(raw: Option<Vec<u8>>) -> CachedTile {
        let raw = Bytes::from(raw.unwrap_or_default());
        let gzip = if raw.is_empty() { Bytes::new() } else { Bytes::from(super::archive::gzip(&raw)) };
        CachedTile { etags: etags(&raw), raw, gzip, brotli: OnceLock::new() }
    }

    /// Wraps a tile read gzip-compressed from an archive.
    pub fn from_gzip(gz: Bytes) -> CachedTile {
        let mut raw = Vec::new();
        let ok = std::io::copy(&mut flate2::read::GzDecoder::new(&gz[..]), &mut raw).is_ok();
        let raw = if ok { Bytes::from(raw) } else { Bytes::new() };
        CachedTile { etags: etags(&raw), raw, gzip: gz, brotli: OnceLock::new() }
    }

    /// Whether the tile holds nothing.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Brotli form (made once).
    pub fn brotli(&self) -> Bytes {
        self.brotli
            .get_or_init(|| {
                let mut out = Vec::with_capacity(self.raw.len() / 2 + 64);
                {
                    let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
                    let _ = w.write_all(&self.raw);
                }
                Bytes::from(out)
            })
            .clone()
    }

    /// Bytes it is counted as in the cache: fixed when it is cached, so the
    /// brotli form made later is counted ahead as the size of the gzip form.
    pub fn weight(&self) -> u64 {
        (self.raw.len() + 2 * self.gzip.len() + 128) as u64
    }
}

/// Weighs cached tiles by their bytes.
#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<(Selection, TileId), Arc<CachedTile>> for ByBytes {
    fn weight(&self, _: &(Selection, TileId), tile: &Arc<CachedTile>) -> u64 {
        tile.weight()
    }
}

/// Cut tiles by tileset (its layers) and address, bounded in bytes. A hit
/// costs a hash lookup and an atomic flag (quick_cache), with no queue of
/// reads to replay: hits are most of what a tile server does.
pub struct TileCache {
    inner: Cache<(Selection, TileId), Arc<CachedTile>, ByBytes>,
}

impl TileCache {
    /// A cache holding at most `max_bytes`.
    pub fn new(max_bytes: u64) -> TileCache {
        // Sized for tiles of ~8 KB on average; the bound is in bytes.
        let items = (max_bytes / 8192).max(16) as usize;
        TileCache { inner: Cache::with_weighter(items, max_bytes, ByBytes) }
    }

    /// The cached tile of a tileset.
    pub fn get(&self, sel: Selection, t: TileId) -> Option<Arc<CachedTile>> {
        self.inner.get(&(sel, t))
    }

    /// Caches a tile of a tileset.
    pub fn insert(&self, sel: Selection, t: TileId, tile: Arc<CachedTile>) {
        self.inner.insert((sel, t), tile);
    }

    /// Drops every tile (at every zoom, of every tileset) whose buffered
    /// box meets one of the world boxes.
    pub fn invalidate(&self, boxes: &[[i64; 4]]) {
        if boxes.is_empty() {
            return;
        }
        // Per zoom, the tile ranges the boxes (padded by the buffer) cover.
        let ranges: Vec<Vec<[u32; 4]>> = (0..=MAX_ZOOM)
            .map(|z| {
                let size = unit(z) << EXTENT_BITS;
                let pad = i64::from(BUFFER) * unit(z);
                let last = (1i64 << z) - 1;
                boxes
                    .iter()
                    .map(|b| {
                        let c = |v: i64| (v / size).clamp(0, last) as u32;
                        [c(b[0] - pad), c(b[1] - pad), c(b[2] + pad), c(b[3] + pad)]
                    })
                    .collect()
            })
            .collect();
        self.inner.retain(move |(_, t): &(Selection, TileId), _| {
            !ranges
                .get(usize::from(t.z))
                .is_some_and(|rs| rs.iter().any(|r| t.x >= r[0] && t.x <= r[2] && t.y >= r[1] && t.y <= r[3]))
        });
    }

    /// Drops everything.
    pub fn clear(&self) {
        self.inner.clear();
    }

    /// Number of cached tiles (approximate).
    pub fn len(&self) -> u64 {
        self.inner.len() as u64
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
