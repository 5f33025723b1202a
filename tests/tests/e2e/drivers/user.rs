//! The drivers' user (issue 14 item 3): a driver started as root without `user =` becomes
//! `nut`, as C drivers become the build's user, so that upsd running as `nut` serves it; a
//! missing user is named with the fix; and upsd says why it cannot open a driver socket.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;
use std::time::Duration;

use rnut_tests::nut_user::{grant_group, nut_user};
use rnut_tests::upsd::{FakeDriver, NutTree, STANDARD_USERS, Upsd, sample_state, wait_ups_ready};
use rnut_tests::{bin, daemon_from_pid_file, free_port, wait_until, write_file};

const T: Duration = Duration::from_secs(15);

fn packaged_tree(d: &NutTree, nut: &nix::unistd::User) {
    grant_group(d.path(), nut.gid);
    for dir in [d.state(), d.run()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o770)).expect("chmod");
    }
}

fn ids(pid: i32, field: &str) -> Vec<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find(|l| l.starts_with(field))
        .map(|l| l.split_whitespace().skip(1).map(str::to_string).collect())
        .unwrap_or_default()
}

fn tree_command(d: &NutTree, program: &str) -> Command {
    let mut c = Command::new(bin(program));
    c.env("NUT_CONFPATH", d.conf())
        .env("NUT_STATEPATH", d.state())
        .env("NUT_ALTPIDPATH", d.run())
        .env_remove("NUT_IGNORE_NOWAIT");
    c
}

#[test]
fn upsdrvctl_as_root_without_user_runs_the_driver_as_nut_and_upsd_as_nut_serves_it() {
    let Some(nut) = nut_user("the drivers' user tests") else {
        return;
    };
    let d = NutTree::new();
    let port = free_port();
    write_file(
        &d.conf().join("t.dev"),
        "ups.status: OL\nbattery.charge: 97\n",
        0o640,
    );
    d.write_ups_conf("[t]\n\tdriver = dummy-ups\n\tport = t.dev\n");
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {port}\n"));
    d.write_users(STANDARD_USERS);
    packaged_tree(&d, &nut);

    let out = tree_command(&d, "upsdrvctl")
        .arg("start")
        .output()
        .expect("run upsdrvctl");
    assert!(
        out.status.success(),
        "upsdrvctl start: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let driver = daemon_from_pid_file(&d.run().join("dummy-ups-t.pid"), T).expect("PID file");
    let want_uid = nut.uid.as_raw().to_string();
    let want_gid = nut.gid.as_raw().to_string();
    assert!(
        ids(driver.pid, "Uid:").iter().all(|u| *u == want_uid),
        "driver uids {:?}",
        ids(driver.pid, "Uid:")
    );
    assert!(ids(driver.pid, "Gid:").iter().all(|g| *g == want_gid));
    assert!(
        !ids(driver.pid, "Groups:").iter().any(|g| g == "0"),
        "driver still in group root"
    );
    let sock = std::fs::metadata(d.state().join("dummy-ups-t")).expect("socket");
    assert_eq!(
        (sock.uid(), sock.gid(), sock.mode() & 0o777),
        (nut.uid.as_raw(), nut.gid.as_raw(), 0o660)
    );

    // upsd started as root without -u becomes nut too and serves the UPS.
    let u = Upsd::start_exactly(&d, &[]);
    wait_ups_ready(&u, "t");
    let upsc = Command::new(bin("upsc"))
        .args([&format!("t@127.0.0.1:{port}"), "battery.charge"])
        .output()
        .expect("run upsc");
    assert_eq!(
        String::from_utf8_lossy(&upsc.stdout),
        "97\n",
        "upsc: {}; upsd: {}",
        String::from_utf8_lossy(&upsc.stderr),
        u.log_text()
    );
    assert!(driver.stop(T), "driver did not stop on SIGTERM");
    assert!(
        wait_until(T, || !d.state().join("dummy-ups-t").exists()),
        "the driver running as nut could not remove its socket"
    );
}

#[test]
fn a_driver_user_that_does_not_exist_is_refused_naming_user_setting() {
    if !rnut_tests::require_root("the drivers' user tests") {
        return;
    }
    let d = NutTree::new();
    write_file(&d.conf().join("t.dev"), "ups.status: OL\n", 0o640);
    d.write_ups_conf("user = rnut-no-such-user\n[t]\n\tdriver = dummy-ups\n\tport = t.dev\n");
    let out = tree_command(&d, "dummy-ups")
        .args(["-a", "t", "-F"])
        .output()
        .expect("run dummy-ups");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("rnut-no-such-user")
            && err.contains("no such user")
            && err.contains("`user =`"),
        "{err}"
    );
    assert!(!d.state().join("dummy-ups-t").exists());
}

#[test]
fn upsd_says_why_it_cannot_open_a_root_only_driver_socket() {
    let Some(nut) = nut_user("the drivers' user tests") else {
        return;
    };
    let d = NutTree::standard("");
    packaged_tree(&d, &nut);
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    std::fs::set_permissions(&drv.path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let u = Upsd::start_exactly(&d, &[]);
    assert!(
        u.wait_log("Permission denied", T),
        "no connect failure logged: {}",
        u.log_text()
    );
    let log = u.log_text();
    let line = log
        .lines()
        .find(|l| l.contains("Permission denied"))
        .expect("line");
    for needle in [
        "fake-test",
        "root:root mode 0600",
        "upsd runs as nut",
        "`user =` in ups.conf",
        "chown",
    ] {
        assert!(line.contains(needle), "{needle:?} missing from: {line}");
    }
    // Logged once, not on every retry.
    assert_eq!(log.matches("Permission denied").count(), 1, "{log}");
}
