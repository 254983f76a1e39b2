//! The `fangyu` command line: serve, build the demo store, geocode, import,
//! tokens, audit.

use anyhow::Result;
use clap::{Parser, Subcommand};
use fangyu::config::Settings;
use fangyu::demo::Scale;
use fangyu::io::{ImportOptions, Target};
use fangyu::store::Store;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// mimalloc: fewer cycles per request than the system allocator for the
/// many small, short-lived allocations of request handling.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "fangyu", version, about = "方舆 — place-name, address and boundary data service")]
struct Cli {
    /// Settings file (TOML); environment variables FANGYU_* override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (builds the demo store first if it is missing).
    Serve {
        /// Address to listen on.
        #[arg(long)]
        listen: Option<String>,
        /// Store file.
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// Build the demo store from data/sources.
    Demo {
        /// Store file to create (must not exist).
        #[arg(long)]
        store: Option<PathBuf>,
        /// Also generate every village in China with rural plates
        /// (national volumes, for benchmarks).
        #[arg(long)]
        national: bool,
    },
    /// Geocode every address of a CSV (or NDJSON) file; results to stdout.
    Geocode {
        /// Input file (`-` for stdin): CSV with a header row, or NDJSON
        /// (`.ndjson` / `.jsonl`, or `--ndjson`).
        input: PathBuf,
        /// CSV: the column holding the address.
        #[arg(long, default_value = "address")]
        column: String,
        /// Read NDJSON whatever the file name.
        #[arg(long)]
        ndjson: bool,
        /// Write here instead of stdout.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Store file.
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// Import a GDAL vector source into the store.
    Import {
        /// Source file (GeoJSON, Shapefile, GeoPackage, CSV, FileGDB …).
        source: PathBuf,
        /// What the rows become.
        #[arg(long, value_enum)]
        kind: Target,
        /// Layer name (default: the first layer).
        #[arg(long)]
        layer: Option<String>,
        /// Field mapping TARGET=SOURCE (repeatable), e.g. --map code=GB.
        #[arg(long = "map", value_parser = parse_mapping)]
        mapping: Vec<(String, String)>,
        /// Source CRS when the layer has none or it is wrong (EPSG:4528 …).
        #[arg(long)]
        s_srs: Option<String>,
        /// Attribute encoding of a Shapefile (GBK …).
        #[arg(long)]
        encoding: Option<String>,
        /// CSV: X/longitude column.
        #[arg(long)]
        x_field: Option<String>,
        /// CSV: Y/latitude column.
        #[arg(long)]
        y_field: Option<String>,
        /// CSV: WKT column.
        #[arg(long)]
        wkt_field: Option<String>,
        /// Where to write rejected rows (CSV).
        #[arg(long, default_value = "import-rejected.csv")]
        report: PathBuf,
        /// Store file.
        #[arg(long)]
        store: Option<PathBuf>,
    },
    /// API tokens for the naming workflow.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
        /// Store file.
        #[arg(long, global = true)]
        store: Option<PathBuf>,
    },
    /// Vector tiles.
    Tiles {
        #[command(subcommand)]
        command: TilesCommand,
        /// Store file.
        #[arg(long, global = true)]
        store: Option<PathBuf>,
    },
    /// The hash-chained change log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
        /// Store file.
        #[arg(long, global = true)]
        store: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print it (it is stored hashed and cannot be shown again).
    Create {
        /// applicant, reviewer, expert, committee, approver or admin.
        #[arg(long)]
        role: String,
        /// Who holds it.
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token.
    Revoke {
        /// Token id.
        id: i64,
    },
}

#[derive(Subcommand)]
enum TilesCommand {
    /// Pre-generate every non-empty tile into a PMTiles v3 or MBTiles archive.
    Build {
        /// Deepest zoom.
        #[arg(long)]
        max_zoom: u8,
        /// Shallowest zoom.
        #[arg(long, default_value_t = 0)]
        min_zoom: u8,
        /// Archive to write (`.pmtiles` or `.mbtiles`).
        #[arg(long, default_value = fangyu::config::DEFAULT_TILES_ARCHIVE)]
        out: PathBuf,
        /// Only these layers, comma-separated (default: all).
        #[arg(long)]
        layers: Option<String>,
        /// Put the selected layers in every zoom from --min-zoom, not
        /// only from their usual first zoom.
        #[arg(long)]
        every_zoom: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exit 1 if any entry was changed, removed
    /// or inserted.
    Verify,
}

fn parse_mapping(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .ok_or_else(|| format!("expected TARGET=SOURCE, got {s}"))
}

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { listen, store } => {
            if let Some(l) = listen {
                settings.server.listen = l;
            }
            if let Some(s) = store {
                settings.store.path = s;
            }
            serve(settings)
        }
        Command::Demo { store, national } => {
            let path = store.unwrap_or(settings.store.path.clone());
            anyhow::ensure!(!path.exists(), "{} exists; remove it first", path.display());
            let scale = if national { Scale::National } else { Scale::Demo };
            fangyu::startup::ensure_demo_store(&settings, &path, scale)
        }
        Command::Geocode { input, column, ndjson, output, store } => {
            if let Some(s) = store {
                settings.store.path = s;
            }
            geocode_file(&settings, &input, column, ndjson, output.as_deref())
        }
        Command::Token { command, store } => {
            if let Some(s) = store {
                settings.store.path = s;
            }
            token(&settings, command)
        }
        Command::Tiles {
            command: TilesCommand::Build { max_zoom, min_zoom, out, layers, every_zoom },
            store,
        } => {
            let path = store.unwrap_or(settings.store.path.clone());
            fangyu::startup::ensure_demo_store(&settings, &path, Scale::Demo)?;
            let sel = match layers {
                Some(l) => fangyu::tiles::layers::Selection::parse(&l)
                    .map_err(|id| anyhow::anyhow!("unknown layer {id}"))?,
                None => fangyu::tiles::layers::Selection::all(),
            };
            let sel = if every_zoom { sel.from_zoom_zero() } else { sel };
            let started = std::time::Instant::now();
            let store = Store::open(&path)?;
            let plates = match sel.has("door_plate") {
                true => Some(std::sync::Arc::new(store.read(fangyu::index::PlateIndex::read)?)),
                false => None,
            };
            let set = fangyu::tiles::TileSet::load_selected(&store, None, &sel, plates)?;
            let loaded = started.elapsed().as_secs_f64();
            let r = fangyu::tiles::archive::build(&set, &sel, min_zoom, max_zoom, &out)?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{} tiles ({} considered, {:.1} MB) in {secs:.1} s ({loaded:.1} s reading and building the edge graphs) → {}",
                r.tiles,
                r.candidates,
                r.bytes as f64 / 1e6,
                out.display()
            );
            Ok(())
        }
        Command::Audit { command: AuditCommand::Verify, store } => {
            let path = store.unwrap_or(settings.store.path.clone());
            anyhow::ensure!(path.exists(), "{} does not exist", path.display());
            let store = Store::open(&path)?;
            let report = store.read(fangyu::store::verify_audit)?;
            match report.broken {
                None => {
                    println!("audit log intact: {} entries, head {}", report.entries, report.head);
                    Ok(())
                }
                Some((seq, why)) => {
                    println!("audit log BROKEN at entry {seq}: {why}");
                    std::process::exit(1);
                }
            }
        }
        Command::Import {
            source,
            kind,
            layer,
            mapping,
            s_srs,
            encoding,
            x_field,
            y_field,
            wkt_field,
            report,
            store,
        } => {
            let path = store.unwrap_or(settings.store.path.clone());
            let service = fangyu::service::Service::offline(Arc::new(Store::open(&path)?));
            let opts = ImportOptions {
                actor: format!("import:{}", source.display()),
                source,
                layer,
                target: kind,
                mapping: mapping.into_iter().collect::<HashMap<_, _>>(),
                source_srs: s_srs,
                encoding,
                x_field,
                y_field,
                wkt_field,
                report: report.clone(),
            };
            let r = service.import(&opts)?;
            println!("{}", serde_json::to_string_pretty(&r)?);
            if r.rejected > 0 {
                eprintln!("{} rows rejected; see {}", r.rejected, report.display());
            }
            Ok(())
        }
    }
}

