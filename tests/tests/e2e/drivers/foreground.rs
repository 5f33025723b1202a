//! `upsdrvctl -F start` (issue 14 item 6, upstream 2.8.1 behaviour): the drivers it starts
//! end with it. One driver runs in upsdrvctl's place; several are supervised, and SIGTERM or
//! SIGINT to upsdrvctl stops them all before it exits. No driver is left under PID 1.

use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;
use rnut_tests::drivers::{NutTree, RawReader, dump_value};
use rnut_tests::{ChildGuard, bin, wait_for_unix, wait_until};

const T: Duration = Duration::from_secs(10);

/// Processes whose environment names this tree's configuration directory: upsdrvctl and the
/// drivers it started, whoever their parent is now.
fn processes_of(tree: &NutTree) -> Vec<i32> {
    let needle = format!("NUT_CONFPATH={}", tree.conf().display());
    let mut pids = Vec::new();
    for e in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(env) = std::fs::read(e.path().join("environ")) else {
            continue;
        };
        let zombie = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(true);
        if !zombie && env.split(|b| *b == 0).any(|v| v == needle.as_bytes()) {
            pids.push(pid);
        }
    }
    pids
}

/// Kills whatever of the tree still runs when a test ends (a failing one included): an
/// orphaned driver would hold the test harness's output pipe open.
struct Reaper<'a>(&'a NutTree);

impl Drop for Reaper<'_> {
    fn drop(&mut self) {
        for pid in processes_of(self.0) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
        }
    }
}

fn start_foreground(tree: &NutTree, ups: Option<&str>) -> ChildGuard {
    let mut cmd = tree.driver(&bin("upsdrvctl"));
    cmd.args(["-F", "start"]).args(ups);
    ChildGuard::spawn("upsdrvctl", &mut cmd)
}

fn assert_serving(sock: &Path) {
    assert!(wait_for_unix(sock, T), "{} did not appear", sock.display());
    let dump = RawReader::connect(sock).dump_all();
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OL"));
}

fn stop_and_check_nothing_remains(
    tree: &NutTree,
    ctl: &mut ChildGuard,
    sig: Signal,
    socks: &[&Path],
) {
    ctl.signal(sig);
    let status = ctl.wait_exit(T);
    assert!(status.is_some(), "upsdrvctl did not exit on {sig}");
    assert!(
        wait_until(T, || processes_of(tree).is_empty()),
        "driver processes left after upsdrvctl ended: {:?}",
        processes_of(tree)
    );
    for s in socks {
        assert!(!s.exists(), "{} left behind", s.display());
    }
}

#[test]
fn upsdrvctl_f_with_one_driver_leaves_no_driver_after_sigterm() {
    let tree = NutTree::new();
    tree.write("a.dev", "ups.status: OL\n");
    tree.ups_conf(&[("a", "a.dev")]);
    let _reaper = Reaper(&tree);
    let mut ctl = start_foreground(&tree, Some("a"));
    assert_serving(&tree.socket("a"));
    stop_and_check_nothing_remains(&tree, &mut ctl, Signal::SIGTERM, &[&tree.socket("a")]);
}

#[test]
fn upsdrvctl_f_with_two_drivers_stops_both_on_sigterm_and_on_sigint() {
    for sig in [Signal::SIGTERM, Signal::SIGINT] {
        let tree = NutTree::new();
        tree.write("a.dev", "ups.status: OL\n");
        tree.write("b.dev", "ups.status: OL\n");
        tree.ups_conf(&[("a", "a.dev"), ("b", "b.dev")]);
        let _reaper = Reaper(&tree);
        let mut ctl = start_foreground(&tree, None);
        assert_serving(&tree.socket("a"));
        assert_serving(&tree.socket("b"));
        assert!(
            wait_until(T, || processes_of(&tree).len() == 3),
            "expected upsdrvctl and two drivers: {:?}",
            processes_of(&tree)
        );
        let (a, b) = (tree.socket("a"), tree.socket("b"));
        stop_and_check_nothing_remains(&tree, &mut ctl, sig, &[&a, &b]);
    }
}

#[test]
fn upsdrvctl_f_stays_while_one_of_two_drivers_ends_and_exits_when_the_last_does() {
    let tree = NutTree::new();
    tree.write("a.dev", "ups.status: OL\n");
    tree.write("b.dev", "ups.status: OL\n");
    tree.ups_conf(&[("a", "a.dev"), ("b", "b.dev")]);
    let _reaper = Reaper(&tree);
    let mut ctl = start_foreground(&tree, None);
    assert_serving(&tree.socket("a"));
    assert_serving(&tree.socket("b"));
    let drivers: Vec<i32> = processes_of(&tree)
        .into_iter()
        .filter(|p| *p != ctl.pid() as i32)
        .collect();
    assert_eq!(drivers.len(), 2, "{drivers:?}");
    let term = |pid: i32| {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGTERM);
    };
    term(drivers[0]);
    assert!(wait_until(T, || processes_of(&tree).len() == 2));
    assert!(
        ctl.try_wait().is_none(),
        "upsdrvctl left with a driver running"
    );
    term(drivers[1]);
    let status = ctl
        .wait_exit(T)
        .expect("upsdrvctl exits with its last driver");
    assert!(status.success(), "{status}");
}
