//! One client connection: read request lines (bounded), run them, write the replies (batched
//! while more pipelined requests are already buffered, flushed before waiting for input),
//! kick the client after 60 s without a complete request, upgrade to TLS on STARTTLS, and
//! leave on shutdown or when the UPS it logged into is removed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use nut_core::words::{Event, Tokenizer};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::Instant;

use crate::cmd::{self, Action};
use crate::context::ServerContext;
use crate::io::line_reader::{has_complete_line, next_event};
use crate::io::transport::{HANDSHAKE_TIMEOUT, Transport};
use crate::session::Session;
use crate::shutdown::Shutdown;

/// A client silent for this long (no complete request line) is disconnected.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Serve one accepted connection until it ends.
pub async fn serve(
    ctx: Arc<ServerContext>,
    stream: TcpStream,
    peer: SocketAddr,
    mut shutdown: Shutdown,
) {
    // Replies are whole lines written at once: Nagle would only delay them.
    let _ = stream.set_nodelay(true);
    let mut transport = Transport::plain(stream);
    let mut session = Session::new(ctx.next_session_id(), peer);
    tracing::debug!("connection from {}", session.ip());
    let mut tok = Tokenizer::new();
    let mut deadline = Instant::now() + IDLE_TIMEOUT;
    let mut removed: Option<watch::Receiver<bool>> = None;

    loop {
        let event = {
            let Some(reader) = transport.reader() else {
                break;
            };
            tokio::select! {
                r = tokio::time::timeout_at(deadline, next_event(reader, &mut tok)) => r,
                _ = shutdown.recv() => break,
                _ = ups_removed(&mut removed) => {
                    tracing::info!("disconnecting {}: its UPS was removed from the configuration", session.who());
                    break;
                }
            }
        };
        let words = match event {
            Err(_) => {
                tracing::debug!("kicking idle client {}", session.who());
                break;
            }
            Ok(Err(e)) => {
                tracing::debug!("read from {} failed: {e}", session.who());
                break;
            }
            Ok(Ok(None)) => break,
            Ok(Ok(Some(Event::Error(e)))) => {
                // C upsd logs the parse error and sends nothing for that line.
                tracing::debug!("Parse error on sock: {e} ({})", session.who());
                continue;
            }
            Ok(Ok(Some(Event::Line(words)))) => words,
        };
        deadline = Instant::now() + IDLE_TIMEOUT;
        let action = cmd::execute(&ctx, &mut session, &words).await;
        if removed.is_none() {
            if let Some(ups) = &session.login {
                removed = Some(ups.removed_signal());
            }
        }
        match action {
            Action::Continue => {
                if !has_complete_line(transport.buffered())
                    && !flush(&mut transport, &mut session).await
                {
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
                let Some(acceptor) = ctx.tls.as_ref() else {
                    break;
                };
                match transport.upgrade(acceptor, HANDSHAKE_TIMEOUT).await {
                    Ok(()) => {
                        session.tls = true;
                        session.peer_subject = transport
                            .tls_connection()
                            .and_then(crate::tls::peer_subject);
                        tok = Tokenizer::new();
                        deadline = Instant::now() + IDLE_TIMEOUT;
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
                        tracing::warn!("STARTTLS with client {} failed: {e}", session.ip());
                        break;
                    }
                }
            }
        }
    }
    cmd::login::on_disconnect(&mut session);
    tracing::debug!("connection from {} closed", session.ip());
}

async fn flush(transport: &mut Transport, session: &mut Session) -> bool {
    if session.out.is_empty() {
        return true;
    }
    let ok = transport.write_all(&session.out).await.is_ok();
    session.out.clear();
    if session.out.capacity() > 64 * 1024 {
        session.out.shrink_to(1024);
    }
    ok
}

/// Completes when the UPS this session logged into is removed; never without a LOGIN.
async fn ups_removed(rx: &mut Option<watch::Receiver<bool>>) {
    match rx {
        Some(rx) => {
            if rx.wait_for(|v| *v).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}
