//! upsmon and upsc with the push extension (docs/PROTOCOL-EXTENSIONS.md, "Push"; issue 17
//! item 1), over real processes: our upsmon learns of OB from our upsd's push well before its
//! POLLFREQ; against Debian's C upsd it polls as before; `upsc -w` prints each change.

mod monitor_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use monitor_support::*;
use rnut_tests::{ChildGuard, bin, wait_until};

/// A `.dev` UPS on line power; `SET VAR` changes it (dummy-ups applies any variable).
const ONLINE_DEV: &str = "ups.status: OL\nbattery.charge: 100\n";

fn set_status(stack: &Stack, status: &str) {
    let o = run_tool(
        "upsrw",
        &[
            "-s",
            &format!("ups.status={status}"),
            "-u",
            "admin",
            "-p",
            "mypass",
            "-w",
            &stack.system(),
        ],
    );
    assert!(o.status.success(), "upsrw: {} {}", stdout(&o), stderr(&o));
}

fn dev_stack() -> Stack {
    let mut stack = Stack::new(ONLINE_DEV, "");
    // The data file is a .dev (static, settable), not a sequence.
    let conf = stack.path().join("conf");
    std::fs::rename(conf.join("test.seq"), conf.join("test.dev")).expect("rename");
    let ups_conf = std::fs::read_to_string(conf.join("ups.conf"))
        .expect("ups.conf")
        .replace("test.seq", "test.dev");
    rnut_tests::write_file(&conf.join("ups.conf"), &ups_conf, 0o640);
    stack.start();
    stack
}

#[test]
fn our_upsmon_hears_onbatt_pushed_long_before_pollfreq() {
    let stack = dev_stack();
    let d = MonDir::new();
    // Polls 30 s apart: only a push explains an ONBATT within seconds.
    d.write_conf(
        &stack.primary_monitor(),
        "POLLFREQ 30\nPOLLFREQALERT 30\nDEADTIME 90\n",
    );
    let mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        mon.wait_log("pushes changes (WATCH)", Duration::from_secs(20)),
        "upsmon did not watch: {}",
        mon.text()
    );
    let t = Instant::now();
    set_status(&stack, "OB");
    assert!(
        wait_until(Duration::from_secs(10), || d
            .events()
            .contains(&"ONBATT".into())),
        "no ONBATT: {:?}\n{}",
        d.events(),
        mon.text()
    );
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "ONBATT after {:?}",
        t.elapsed()
    );
    set_status(&stack, "OL");
    assert!(
        wait_until(Duration::from_secs(10), || d
            .events()
            .contains(&"ONLINE".into())),
        "no ONLINE: {:?}",
        d.events()
    );
}

#[test]
fn our_upsmon_polls_a_c_upsd() {
    if !rnut_tests::require_tool("/lib/nut/upsd") || !rnut_tests::require_tool("/lib/nut/dummy-ups")
    {
        return;
    }
    let mut stack = Stack::new("ups.status: OL\nTIMER 5\nups.status: OB\nTIMER 1000\n", "");
    stack.for_c_nut();
    stack.start();
    let d = MonDir::new();
    d.write_conf(&stack.primary_monitor(), "");
    let mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        wait_until(Duration::from_secs(30), || d
            .events()
            .contains(&"ONBATT".into())),
        "no ONBATT by polling C upsd: {:?}\n{}",
        d.events(),
        mon.text()
    );
    assert!(
        mon.text().contains("Logged into UPS") && !mon.text().contains("pushes changes"),
        "{}",
        mon.text()
    );
    // upsc -w says plainly that C upsd does not push.
    let o = run_tool("upsc", &["-w", &stack.system()]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("does not offer WATCH"),
        "{}",
        stderr(&o)
    );
}

/// `upsc -w`: the current values, then each change as a line of its own.
#[test]
fn upsc_watch_prints_each_change() {
    let stack = dev_stack();
    let mut cmd = Command::new(bin("upsc"));
    cmd.args(["-w", &stack.system()])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = ChildGuard::spawn("upsc -w", &mut cmd);
    let out = child.child_mut().stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let next = |what: &str| {
        rx.recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("upsc -w printed no {what}"))
    };
    // The listing first, then changes.
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l == "ups.status: OL") {
        seen.push(next("listing"));
        assert!(seen.len() < 200, "{seen:?}");
    }
    // Nothing is printed without a change...
    while let Ok(l) = rx.recv_timeout(Duration::from_millis(300)) {
        seen.push(l);
    }
    set_status(&stack, "OB LB");
    assert_eq!(next("change"), "ups.status: OB LB");
    set_status(&stack, "OL");
    assert_eq!(next("change"), "ups.status: OL");
}
