//! Connections: the accept loop, TLS, and the check of each connection's
//! first request head before hyper sees it.
//!
//! hyper answers a request it cannot parse (a URI or header block over its
//! buffer, a malformed request line) on its own, with an empty body. So the
//! first request head of every connection is read here first:
//!
//! 1. accept; with TLS, the rustls handshake (ALPN `h2`, `http/1.1`);
//! 2. read up to `[server] max_header_bytes` until the head ends
//!    (`\r\n\r\n`), within `header_read_secs`; an HTTP/2 preface passes;
//! 3. parse it with `httparse`: a malformed request line or header is a 400,
//!    a URI over `max_uri_bytes` a 414, a head over `max_header_bytes` or
//!    with more than [`MAX_HEADERS`] fields a 431 — each a problem+json
//!    document, after which the connection closes;
//! 4. otherwise hand the connection, with the bytes already read put back
//!    in front, to hyper (HTTP/1.1 keep-alive or HTTP/2).
//!
//! Later requests on a kept-alive connection are parsed by hyper alone;
//! its limits are set above these, so in practice only a malformed request
//! line after a good one gets hyper's bare 400.

use crate::http::error::ApiError;
use anyhow::Context;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tower::ServiceExt;

/// Most header fields a request head may carry.
pub const MAX_HEADERS: usize = 128;

/// The first bytes of an HTTP/2 connection with prior knowledge.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// How long open connections may finish after a shutdown signal.
const DRAIN: Duration = Duration::from_secs(10);

/// Limits applied to a connection's first request head.
#[derive(Debug, Clone, Copy)]
pub struct HeadLimits {
    /// Longest request target (path and query), bytes.
    pub max_uri_bytes: usize,
    /// Longest request head (request line and every header), bytes.
    pub max_header_bytes: usize,
    /// Time a client has to send its first request head.
    pub read_timeout: Duration,
}

impl HeadLimits {
    /// The limits the settings give.
    pub fn from_settings(s: &crate::config::ServerSettings) -> HeadLimits {
        HeadLimits {
            max_uri_bytes: s.max_uri_bytes,
            max_header_bytes: s.max_header_bytes,
            read_timeout: Duration::from_secs(s.header_read_secs.max(1)),
        }
    }
}

/// A TLS server configuration loaded from PEM files.
#[derive(Clone)]
pub struct Tls(TlsAcceptor);

impl Tls {
    /// Loads the certificate chain and private key (PEM).
    pub fn from_pem_files(cert: &Path, key: &Path) -> anyhow::Result<Tls> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .with_context(|| format!("TLS certificate {}", cert.display()))?;
        anyhow::ensure!(!chain.is_empty(), "TLS certificate {}: no certificate in it", cert.display());
        let key = PrivateKeyDer::from_pem_file(key).with_context(|| format!("TLS key {}", key.display()))?;
        let mut config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .context("TLS protocol versions")?
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .context("TLS certificate and key do not match")?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls(TlsAcceptor::from(Arc::new(config))))
    }
}

/// Serves `app` on `listener` (over TLS when `tls` is given) until
/// `shutdown` completes, then lets open connections finish for a while.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HeadLimits,
    tls: Option<Tls>,
    shutdown: impl std::future::Future<Output = ()>,
) -> io::Result<()> {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // hyper's own limits stay above the ones checked here, so that these
    // answer (with a problem document) before hyper would.
    builder.http1().max_buf_size((limits.max_header_bytes + limits.max_uri_bytes).max(64 * 1024) * 2);
    let builder = Arc::new(builder);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Answers leave at once rather than waiting on Nagle's algorithm.
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let builder = builder.clone();
        let tls = tls.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let service = app.map_request(move |mut req: http::Request<hyper::body::Incoming>| {
                // Each request knows its peer's address (the rate limits key on it).
                req.extensions_mut().insert(ConnectInfo(peer));
                req
            });
            let service = TowerToHyperService::new(service);
            let result = match tls {
                None => match checked(tcp, limits).await {
                    Some(io) => {
                        watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(io), service)).await
                    }
                    None => return,
                },
                Some(Tls(acceptor)) => {
                    let Ok(Ok(stream)) =
                        tokio::time::timeout(limits.read_timeout, acceptor.accept(tcp)).await
                    else {
                        return;
                    };
                    let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
                    let io = if h2 {
                        Some(Prefixed::new(Vec::new(), stream))
                    } else {
                        checked(stream, limits).await
                    };
                    match io {
                        Some(io) => {
                            watcher
                                .watch(builder.serve_connection_with_upgrades(TokioIo::new(io), service))
                                .await
                        }
                        None => return,
                    }
                }
            };
            if let Err(e) = result {
                tracing::debug!("connection from {peer}: {e}");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => tracing::warn!("connections still open after {}s; closing", DRAIN.as_secs()),
    }
    Ok(())
}

