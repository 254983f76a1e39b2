//! The HTTP service (axum): routes in [`router`], one file per resource,
//! one error type ([`error::ApiError`], problem+json), shared handles in
//! [`state::AppState`].
//!
//! Middleware, outermost first: panic catcher, tracing, CORS, compression
//! (gzip/br) — these four wrap the router once — then, around each route,
//! request metrics (which also turns bare 400/405/408/413 answers into
//! problem documents), timeout, body limit.

pub mod accounts;
pub mod address_applications;
pub mod addresses;
pub mod audit;
pub mod auth;
pub mod batch;
pub mod boundaries;
pub mod changes;
pub mod checks;
pub mod compounds;
pub mod conditional;
pub mod connection;
pub mod contract;
pub mod division_changes;
pub mod divisions;
pub mod error;
pub mod features;
pub mod geocode;
pub mod health;
pub mod inspections;
pub mod links;
pub mod map;
pub mod marker_changes;
pub mod markers;
pub mod openapi;
pub mod params;
pub mod places;
pub mod problems;
pub mod proposals;
pub mod public_page;
pub mod rate;
pub mod reverse;
pub mod roads;
pub mod router;
pub mod signs;
pub mod state;
pub mod subscriptions;
pub mod tiles;
pub mod tokens;

use crate::config::Settings;
use crate::index::Gazetteer;
use crate::store::Store;
use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use error::ApiError;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use state::AppState;
use std::collections::HashSet;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The process-wide metrics recorder (installed once).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            let _ = metrics::set_global_recorder(recorder);
            // Timings are kept as raw samples until they are folded into
            // the rolling summaries: fold them every few seconds, so that
            // memory stays bounded whether or not anyone scrapes.
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                }
            });
            if let Err(e) = spawned {
                tracing::error!("cannot start the metrics upkeep: {e}");
            }
            handle
        })
        .clone()
}

/// Builds the shared state from an opened store and its indices (and
/// loads the naming-review rules the settings name), and starts what runs
/// beside the requests: the follower of the store's change log and the
/// webhook deliverer. Call it inside the Tokio runtime that serves.
pub fn state(settings: Settings, store: Arc<Store>, gazetteer: Gazetteer) -> anyhow::Result<AppState> {
    let rules = crate::review::Rules::load(&settings.review)?;
    let plates = gazetteer.plates.clone();
    let tiles = crate::tiles::service::TileService::start(store.clone(), plates, &settings.tiles);
    let gazetteer = Arc::new(ArcSwap::from_pointee(gazetteer));
    let projections = crate::service::Projections::new(
        store.clone(),
        gazetteer.clone(),
        tiles.clone(),
        settings.feed.overlay_limit,
    );
    projections.follow(Duration::from_millis(settings.feed.follow_ms.max(1)));
    let deliverer = crate::service::webhooks::Deliverer::new(store.clone(), settings.feed.clone());
    tokio::spawn(deliverer.run(projections.watch(), projections.deliveries()));
    let batch_jobs = settings.server.batch_jobs.max(1);
    let write_queue = settings.server.write_queue.max(1);
    let checkpointer =
        crate::service::audit::Checkpointer::open(&settings.audit, store.clone())?.map(Arc::new);
    if let Some(c) = &checkpointer {
        c.clone().every(Duration::from_secs(settings.audit.checkpoint_secs.max(1)));
    }
    let service = crate::service::Service::live(store.clone(), projections.clone());
    service.clone().apply_due_every(
        Duration::from_secs(settings.boundaries.division_changes_every_secs.max(1)),
        settings.boundaries.topology_tolerance_m,
    );
    let rates = Arc::new(rate::RateLimits::new(&settings.access));
    let idle = rates.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            idle.forget_idle();
        }
    });
    Ok(AppState::new(state::Shared {
        settings: Arc::new(settings),
        service,
        division_json: projections.division_json().clone(),
        projections,
        store,
        gazetteer,
        metrics: metrics_handle(),
        rules: Arc::new(rules),
        tiles,
        writes: Arc::new(tokio::sync::Semaphore::new(write_queue)),
        batch_jobs: Arc::new(tokio::sync::Semaphore::new(batch_jobs)),
        checkpointer,
        rates,
    }))
}

