//! upsmon and upsc with the push extension (docs/PROTOCOL-EXTENSIONS.md, "Push"; issue 17
//! item 1), over real processes: our upsmon learns of OB from our upsd's push well before its
//! POLLFREQ; against Debian's C upsd it polls as before; `upsc -w` prints each change.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rnut_tests::monitor::*;
use rnut_tests::{ChildGuard, bin, wait_until};

/// A `.dev` UPS on line power; `SET VAR` changes it (dummy-ups applies any variable).
const ONLINE_DEV: &str = "ups.status: OL\nbattery.charge: 100\n";

fn dev_stack() -> Stack {
    dev_stack_with(|_| String::new())
}

/// [`dev_stack`] with `extra(stack dir)` appended to upsd.conf.
fn dev_stack_with(extra: impl FnOnce(&std::path::Path) -> String) -> Stack {
    let mut stack = Stack::new(ONLINE_DEV, "");
    let upsd_conf = stack.path().join("conf/upsd.conf");
    let text = std::fs::read_to_string(&upsd_conf).expect("upsd.conf") + &extra(stack.path());
    rnut_tests::write_file(&upsd_conf, &text, 0o640);
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
    let d = NutTree::for_upsmon();
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
    stack.set_status("OB");
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
    stack.set_status("OL");
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
    let d = NutTree::for_upsmon();
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

/// A running `upsc -w`: its stdout lines through a channel, its stderr collected.
struct Watcher {
    _child: ChildGuard,
    lines: mpsc::Receiver<String>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Watcher {
    fn start(args: &[&str]) -> Watcher {
        let mut cmd = Command::new(bin("upsc"));
        cmd.arg("-w")
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = ChildGuard::spawn("upsc -w", &mut cmd);
        let out = child.child_mut().stdout.take().expect("stdout");
        let stderr = capture("upsc -w", child.child_mut().stderr.take().expect("stderr"));
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Watcher {
            _child: child,
            lines,
            stderr,
        }
    }

    fn next(&self, what: &str) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("upsc -w printed no {what}"))
    }

    /// Read the listing up to `ups.status: <status>`, then whatever else comes at once.
    fn skip_listing(&self, status: &str) {
        let want = format!("ups.status: {status}");
        let mut seen = Vec::new();
        while !seen.contains(&want) {
            seen.push(self.next("listing"));
            assert!(seen.len() < 200, "{seen:?}");
        }
        while self.lines.recv_timeout(Duration::from_millis(300)).is_ok() {}
    }
}

/// `upsc -w`: the current values, then each change as a line of its own.
#[test]
fn upsc_watch_prints_each_change() {
    let stack = dev_stack();
    let w = Watcher::start(&[&stack.system()]);
    w.skip_listing("OL");
    stack.set_status("OB LB");
    assert_eq!(w.next("change"), "ups.status: OB LB");
    stack.set_status("OL");
    assert_eq!(w.next("change"), "ups.status: OL");
}

/// The push extension over STARTTLS: `upsc -w` with a verified certificate gets its
/// notifications inside the TLS session.
#[test]
fn upsc_watch_works_over_tls() {
    let mut pki = None;
    let stack = dev_stack_with(|dir| {
        let p = rnut_tests::pki::TestPki::in_dir(&dir.join("pki"));
        let line = format!("CERTFILE {}\n", p.file("upsd.pem"));
        pki = Some(p);
        line
    });
    let ca = pki.as_ref().expect("pki").file("ca.pem");
    let w = Watcher::start(&["--certpath", &ca, "--certverify", &stack.system()]);
    w.skip_listing("OL");
    assert!(
        w.stderr
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("in SSL")),
        "{:?}",
        w.stderr.lock().unwrap()
    );
    stack.set_status("OB");
    assert_eq!(w.next("change"), "ups.status: OB");
}
