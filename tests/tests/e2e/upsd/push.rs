//! The push extension of upsd (docs/PROTOCOL-EXTENSIONS.md, "Push"; issue 17 item 1) against
//! a real upsd process and a driver socket served by the test: `CAPABILITIES`, `WATCH`,
//! `NOTIFY` lines between replies, nothing new for a client that never asks, and a watcher
//! that stops reading costs upsd a bounded amount of memory (RSS from /proc) while the driver
//! churns.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use nut_core::sock::DriverMessage;
use rnut_tests::procfs;
use rnut_tests::upsd::*;

fn setup() -> (NutTree, FakeDriver, Upsd) {
    let d = NutTree::standard("");
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    (d, drv, u)
}

fn set(drv: &FakeDriver, var: &str, value: &str) {
    drv.push(DriverMessage::SetInfo {
        var: var.into(),
        value: value.into(),
    });
}

#[test]
fn watch_sends_each_change_between_replies() {
    let (_d, drv, u) = setup();
    let mut c = u.client();
    assert_eq!(c.cmd("CAPABILITIES"), "CAPABILITIES WATCH");
    assert_eq!(c.cmd("CAPABILITIES now"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("WATCH nosuch"), "ERR UNKNOWN-UPS");
    assert_eq!(c.cmd("WATCH"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("WATCH test"), "OK WATCH test");
    // Watching again is harmless and sends nothing more.
    assert_eq!(c.cmd("WATCH test"), "OK WATCH test");

    set(&drv, "ups.status", "OB");
    assert_eq!(c.line(), r#"NOTIFY VAR test ups.status "OB""#);
    // A request after a notification gets its reply next.
    assert_eq!(
        c.cmd("GET VAR test ups.status"),
        r#"VAR test ups.status "OB""#
    );

    set(&drv, "ups.load", "24 \"x\"");
    assert_eq!(c.line(), r#"NOTIFY VAR test ups.load "24 \"x\"""#);
    drv.push(DriverMessage::DelInfo {
        var: "ups.load".into(),
    });
    assert_eq!(c.line(), "NOTIFY DELVAR test ups.load");

    // A LIST reply is never split by a notification: the change notified during a LIST
    // comes before BEGIN or after END, whole.
    set(&drv, "battery.charge", "90");
    c.send_raw(b"LIST VAR test\n");
    let mut before = Vec::new();
    let mut l = c.line();
    while l.starts_with("NOTIFY ") {
        before.push(l);
        l = c.line();
    }
    assert_eq!(l, "BEGIN LIST VAR test");
    let mut items = 0;
    loop {
        let l = c.line();
        assert!(
            !l.starts_with("NOTIFY"),
            "a notification inside a LIST reply: {l}"
        );
        if l == "END LIST VAR test" {
            break;
        }
        items += 1;
    }
    assert!(items >= 5, "{items} variables listed");
    let charge = r#"NOTIFY VAR test battery.charge "90""#;
    if !before.iter().any(|l| l == charge) {
        assert_eq!(c.line(), charge, "before the list: {before:?}");
    }

    // The driver going away is notified as availability.
    drv.kill();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let l = c.line();
        if l == "NOTIFY STATE test DRIVER-NOT-CONNECTED" {
            break;
        }
        // A reconnect race with the dying driver may come first; nothing but notifications.
        assert!(l.starts_with("NOTIFY "), "unexpected line {l}");
        assert!(Instant::now() < deadline, "no STATE notification");
    }
    assert_eq!(c.cmd("UNWATCH test"), "OK UNWATCH test");
    assert_eq!(c.cmd("UNWATCH test"), "ERR INVALID-ARGUMENT");
}

#[test]
fn a_client_that_does_not_watch_sees_no_notification() {
    let (_d, drv, u) = setup();
    let mut watcher = u.client();
    assert_eq!(watcher.cmd("WATCH test"), "OK WATCH test");
    let mut plain = u.client();
    assert_eq!(
        plain.cmd("GET VAR test ups.status"),
        r#"VAR test ups.status "OL""#
    );
    set(&drv, "ups.status", "OB");
    // The watcher has seen it, so upsd has processed the change...
    assert_eq!(watcher.line(), r#"NOTIFY VAR test ups.status "OB""#);
    // ...and the plain client's next line is still its reply.
    assert_eq!(
        plain.cmd("GET VAR test ups.status"),
        r#"VAR test ups.status "OB""#
    );
    assert!(plain.cmd("VER").contains("upsd"));
    // Nothing is pending for the plain client: a read with a short timeout gets nothing.
    plain
        .reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut byte = [0u8; 1];
    let got = plain.reader.get_mut().read(&mut byte);
    assert!(
        got.is_err(),
        "unexpected bytes for a non-watching client: {got:?}"
    );
}

/// A watcher that never reads while the driver churns: upsd's RSS stays under a bound (the
/// changes are coalesced, never queued), other clients are served promptly, and when the
/// watcher reads at last it gets the latest value with fewer lines than there were changes.
#[test]
fn a_watcher_that_stops_reading_keeps_upsd_memory_bounded() {
    let (_d, drv, u) = setup();
    let pid = u.child.pid();
    // A small receive buffer so that the socket fills quickly.
    let sock =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    sock.set_recv_buffer_size(4096).expect("rcvbuf");
    sock.connect(&u.addr.into()).expect("connect");
    let mut stalled: TcpStream = sock.into();
    std::io::Write::write_all(&mut stalled, b"WATCH test\n").expect("write");

    let mut probe = u.client();
    assert_eq!(
        probe.cmd("GET VAR test ups.status"),
        r#"VAR test ups.status "OL""#
    );
    let rss_before = procfs::rss_bytes(pid).expect("rss");
    // 50 variables with 200-byte values, changed 400 times: ~4 MB of notifications.
    let filler = "x".repeat(200);
    let rounds = 400;
    for round in 0..rounds {
        let mut burst = String::new();
        for v in 0..50 {
            burst.push_str(&format!("SETINFO churn.v{v} \"{round} {filler}\"\n"));
        }
        drv.push_raw(burst.as_bytes());
        if round % 50 == 0 {
            let t = Instant::now();
            assert_eq!(
                probe.cmd("GET VAR test ups.status"),
                r#"VAR test ups.status "OL""#
            );
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "upsd slow: {:?}",
                t.elapsed()
            );
        }
    }
    set(&drv, "ups.status", "final");
    assert!(
        rnut_tests::wait_until(Duration::from_secs(20), || {
            probe.cmd("GET VAR test ups.status") == r#"VAR test ups.status "final""#
        }),
        "upsd never applied the last change"
    );
    let rss_after = procfs::rss_bytes(pid).expect("rss");
    let growth = rss_after.saturating_sub(rss_before);
    assert!(
        growth < 3 * 1024 * 1024,
        "upsd grew by {growth} bytes ({rss_before} -> {rss_after}) for one stalled watcher"
    );

    // Reading now: the latest status arrives, and far fewer lines than the 20,000 changes.
    stalled
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = std::io::BufReader::new(stalled);
    let mut lines = 0usize;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut l = String::new();
        let n = std::io::BufRead::read_line(&mut reader, &mut l).expect("read");
        assert!(n > 0, "upsd closed the watcher");
        lines += 1;
        if l.trim_end() == r#"NOTIFY VAR test ups.status "final""# {
            break;
        }
        assert!(
            Instant::now() < deadline && lines < 20_000,
            "no final status after {lines} lines"
        );
    }
    assert!(lines < rounds * 50, "not coalesced: {lines} lines");
}

/// Debian's C upsc against our upsd while another session watches and the UPS changes: its
/// output is the plain listing, nothing of the extension.
#[test]
fn c_upsc_is_unaffected_by_watchers() {
    if !rnut_tests::require_tool("/bin/upsc") {
        return;
    }
    let (_d, drv, u) = setup();
    let mut watcher = u.client();
    assert_eq!(watcher.cmd("WATCH test"), "OK WATCH test");
    set(&drv, "ups.status", "OB");
    assert_eq!(watcher.line(), r#"NOTIFY VAR test ups.status "OB""#);
    let sys = format!("test@{}", u.addr);
    let out = std::process::Command::new("/bin/upsc")
        .arg(&sys)
        .output()
        .expect("run C upsc");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.lines().any(|l| l == "ups.status: OB"), "{text}");
    assert!(!text.contains("NOTIFY"), "{text}");
    let one = std::process::Command::new("/bin/upsc")
        .args([&sys, "ups.status"])
        .output()
        .expect("run C upsc");
    assert_eq!(String::from_utf8_lossy(&one.stdout), "OB\n");
}
