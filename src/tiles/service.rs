//! The running tile service: the current tile set (loaded in the
//! background at start-up, replaced after every data change), the cache
//! of cut tiles, or an archive to serve from instead.

use super::archive::Archive;
use super::cache::{CachedTile, TileCache};
use super::layers::Selection;
use super::{TileId, TileSet};
use crate::config::TileSettings;
use crate::index::PlateIndex;
use crate::store::Store;
use std::sync::{Arc, RwLock};
use tokio::sync::{OnceCell, watch};

/// Where tiles come from.
pub struct TileService {
    current: watch::Sender<Option<Arc<TileSet>>>,
    cache: TileCache,
    /// Held for reading while a cut tile is cached, for writing while the
    /// set is replaced and the touched tiles dropped, so a tile cut from
    /// the old set is never cached after the swap.
    swap: RwLock<u64>,
    archive_path: Option<std::path::PathBuf>,
    archive: OnceCell<Archive>,
    /// Set once every zoom is generalised (or tiles come from an archive).
    prepared: std::sync::atomic::AtomicBool,
    /// `Cache-Control` of every tile response.
    pub cache_control: http::HeaderValue,
}

/// Why a tile could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// The data could not be read.
    #[error("tile data unavailable: {0}")]
    Unavailable(String),
    /// The archive served holds only its own tileset.
    #[error("tileset {0} is not in the archive served")]
    NotInArchive(String),
}

impl TileService {
    /// Starts the service; unless serving an archive, the tile set is
    /// loaded from the store on another thread, with the door plates of the
    /// service's plate index.
    pub fn start(store: Arc<Store>, plates: Arc<PlateIndex>, settings: &TileSettings) -> Arc<TileService> {
        let (tx, _) = watch::channel(None);
        let service = Arc::new(TileService {
            current: tx,
            cache: TileCache::new(settings.cache_mb << 20),
            swap: RwLock::new(0),
            archive_path: settings.archive.clone(),
            archive: OnceCell::new(),
            prepared: std::sync::atomic::AtomicBool::new(settings.archive.is_some()),
            cache_control: http::HeaderValue::from_str(&format!("public, max-age={}", settings.max_age_secs))
                .unwrap_or(http::HeaderValue::from_static("no-cache")),
        });
        if service.archive_path.is_none() {
            let s = service.clone();
            std::thread::spawn(move || match TileSet::load(&store, None, Some(plates)) {
                Ok(set) => {
                    let set = Arc::new(set);
                    s.current.send_replace(Some(set.clone()));
                    set.prepare();
                    s.prepared.store(true, std::sync::atomic::Ordering::Release);
                }
                Err(e) => tracing::error!("loading the tile set: {e}"),
            });
        }
        service
    }

    /// Whether the first tile set has been read (tiles can be cut; some
    /// zooms may still be generalised on first use).
    pub fn loaded(&self) -> bool {
        self.current.borrow().is_some()
    }

