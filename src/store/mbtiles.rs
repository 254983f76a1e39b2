//! MBTiles 1.3 archives: a SQLite file apart from the store, with a
//! `metadata` table and a `tiles` table (TMS rows), written in one
//! transaction with no journal (a half-written file is thrown away whole,
//! never read).

use super::StoreResult;
use rusqlite::Connection;
use std::path::Path;

/// An MBTiles file being written.
pub struct MbTilesWriter {
    conn: Connection,
}

impl MbTilesWriter {
    /// Creates the file at `path` (which must not exist) with its tables
    /// and `metadata` (name, value) rows, and opens the transaction the
    /// tiles are written in.
    pub fn create(path: &Path, metadata: &[(&str, String)]) -> StoreResult<MbTilesWriter> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;
             CREATE TABLE metadata (name TEXT PRIMARY KEY, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB,
                                 PRIMARY KEY (zoom_level, tile_column, tile_row));",
        )?;
        for (k, v) in metadata {
            conn.execute("INSERT INTO metadata (name, value) VALUES (?1, ?2)", (k, v))?;
        }
        Ok(MbTilesWriter { conn })
    }

    /// Adds one tile; `row` counts from the south (TMS).
    pub fn add(&mut self, zoom: u8, column: u32, row: u32, data: &[u8]) -> StoreResult<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO tiles (zoom_level, tile_column, tile_row, tile_data) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute((zoom, column, row, data))?;
        Ok(())
    }

    /// Commits every tile added.
    pub fn finish(self) -> StoreResult<()> {
        self.conn.execute_batch("COMMIT;")?;
        Ok(())
    }
}
