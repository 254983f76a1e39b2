//! The `fangyu` command line: serve, build the demo store, geocode, import,
//! tokens, audit.

mod audit;
mod boundaries;
mod check;
mod eval;
mod geocode;
mod import;
mod serve;
mod tiles;
mod token;

use anyhow::Result;
use clap::{Parser, Subcommand};
use fangyu::config::Settings;
use fangyu::demo::Scale;
use fangyu::io::{ImportOptions, Target};
use std::collections::HashMap;
use std::path::PathBuf;

/// jemalloc: it gives freed memory back (on background threads, enabled
/// in `main`), so a server under mixed load for hours stays flat (mimalloc, a few per cent faster per request, kept
/// growing by ~15 MB a minute under the soak benchmark; the system
/// allocator was flat but 12 % slower).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
        /// PEM certificate chain: serve HTTPS (with --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
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
        /// The operation from the source CRS to CGCS2000: a PROJ pipeline,
        /// or towgs84=dx,dy,dz[,rx,ry,rz,ds]. Required for Beijing 1954 and
        /// Xi'an 1980 sources.
        #[arg(long)]
        transformation: Option<String>,
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
    /// The forward-geocoding evaluation: cases generated from the store's
    /// division tree and change history (fixed seed), and the real-world
    /// strings of data/eval; prints the tables.
    Eval {
        /// Store file.
        #[arg(long)]
        store: Option<PathBuf>,
        /// Seed of the generated cases.
        #[arg(long, default_value_t = 20261203)]
        seed: u64,
        /// Counties (default every one).
        #[arg(long)]
        counties: Option<usize>,
        /// Townships sampled.
        #[arg(long, default_value_t = 20_000)]
        townships: usize,
        /// Villages sampled.
        #[arg(long, default_value_t = 20_000)]
        villages: usize,
        /// Cases of the second set (written as records write them).
        #[arg(long, default_value_t = 5_000)]
        public: usize,
        /// Wrong answers listed per class.
        #[arg(long, default_value_t = 5)]
        misses: usize,
        /// Write the calibration (confidence band → share right) as CSV here.
        #[arg(long)]
        bands: Option<PathBuf>,
        /// Write the cases with the county wanted and the county answered
        /// as TSV here (scripts/compare-cpca.py scores another geocoder on them).
        #[arg(long)]
        cases: Option<PathBuf>,
    },
    /// Boundary lines: derive them from the division polygons.
    Boundaries {
        #[command(subcommand)]
        command: BoundariesCommand,
        /// Store file.
        #[arg(long, global = true)]
        store: Option<PathBuf>,
    },
    /// Checks of the store's data.
    Check {
        #[command(subcommand)]
        command: CheckCommand,
        /// Store file.
        #[arg(long, global = true)]
        store: Option<PathBuf>,
    },
    /// The hash-chained change log and its signed checkpoints.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
        /// Store file.
        #[arg(long, global = true)]
        store: Option<PathBuf>,
        /// The checkpoint key (the settings' `[audit] key` by default):
        /// the signing key, or for `verify` its public key (`KEY.pub`).
        #[arg(long, global = true)]
        key: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (it is stored hashed and cannot be shown again).
    Create {
        /// applicant, reviewer, expert, committee, approver, admin, subscriber or boundary.
        #[arg(long)]
        role: String,
        /// Who holds it: a new account of this name is created holding the
        /// role (unless --account names an existing one).
        #[arg(long, required_unless_present = "account")]
        name: Option<String>,
        /// The holder's unit (with --name).
        #[arg(long, default_value = "")]
        department: String,
        /// An existing account that holds the role.
        #[arg(long, conflicts_with = "name")]
        account: Option<i64>,
        /// Days it lives (at most `[access] token_days`).
        #[arg(long)]
        days: Option<u64>,
    },
    /// List tokens (never their secrets).
    List,
    /// List accounts with their roles.
    Accounts,
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
enum BoundariesCommand {
    /// Derive every line between neighbouring provinces, prefectures and
    /// counties from the current polygons and bring the stored lines to
    /// them (new, changed and no longer derived lines, each logged).
    Derive,
}

