//! upsmon against a scripted server that records every request: the exact login sequence,
//! the MASTER fallback of an old server, FSD and the NUMLOGINS wait of a primary.

mod monitor_support;

use std::time::Duration;

use monitor_support::*;
use rnut_tests::wait_until;

#[test]
fn primary_falls_back_to_master_sets_fsd_and_waits_for_numlogins() {
    let s = ScriptServer::start(|line| {
        if let Some(r) = common_reply(line) {
            return r;
        }
        let one = |x: &str| vec![x.to_string()];
        match line {
            "LOGIN dummy" => one("OK"),
            // An old upsd: no PRIMARY command yet.
            "PRIMARY dummy" => one("ERR UNKNOWN-COMMAND"),
            "MASTER dummy" => one("OK MASTER-GRANTED"),
            "GET VAR dummy ups.status" => one("VAR dummy ups.status \"OB LB\""),
            "FSD dummy" => one("OK FSD-SET"),
            "GET NUMLOGINS dummy" => one("NUMLOGINS dummy 1"),
            _ => one("ERR VAR-NOT-SUPPORTED"),
        }
    });
    let d = MonDir::new();
    d.write_conf(
        &format!(
            "MONITOR dummy@127.0.0.1:{} 1 upsmon \"secret pw\" primary\n",
            s.port()
        ),
        "",
    );
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(
        wait_until(Duration::from_secs(20), || d.shutdown_count() > 0),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    assert!(mon.child.wait_exit(Duration::from_secs(10)).is_some());
    assert_eq!(d.events(), ["ONBATT", "LOWBATT", "FSD", "SHUTDOWN"]);
    let lines = s.lines();
    let expected_start = [
        "STARTTLS",
        "USERNAME upsmon",
        "PASSWORD \"secret pw\"",
        "LOGIN dummy",
        "PRIMARY dummy",
        "MASTER dummy",
        "GET VAR dummy ups.status",
    ];
    assert_eq!(&lines[..expected_start.len()], expected_start, "{lines:?}");
    let fsd = lines
        .iter()
        .position(|l| l == "FSD dummy")
        .expect("FSD sent");
    assert_eq!(
        lines.get(fsd + 1).map(String::as_str),
        Some("GET NUMLOGINS dummy"),
        "{lines:?}"
    );
    assert_eq!(
        std::fs::read(d.powerdown_flag()).expect("flag"),
        b"upsmon-shutdown-file"
    );
}

#[test]
fn data_stale_keeps_the_session_and_counts_as_gone() {
    let s = ScriptServer::start(|line| {
        if let Some(r) = common_reply(line) {
            return r;
        }
        let one = |x: &str| vec![x.to_string()];
        match line {
            "LOGIN dummy" => one("OK"),
            "GET VAR dummy ups.status" => one("ERR DATA-STALE"),
            _ => one("ERR VAR-NOT-SUPPORTED"),
        }
    });
    let d = MonDir::new();
    d.write_conf(
        &format!(
            "MONITOR dummy@127.0.0.1:{} 1 mons secpass secondary\n",
            s.port()
        ),
        "",
    );
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(
        wait_until(Duration::from_secs(15), || d.events()
            == ["COMMBAD", "NOCOMM"]),
        "{:?}",
        d.events()
    );
    assert!(wait_until(Duration::from_secs(10), || s
        .lines()
        .iter()
        .filter(|l| l.starts_with("GET VAR dummy ups.status"))
        .count()
        >= 3));
    assert_eq!(
        *s.connections.lock().unwrap(),
        1,
        "ERR DATA-STALE keeps the TCP session"
    );
    assert!(
        mon.text().contains("Poll UPS [dummy@127.0.0.1:"),
        "{}",
        mon.text()
    );
    assert!(mon.text().contains("failed - Data stale"), "{}", mon.text());
    mon.child.stop(Duration::from_secs(5));
    assert_eq!(d.shutdown_count(), 0, "never reached: counts as healthy");
}
