//! The one typed settings tree. Defaults are documented here; a TOML file
//! (`--config`) and `FANGYU_*` environment variables override them.
//! Per-jurisdiction rules (door-plate numbering) live here, not in code.

pub mod boundaries;
pub mod plates;
pub mod review;

pub use boundaries::BoundarySettings;
pub use plates::PlateSettings;
pub use review::ReviewSettings;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// All settings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    pub server: ServerSettings,
    /// Store location.
    pub store: StoreSettings,
    /// Demo data generation.
    pub demo: DemoSettings,
    /// Naming review: scopes, periods, vocabularies, word lists.
    pub review: ReviewSettings,
    /// Vector tiles and the map page.
    pub tiles: TileSettings,
    /// The change feed and its webhook deliveries.
    pub feed: FeedSettings,
    /// Signed checkpoints of the change log.
    pub audit: AuditSettings,
    /// Tokens' lifetime and the request rate limits.
    pub access: AccessSettings,
    /// Boundary lines and markers: tolerances.
    pub boundaries: BoundarySettings,
    /// Door plates: numbering rules per division.
    pub plates: PlateSettings,
}

/// How long tokens live and how fast one client may call.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccessSettings {
    /// Days a new token lives unless the request asks for fewer
    /// (`FANGYU_TOKEN_DAYS`). Default 365.
    pub token_days: u32,
    /// Requests a second one token may make, sustained (with a burst of
    /// `burst_secs` seconds' worth); 0 switches the limit off
    /// (`FANGYU_RATE_PER_TOKEN`). Default 1000.
    pub per_token_per_sec: u32,
    /// Requests a second one client address may make without a live token,
    /// sustained; 0 switches the limit off (`FANGYU_RATE_PER_ADDRESS`).
    /// Default 100.
    pub per_address_per_sec: u32,
    /// The burst above the sustained rate, in seconds of it. Default 2.
    pub burst_secs: u32,
    /// Requests from the host itself (loopback) are not limited: local
    /// tools, health checks and the bundled load scripts. Behind a proxy
    /// on the same host, list it in `trusted_proxies` so that the client
    /// behind it is limited. Default true.
    pub exempt_loopback: bool,
    /// Proxies whose `X-Forwarded-For` names the client (the rightmost
    /// address that is not one of them). Default none.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Reports the public may send from one address an hour (the sign
    /// pages' `POST /p/…/reports`, which need no token; loopback counts
    /// too); 0 switches the limit off. Default 5.
    pub public_reports_per_hour: u32,
}

impl Default for AccessSettings {
    fn default() -> Self {
        AccessSettings {
            token_days: 365,
            per_token_per_sec: 1000,
            per_address_per_sec: 100,
            burst_secs: 2,
            exempt_loopback: true,
            trusted_proxies: Vec::new(),
            public_reports_per_hour: 5,
        }
    }
}

/// Signed checkpoints of the change log (`fangyu audit keygen` makes the
/// key).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// The Ed25519 signing key (PKCS#8 PEM, `FANGYU_AUDIT_KEY`), kept
    /// outside the store; none
    /// means no checkpoints are written. Its public key is `KEY.pub`.
    pub key: Option<PathBuf>,
    /// How often a running server signs the log's head, seconds (when it
    /// moved; `FANGYU_AUDIT_CHECKPOINT_SECS`). Default 60.
    pub checkpoint_secs: u64,
    /// Where each checkpoint is also appended, one JSON line each; default
    /// `KEY.checkpoints.jsonl` beside the key.
    pub checkpoint_log: Option<PathBuf>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings { key: None, checkpoint_secs: 60, checkpoint_log: None }
    }
}

impl AuditSettings {
    /// The checkpoint log's path.
    pub fn checkpoint_log_path(&self) -> PathBuf {
        self.checkpoint_log.clone().unwrap_or_else(|| {
            let mut p = self.key.clone().unwrap_or_default().into_os_string();
            p.push(".checkpoints.jsonl");
            PathBuf::from(p)
        })
    }
}

