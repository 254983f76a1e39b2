//! `/changes`: the change feed other agencies follow, as pages
//! (`?since=`, with a long poll) or as Server-Sent Events. A change is in
//! the feed only once every index and the tile cache answer it.

use super::error::{ApiError, ApiResult};
use super::params;
use super::state::AppState;
use crate::model::ChangeFilter;
use crate::review::Actor;
use crate::store::feed::{self, FeedChange, FeedQuery};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::Duration;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::{IntoParams, ToSchema};

/// Query of `/changes` and `/changes/stream`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Changes after this sequence number (default 0: from the start).
    pub since: Option<String>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<String>,
    /// Only these kinds, comma-separated: division, place, address, marker,
    /// boundary, proposal.
    pub kind: Option<String>,
    /// Only changes in divisions whose code starts with this.
    pub division: Option<String>,
    /// When nothing is new, wait up to this many seconds (at most 30) for a
    /// change before answering.
    pub wait: Option<String>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangesPage {
    /// The changes, oldest first.
    pub changes: Vec<FeedChange>,
    /// Pass this as `since` to read on: the feed has been read up to it.
    pub next: i64,
}

impl ChangesQuery {
    /// The checked feed query and the wait.
    fn parse(&self, s: &AppState, last_event_id: Option<&str>) -> ApiResult<(FeedQuery, Duration)> {
        let cfg = &s.settings.feed;
        let since = match last_event_id {
            Some(id) => params::whole("Last-Event-ID", Some(id), 0, i64::MAX)?,
            None => params::whole("since", self.since.as_deref(), 0, i64::MAX)?,
        };
        let limit = params::limit(self.limit.as_deref(), 100, cfg.max_limit)?;
        let filter = ChangeFilter::parse(
            "kind",
            self.kind.as_deref().unwrap_or("").split(','),
            self.division.as_deref(),
        )
        .map_err(|e| ApiError::invalid(e.field, e.reason))?;
        let wait = params::whole("wait", self.wait.as_deref(), 0, cfg.max_wait_secs as i64)?;
        Ok((FeedQuery { since, through: 0, limit, filter }, Duration::from_secs(wait as u64)))
    }
}

/// Reads one page: the changes after `q.since` up to the announced head.
async fn page(s: &AppState, mut q: FeedQuery) -> ApiResult<ChangesPage> {
    let head = s.projections.head();
    q.through = head;
    let retain_days = s.settings.feed.retain_days;
    let store = s.store.clone();
    tokio::task::spawn_blocking(move || {
        store.read(|c| {
            let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(retain_days));
            let floor = feed::first_since(c, &cutoff.format("%Y-%m-%dT%H:%M:%S").to_string())?;
            if q.since + 1 < floor && q.since < head {
                return Ok(Err(floor));
            }
            let changes = feed::changes(c, &q)?;
            let next =
                if changes.len() == q.limit { changes.last().map_or(head, |c| c.seq) } else { head.max(0) };
            Ok(Ok(ChangesPage { changes, next }))
        })
    })
    .await
    .map_err(ApiError::internal)??
    .map_err(|floor| {
        ApiError::feed_gone(&format!("变更只保留到第 {} 号之后；请先全量同步，再从最新号继续", floor - 1))
    })
}

/// The changes after `since`, oldest first, with `next` to read on. With
/// `wait`, an empty answer waits for the next matching change (long poll).
#[utoipa::path(get, path = "/changes", tag = "feed", params(ChangesQuery),
    responses((status = 200, body = ChangesPage), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 410, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    _actor: Actor,
    Query(q): Query<ChangesQuery>,
) -> ApiResult<Json<ChangesPage>> {
    let (mut q, wait) = q.parse(&s, None)?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut heads = s.projections.watch();
    loop {
        let p = page(&s, q.clone()).await?;
        if !p.changes.is_empty() || tokio::time::Instant::now() >= deadline {
            return Ok(Json(p));
        }
        // Nothing yet: read on from where this page ended.
        q.since = q.since.max(p.next);
        if tokio::time::timeout_at(deadline, heads.changed()).await.is_err() {
            return Ok(Json(ChangesPage { changes: vec![], next: p.next }));
        }
    }
}

/// The same changes as Server-Sent Events (`event: change`, `id:` the
/// sequence number, `data:` the change as in `/changes`), resuming after
/// `Last-Event-ID`, with a comment heartbeat.
#[utoipa::path(get, path = "/changes/stream", tag = "feed", params(ChangesQuery),
    responses((status = 200, description = "text/event-stream of changes"), (status = 400, body = super::error::Problem),
        (status = 401, body = super::error::Problem), (status = 410, body = super::error::Problem)),
    security(("bearer" = [])))]
pub async fn stream(
    State(s): State<AppState>,
    _actor: Actor,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> ApiResult<axum::response::Response> {
    let last = headers.get("last-event-id").and_then(|v| v.to_str().ok()).map(str::trim);
    let (mut q, _) = q.parse(&s, last)?;
    q.limit = s.settings.feed.max_limit;
    // The first page now, so a `since` the feed no longer holds is a 410.
    let first = page(&s, q.clone()).await?;
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    let heartbeat = Duration::from_secs(s.settings.feed.heartbeat_secs.max(1));
    tokio::spawn(async move {
        let mut heads = s.projections.watch();
        let mut p = first;
        loop {
            for c in &p.changes {
                let event = Event::default().event("change").id(c.seq.to_string()).json_data(c);
                if tx.send(Ok(event.unwrap_or_default())).await.is_err() {
                    return;
                }
            }
            q.since = q.since.max(p.next);
            if p.changes.len() < q.limit {
                tokio::select! {
                    changed = heads.changed() => if changed.is_err() { return },
                    _ = tx.closed() => return,
                }
            }
            match page(&s, q.clone()).await {
                Ok(next) => p = next,
                Err(_) => return,
            }
        }
    });
    let events: ReceiverStream<Result<Event, Infallible>> = ReceiverStream::new(rx);
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(heartbeat).text("heartbeat"));
    Ok(axum::response::IntoResponse::into_response(sse))
}
