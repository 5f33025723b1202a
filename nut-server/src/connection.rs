//! One client connection: read request lines (bounded), run them, write the replies (batched
//! while more pipelined requests are already buffered, flushed before waiting for input),
//! kick the client after 60 s without a complete request, upgrade to TLS on STARTTLS, and
//! leave on shutdown or when the UPS it logged into is removed.
//!
//! Output is bounded per connection: once the queued replies pass
//! [`OUTPUT_QUEUE_LIMIT`] they are written before the next request is even read, so a client
//! that pipelines and never reads stops being read (its requests wait in the kernel) and holds
//! at most that much plus one reply; a write the client does not take within [`WRITE_TIMEOUT`]
//! closes the connection; and a failed write (a reset) ends the connection before any more
//! queued request is run.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use nut_core::words::Tokenizer;
use tokio::net::{TcpStream, UnixStream};
use tokio::sync::watch;
use tokio::time::Instant;
use zeroize::Zeroizing;

use crate::cmd::{self, Action};
use crate::context::ServerContext;
use crate::io::line_reader::{has_complete_line, next_event, scan};
use crate::io::local_peer::LocalPeer;
use crate::io::transport::{HANDSHAKE_TIMEOUT, Transport};
use crate::session::Session;
use crate::shutdown::Shutdown;

/// A client silent for this long (no complete request line) is disconnected.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Queued reply bytes past which the replies are written before the next request is run.
/// Small enough that a client that resets after pipelining costs a few replies (C upsd
/// writes each one), large enough that pipelined replies still leave in few writes.
pub const OUTPUT_QUEUE_LIMIT: usize = 8 * 1024;

/// A write of queued replies (at most [`OUTPUT_QUEUE_LIMIT`] plus one reply) that the client
/// has not taken in this long closes the connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Serve one accepted TCP connection until it ends. (Plain functions returning the session
/// future, not `async fn`s: a wrapper future would add its own state to every connection.)
pub fn serve(
    ctx: Arc<ServerContext>,
    stream: TcpStream,
    peer: SocketAddr,
    shutdown: Shutdown,
) -> impl Future<Output = ()> + Send {
    // Replies are whole lines written at once: Nagle would only delay them.
    let _ = stream.set_nodelay(true);
    serve_session(ctx, Transport::plain(stream), peer, None, shutdown)
}

/// Serve one connection accepted on the Unix socket until it ends.
pub fn serve_local(
    ctx: Arc<ServerContext>,
    stream: UnixStream,
    peer: LocalPeer,
    shutdown: Shutdown,
) -> impl Future<Output = ()> + Send {
    let addr = SocketAddr::new(crate::io::local_peer::LOCAL_IP, 0);
    serve_session(ctx, Transport::local(stream), addr, Some(peer), shutdown)
}