/// The change feed (`/changes`) and webhook subscriptions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeedSettings {
    /// How often a server looks for changes that another process committed
    /// to its store, milliseconds. Default 100.
    pub follow_ms: u64,
    /// How long the feed keeps changes, days: a `since` older than that is
    /// answered 410 (the client resynchronises from a full export). The
    /// change log itself is never pruned. Default 3650.
    pub retain_days: u32,
    /// Most changes one `/changes` answer holds. Default 1000.
    pub max_limit: usize,
    /// Longest `wait` of a long poll, seconds. Default 30.
    pub max_wait_secs: u64,
    /// Interval of the comment heartbeat on `/changes/stream`, seconds.
    /// Default 15.
    pub heartbeat_secs: u64,
    /// Time allowed for one webhook delivery, seconds. Default 10.
    pub delivery_timeout_secs: u64,
    /// First retry delay after a failed delivery, seconds; it doubles with
    /// each failure up to `retry_max_secs`. Default 2.
    pub retry_first_secs: u64,
    /// Longest retry delay, seconds. Default 3600 (deliveries are retried
    /// hourly for as long as the subscription lives).
    pub retry_max_secs: u64,
    /// Door plates and roads the indices carry as changes over their
    /// built grids before they are rebuilt from the store in the
    /// background. The changes sit in tiers, so a change costs the same
    /// however many came before; the rebuild is about holding the dead
    /// entries and the tiers' grids no longer, and it briefly holds a
    /// second copy of the plates. Default 1,000,000 (some 400,000 edits
    /// of a busy mix, an hour at 100 edits a second).
    pub overlay_limit: usize,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            follow_ms: 100,
            retain_days: 3650,
            max_limit: 1000,
            max_wait_secs: 30,
            heartbeat_secs: 15,
            delivery_timeout_secs: 10,
            retry_first_secs: 2,
            retry_max_secs: 3600,
            overlay_limit: 1_000_000,
        }
    }
}

/// Where built tile archives go: what `fangyu tiles build` writes when no
/// `--out` is given, and the archive to name in [`TileSettings::archive`]
/// (the top-level `tiles/` folder, not committed).
pub const DEFAULT_TILES_ARCHIVE: &str = "tiles/base.pmtiles";

/// Vector tiles and the map page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TileSettings {
    /// Serve tiles from this PMTiles archive (made by `fangyu tiles build`,
    /// by default at [`DEFAULT_TILES_ARCHIVE`]) instead of cutting them from
    /// the store (`FANGYU_TILES_ARCHIVE`). Unset by default: tiles are cut
    /// from the store.
    pub archive: Option<PathBuf>,
    /// Memory for cut tiles, MiB. Default 256.
    pub cache_mb: u64,
    /// `Cache-Control: max-age` of tiles, seconds. Default 60 (clients
    /// revalidate with the ETag after that).
    pub max_age_secs: u32,
    /// Folder of the map page's npm packages (`web/node_modules` holds
    /// maplibre-gl). Default `web`.
    pub web_dir: PathBuf,
}

impl Default for TileSettings {
    fn default() -> Self {
        TileSettings { archive: None, cache_mb: 256, max_age_secs: 60, web_dir: "web".into() }
    }
}

/// HTTP server settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on (`FANGYU_LISTEN`). Default `127.0.0.1:8080`.
    pub listen: String,
    /// Public base URL used in absolute links behind proxies
    /// (`FANGYU_PUBLIC_URL`); derived from the request's Host when unset.
    pub public_url: Option<String>,
    /// Largest request body accepted, bytes. Default 16 MiB.
    pub body_limit_bytes: usize,
    /// Request timeout, seconds. Default 30.
    pub request_timeout_secs: u64,
    /// Longest accepted query text, characters. Default 200.
    pub max_query_chars: usize,
    /// Most results a list endpoint returns. Default 100.
    pub max_limit: usize,
    /// Radius searched for the nearest door plate and road, metres.
    /// Default 2000.
    pub nearest_radius_m: f64,
    /// Worker threads of the runtime (`FANGYU_WORKERS`); one per core when
    /// unset.
    pub workers: Option<usize>,
    /// Largest body `/geocode/batch` accepts (streamed, never held whole),
    /// bytes. Default 4 GiB.
    pub batch_body_limit_bytes: usize,
    /// Most rows one batch request geocodes. Default 20 million.
    pub batch_max_rows: u64,
    /// Most batch requests running at once; one more is answered 429 with
    /// `Retry-After`. Default 4.
    pub batch_jobs: usize,
    /// Most API writes admitted at once (running or waiting for the
    /// store's write lock, which a CLI import may hold); one more is
    /// answered 503 `/problems/busy` at once, so waiting writes never fill
    /// the blocking pool that reads use. Default 32.
    pub write_queue: usize,
    /// Longest row of a batch, bytes: a longer one is answered with an
    /// error row and never held whole. Default 64 KiB.
    pub batch_max_row_bytes: usize,
    /// Longest request target (path and query), bytes; longer is a 414
    /// problem. Default 8 KiB.
    pub max_uri_bytes: usize,
    /// Largest request head (request line and header fields), bytes;
    /// larger is a 431 problem. Default 32 KiB.
    pub max_header_bytes: usize,
    /// Seconds a new connection has to send its first request head (and
    /// finish the TLS handshake). Default 10.
    pub header_read_secs: u64,
    /// PEM certificate chain: with `tls_key`, the service speaks HTTPS
    /// itself (`--tls-cert`, `FANGYU_TLS_CERT`). Unset: plain HTTP, for
    /// loopback or behind a TLS-terminating proxy.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert` (`--tls-key`, `FANGYU_TLS_KEY`).
    pub tls_key: Option<PathBuf>,
}

/// Store settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreSettings {
    /// Store file (`FANGYU_STORE`). Default `data/fangyu.gpkg`.
    pub path: PathBuf,
    /// Folder of the demo sources. Default `data/sources`.
    pub sources: PathBuf,
}

