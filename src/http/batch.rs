//! `POST /geocode/batch`: CSV or NDJSON in, the same out, streamed both
//! ways through [`crate::geocode::batch`] on a blocking thread; a bounded
//! channel between that thread and the response keeps memory flat.

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use crate::geocode::batch::{self, Format, Limits};
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::io::Write;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::io::{StreamReader, SyncIoBridge};
use utoipa::IntoParams;

/// Query of `/geocode/batch`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BatchQuery {
    /// CSV only: the column holding the address (default `address`).
    column: Option<String>,
}

/// Output bytes are sent in pieces of about this size.
const PIECE_BYTES: usize = 64 * 1024;

enum Piece {
    Data(Bytes),
    Failed(String),
}

/// Writes into the response channel, blocking when the client reads slower
/// than rows are geocoded.
struct ChannelWriter {
    tx: mpsc::Sender<Piece>,
    buf: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= PIECE_BYTES {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::take(&mut self.buf));
        self.tx.blocking_send(Piece::Data(piece)).map_err(|_| std::io::Error::other("client went away"))
    }
}

/// Geocodes every row of a CSV (`Content-Type: text/csv`, header row, the
/// address in `column`) or NDJSON (`application/x-ndjson`, one object a line
/// with `address` and any fields to echo) body, answering in the same
/// format as rows are done. Each row gets `standard_address`,
/// `address_code`, `match_level`, `confidence`, `lon`, `lat`,
/// `division_code`, `corrections` and `error` (a row that cannot be read
/// says why there; the other rows go on).
#[utoipa::path(post, path = "/geocode/batch", tag = "geocoding", params(BatchQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "The rows with their results, streamed"),
        (status = 400, body = super::error::Problem), (status = 415, body = super::error::Problem),
        (status = 429, body = super::error::Problem)))]
pub async fn geocode_batch(
    State(s): State<AppState>,
    Query(q): Query<BatchQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let (format, out_type) = batch_format(&headers, q.column)?;
    let (limits, permit) = batch_limits(&s)?;
    let g = s.gazetteer.load_full();
    let failure_field = if matches!(format, Format::Csv { .. }) { "column" } else { "body" };
    stream_batch(body, out_type, failure_field, move |reader, out| {
        // Held until the job ends, however it ends.
        let _permit = permit;
        let stats = batch::run(&g, &format, reader, out, limits, |_| {})?;
        tracing::info!(rows = stats.rows, matched = stats.matched, errors = stats.errors, "batch done");
        Ok(())
    })
    .await
}

/// The format of a batch body by its `Content-Type` (CSV with its address
/// `column`, or NDJSON), and the answer's type.
pub(super) fn batch_format(headers: &HeaderMap, column: Option<String>) -> ApiResult<(Format, &'static str)> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match media.as_str() {
        "text/csv" => Ok((
            Format::Csv { column: column.unwrap_or_else(|| "address".into()) },
            "text/csv; charset=utf-8",
        )),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" => {
            Ok((Format::Ndjson, "application/x-ndjson"))
        }
        _ => Err(ApiError::unsupported_media_type(&format!(
            "Content-Type “{ct}” 不受支持，应为 text/csv 或 application/x-ndjson"
        ))),
    }
}

/// The limits of a batch, and a permit of the batch jobs running at once
/// (429 when none is free).
pub(super) fn batch_limits(s: &AppState) -> ApiResult<(Limits, tokio::sync::OwnedSemaphorePermit)> {
    let cfg = &s.settings.server;
    let limits = Limits {
        max_rows: cfg.batch_max_rows,
        max_chars: cfg.max_query_chars,
        max_row_bytes: cfg.batch_max_row_bytes,
    };
    let permit = s.batch_jobs.clone().try_acquire_owned().map_err(|_| {
        ApiError::too_many_requests(&format!("已有 {} 个批量任务在运行，请稍后再试", cfg.batch_jobs.max(1)))
    })?;
    Ok((limits, permit))
}

/// Runs `job` on a blocking thread, reading `body` and writing into the
/// streamed answer. A failure before any output is a 400 on
/// `failure_field`; after output has begun the stream is cut short.
pub(super) async fn stream_batch(
    body: Body,
    out_type: &'static str,
    failure_field: &'static str,
    job: impl FnOnce(&mut dyn std::io::Read, &mut dyn Write) -> Result<(), batch::BatchError> + Send + 'static,
) -> ApiResult<Response> {
    let (tx, rx) = mpsc::channel::<Piece>(4);
    let input = body.into_data_stream().map(|r| r.map_err(std::io::Error::other));
    let mut reader = SyncIoBridge::new(StreamReader::new(input));
    tokio::task::spawn_blocking(move || {
        let mut out = ChannelWriter { tx: tx.clone(), buf: Vec::with_capacity(PIECE_BYTES) };
        let result = job(&mut reader, &mut out);
        let _ = out.flush();
        if let Err(e) = result {
            let _ = tx.blocking_send(Piece::Failed(e.to_string()));
        }
    });
    let mut rx = ReceiverStream::new(rx);
    let first = match rx.next().await {
        Some(Piece::Failed(reason)) => {
            return Err(ApiError::invalid(failure_field, reason));
        }
        Some(Piece::Data(b)) => Some(b),
        None => None,
    };
    let rest = rx.map(|p| match p {
        Piece::Data(b) => Ok(b),
        Piece::Failed(reason) => Err(std::io::Error::other(reason)),
    });
    let stream = tokio_stream::iter(first.map(Ok)).chain(rest);
    Ok(([(header::CONTENT_TYPE, out_type)], Body::from_stream(stream)).into_response())
}
