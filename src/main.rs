//! The `fangyu` command line: serve, build the demo store, import.

use anyhow::Result;
use clap::{Parser, Subcommand};
use fangyu::config::Settings;
use fangyu::demo::Scale;
use fangyu::io::{ImportOptions, Target};
use fangyu::store::Store;
use std::collections::HashMap;
use std::path::PathBuf;

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
            let store = Store::open(&path)?;
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
            let r = fangyu::io::import(&store, &opts)?;
            println!("{}", serde_json::to_string_pretty(&r)?);
            if r.rejected > 0 {
                eprintln!("{} rows rejected; see {}", r.rejected, report.display());
            }
            Ok(())
        }
    }
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
        let state = fangyu::http::state(settings, store, g);
        fangyu::http::serve(listener, fangyu::http::app(state)).await?;
        Ok(())
    })
}
