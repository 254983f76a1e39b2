//! Imports of GDAL sources: every accepted row upserted in one
//! transaction with a change-log entry each (see [`crate::io::import`]).
//! A server on the same store picks the rows up by following the log.

use super::Service;
use crate::io::{ImportOptions, ImportReport};

impl Service {
    /// Imports a source; all accepted rows commit together or not at all.
    pub fn import(&self, opts: &ImportOptions) -> anyhow::Result<ImportReport> {
        let report = crate::io::import(&self.store, opts)?;
        self.committed();
        Ok(report)
    }
}
