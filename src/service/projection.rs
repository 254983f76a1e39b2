//! The in-memory indices and the tile cache as projections of the change
//! log. [`Projections::catch_up`] reads the entries after the last one
//! applied, applies them, and only then announces the new head, so a
//! client told of a change by the feed finds it answered everywhere. The
//! same call serves a write of this process (right after its commit) and
//! the follower thread, which polls the log's head and so picks up what
//! another process (a CLI import, a second server) committed.

use crate::geocode::DivisionJsonCache;
use crate::index::Gazetteer;
use crate::model::AddressCode;
use crate::store::feed::{LogKey, entries_between, head};
use crate::store::{AddressRow, PlaceRow, Store, StoreResult};
use crate::tiles::service::TileService;
use arc_swap::ArcSwap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// The projections of one running server.
pub struct Projections {
    store: Arc<Store>,
    gazetteer: Arc<ArcSwap<Gazetteer>>,
    /// The JSON of the divisions of `gazetteer`, for `/reverse`.
    division_json: Arc<DivisionJsonCache>,
    tiles: Arc<TileService>,
    /// The last sequence number applied. Held while applying, so entries
    /// are applied once each and in order.
    applied: Mutex<i64>,
    /// The head announced to feed readers: always one already applied.
    announced: watch::Sender<i64>,
    /// Wakes the webhook deliverer (a new subscription).
    deliveries: Arc<tokio::sync::Notify>,
    /// Whether a rebuild of the indices runs in the background.
    compacting: std::sync::atomic::AtomicBool,
    /// The sequence number of the last full rebuild.
    rebuilt_at: Mutex<i64>,
    /// Plates and roads the overlays may carry (added, or no longer
    /// current) before the indices are rebuilt in the background.
    overlay_limit: usize,
}

/// What a run of log entries touches.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Touched {
    /// Place ids.
    pub places: Vec<i64>,
    /// Address codes.
    pub addresses: Vec<String>,
    /// Whether divisions, boundary lines or markers changed.
    pub divisions_or_boundaries: bool,
}

impl Touched {
    /// Sorts the entries into what they touch (tokens, proposals and
    /// subscriptions touch no index).
    pub fn of(entries: &[LogKey]) -> Touched {
        let mut t = Touched::default();
        for e in entries {
            match e.entity.as_str() {
                "place" => t.places.extend(e.key.parse::<i64>().ok()),
                "address" => t.addresses.push(e.key.clone()),
                "division" | "marker" | "boundary" | "dataset" => t.divisions_or_boundaries = true,
                _ => {}
            }
        }
        t.places.sort_unstable();
        t.places.dedup();
        t.addresses.sort_unstable();
        t.addresses.dedup();
        t
    }

    /// Whether any index is touched.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty() && self.addresses.is_empty() && !self.divisions_or_boundaries
    }
}

impl Projections {
    /// Projections of `store` that reflect the log up to `gazetteer.seq`,
    /// rebuilt in the background once their overlays carry more than
    /// `overlay_limit` plates and roads.
    pub fn new(
        store: Arc<Store>,
        gazetteer: Arc<ArcSwap<Gazetteer>>,
        tiles: Arc<TileService>,
        overlay_limit: usize,
    ) -> Arc<Projections> {
        let (seq, division_json) = {
            let g = gazetteer.load();
            (g.seq, Arc::new(DivisionJsonCache::new(&g.divisions)))
        };
        Arc::new(Projections {
            store,
            gazetteer,
            division_json,
            tiles,
            applied: Mutex::new(seq),
            announced: watch::channel(seq).0,
            deliveries: Arc::new(tokio::sync::Notify::new()),
            compacting: Default::default(),
            rebuilt_at: Mutex::new(seq),
            overlay_limit,
        })
    }

    /// The newest sequence number applied and announced.
    pub fn head(&self) -> i64 {
        *self.announced.borrow()
    }

    /// A receiver that wakes when the announced head moves.
    pub fn watch(&self) -> watch::Receiver<i64> {
        self.announced.subscribe()
    }

