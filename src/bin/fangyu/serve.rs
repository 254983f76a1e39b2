//! `fangyu serve`: the HTTP API on a Tokio runtime of the configured size.

use anyhow::Result;
use fangyu::config::Settings;

/// Loads the store and its indices and serves until stopped.
pub fn run(settings: Settings) -> Result<()> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = settings.server.workers {
        builder.worker_threads(n.max(1));
    }
    let rt = builder.enable_all().build()?;
    rt.block_on(async move {
        let (store, g) = tokio::task::block_in_place(|| fangyu::startup::load(&settings))?;
        let listener = tokio::net::TcpListener::bind(&settings.server.listen).await?;
        let server = settings.server.clone();
        let state = fangyu::http::state(settings, store, g)?;
        let checkpointer = state.checkpointer.clone();
        fangyu::http::serve_with(listener, fangyu::http::app(state), &server).await?;
        // The head at shutdown is signed too.
        if let Some(c) = checkpointer {
            tokio::task::block_in_place(|| c.checkpoint(false))?;
        }
        Ok(())
    })
}