/// The session loop, whatever listener the connection came from. The session is made here,
/// not passed in: an argument would take room of its own in every connection's task.
async fn serve_session(
    ctx: Arc<ServerContext>,
    mut transport: Transport,
    peer: SocketAddr,
    local: Option<LocalPeer>,
    mut shutdown: Shutdown,
) {
    let mut session = Session::new(ctx.next_session_id(), peer, ctx.counters.clone());
    ctx.counters.connection_opened();
    session.local = local;
    tracing::debug!("connection from {}", session.addr());
    let mut tok = Tokenizer::new();
    // One idle timer per connection, re-armed only when it fires: re-registering a timer
    // around every request costs more CPU than serving a GET VAR.
    let mut last_activity = Instant::now();
    let idle = tokio::time::sleep_until(last_activity + IDLE_TIMEOUT);
    tokio::pin!(idle);
    // The stop signals are waited on by futures that live as long as the connection, so a
    // request does not register and unregister a waiter on each of them.
    let stop = shutdown.recv();
    tokio::pin!(stop);
    let mut removed: Option<RemovedSignal> = None;

    loop {
        // A line already buffered (pipelined requests) is taken without waiting on anything.
        // Without a whole line, the bytes are consumed all the same: the tokenizer keeps the
        // partial line and the read below goes on from there.
        let buffered = if transport.buffered().is_empty() {
            None
        } else {
            let (used, ev) = scan(transport.buffered(), &mut tok);
            transport.consume(used);
            ev
        };
        let event = match buffered {
            Some(ev) => ev,
            None => {
                let Some(reader) = transport.reader() else {
                    break;
                };
                // Biased: the read is polled first, so a busy connection does not poll its
                // stop signals on every request; tokio's cooperative budget still makes the
                // read yield now and then, so a stop is never starved.
                let read = tokio::select! {
                    biased;
                    r = next_event(reader, &mut tok) => Some(r),
                    _ = &mut idle => None,
                    _ = &mut stop => break,
                    _ = wait_removed(&mut removed) => {
                        tracing::info!("disconnecting {}: its UPS was removed from the configuration", session.who());
                        break;
                    }
                    _ = watched_change(&mut session.watches) => {
                        // Notifications go out between replies: nothing is half written here.
                        if let Some(w) = session.watches.as_mut() {
                            w.drain(ctx.registry.maxage(), &mut session.out);
                        }
                        if !flush(&mut transport, &mut session).await {
                            break;
                        }
                        continue;
                    }
                };
                match read {
                    None => {
                        let due = last_activity + IDLE_TIMEOUT;
                        if Instant::now() >= due {
                            tracing::debug!("kicking idle client {}", session.who());
                            break;
                        }
                        idle.as_mut().reset(due);
                        continue;
                    }
                    Some(Err(e)) => {
                        tracing::debug!("read from {} failed: {e}", session.who());
                        break;
                    }
                    Some(Ok(None)) => break,
                    Some(Ok(Some(ev))) => ev,
                }
            }
        };
        if let Err(e) = event {
            // C upsd logs the parse error and sends nothing for that line.
            tracing::debug!("Parse error on sock: {e} ({})", session.who());
            continue;
        }
        last_activity = Instant::now();
        // The common read path runs inline; everything else is boxed so that the (larger)
        // command state is only allocated while a command runs, not held by every idle
        // connection's task.
        let action = if cmd::fast_path(&ctx, &mut session, &tok) {
            Action::Continue
        } else {
            // The words may carry a password (`PASSWORD <pw>`): wiped once the command ran.
            let words: Zeroizing<Vec<String>> =
                Zeroizing::new(tok.words().map(str::to_owned).collect());
            Box::pin(cmd::execute(&ctx, &mut session, &words)).await
        };
        if removed.is_none() {
            if let Some(ups) = &session.login {
                removed = Some(removed_signal(ups.removed_signal()));
            }
        }
        match action {
            Action::Continue => {
                let must_write = session.out.len() >= OUTPUT_QUEUE_LIMIT
                    || !has_complete_line(transport.buffered());
                if must_write && !flush(&mut transport, &mut session).await {
                    break;
                }
            }
            Action::Close => {
                let _ = flush(&mut transport, &mut session).await;
                transport.shutdown().await;
                break;
            }
            Action::StartTls => {
                if !flush(&mut transport, &mut session).await {
                    break;
                }
                // Taken now: a reload between the check and here cannot make a session
                // plaintext; without an acceptor (TLS just removed) the connection closes.
                let Some(acceptor) = ctx.tls() else {
                    break;
                };
                // Boxed: the handshake state is large and only TLS sessions need it, so it must not
                // inflate every plaintext connection's task.
                match Box::pin(transport.upgrade(&acceptor, HANDSHAKE_TIMEOUT)).await {
                    Ok(()) => {
                        ctx.counters.starttls(true);
                        session.tls = true;
                        // Credentials sent in plaintext before STARTTLS (perhaps injected by
                        // someone on the path) do not carry over into the TLS session.
                        session.username = None;
                        session.password = None;
                        session.verified = None;
                        // Likewise a LOGIN made in plaintext: the client logs in again.
                        cmd::login::on_disconnect(&mut session);
                        removed = None;
                        session.peer_subject = transport
                            .tls_connection()
                            .and_then(crate::tls::peer_subject);
                        tok = Tokenizer::new();
                        last_activity = Instant::now();
                        match &session.peer_subject {
                            Some(s) => tracing::info!(
                                "SSL handshake done successfully with client {} (certificate subject: {s})",
                                session.ip()
                            ),
                            None => tracing::info!(
                                "SSL handshake done successfully with client {}",
                                session.ip()
                            ),
                        }
                    }
                    Err(e) => {
                        ctx.counters.starttls(false);
                        nut_log::warn_throttled!(
                            ctx.warnings.handshakes,
                            "STARTTLS with client {} failed: {e}",
                            session.ip()
                        );
                        break;
                    }
                }
            }
        }
    }
    cmd::login::on_disconnect(&mut session);
    ctx.counters.connection_closed(session.tls);
    tracing::debug!("connection from {} closed", session.addr());
}