    /// Whether tiles are ready to be cut at every zoom without first
    /// generalising a level (start-up work on another thread is over).
    pub fn prepared(&self) -> bool {
        self.prepared.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The tile set, once loaded.
    pub async fn set(&self) -> Result<Arc<TileSet>, TileError> {
        let mut rx = self.current.subscribe();
        let set = rx.wait_for(Option::is_some).await.map_err(|e| TileError::Unavailable(e.to_string()))?;
        set.clone().ok_or_else(|| TileError::Unavailable("no tile set".into()))
    }

    /// Whether tiles come from an archive.
    pub fn from_archive(&self) -> bool {
        self.archive_path.is_some()
    }

    /// Whether the tileset of these layers is served: any, when tiles are
    /// cut from the store; an archive holds one tileset, asked for as every
    /// layer.
    pub fn serves(&self, sel: Selection) -> bool {
        sel.is_all() || !self.from_archive()
    }

    /// The tile of the tileset of the chosen layers, cut (or read) once and
    /// cached; and whether it came from the cache (see [`Self::serves`]).
    pub async fn tile(&self, sel: Selection, t: TileId) -> Result<(Arc<CachedTile>, bool), TileError> {
        if let Some(hit) = self.cache.get(sel, t) {
            return Ok((hit, true));
        }
        self.fetch(sel, t).await.map(|tile| (tile, false))
    }

    /// The archive served, opened on first use; `None` when tiles are cut
    /// from the store.
    async fn archive(&self) -> Result<Option<&Archive>, TileError> {
        let Some(path) = &self.archive_path else { return Ok(None) };
        let archive = self
            .archive
            .get_or_try_init(|| Archive::open(path))
            .await
            .map_err(|e| TileError::Unavailable(format!("{e:#}")))?;
        Ok(Some(archive))
    }

    /// The zoom range served: the archive's, else the tileset's own.
    pub async fn zooms(&self) -> Result<(u8, u8), TileError> {
        Ok(self.archive().await?.map_or((0, super::layers::MAX_ZOOM), |a| a.zooms))
    }

    async fn fetch(&self, sel: Selection, t: TileId) -> Result<Arc<CachedTile>, TileError> {
        if let Some(archive) = self.archive().await? {
            if !self.serves(sel) {
                return Err(TileError::NotInArchive(sel.tileset_id()));
            }
            let tile = match archive.gzipped(t).await.map_err(|e| TileError::Unavailable(format!("{e:#}")))? {
                Some(gz) => CachedTile::from_gzip(gz),
                None => CachedTile::new(None),
            };
            let tile = Arc::new(tile);
            self.cache.insert(sel, t, tile.clone());
            return Ok(tile);
        }
        let generation = *self.swap.read().unwrap_or_else(|p| p.into_inner());
        let set = self.set().await?;
        let tile = Arc::new(CachedTile::new(set.render(t, &sel)));
        metrics::counter!("fangyu_tiles_cut_total").increment(1);
        let current = self.swap.read().unwrap_or_else(|p| p.into_inner());
        if *current == generation {
            self.cache.insert(sel, t, tile.clone());
        }
        Ok(tile)
    }

    /// Reloads the tile set from the store after a change and drops the
    /// cached tiles the change touched (blocking; run off the runtime).
    /// `plates` is the new plate index. Returns how many feature boxes changed.
    pub fn reload(&self, store: &Store, plates: Arc<PlateIndex>) -> Result<usize, crate::store::StoreError> {
        if self.from_archive() {
            return Ok(0);
        }
        let old = self.current.borrow().clone();
        let new = TileSet::load(store, old.as_deref(), Some(plates))?;
        let boxes = old.as_ref().map(|o| new.changed_boxes(o, None));
        self.swap_in(new, boxes.as_deref());
        Ok(boxes.map_or(0, |b| b.len()))
    }

    /// After a change that touched no division or marker: the tile set
    /// takes the changed places (rows of any status) and new door plates, and
    /// the cached tiles the change touched leave the cache. Returns how many
    /// feature boxes changed; `None` while the first tile set is still
    /// loading (it reads the store after the change anyway).
    pub fn update(&self, places: &[crate::store::PlaceRow], plates: Arc<PlateIndex>) -> Option<usize> {
        if self.from_archive() {
            return Some(0);
        }
        let old = self.current.borrow().clone()?;
        let (new, boxes) = old.with_features(places, Some(plates));
        self.swap_in(new, Some(&boxes));
        Some(boxes.len())
    }

    /// Serves `new` from now on and drops the cached tiles meeting `boxes`
    /// (all of them without), under the lock that keeps a tile cut from the
    /// old set out of the cache.
    fn swap_in(&self, new: TileSet, boxes: Option<&[[i64; 4]]>) {
        let mut generation = self.swap.write().unwrap_or_else(|p| p.into_inner());
        *generation += 1;
        self.current.send_replace(Some(Arc::new(new)));
        match boxes {
            Some(b) => self.cache.invalidate(b),
            None => self.cache.clear(),
        }
    }

    /// The cache.
    pub fn cache(&self) -> &TileCache {
        &self.cache
    }
}
