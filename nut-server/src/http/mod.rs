//! upsd's HTTP side (docs/METRICS.md): Prometheus `/metrics`, the `/api/v1` JSON and the
//! `/` status page, enabled by `HTTP_LISTEN` in upsd.conf, optionally over TLS with upsd's
//! identity and client certificates (`HTTP_TLS`, `HTTP_CERTREQUEST`).
//!
//! The protocol is a small HTTP/1.1 server written here rather than hyper: the endpoint
//! only answers GET and HEAD without bodies, so a bounded head reader ([`request`]) and a
//! fixed response writer ([`response`]) are all it takes, with every bound in plain sight
//! and no new dependency tree in upsd.
//!
//! It runs on a single-threaded tokio runtime of its own thread (`upsd-http`), beside the
//! runtimes serving NUT sessions: with the listener on the main runtime, a scrape's accept,
//! head and write each waited their turn behind up to half the busy NUT sessions (scrape
//! p99 10.5-52 ms flat out on 2 cores; 8.4-10.3 ms on its own thread, docs/BENCHMARKS.md).
//!
//! It can never slow the NUT port: connections are capped by `HTTP_MAXCONN` (a semaphore of
//! its own, apart from MAXCONN; past it a connection is closed at once), a request head is
//! at most [`request::MAX_HEAD`] bytes and must arrive within [`REQUEST_TIMEOUT`], a TLS
//! handshake within [`HANDSHAKE_TIMEOUT`], a response must be taken within
//! [`WRITE_TIMEOUT`], and the rendering (the only work proportional to the number of
//! UPSes) runs on a blocking thread, copying each UPS's state under its read lock only.
//!
//! ## Layout
//! - [`request`], [`response`]: the wire.
//! - [`view`]: one consistent read of the registry and the counters; [`view_cache`]: the
//!   copies of unchanged UPSes kept between reads.
//! - [`prometheus`], [`api`], [`page`]: the three renderings.
//! - [`certs`]: the HTTPS acceptor and the certificate expiry figures; [`reload`]: both
//!   read again on SIGHUP.

pub mod access_log;
pub mod api;
#[cfg(test)]
mod cache_tests;
pub mod certs;
pub mod page;
pub mod prometheus;
pub mod reload;
pub mod request;
pub mod response;
pub mod view;
pub mod view_cache;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

use crate::context::ServerContext;
use crate::shutdown::Shutdown;
use certs::{CertExpiry, HttpTls};
use prometheus::ups_lines::LineCache;
use request::{HeadError, Method, RequestHead};
use response::{Response, content_type};
use view::{ServerView, ViewCache};

/// A request head must be complete this long after the connection opened or the previous
/// response was written (also the keep-alive idle time).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS handshake must be done within this.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A response must be taken by the client within this.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Requests served on one connection before it is closed.
pub const MAX_REQUESTS_PER_CONNECTION: usize = 100;

/// What every HTTP connection shares.
#[derive(Debug)]
pub struct HttpShared {
    /// The NUT side's state.
    pub ctx: Arc<ServerContext>,
    /// HTTPS acceptor and certificate expiry figures (replaced on reload; a connection
    /// keeps the set it started with).
    tls: RwLock<Arc<HttpTls>>,
    /// What the renderings keep between requests.
    pub caches: RenderCaches,
}

/// What the renderings keep between requests, so that an unchanged UPS is neither copied
/// nor formatted again.
#[derive(Debug, Default)]
pub struct RenderCaches {
    /// Each UPS's variables as the last read copied them.
    pub views: ViewCache,
    /// Each UPS's `/metrics` lines as the last scrape made them.
    pub lines: LineCache,
}

impl HttpShared {
    /// The shared state.
    pub fn new(ctx: Arc<ServerContext>, tls: HttpTls) -> Arc<HttpShared> {
        Arc::new(HttpShared {
            ctx,
            tls: RwLock::new(Arc::new(tls)),
            caches: RenderCaches::default(),
        })
    }

