//! `fangyu geocode`: a CSV or NDJSON file through the batch geocoder.

use anyhow::Result;
use fangyu::config::Settings;

/// `fangyu geocode`: streams the file through the batch geocoder with a
/// progress bar over the bytes read.
pub fn run(
    settings: &Settings,
    input: &std::path::Path,
    column: String,
    ndjson: bool,
    output: Option<&std::path::Path>,
) -> Result<()> {
    use fangyu::geocode::batch::{self, Format, Limits};
    use std::io::{BufWriter, Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// Counts the bytes read through it.
    struct Counting<R> {
        inner: R,
        read: Arc<AtomicU64>,
    }
    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.fetch_add(n as u64, Ordering::Relaxed);
            Ok(n)
        }
    }

    let (_store, g) = fangyu::startup::load(settings)?;
    let is_ndjson = ndjson || input.extension().is_some_and(|e| e == "ndjson" || e == "jsonl");
    let format = if is_ndjson { Format::Ndjson } else { Format::Csv { column } };
    let (reader, size): (Box<dyn Read>, u64) = if input == std::path::Path::new("-") {
        (Box::new(std::io::stdin().lock()), 0)
    } else {
        let f = std::fs::File::open(input)?;
        let size = f.metadata()?.len();
        (Box::new(f), size)
    };
    let read = Arc::new(AtomicU64::new(0));
    let reader = std::io::BufReader::with_capacity(1 << 20, Counting { inner: reader, read: read.clone() });
    let out: Box<dyn Write> = match output {
        Some(p) => Box::new(std::fs::File::create(p)?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::with_capacity(1 << 20, out);
    let limits = Limits {
        max_rows: u64::MAX,
        max_chars: settings.server.max_query_chars,
        max_row_bytes: settings.server.batch_max_row_bytes,
    };
    let mut progress = fangyu::progress::Progress::new("geocode", size);
    let mut shown = 0;
    let started = std::time::Instant::now();
    let stats = batch::run(&g, &format, reader, &mut out, limits, |_| {
        let now = read.load(Ordering::Relaxed).min(size);
        progress.inc(now.saturating_sub(shown));
        shown = now;
    })?;
    out.flush()?;
    progress.finish();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{} rows, {} matched, {} errors in {:.1} s ({:.0} rows/s)",
        stats.rows,
        stats.matched,
        stats.errors,
        secs,
        stats.rows as f64 / secs.max(1e-9)
    );
    Ok(())
}