#[derive(Subcommand)]
enum CheckCommand {
    /// Gaps and overlaps between neighbouring divisions, children that do
    /// not tile their parent (wider than `[boundaries]
    /// topology_tolerance_m`), markers off their line and lines without
    /// markers: GeoJSON to stdout, the counts to stderr.
    Topology {
        /// Only problems involving this division or one under it.
        #[arg(long)]
        division: Option<String>,
        /// Write the GeoJSON here instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check it against every signed
    /// checkpoint (the store's, the checkpoint log's and any given); exit 1
    /// if any entry was changed, removed or inserted, or the log was
    /// truncated or rewritten.
    Verify {
        /// More checkpoint logs to check against (copies other agencies
        /// kept), one JSON checkpoint a line.
        #[arg(long)]
        checkpoints: Vec<PathBuf>,
    },
    /// Make a new checkpoint key pair (KEY and KEY.pub); never overwrites.
    Keygen,
    /// Sign the log's head now and print the checkpoint as JSON.
    Checkpoint,
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
    // Freed pages go back to the system on jemalloc's own threads, on
    // time, not only when some thread next allocates.
    if let Err(e) = tikv_jemalloc_ctl::background_thread::write(true) {
        tracing::warn!("jemalloc background threads: {e}");
    }
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { listen, store, tls_cert, tls_key } => {
            if let Some(l) = listen {
                settings.server.listen = l;
            }
            if tls_cert.is_some() {
                settings.server.tls_cert = tls_cert;
                settings.server.tls_key = tls_key;
            }
            if let Some(s) = store {
                settings.store.path = s;
            }
            serve::run(settings)
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
            geocode::run(&settings, &input, column, ndjson, output.as_deref())
        }
        Command::Token { command, store } => {
            if let Some(s) = store {
                settings.store.path = s;
            }
            token::run(&settings, command)
        }
        Command::Tiles {
            command: TilesCommand::Build { max_zoom, min_zoom, out, layers, every_zoom },
            store,
        } => {
            let path = store.unwrap_or(settings.store.path.clone());
            tiles::build(&settings, &path, tiles::Build { max_zoom, min_zoom, out, layers, every_zoom })
        }
        Command::Eval { store, seed, counties, townships, villages, public, misses, bands, cases } => {
            let sizes = fangyu::eval::cases::Sizes {
                counties: counties.unwrap_or(usize::MAX),
                townships,
                villages,
                ..Default::default()
            };
            let store = store.unwrap_or(settings.store.path.clone());
            eval::run(&store, seed, sizes, public, misses, bands.as_deref(), cases.as_deref())
        }
        Command::Boundaries { command, store } => {
            if let Some(s) = store {
                settings.store.path = s;
            }
            match command {
                BoundariesCommand::Derive => boundaries::derive(&settings),
            }
        }
        Command::Check { command: CheckCommand::Topology { division, out }, store } => {
            if let Some(s) = store {
                settings.store.path = s;
            }
            check::topology(&settings, division.as_deref(), out.as_deref())
        }
        Command::Audit { command, store, key } => {
            let mut audit_settings = settings.audit.clone();
            audit_settings.key = key.or(audit_settings.key);
            let store = store.unwrap_or(settings.store.path.clone());
            match command {
                AuditCommand::Verify { checkpoints } => audit::verify(&store, &audit_settings, &checkpoints),
                AuditCommand::Keygen => audit::keygen(&audit_settings),
                AuditCommand::Checkpoint => audit::checkpoint(&store, &audit_settings),
            }
        }
        Command::Import {
            source,
            kind,
            layer,
            mapping,
            s_srs,
            transformation,
            encoding,
            x_field,
            y_field,
            wkt_field,
            report,
            store,
        } => {
            let path = store.unwrap_or(settings.store.path.clone());
            let opts = ImportOptions {
                actor: format!("import:{}", source.display()),
                source,
                layer,
                target: kind,
                mapping: mapping.into_iter().collect::<HashMap<_, _>>(),
                source_srs: s_srs,
                transformation,
                marker_off_line_m: settings.boundaries.marker_off_line_m,
                encoding,
                x_field,
                y_field,
                wkt_field,
                report,
            };
            import::run(&path, opts)
        }
    }
}