/// The whole application: routes plus middleware.
pub fn app(state: AppState) -> Router {
    let server = &state.settings.server;
    // Per-route layers (axum wraps each route in them): what must see the
    // matched route or differs between routes.
    let routes = router::routes()
        .fallback(|req: Request| async move { ApiError::no_route(req.uri().path()) })
        .layer(RequestBodyLimitLayer::new(server.body_limit_bytes))
        // The extractors' own cap (2 MiB by default) follows the setting,
        // up as well as down.
        .layer(axum::extract::DefaultBodyLimit::max(server.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(server.request_timeout_secs),
        ))
        .merge(router::long_routes(server.batch_body_limit_bytes))
        .layer(middleware::from_fn_with_state(state.clone(), rate::limit))
        .layer(middleware::from_fn(track))
        .with_state(state);
    // The rest wraps the router once, so a request does not clone each of
    // these layers for its route.
    let outer = ServiceBuilder::new()
        .layer(CatchPanicLayer::custom(|_| ApiError::internal("handler panicked").into_response()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            // account and token are filled in by the bearer extractor.
            tracing::info_span!("request", method = %req.method(), uri = %req.uri(),
                account = tracing::field::Empty, token = tracing::field::Empty)
        }))
        .layer(CorsLayer::permissive())
        .layer(CompressionLayer::new().compress_when(
            DefaultPredicate::new().and(NotForContentType::const_new("application/vnd.mapbox-vector-tile")),
        ))
        .service(routes);
    Router::new().fallback_service(outer)
}

/// A metric label as `&'static str`: routes and statuses are a small fixed
/// set, each stored once, so that recording a request allocates nothing.
fn label(value: &str) -> &'static str {
    static SEEN: OnceLock<RwLock<HashSet<&'static str>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Default::default);
    if let Some(v) = seen.read().unwrap_or_else(|p| p.into_inner()).get(value) {
        return v;
    }
    let mut seen = seen.write().unwrap_or_else(|p| p.into_inner());
    match seen.get(value) {
        Some(v) => v,
        None => {
            let v: &'static str = Box::leak(value.into());
            seen.insert(v);
            v
        }
    }
}

/// Records request counts and latencies per route; turns bare 413/408
/// answers of the middleware into problem documents.
async fn track(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| label(m.as_str()));
    let start = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status();
    metrics::counter!("http_requests_total", "route" => route, "status" => label(status.as_str()))
        .increment(1);
    metrics::histogram!("http_request_duration_seconds", "route" => route)
        .record(start.elapsed().as_secs_f64());
    let is_problem = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if is_problem {
        return resp;
    }
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::payload_too_large().into_response(),
        StatusCode::REQUEST_TIMEOUT => ApiError::timeout().into_response(),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::method_not_allowed().into_response(),
        // axum's own query and path rejections.
        StatusCode::BAD_REQUEST => ApiError::invalid("query", "查询参数格式错误").into_response(),
        _ => resp,
    }
}

/// Serves `app` on `listener` with the default server settings (plain
/// HTTP, the default head limits) until Ctrl-C or SIGTERM, then drains.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> anyhow::Result<()> {
    serve_with(listener, app, &crate::config::ServerSettings::default()).await
}

/// Serves `app` on `listener` as `server` says (head limits; TLS when a
/// certificate and key are set) until Ctrl-C or SIGTERM, then drains.
/// Listening beyond loopback without TLS is allowed but warned about.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    server: &crate::config::ServerSettings,
) -> anyhow::Result<()> {
    let tls = match (&server.tls_cert, &server.tls_key) {
        (Some(cert), Some(key)) => Some(connection::Tls::from_pem_files(cert, key)?),
        (None, None) => None,
        _ => anyhow::bail!("TLS needs both a certificate (--tls-cert) and its key (--tls-key)"),
    };
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("serving on {scheme}://{addr}");
    if tls.is_none() && !addr.ip().is_loopback() {
        tracing::warn!(
            "listening on {addr}, beyond loopback, over plain HTTP: tokens and data cross the network \
             unencrypted. Put a TLS-terminating proxy in front, or serve HTTPS with --tls-cert and --tls-key"
        );
    }
    let limits = connection::HeadLimits::from_settings(server);
    connection::serve(listener, app, limits, tls, shutdown_signal()).await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