    /// The current TLS set.
    pub fn tls(&self) -> Arc<HttpTls> {
        self.tls.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replace the TLS set (reload).
    pub fn replace_tls(&self, next: HttpTls) {
        *self.tls.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
    }
}

/// Bind the `HTTP_LISTEN` addresses (startup, before the privilege drop, like LISTEN); each
/// is logged as `HTTP listening at <url>`. A failure is fatal unless ALLOW_NOT_ALL_LISTENERS
/// and one address worked.
pub fn bind(
    conf: &nut_core::config::UpsdConf,
    family: crate::io::listener::Family,
) -> anyhow::Result<Vec<std::net::TcpListener>> {
    use crate::io::listener;
    let addrs = listener::resolve(&conf.http.listen, family)?;
    let scheme = if conf.http.tls { "https" } else { "http" };
    let mut bound = Vec::new();
    for addr in addrs {
        match listener::bind_one(addr) {
            Ok(l) => {
                let at = l.local_addr().unwrap_or(addr);
                tracing::info!("HTTP listening at {scheme}://{at}/");
                bound.push(l);
            }
            Err(e) if conf.allow_not_all_listeners => tracing::warn!("HTTP: {e}"),
            Err(e) => return Err(anyhow::Error::new(e).context("HTTP_LISTEN")),
        }
    }
    if bound.is_empty() && conf.http.enabled() {
        anyhow::bail!("HTTP_LISTEN: no address could be bound");
    }
    Ok(bound)
}

/// Serve HTTP on `listeners` until shutdown. `maxconn` is HTTP_MAXCONN.
pub fn spawn(
    shared: Arc<HttpShared>,
    listeners: Vec<std::net::TcpListener>,
    maxconn: usize,
    shutdown: &Shutdown,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(maxconn));
    reload::spawn(shared.clone(), shutdown.clone())?;
    // A runtime of its own: the NUT sessions' runtimes never queue a scrape's steps
    // (accept, head, write) behind their busy sessions, and a scrape never waits behind them.
    let mut stop = shutdown.clone();
    let runtime =
        crate::workers::runtime_thread("upsd-http".into(), async move { stop.recv().await })?;
    for l in listeners {
        let (shared, permits, shutdown) = (shared.clone(), permits.clone(), shutdown.clone());
        runtime.spawn(async move {
            match TcpListener::from_std(l) {
                Ok(l) => accept_loop(l, shared, permits, shutdown).await,
                Err(e) => tracing::error!("HTTP: cannot serve a listener: {e}"),
            }
        });
    }
    Ok(())
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<HttpShared>,
    permits: Arc<Semaphore>,
    mut shutdown: Shutdown,
) {
    loop {
        let accepted = tokio::select! {
            r = listener.accept() => r,
            _ = shutdown.recv() => return,
        };
        match accepted {
            Ok((stream, peer)) => match permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    let shared = shared.clone();
                    let sd = shutdown.clone();
                    tokio::spawn(async move {
                        serve_connection(shared, stream, peer, sd).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    nut_log::warn_throttled!(
                        shared.ctx.warnings.maxconn,
                        "refusing HTTP connection from {peer}: HTTP_MAXCONN connections are open"
                    );
                    drop(stream);
                }
            },
            Err(e) => {
                nut_log::warn_throttled!(
                    shared.ctx.warnings.accept_errors,
                    "HTTP accept failed: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn serve_connection(
    shared: Arc<HttpShared>,
    stream: TcpStream,
    peer: SocketAddr,
    mut shutdown: Shutdown,
) {
    let _ = stream.set_nodelay(true);
    let tls = shared.tls();
    let served = async {
        match &tls.acceptor {
            None => exchange(&shared, stream, peer).await,
            Some(acceptor) => {
                let acceptor: TlsAcceptor = acceptor.clone();
                match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                    Ok(Ok(tls)) => exchange(&shared, tls, peer).await,
                    Ok(Err(e)) => tracing::debug!("HTTPS handshake with {peer} failed: {e}"),
                    Err(_) => tracing::debug!("HTTPS handshake with {peer} timed out"),
                }
            }
        }
    };
    tokio::select! {
        _ = served => {}
        _ = shutdown.recv() => {}
    }
}

/// Requests and responses on one connection (plain or TLS), each logged at debug level.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    shared: &Arc<HttpShared>,
    mut s: S,
    peer: SocketAddr,
) {
    let mut buf: Vec<u8> = Vec::with_capacity(1024);
    for n in 1..=MAX_REQUESTS_PER_CONNECTION {
        let head = match tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut s, &mut buf)).await {
            Ok(Ok(Some(head))) => head,
            // Closed between requests.
            Ok(Ok(None)) => break,
            Ok(Err(ReadError::Head(e))) => {
                refuse(&mut s, peer, e.status()).await;
                break;
            }
            Ok(Err(ReadError::Io)) => break,
            Err(_) => {
                if !buf.is_empty() {
                    refuse(&mut s, peer, 408).await;
                }
                break;
            }
        };
        let started = std::time::Instant::now();
        let close = head.close || n == MAX_REQUESTS_PER_CONNECTION;
        let response = respond(shared.clone(), head.clone()).await;
        let bytes = response.to_bytes(head.method == Method::Head, close);
        let written = tokio::time::timeout(WRITE_TIMEOUT, async {
            s.write_all(&bytes).await?;
            s.flush().await
        })
        .await;
        access_log::Access {
            peer,
            method: Some(head.method),
            path: &head.path,
            status: response.status,
            bytes: bytes.len(),
            elapsed: started.elapsed(),
        }
        .log();
        if !matches!(written, Ok(Ok(()))) || close {
            break;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), s.shutdown()).await;
}

