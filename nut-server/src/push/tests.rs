//! A watcher over a real loopback socket, against `connection::serve`, with tokio's clock
//! paused: a watcher that stops reading while the UPS churns is closed after the write
//! timeout, and its changes were coalesced rather than queued.

use std::sync::Arc;
use std::time::Duration;

use nut_core::sock::DriverMessage;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use crate::connection::{WRITE_TIMEOUT, serve};
use crate::context::ServerContext;
use crate::registry::{Ups, UpsRegistry};

fn context_with_ups(shutdown: &crate::shutdown::Shutdown) -> (Arc<ServerContext>, Arc<Ups>) {
    let registry = UpsRegistry::new(
        std::path::Path::new("/nonexistent"),
        Duration::from_secs(3600),
        Duration::from_secs(3600),
    );
    let conf = nut_core::config::UpsConf::parse(
        "[u]\n\tdriver = dummy-ups\n\tport = x.dev\n",
        std::path::Path::new("ups.conf"),
    )
    .expect("ups.conf");
    registry.sync_sections(
        &conf.sections,
        std::path::Path::new("/nonexistent"),
        shutdown,
    );
    let ups = registry.get("u").expect("ups");
    {
        let mut live = ups.live_mut();
        live.connected = true;
        live.dumpdone = true;
        live.last_heard = std::time::Instant::now();
        live.state.apply(&DriverMessage::DataOk);
    }
    let ctx = ServerContext::for_tests(registry);
    (ctx, ups)
}

fn churn(ups: &Ups, round: usize) {
    let filler = "x".repeat(200);
    {
        let mut live = ups.live_mut();
        live.last_heard = std::time::Instant::now();
        for v in 0..50 {
            live.state.apply(&DriverMessage::SetInfo {
                var: format!("churn.v{v}"),
                value: format!("{round} {filler}"),
            });
        }
    }
    ups.mark_changed();
}

#[tokio::test(start_paused = true)]
async fn a_watcher_that_stops_reading_is_closed_after_the_write_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (_trigger, shutdown) = crate::shutdown::channel();
    let (ctx, ups) = context_with_ups(&shutdown);
    let server = tokio::spawn(async move {
        let (s, peer) = listener.accept().await.expect("accept");
        serve(ctx, s, peer, shutdown).await;
    });
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut c = socket.connect(addr).await.expect("connect");
    c.write_all(b"WATCH u\n").await.expect("write");
    let mut buf = [0u8; 64];
    let n = c.read(&mut buf).await.expect("read");
    assert_eq!(&buf[..n], b"OK WATCH u\n");

    // The UPS churns; the watcher never reads again. Each change is one batch at most.
    let start = Instant::now();
    let mut round = 0;
    while !server.is_finished() && start.elapsed() < 3 * WRITE_TIMEOUT {
        churn(&ups, round);
        round += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let waited = start.elapsed();
    assert!(
        server.is_finished(),
        "the stalled watcher was still served after {waited:?}"
    );
    // The kernel's socket buffers take some seconds of churn first; then the write waits
    // WRITE_TIMEOUT and the connection goes.
    assert!(waited >= WRITE_TIMEOUT, "closed after {waited:?}");
    // Hundreds of changes went by; what is left to read is what the kernel's buffers held
    // (upsd kept none of it), fewer lines than changes.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), c.read_to_end(&mut rest)).await;
    let lines = rest.iter().filter(|&&b| b == b'\n').count();
    assert!(round > 500, "only {round} changes");
    assert!(
        lines < round * 50 / 2,
        "{lines} lines for {round} x 50 changes"
    );
}
