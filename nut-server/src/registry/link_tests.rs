//! The driver link over a real Unix socket, with the test as the driver: what upsd sends and
//! how it applies what it reads (the shared `nut_core::sock::DriverReader` inside it).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use nut_core::config::UpsConf;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

use super::tracking::TrackState;
use super::{Ups, UpsRegistry};
use crate::shutdown;

/// The longest any one step may take.
const STEP: Duration = Duration::from_secs(10);

/// The next line upsd sends the driver, without its newline.
async fn next_line(rd: &mut BufReader<OwnedReadHalf>) -> String {
    let mut line = String::new();
    let n = tokio::time::timeout(STEP, rd.read_line(&mut line))
        .await
        .expect("a line from upsd in time")
        .expect("read from upsd");
    assert!(n > 0, "upsd closed the driver socket");
    line.trim_end_matches('\n').to_string()
}

async fn send(wr: &mut OwnedWriteHalf, text: &str) {
    wr.write_all(text.as_bytes()).await.expect("write to upsd");
}

/// Wait (at most [`STEP`]) until the UPS's live state satisfies `ok`.
async fn until(ups: &Ups, ok: impl Fn(&super::ups::Live) -> bool) {
    let mut changes = ups.change_signal();
    tokio::time::timeout(STEP, async {
        while !ok(&ups.live()) {
            changes.changed().await.expect("the UPS stays");
        }
    })
    .await
    .expect("the UPS reached the awaited state in time");
}

/// upsd's side of one UPS `u` (driver `dummy-ups`) with its link running, and the socket the
/// test serves as the driver.
struct Setup {
    _dir: tempfile::TempDir,
    listener: UnixListener,
    reg: Arc<UpsRegistry>,
    ups: Arc<Ups>,
    trigger: shutdown::ShutdownTrigger,
}

impl Setup {
    fn start(maxage: Duration) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let listener = UnixListener::bind(dir.path().join("dummy-ups-u")).expect("bind");
        let reg = UpsRegistry::new(dir.path(), maxage, Duration::from_secs(60));
        let conf = UpsConf::parse(
            "[u]\n driver = dummy-ups\n port = x\n",
            Path::new("ups.conf"),
        )
        .expect("ups.conf");
        let (trigger, shutdown) = shutdown::channel();
        reg.sync_sections(&conf.sections, dir.path(), &shutdown);
        let ups = reg.get("u").expect("the UPS");
        Setup {
            _dir: dir,
            listener,
            reg,
            ups,
            trigger,
        }
    }

    /// Accept upsd's next connection and check that it starts with `DUMPALL`.
    async fn accept(&self) -> (BufReader<OwnedReadHalf>, OwnedWriteHalf) {
        let (stream, _) = tokio::time::timeout(STEP, self.listener.accept())
            .await
            .expect("upsd connects in time")
            .expect("accept");
        let (rd, wr) = stream.into_split();
        let mut rd = BufReader::new(rd);
        assert_eq!(next_line(&mut rd).await, "DUMPALL");
        (rd, wr)
    }
}

#[tokio::test]
async fn the_link_dumps_applies_pings_a_quiet_driver_and_completes_tracking() {
    // MAXAGE 3 s: a driver quiet for more than 1 s is pinged.
    let t = Setup::start(Duration::from_secs(3));
    let (mut rd, mut wr) = t.accept().await;
    until(&t.ups, |l| {
        l.connected && l.state.value("ups.status") == Some("WAIT")
    })
    .await;

    // The dump in two writes, a line cut in the middle; a line that is no message between.
    send(&mut wr, "SETINFO ups.status \"O").await;
    send(&mut wr, "L\"\nBOGUS line\nDATAOK\nDUMPDONE\n").await;
    until(&t.ups, |l| {
        l.dumpdone && l.state.value("ups.status") == Some("OL")
    })
    .await;
    assert!(t.ups.live().state.data_ok());

    // Quiet from here on: upsd pings, and the driver's PONG counts as heard.
    assert_eq!(next_line(&mut rd).await, "PING");
    send(&mut wr, "PONG\n").await;

    // A tracked result completes the tracking entry; a pending one does not.
    t.reg.tracking.insert("abc");
    send(&mut wr, "TRACKING abc -1\n").await;
    send(&mut wr, "TRACKING abc 0\nSETINFO ups.load \"5\"\n").await;
    until(&t.ups, |l| l.state.value("ups.load") == Some("5")).await;
    assert_eq!(t.reg.tracking.get("abc"), TrackState::Done(0));

    // Shutdown drops the connection and the data.
    t.trigger.trigger();
    until(&t.ups, |l| {
        !l.connected && !l.dumpdone && l.state.var_count() == 0
    })
    .await;
}

#[tokio::test]
async fn a_driver_that_goes_away_is_reconnected_and_read_again() {
    let t = Setup::start(Duration::from_secs(15));
    for status in ["OL", "OB"] {
        let (rd, mut wr) = t.accept().await;
        send(
            &mut wr,
            &format!("SETINFO ups.status \"{status}\"\nDUMPDONE\n"),
        )
        .await;
        until(&t.ups, |l| {
            l.dumpdone && l.state.value("ups.status") == Some(status)
        })
        .await;
        // The driver goes away: the data goes with it.
        drop((rd, wr));
        until(&t.ups, |l| !l.connected && l.state.var_count() == 0).await;
    }
    t.trigger.trigger();
}