/// Write the queued replies; false when the connection is done for (write error, or no
/// completion within [`WRITE_TIMEOUT`]).
async fn flush(transport: &mut Transport, session: &mut Session) -> bool {
    if session.out.is_empty() {
        return true;
    }
    let ok = {
        let mut write = std::pin::pin!(transport.write_all(&session.out));
        // The timer is only armed for a write the socket cannot take at once: arming one
        // around every reply would cost more CPU than serving a GET VAR.
        match std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
            Poll::Ready(written) => written.is_ok(),
            Poll::Pending => match tokio::time::timeout(WRITE_TIMEOUT, write).await {
                Ok(written) => written.is_ok(),
                Err(_) => {
                    tracing::info!(
                        "disconnecting {}: it did not take its replies within {} s",
                        session.who(),
                        WRITE_TIMEOUT.as_secs()
                    );
                    false
                }
            },
        }
    };
    session.out.clear();
    if session.out.capacity() > 64 * 1024 {
        session.out.shrink_to(1024);
    }
    ok
}

/// Completes when a UPS this session watches changed; never without a `WATCH`.
async fn watched_change(watches: &mut Option<Box<crate::push::Watches>>) {
    match watches {
        Some(w) => w.changed().await,
        None => std::future::pending().await,
    }
}

/// Completes once the UPS a session logged into is removed from the configuration (never if
/// the registry drops the sender without removing it).
type RemovedSignal = Pin<Box<dyn Future<Output = ()> + Send>>;