/// Demo data settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Seed of every random choice. Default 2025.
    pub seed: u64,
    /// Prefecture generated in full detail (roads, compounds, plates).
    /// Default `330200` (宁波市).
    pub detail_prefecture: String,
    /// Door-plate numbering rule of that prefecture.
    pub numbering: NumberingRule,
}

pub use crate::model::plate_rule::Compass;

/// A city's door-plate numbering rule (local).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NumberingRule {
    /// East–west roads are numbered starting from this end.
    pub east_west_from: Compass,
    /// North–south roads are numbered starting from this end.
    pub north_south_from: Compass,
    /// Side of east–west roads with odd numbers.
    pub east_west_odd_side: Compass,
    /// Side of north–south roads with odd numbers.
    pub north_south_odd_side: Compass,
    /// Frontage per number, metres.
    pub spacing_m: f64,
    /// Distance of a plate from the road centreline, metres.
    pub setback_m: f64,
    /// Share of plates followed by an infill sub-number (88-1号).
    pub sub_number_rate: f64,
    /// Share of plates that also have a 甲-prefixed twin (甲88号).
    pub prefix_rate: f64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            body_limit_bytes: 16 * 1024 * 1024,
            request_timeout_secs: 30,
            max_query_chars: 200,
            max_limit: 100,
            nearest_radius_m: 2000.0,
            workers: None,
            batch_body_limit_bytes: 4 << 30,
            batch_max_rows: 20_000_000,
            batch_jobs: 4,
            write_queue: 32,
            batch_max_row_bytes: 64 * 1024,
            max_uri_bytes: 8 * 1024,
            max_header_bytes: 32 * 1024,
            header_read_secs: 10,
            tls_cert: None,
            tls_key: None,
        }
    }
}

impl Default for StoreSettings {
    fn default() -> Self {
        StoreSettings { path: "data/fangyu.gpkg".into(), sources: "data/sources".into() }
    }
}

impl Default for DemoSettings {
    fn default() -> Self {
        DemoSettings { seed: 2025, detail_prefecture: "330200".into(), numbering: NumberingRule::default() }
    }
}

impl Default for NumberingRule {
    /// Beijing's published rule: east–west streets from east to west with
    /// odd numbers on the north side, north–south streets from north to
    /// south with odd numbers on the west side.
    fn default() -> Self {
        NumberingRule {
            east_west_from: Compass::East,
            north_south_from: Compass::North,
            east_west_odd_side: Compass::North,
            north_south_odd_side: Compass::West,
            spacing_m: 30.0,
            setback_m: 12.0,
            sub_number_rate: 0.03,
            prefix_rate: 0.01,
        }
    }
}

impl Settings {
    /// Loads defaults, then the file if given, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut s = match file {
            Some(p) => toml::from_str(&std::fs::read_to_string(p)?)?,
            None => Settings::default(),
        };
        if let Ok(v) = std::env::var("FANGYU_LISTEN") {
            s.server.listen = v;
        }
        if let Ok(v) = std::env::var("FANGYU_TLS_CERT") {
            s.server.tls_cert = Some(v.into());
        }
        if let Ok(v) = std::env::var("FANGYU_TLS_KEY") {
            s.server.tls_key = Some(v.into());
        }
        if let Ok(v) = std::env::var("FANGYU_PUBLIC_URL") {
            s.server.public_url = Some(v);
        }
        if let Ok(v) = std::env::var("FANGYU_STORE") {
            s.store.path = v.into();
        }
        if let Ok(v) = std::env::var("FANGYU_WORKERS") {
            s.server.workers = Some(v.parse()?);
        }
        if let Ok(v) = std::env::var("FANGYU_TILES_ARCHIVE") {
            s.tiles.archive = Some(v.into());
        }
        if let Ok(v) = std::env::var("FANGYU_SOURCES") {
            s.store.sources = v.into();
        }
        if let Ok(v) = std::env::var("FANGYU_TOKEN_DAYS") {
            s.access.token_days = v.parse()?;
        }
        if let Ok(v) = std::env::var("FANGYU_RATE_PER_TOKEN") {
            s.access.per_token_per_sec = v.parse()?;
        }
        if let Ok(v) = std::env::var("FANGYU_RATE_PER_ADDRESS") {
            s.access.per_address_per_sec = v.parse()?;
        }
        if let Ok(v) = std::env::var("FANGYU_AUDIT_KEY") {
            s.audit.key = Some(v.into());
        }
        if let Ok(v) = std::env::var("FANGYU_AUDIT_CHECKPOINT_SECS") {
            s.audit.checkpoint_secs = v.parse()?;
        }
        if let Some(name) = s.plates.unknown_rule() {
            anyhow::bail!(
                "[plates] names the numbering rule {name:?}, which neither the settings nor the shipped rules define"
            );
        }
        Ok(s)
    }
}