/// `fangyu token …`: tokens in the store the server serves (built first
/// if missing, as `serve` would).
fn token(settings: &Settings, command: TokenCommand) -> Result<()> {
    use fangyu::review::Role;
    fangyu::startup::ensure_demo_store(settings, &settings.store.path, Scale::Demo)?;
    let store = Arc::new(Store::open(&settings.store.path)?);
    let service = fangyu::service::Service::offline(store.clone());
    match command {
        TokenCommand::Create { role, name } => {
            let r = Role::parse(&role).ok_or_else(|| {
                let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
                anyhow::anyhow!("unknown role {role}; one of {}", all.join(", "))
            })?;
            anyhow::ensure!(!name.trim().is_empty(), "--name must not be empty");
            let (id, secret) = service.create_token(name.trim(), r, "cli")?;
            eprintln!("token {id} for {name} ({role}); shown once:");
            println!("{secret}");
        }
        TokenCommand::List => {
            for t in store.read(fangyu::store::TokenRow::list)? {
                let state = t.revoked_at.map_or("live".to_string(), |d| format!("revoked {d}"));
                println!("{}\t{}\t{}\t{}\t{state}", t.id, t.role, t.name, t.created_at);
            }
        }
        TokenCommand::Revoke { id } => {
            anyhow::ensure!(service.revoke_token(id, "cli")?, "no live token {id}");
            println!("token {id} revoked");
        }
    }
    Ok(())
}

/// `fangyu geocode`: streams the file through the batch geocoder with a
/// progress bar over the bytes read.
fn geocode_file(
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
    let limits = Limits { max_rows: u64::MAX, max_chars: settings.server.max_query_chars };
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

fn serve(settings: Settings) -> Result<()> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = settings.server.workers {
        builder.worker_threads(n.max(1));
    }
    let rt = builder.enable_all().build()?;
    rt.block_on(async move {
        let (store, g) = tokio::task::block_in_place(|| fangyu::startup::load(&settings))?;
        let listener = tokio::net::TcpListener::bind(&settings.server.listen).await?;
        tracing::info!("serving on http://{}", listener.local_addr()?);
        let state = fangyu::http::state(settings, store, g)?;
        fangyu::http::serve(listener, fangyu::http::app(state)).await?;
        Ok(())
    })
}