    /// Applies every entry committed since the last call and announces the
    /// new head. Blocking; one caller at a time applies, the others wait
    /// for it and then find nothing left to do.
    pub fn catch_up(&self) -> StoreResult<i64> {
        let mut applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.store.read(head)?;
        if now > *applied {
            let entries = self.store.read(|c| entries_between(c, *applied, now))?;
            let touched = Touched::of(&entries);
            *applied = if touched.is_empty() {
                now
            } else if touched.divisions_or_boundaries {
                let seq = self.reload()?;
                *self.rebuilt_at.lock().unwrap_or_else(|e| e.into_inner()) = seq;
                seq
            } else {
                self.apply(&touched, now)?;
                now
            };
            self.announced.send_replace(*applied);
        }
        Ok(*applied)
    }

    /// Whether the overlays of the roads and streets have grown past what
    /// an incremental change should carry (the door plates' are folded
    /// part by part: [`Projections::compact_if_full`]).
    fn overlay_full(&self) -> bool {
        let g = self.gazetteer.load();
        g.roads.overlay_len() + g.streets.overlay_len() > self.overlay_limit
    }

    /// Plates, roads and streets the overlays carry now.
    pub fn overlay_len(&self) -> usize {
        let g = self.gazetteer.load();
        g.plates.overlay_len() + g.roads.overlay_len() + g.streets.overlay_len()
    }

    /// When a province's door plates carry a large overlay, folds it into
    /// a new base of that province on a thread of its own, while changes go
    /// on being applied to the current snapshot, then swaps it in with what
    /// changed there since (the cost is one province's plates, not the
    /// country's). When the roads and streets carry more than the limit,
    /// rebuilds the indices that carry overlays from the store instead.
    /// Returns at once.
    pub fn compact_if_full(self: &Arc<Self>) {
        let part = self.gazetteer.load().plates.part_to_compact(self.overlay_limit);
        if (part.is_none() && !self.overlay_full())
            || self.compacting.swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            return;
        }
        let me = self.clone();
        let spawned = std::thread::Builder::new().name("index-compaction".into()).spawn(move || {
            background_priority();
            let done = match part {
                Some(k) => me.compact_plates(k),
                None => me.compact(),
            };
            if let Err(e) = done {
                tracing::warn!("rebuilding the indices: {e}");
            }
            me.compacting.store(false, std::sync::atomic::Ordering::Release);
        });
        if spawned.is_err() {
            self.compacting.store(false, std::sync::atomic::Ordering::Release);
        }
    }

    /// Folds the overlay of the door plates of part `k` into a new base.
    fn compact_plates(&self, k: usize) -> StoreResult<()> {
        let Some(fresh) = self.gazetteer.load().plates.compacted_part(k) else { return Ok(()) };
        // No change is applied while the compacted part is put in place.
        let _applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.gazetteer.load_full();
        let mut g = (*now).clone();
        g.plates = Arc::new(now.plates.with_compacted(fresh));
        self.install(g, Some(&[]))?;
        tracing::debug!("door plates of province {k:02} folded into a new base");
        Ok(())
    }

    fn compact(&self) -> StoreResult<()> {
        // The division tree and its names carry no overlay: they are shared.
        let fresh = self.gazetteer.load_full().reload_overlaid(&self.store)?;
        let applied = self.applied.lock().unwrap_or_else(|e| e.into_inner());
        // A full rebuild since the read (a division changed) already holds
        // more than this one.
        if *self.rebuilt_at.lock().unwrap_or_else(|e| e.into_inner()) > fresh.seq {
            return Ok(());
        }
        let entries = self.store.read(|c| entries_between(c, fresh.seq, *applied))?;
        let touched = Touched::of(&entries);
        if touched.divisions_or_boundaries {
            return Ok(());
        }
        let (places, addresses) = self.changed_rows(&touched)?;
        let mut g = fresh.with_changes(places, &addresses);
        g.seq = *applied;
        self.install(g, Some(&[]))?;
        tracing::info!("indices rebuilt from the store through change {}", *applied);
        Ok(())
    }

    /// Rebuilds every index from the store and reloads the tile set;
    /// returns the sequence number the rebuild reflects.
    fn reload(&self) -> StoreResult<i64> {
        let g = Gazetteer::load(&self.store)?;
        let seq = g.seq;
        self.install(g, None)?;
        Ok(seq)
    }

    /// Swaps `g` in, then brings the tile set after it: with `changed`, the
    /// changed places and `g`'s plates; without (or while the first tile
    /// set is still loading), a reload from the store.
    fn install(&self, g: Gazetteer, changed: Option<&[PlaceRow]>) -> StoreResult<()> {
        let plates = g.plates.clone();
        // A rebuilt division index is rendered before readers see it.
        self.division_json.refresh(&g.divisions);
        self.gazetteer.store(Arc::new(g));
        match changed {
            Some(places) if self.tiles.update(places, plates.clone()).is_some() => Ok(()),
            _ => self.tiles.reload(&self.store, plates).map(|_| ()),
        }
    }

    /// Applies the places and addresses `touched` names, each read again
    /// from the store; the division tree, its names and the plate and road
    /// grids are shared with the previous snapshot.
    fn apply(&self, touched: &Touched, seq: i64) -> StoreResult<()> {
        let (places, addresses) = self.changed_rows(touched)?;
        let old = self.gazetteer.load_full();
        let mut g = old.with_changes(places.clone(), &addresses);
        g.seq = seq;
        self.install(g, Some(&places))
    }

    /// The current rows of the places and addresses `touched` names (an
    /// address no longer in the store is `None`).
    #[allow(clippy::type_complexity)]
    fn changed_rows(
        &self,
        touched: &Touched,
    ) -> StoreResult<(Vec<PlaceRow>, Vec<(AddressCode, Option<AddressRow>)>)> {
        self.store.read_snapshot(|c| {
            let mut places = Vec::with_capacity(touched.places.len());
            for &fid in &touched.places {
                places.extend(PlaceRow::get(c, fid)?);
            }
            let mut addresses = Vec::with_capacity(touched.addresses.len());
            // A logged code that is not an address code names no plate.
            for code in touched.addresses.iter().filter_map(|s| AddressCode::parse(s)) {
                addresses.push((code, AddressRow::by_code(c, code)?));
            }
            Ok((places, addresses))
        })
    }

    /// Follows the store's log from a thread of its own, polling its head
    /// every `every`; the thread ends when the projections are dropped.
    pub fn follow(self: &Arc<Self>, every: Duration) {
        let me: Weak<Projections> = Arc::downgrade(self);
        let spawned = std::thread::Builder::new().name("log-follower".into()).spawn(move || {
            background_priority();
            loop {
                std::thread::sleep(every);
                let Some(p) = me.upgrade() else { return };
                if let Err(e) = p.catch_up() {
                    tracing::warn!("following the change log: {e}");
                }
                p.compact_if_full();
            }
        });
        if let Err(e) = spawned {
            tracing::error!("cannot start the change-log follower: {e}");
        }
    }
}

