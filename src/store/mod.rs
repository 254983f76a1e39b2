//! The embedded store: one SQLite file in WAL mode that is also a valid OGC
//! GeoPackage. All SQL of the project lives in this module. Writes run in
//! `BEGIN IMMEDIATE` transactions, so a crash or an error never leaves half
//! an import or half a workflow step; readers use a small pool of
//! connections and never block the writer.

mod accounts;
pub mod address_applications;
pub mod address_links;
mod addresses;
mod boundaries;
mod changelog;
pub mod checkpoints;
pub mod division_changes;
mod divisions;
pub mod feed;
pub mod gpkg;
mod inspections;
pub mod marker_changes;
pub mod mbtiles;
mod places;
mod proposals;
mod schema;
pub mod seals;
pub mod signs;
mod sql_types;
pub mod subscriptions;
mod tokens;

pub use accounts::AccountRow;
pub use address_applications::ApplicationRow;
pub use address_links::LinkRow;
pub use addresses::{AddressRow, PlateRow, RenamedAddress, RoomRow};
pub use boundaries::{BoundaryLineRow, LineFilter, MarkerRow};
pub use changelog::{
    AuditReport, ChangeEntry, GENESIS, append_change, hex as changelog_hex, verify as verify_audit,
};
pub use division_changes::{AddressAlias, ChangeRequestRow, RequestState};
pub use divisions::{AliasRow, ChangeRow, DivisionRow};
pub use inspections::{FindingRow, PhotoRow, RepairRow, RoundRow};
pub use marker_changes::{MarkerChangeRow, Signature};
pub use places::PlaceRow;
pub use proposals::{ActiveProposal, ProposalRow};
pub use schema::latest_version;
pub use signs::{KindCounts, PublicReport, SignEvent, SignFilter, SignRow};
pub use tokens::{Credential, TokenRow};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite failed.
    #[error("store: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A column held a value of the wrong type.
    #[error("store: {0}")]
    Column(#[from] rusqlite::types::FromSqlError),
    /// A geometry blob could not be read or written.
    #[error("store: {0}")]
    Blob(#[from] gpkg::BlobError),
    /// A JSON column held something unexpected.
    #[error("store: {0}")]
    Json(#[from] serde_json::Error),
    /// The store file's schema is newer than this build.
    #[error("store schema version {found} is newer than this build ({known})")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
}

impl StoreError {
    /// Whether the store stayed locked by another writer past the busy
    /// timeout (nothing was written; the same call may succeed later).
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    }
}

/// Result alias for store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// A handle on the store file: one writer connection and a pool of readers.
pub struct Store {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl Store {
    /// Opens (creating if needed) and migrates the store at `path`.
    pub fn open(path: &Path) -> StoreResult<Store> {
        let mut conn = Connection::open(path)?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let found: i64 = conn.query_row("SELECT MAX(version) FROM fangyu_schema", [], |r| r.get(0))?;
        if found > schema::latest_version() {
            return Err(StoreError::TooNew { found, known: schema::latest_version() });
        }
        seals::watch(&conn);
        Ok(Store { path: path.to_path_buf(), writer: Mutex::new(conn), readers: Mutex::new(Vec::new()) })
    }

    /// The store file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on a pooled read connection.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let conn = match self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            Some(c) => c,
            None => {
                let c = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                configure(&c)?;
                c
            }
        };
        let out = f(&conn);
        self.readers.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
        out
    }

    /// Runs `f` on one pooled read connection inside one read transaction,
    /// so everything it reads comes from the same snapshot of the store.
    pub fn read_snapshot<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        self.read(|c| {
            c.execute_batch("BEGIN DEFERRED")?;
            let out = f(c);
            c.execute_batch("COMMIT")?;
            out
        })
    }

    /// Runs `f` in one immediate transaction; commits if it returns `Ok`,
    /// rolls back otherwise.
    pub fn write<T, E>(&self, f: impl FnOnce(&Transaction) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        seals::forget();
        let out = f(&tx);
        let out = match out {
            Ok(v) => v,
            Err(e) => {
                seals::forget();
                return Err(e);
            }
        };
        // Rows written after the transaction's last log entry are sealed
        // too (and then differ from the state that entry chains, which the
        // audit reports: every write logs last).
        seals::seal_touched(&tx)?;
        tx.commit().map_err(StoreError::from)?;
        Ok(out)
    }

    /// Moves the WAL into the main file and truncates it, so the file can
    /// be copied or renamed on its own.
    pub fn checkpoint(&self) -> StoreResult<()> {
        let conn = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL").or_else(|e| {
        // Read-only connections cannot change the journal mode; the writer did.
        if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) { Ok(()) } else { Err(e) }
    })?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}

/// Reads an optional geometry blob column.
fn geom_col(blob: Option<Vec<u8>>) -> StoreResult<Option<geo::Geometry<f64>>> {
    blob.map(|b| gpkg::decode(&b)).transpose().map_err(StoreError::from)
}

/// Encodes an optional geometry.
fn geom_blob(g: Option<&geo::Geometry<f64>>) -> StoreResult<Option<Vec<u8>>> {
    g.map(gpkg::encode).transpose().map_err(StoreError::from)
}
