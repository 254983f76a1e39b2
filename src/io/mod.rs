//! Import and export through GDAL (any vector format it reads) and PROJ
//! (any coordinate system it knows).

mod feature_row;
pub mod import;
mod markers;

pub use import::{ImportOptions, ImportReport, Target, import};