impl Projections {
    /// Wakes the webhook deliverer.
    pub fn wake_deliveries(&self) {
        self.deliveries.notify_one();
    }

    /// What the webhook deliverer waits on.
    pub fn deliveries(&self) -> Arc<tokio::sync::Notify> {
        self.deliveries.clone()
    }

    /// The current index snapshot.
    pub fn gazetteer(&self) -> arc_swap::Guard<Arc<Gazetteer>> {
        self.gazetteer.load()
    }

    /// The JSON of the divisions of the current snapshot.
    pub fn division_json(&self) -> &Arc<DivisionJsonCache> {
        &self.division_json
    }
}

/// Lowers the calling thread to a background share of the CPU (nice
/// about 10 on Linux, where nice is per thread): applying another process's
/// commit (a CLI import of thousands of rows) or folding an overlay then
/// yields to the request workers on a busy machine instead of competing
/// with them as an equal. The work still runs; reads see it a little later.
fn background_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue, set_current_thread_priority};
    let lowered =
        ThreadPriorityValue::try_from(BACKGROUND_PRIORITY).map_err(|e| e.to_string()).and_then(|v| {
            set_current_thread_priority(ThreadPriority::Crossplatform(v)).map_err(|e| e.to_string())
        });
    if let Err(e) = lowered {
        tracing::debug!("background thread keeps its priority: {e}");
    }
}

/// The cross-platform priority (0–99) of background threads: nice 9 on Linux.
const BACKGROUND_PRIORITY: u8 = 25;
