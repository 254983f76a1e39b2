//! The in-memory indices and the tile cache as projections of the change
//! log. [`Projections::catch_up`] reads the entries after the last one
//! applied, applies them, and only then announces the new head, so a
//! client told of a change by the feed finds it answered everywhere. The
//! same call serves a write of this process (right after its commit) and
//! the follower thread, which polls the log's head and so picks up what
//! another process (a CLI import, a second server) committed.

use crate::index::Gazetteer;
use crate::store::feed::{LogKey, entries_between, head};
use crate::store::{Store, StoreResult};
use crate::tiles::service::TileService;
use arc_swap::ArcSwap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// The projections of one running server.
pub struct Projections {
    store: Arc<Store>,
    gazetteer: Arc<ArcSwap<Gazetteer>>,
    tiles: Arc<TileService>,
    /// The last sequence number applied. Held while applying, so entries
    /// are applied once each and in order.
    applied: Mutex<i64>,
    /// The head announced to feed readers: always one already applied.
    announced: watch::Sender<i64>,
    /// Wakes the webhook deliverer (a new subscription).
    deliveries: Arc<tokio::sync::Notify>,
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
    /// Projections of `store` that reflect the log up to `gazetteer.seq`.
    pub fn new(
        store: Arc<Store>,
        gazetteer: Arc<ArcSwap<Gazetteer>>,
        tiles: Arc<TileService>,
    ) -> Arc<Projections> {
        let seq = gazetteer.load().seq;
        Arc::new(Projections {
            store,
            gazetteer,
            tiles,
            applied: Mutex::new(seq),
            announced: watch::channel(seq).0,
            deliveries: Arc::new(tokio::sync::Notify::new()),
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
            if !touched.is_empty() {
                let g = Gazetteer::load(&self.store)?;
                let plates = g.plates.clone();
                let seq = g.seq;
                self.gazetteer.store(Arc::new(g));
                self.tiles.reload(&self.store, plates)?;
                *applied = seq;
            } else {
                *applied = now;
            }
            self.announced.send_replace(*applied);
        }
        Ok(*applied)
    }

    /// Follows the store's log from a thread of its own, polling its head
    /// every `every`; the thread ends when the projections are dropped.
    pub fn follow(self: &Arc<Self>, every: Duration) {
        let me: Weak<Projections> = Arc::downgrade(self);
        let spawned = std::thread::Builder::new().name("log-follower".into()).spawn(move || {
            loop {
                std::thread::sleep(every);
                let Some(p) = me.upgrade() else { return };
                if let Err(e) = p.catch_up() {
                    tracing::warn!("following the change log: {e}");
                }
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
}