fn removed_signal(mut rx: watch::Receiver<bool>) -> RemovedSignal {
    Box::pin(async move {
        if rx.wait_for(|v| *v).await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

/// Completes when the UPS this session logged into is removed; never without a LOGIN.
fn wait_removed(signal: &mut Option<RemovedSignal>) -> impl Future<Output = ()> + '_ {
    std::future::poll_fn(move |cx| match signal {
        Some(f) => f.as_mut().poll(cx),
        None => Poll::Pending,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::UpsRegistry;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn context() -> Arc<ServerContext> {
        let registry = UpsRegistry::new(
            std::path::Path::new("/nonexistent"),
            Duration::from_secs(15),
            Duration::from_secs(3600),
        );
        ServerContext::for_tests(registry)
    }

    /// A client connected to one connection served by [`serve`], and the shutdown trigger
    /// that keeps it running.
    async fn connect_to_served() -> (TcpStream, crate::shutdown::ShutdownTrigger) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (trigger, shutdown) = crate::shutdown::channel();
        let ctx = context();
        tokio::spawn(async move {
            let (s, peer) = listener.accept().await.expect("accept");
            serve(ctx, s, peer, shutdown).await;
        });
        let c = TcpStream::connect(addr).await.expect("connect");
        (c, trigger)
    }

    #[tokio::test(start_paused = true)]
    async fn idle_clients_are_kicked_after_sixty_seconds() {
        let (mut c, _trigger) = connect_to_served().await;
        c.write_all(b"PROTVER\n").await.expect("write");
        let mut buf = [0u8; 16];
        let n = c.read(&mut buf).await.expect("read");
        assert_eq!(&buf[..n], b"1.3\n");
        let start = Instant::now();
        // A partial line does not count as activity.
        c.write_all(b"GET VA").await.expect("write");
        let n = c.read(&mut buf).await.expect("read until close");
        assert_eq!(n, 0, "expected the server to close the idle connection");
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(59) && waited <= Duration::from_secs(61),
            "kicked after {waited:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_postpones_the_idle_kick() {
        let (mut c, _trigger) = connect_to_served().await;
        let start = Instant::now();
        let mut buf = [0u8; 16];
        // Requests at 40 s and 80 s: each one restarts the 60 s idle period.
        for _ in 0..2 {
            tokio::time::sleep(Duration::from_secs(40)).await;
            c.write_all(b"PROTVER\n").await.expect("write");
            let n = c.read(&mut buf).await.expect("read");
            assert_eq!(
                &buf[..n],
                b"1.3\n",
                "still served after {:?}",
                start.elapsed()
            );
        }
        let n = c.read(&mut buf).await.expect("read until close");
        assert_eq!(n, 0, "expected the server to close the idle connection");
        let waited = start.elapsed();
        assert!(
            waited >= Duration::from_secs(139) && waited <= Duration::from_secs(141),
            "kicked after {waited:?}, expected 60 s after the last request at 80 s"
        );
    }

    /// A client that pipelines requests and never reads their replies is closed once a write
    /// has waited [`WRITE_TIMEOUT`], instead of holding its task and buffers forever.
    #[tokio::test(start_paused = true)]
    async fn a_client_that_never_reads_is_closed_after_the_write_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (_trigger, shutdown) = crate::shutdown::channel();
        let server = tokio::spawn(async move {
            let (s, peer) = listener.accept().await.expect("accept");
            serve(context(), s, peer, shutdown).await;
        });
        // A small receive window, so that the server's writes block after a few kB.
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let c = socket.connect(addr).await.expect("connect");
        let (_rd, mut wr) = c.into_split();
        let writer = tokio::spawn(async move {
            let _ = wr.write_all(&b"VER\n".repeat(50_000)).await;
            wr
        });
        let start = Instant::now();
        let ended = tokio::time::timeout(10 * WRITE_TIMEOUT, server).await;
        let waited = start.elapsed();
        writer.abort();
        assert!(
            ended.is_ok(),
            "the connection was still open after {waited:?}"
        );
        assert!(
            waited >= WRITE_TIMEOUT && waited <= WRITE_TIMEOUT + Duration::from_secs(2),
            "closed after {waited:?}"
        );
    }

    #[test]
    fn a_connection_task_stays_small() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("rt");
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let c = TcpStream::connect(listener.local_addr().expect("addr"))
                .await
                .expect("connect");
            let (s, peer) = listener.accept().await.expect("accept");
            let (_t, sd) = crate::shutdown::channel();
            let fut = serve(context(), s, peer, sd);
            let size = std::mem::size_of_val(&fut);

            // 10,000 idle sessions must fit in well under 40 MB.
            assert!(size < 1280, "connection future is {size} bytes");
            drop(c);
        });
    }

    #[tokio::test]
    async fn list_replies_are_one_write_and_logout_closes() {
        let (mut c, _trigger) = connect_to_served().await;
        // Three pipelined requests arrive together: their replies leave in one segment.
        c.write_all(b"LIST UPS\nPROTVER\nLOGOUT\n")
            .await
            .expect("write");
        let mut all = Vec::new();
        c.read_to_end(&mut all).await.expect("read");
        assert_eq!(all, b"BEGIN LIST UPS\nEND LIST UPS\n1.3\nOK Goodbye\n");
    }
}
