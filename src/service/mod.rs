//! The service layer: every write of the system goes through here. Each
//! write is one store transaction that changes the records and appends
//! their entries to the hash-chained change log; once it commits, the
//! in-memory projections (the indices and the tile cache) apply the new
//! entries before the write returns, and the change feed announces them.
//! HTTP handlers and CLI commands only parse input, call a method of
//! [`Service`] and shape the answer.
//!
//! Layout:
//! - [`projection`]: the indices and tiles as projections of the log,
//!   following it (also when another process writes the store);
//! - [`proposals`]: the naming workflow, including publication;
//! - [`imports`]: GDAL imports;
//! - [`accounts`]: people's accounts, their roles and their tokens;
//! - [`audit`]: signed checkpoints of the change log;
//! - [`boundaries`]: boundary lines derived from the polygons, markers
//!   changed only with both sides' signatures;
//! - [`division_changes`]: renames, changes of class, merges, splits, new
//!   divisions and boundary adjustments, approved and applied on their day;
//! - [`address_applications`], [`compounds`], [`renumbering`]: door plates
//!   issued by the numbering rules, compounds numbered in bulk, addresses
//!   renumbered or retired with their history, departments' links;
//! - [`subscriptions`] and [`webhooks`]: change-feed subscriptions and
//!   their signed deliveries.

pub mod accounts;
pub mod address_applications;
pub mod address_links;
pub mod audit;
pub mod boundaries;
pub mod compounds;
pub mod division_changes;
pub mod imports;
pub mod inspections;
pub mod projection;
pub mod proposals;
pub mod renumbering;
pub mod signs;
pub mod subscriptions;
pub mod webhooks;

pub use accounts::{AccountError, Caller, Issued, NewAccount};
pub use projection::Projections;

use crate::store::Store;
use std::sync::Arc;

/// The one way to write. Cheap to clone.
#[derive(Clone)]
pub struct Service {
    store: Arc<Store>,
    /// The running server's projections; a CLI process has none (a server
    /// on the same store follows the log instead).
    live: Option<Arc<Projections>>,
    /// Wakes the applier of division changes whose day has come.
    due: Arc<division_changes::DueSignal>,
}

impl Service {
    /// The service of a running server, whose projections follow every
    /// write.
    pub fn live(store: Arc<Store>, projections: Arc<Projections>) -> Service {
        Service { store, live: Some(projections), due: Default::default() }
    }

    /// The service of a process without indices (the command line).
    pub fn offline(store: Arc<Store>) -> Service {
        Service { store, live: None, due: Default::default() }
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The projections, when this process has them.
    pub fn projections(&self) -> Option<&Arc<Projections>> {
        self.live.as_ref()
    }

    /// After a commit: the projections apply it before the write returns.
    /// A failure here does not undo the committed write; it is logged and
    /// the follower retries.
    fn committed(&self) {
        if let Some(p) = &self.live
            && let Err(e) = p.catch_up()
        {
            tracing::error!("applying a committed change to the indices: {e}");
        }
    }
}
