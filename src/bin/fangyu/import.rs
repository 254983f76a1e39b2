//! `fangyu import`: a GDAL source into the store through the service
//! layer; the report to stdout, rejected rows to the report file.

use anyhow::Result;
use fangyu::io::ImportOptions;
use fangyu::store::Store;
use std::path::Path;
use std::sync::Arc;

/// Imports into the store at `path`.
pub fn run(path: &Path, opts: ImportOptions) -> Result<()> {
    let service = fangyu::service::Service::offline(Arc::new(Store::open(path)?));
    let r = service.import(&opts)?;
    println!("{}", serde_json::to_string_pretty(&r)?);
    if r.rejected > 0 {
        eprintln!("{} rows rejected; see {}", r.rejected, opts.report.display());
    }
    Ok(())
}
