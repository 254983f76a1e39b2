//! The inspection report as PDF (placeholder until the PDF writer lands).

use super::report::Report;

/// The report as PDF bytes, set in `font` (embedded).
pub fn pdf(_r: &Report, _font: &std::path::Path) -> anyhow::Result<Vec<u8>> {
    anyhow::bail!("PDF output is not available yet")
}