/// Reads the first request head of `io` and checks it against `limits`:
/// the connection with the bytes read put back, or `None` when it was
/// answered with a problem (or closed, or too slow) here.
async fn checked<S>(mut io: S, limits: HeadLimits) -> Option<Prefixed<S>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::with_capacity(1024);
    let verdict = tokio::time::timeout(limits.read_timeout, read_head(&mut io, &mut buf, limits)).await;
    match verdict {
        Ok(Ok(Head::Fine)) => Some(Prefixed::new(buf, io)),
        Ok(Ok(Head::Refused(err))) => {
            let _ = io.write_all(&problem_response(&err)).await;
            let _ = io.shutdown().await;
            None
        }
        // Closed, failed or too slow: nothing to answer.
        Ok(Err(_)) | Err(_) => None,
    }
}

/// What the first request head is.
enum Head {
    /// Complete and within the limits (or HTTP/2): hyper takes it.
    Fine,
    /// Refused with this problem.
    Refused(ApiError),
}

async fn read_head<S: AsyncRead + Unpin>(
    io: &mut S,
    buf: &mut Vec<u8>,
    limits: HeadLimits,
) -> io::Result<Head> {
    let cap = limits.max_header_bytes;
    let mut chunk = [0u8; 4096];
    loop {
        let n = io.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(head) = judge(buf, limits) {
            return Ok(head);
        }
        if buf.len() > cap {
            return Ok(Head::Refused(too_large(buf, limits)));
        }
    }
}

/// Judges what has been read so far; `None` while the head is incomplete.
fn judge(buf: &[u8], limits: HeadLimits) -> Option<Head> {
    if buf.starts_with(H2_PREFACE) || H2_PREFACE.starts_with(buf) {
        return (buf.len() >= H2_PREFACE.len()).then_some(Head::Fine);
    }
    // Blank lines before a request line are allowed (RFC 9112 §2.2).
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => {
            if req.path.is_some_and(|p| p.len() > limits.max_uri_bytes) {
                Some(Head::Refused(ApiError::uri_too_long(limits.max_uri_bytes)))
            } else if len > limits.max_header_bytes {
                Some(Head::Refused(ApiError::header_too_large(limits.max_header_bytes)))
            } else {
                Some(Head::Fine)
            }
        }
        Ok(httparse::Status::Partial) => None,
        Err(httparse::Error::TooManyHeaders) => {
            Some(Head::Refused(ApiError::header_too_large(limits.max_header_bytes)))
        }
        Err(e) => Some(Head::Refused(ApiError::bad_request_head(&e.to_string()))),
    }
}

/// The problem for a head that passed `max_header_bytes` unfinished: a
/// request line still unfinished is a URI too long.
fn too_large(buf: &[u8], limits: HeadLimits) -> ApiError {
    let first_line_done = buf.windows(2).any(|w| w == b"\r\n") || buf.contains(&b'\n');
    if first_line_done {
        ApiError::header_too_large(limits.max_header_bytes)
    } else {
        ApiError::uri_too_long(limits.max_uri_bytes)
    }
}

/// An HTTP/1.1 answer carrying `err` as problem+json, closing the connection.
fn problem_response(err: &ApiError) -> Vec<u8> {
    let body = err.problem_json();
    let status = err.status();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// A stream with bytes already read from it put back in front.
pub struct Prefixed<S> {
    prefix: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S> Prefixed<S> {
    fn new(prefix: Vec<u8>, inner: S) -> Prefixed<S> {
        Prefixed { prefix, at: 0, inner }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.at < this.prefix.len() {
            let n = (this.prefix.len() - this.at).min(out.remaining());
            out.put_slice(&this.prefix[this.at..this.at + n]);
            this.at += n;
            if this.at == this.prefix.len() {
                this.prefix = Vec::new();
                this.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, out)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> HeadLimits {
        HeadLimits { max_uri_bytes: 64, max_header_bytes: 256, read_timeout: Duration::from_secs(1) }
    }

    fn refused_status(buf: &[u8]) -> Option<u16> {
        match judge(buf, limits()) {
            Some(Head::Refused(e)) => Some(e.status().as_u16()),
            _ => None,
        }
    }

    #[test]
    fn a_good_head_passes_and_a_partial_one_waits() {
        assert!(matches!(judge(b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n", limits()), Some(Head::Fine)));
        assert!(judge(b"GET /health HTTP/1.1\r\nHost: a\r\n", limits()).is_none());
        assert!(matches!(judge(H2_PREFACE, limits()), Some(Head::Fine)));
        assert!(judge(&H2_PREFACE[..5], limits()).is_none());
    }

    #[test]
    fn a_long_uri_is_414_and_a_broken_line_is_400() {
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(100));
        assert_eq!(refused_status(long.as_bytes()), Some(414));
        assert_eq!(refused_status(b"GET /x HTTP/9\r\n\r\n"), Some(400));
        assert_eq!(refused_status(b"G\x01T / HTTP/1.1\r\n\r\n"), Some(400));
    }

    #[test]
    fn an_unfinished_head_over_the_limit_is_414_or_431_by_where_it_stopped() {
        assert_eq!(too_large(&[b'a'; 300], limits()).status().as_u16(), 414);
        let mut head = b"GET / HTTP/1.1\r\nX: ".to_vec();
        head.extend_from_slice(&[b'a'; 300]);
        assert_eq!(too_large(&head, limits()).status().as_u16(), 431);
    }
}