/// Answer a request refused before its head was complete or valid (the connection is closed
/// after it), and log it.
async fn refuse<S: AsyncWrite + Unpin>(s: &mut S, peer: SocketAddr, status: u16) {
    let started = std::time::Instant::now();
    let bytes = Response::error(status).to_bytes(false, true);
    let _ = tokio::time::timeout(WRITE_TIMEOUT, s.write_all(&bytes)).await;
    access_log::Access {
        peer,
        method: None,
        path: "-",
        status,
        bytes: bytes.len(),
        elapsed: started.elapsed(),
    }
    .log();
}

enum ReadError {
    Head(HeadError),
    Io,
}

/// Read until a whole head is in `buf`; the bytes after it stay there (a pipelined next
/// request). `None`: the client closed with nothing pending.
async fn read_head<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
) -> Result<Option<RequestHead>, ReadError> {
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = request::head_end(buf) {
            let head = request::parse(&buf[..end]).map_err(ReadError::Head);
            buf.drain(..end);
            return head.map(Some);
        }
        if buf.len() > request::MAX_HEAD {
            return Err(ReadError::Head(HeadError::TooLarge));
        }
        let room = (request::MAX_HEAD + 1 - buf.len()).min(chunk.len());
        match s.read(&mut chunk[..room]).await {
            Ok(0) if buf.is_empty() => return Ok(None),
            Ok(0) | Err(_) => return Err(ReadError::Io),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Route a request; the rendering runs on a blocking thread.
async fn respond(shared: Arc<HttpShared>, head: RequestHead) -> Response {
    tokio::task::spawn_blocking(move || {
        route(&shared.ctx, &shared.tls().certs, &shared.caches, &head)
    })
    .await
    .unwrap_or_else(|_| Response::error(500))
}

/// The response for one request.
pub fn route(
    ctx: &ServerContext,
    certs: &[CertExpiry],
    caches: &RenderCaches,
    head: &RequestHead,
) -> Response {
    let path = head.path.as_str();
    let view = || ServerView::read(ctx, &caches.views);
    match path {
        "/" => Response::ok(content_type::HTML, page::render(&view())),
        "/metrics" => {
            let format = prometheus::Format::from_accept(&head.accept);
            let body =
                prometheus::render(&view(), &ctx.descriptions(), certs, format, &caches.lines);
            let ct = match format {
                prometheus::Format::Prometheus => content_type::PROMETHEUS,
                prometheus::Format::OpenMetrics => content_type::OPENMETRICS,
            };
            Response::ok(ct, body)
        }
        _ => match path.strip_prefix("/api/v1") {
            Some(rest) if rest.starts_with('/') => api::respond(rest, &view(), &ctx.descriptions())
                .unwrap_or_else(|| Response::error(404)),
            _ => Response::error(404),
        },
    }
}
