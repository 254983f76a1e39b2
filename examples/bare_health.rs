//! The load scripts' reference server: a bare axum handler answering
//! `GET /health` with no middleware and no state, on the same runtime
//! (the service's worker setting, `FANGYU_WORKERS`, default one per core)
//! and allocator as the service. Its rate in the same run shows how fast the machine is at
//! that moment: host noise moves every rate here by a third or more.
//!
//! `cargo run --release --example bare_health -- 127.0.0.1:18099`

#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    let listen = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:18099".into());
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = fangyu::config::Settings::load(None)?.server.workers {
        runtime.worker_threads(n.max(1));
    }
    runtime.enable_all().build()?.block_on(async {
        let app = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        axum::serve(listener, app).await?;
        Ok(())
    })
}
