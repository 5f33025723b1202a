//! Running upsd: MAXCONN, reload (SIGHUP and `upsd -c reload`), `upsd -c stop` and SIGTERM,
//! hosts.allow / hosts.deny, refusing unsafe permissions or a config without UPS, IPv6
//! listeners, logging to syslog once in the background, and (as root) the privilege drop
//! `-u` and the chroot `-r`, checked in /proc.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;

use rnut_tests::nut_user::{grant_group, nut_user};
use rnut_tests::upsd::*;
use rnut_tests::{SyslogSink, bin, daemon_from_pid_file, wait_until};

fn start_standard(extra: &str) -> (NutTree, FakeDriver, Upsd) {
    let d = NutTree::standard(extra);
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    (d, drv, u)
}

#[test]
fn maxconn_refuses_clearly_and_recovers() {
    let (_d, _drv, u) = start_standard("MAXCONN 3\n");
    // Earlier probe connections may still be closing: take the slots as they free up.
    let mut held: Vec<Client> = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while held.len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "could not hold 3 sessions under MAXCONN 3"
        );
        let mut c = u.client();
        if c.cmd("PROTVER") == "1.3" {
            held.push(c);
        } else {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    let mut extra = u.client();
    assert_eq!(extra.line(), "ERR ACCESS-DENIED");
    assert!(extra.is_closed());
    assert!(u.wait_log("MAXCONN (3)", Duration::from_secs(5)));
    drop(held.pop());
    assert!(wait_until(Duration::from_secs(5), || {
        let mut c = u.client();
        c.cmd("PROTVER") == "1.3"
    }));
    // The held sessions were never disturbed.
    assert_eq!(
        held[0].cmd("GET VAR test ups.load"),
        "VAR test ups.load \"23\""
    );
}

#[test]
fn sighup_reload_keeps_sessions_and_applies_changes() {
    let (d, _drv, u) = start_standard("");
    let mut c = u.client();
    c.login("mons", "secpass");
    assert_eq!(c.cmd("LOGIN other"), "OK");
    let mut keep = u.client();
    assert_eq!(keep.cmd("GET UPSDESC test"), "UPSDESC test \"Test UPS\"");
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n\tdesc = \"Renamed\"\n[third]\n\tdriver = fake\n\tport = none\n");
    d.write_users(&format!(
        "{STANDARD_USERS}[newbie]\n\tpassword = fresh\n\tactions = FSD\n"
    ));
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        u.wait_log("Configuration reloaded", Duration::from_secs(10)),
        "{}",
        u.log_text()
    );
    assert_eq!(keep.cmd("GET UPSDESC test"), "UPSDESC test \"Renamed\"");
    assert_eq!(
        keep.list("LIST UPS"),
        [
            "BEGIN LIST UPS",
            "UPS test \"Renamed\"",
            "UPS third \"Description unavailable\"",
            "END LIST UPS"
        ]
    );
    // The data of a kept UPS survives the reload (its driver link was not dropped).
    assert_eq!(
        keep.cmd("GET VAR test ups.load"),
        "VAR test ups.load \"23\""
    );
    // The client logged into the removed UPS is disconnected.
    assert!(
        c.is_closed(),
        "client of a removed UPS was not disconnected"
    );
    let mut n = u.client();
    n.login("newbie", "fresh");
    assert_eq!(n.cmd("FSD test"), "OK FSD-SET");
    // A broken file keeps the old configuration.
    d.write_upsd_conf("THIS IS NOT A DIRECTIVE\n");
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(u.wait_log("reload failed", Duration::from_secs(10)));
    assert_eq!(
        keep.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"FSD OL\""
    );
}

/// A reload that gives a UPS another driver keeps its entry, as C upsd does: the session
/// logged into it stays, NUMLOGINS and the FSD latch stay, and the data comes from the new
/// driver's socket.
#[test]
fn a_new_driver_on_reload_keeps_the_logins_and_the_fsd_latch() {
    let (d, old_drv, u) = start_standard("");
    let mut mon = u.client();
    mon.login("mons", "secpass");
    assert_eq!(mon.cmd("LOGIN test"), "OK");
    let mut admin = u.client();
    admin.login("admin", "mypass");
    assert_eq!(admin.cmd("FSD test"), "OK FSD-SET");
    let mut state = sample_state();
    state.apply(&nut_core::sock::DriverMessage::SetInfo {
        var: "ups.load".into(),
        value: "42".into(),
    });
    let _new_drv = FakeDriver::start(&d.state(), "other-test", state);
    d.write_ups_conf("[test]\n\tdriver = other\n\tport = none\n\tdesc = \"Test UPS\"\n");
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        u.wait_log("Configuration reloaded", Duration::from_secs(10)),
        "{}",
        u.log_text()
    );
    assert!(
        u.wait_log(
            "driver socket fake-test -> other-test",
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
    assert!(
        wait_until(Duration::from_secs(10), || admin
            .cmd("GET VAR test ups.load")
            == "VAR test ups.load \"42\""),
        "data from the new driver: {}",
        u.log_text()
    );
    assert_eq!(
        admin.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"FSD OL\"",
        "the FSD latch survived the new driver"
    );
    assert_eq!(admin.cmd("GET NUMLOGINS test"), "NUMLOGINS test 1");
    assert!(!mon.is_closed(), "the logged-in session was dropped");
    assert_eq!(mon.cmd("LOGOUT"), "OK Goodbye");
    drop(old_drv);
}

#[test]
fn control_commands_through_the_pid_file() {
    let d = NutTree::standard("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let mut u = Upsd::start_with(&d, &["-F"], |_| {});
    let pidfile = d.run().join("upsd.pid");
    assert!(
        wait_until(Duration::from_secs(5), || pidfile.exists()),
        "no PID file with -FF"
    );
    let pid: u32 = std::fs::read_to_string(&pidfile)
        .expect("pid")
        .trim()
        .parse()
        .expect("number");
    assert_eq!(pid, u.child.pid());
    let ctl = |cmd: &str| {
        Command::new(bin("upsd"))
            .args(["-c", cmd])
            .env("NUT_CONFPATH", d.conf())
            .env("NUT_ALTPIDPATH", d.run())
            .status()
            .expect("run upsd -c")
    };
    assert!(ctl("reload").success());
    assert!(u.wait_log("Configuration reloaded", Duration::from_secs(10)));
    assert_eq!(u.client().cmd("PROTVER"), "1.3");
    assert!(ctl("stop").success());
    let st = u
        .child
        .wait_exit(Duration::from_secs(10))
        .expect("upsd stopped");
    assert!(st.success(), "upsd exit status after stop: {st:?}");
    assert!(!pidfile.exists(), "PID file left behind");
    assert!(
        !ctl("stop").success(),
        "-c stop without a running upsd must fail"
    );
}

#[test]
fn sigterm_stops_gracefully() {
    let (_d, _drv, mut u) = start_standard("");
    let mut c = u.client();
    assert_eq!(c.cmd("PROTVER"), "1.3");
    u.child.signal(nix::sys::signal::Signal::SIGTERM);
    let st = u
        .child
        .wait_exit(Duration::from_secs(10))
        .expect("upsd exits on SIGTERM");
    assert!(st.success());
    assert!(c.is_closed());
}

#[test]
fn in_the_background_upsd_logs_to_syslog_with_severities_and_no_secrets() {
    let d = NutTree::standard("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let mut log = SyslogSink::new();
    // Without -F: the command returns once upsd is in the background.
    let out = Command::new(bin("upsd"))
        .args(rnut_tests::stay_root_args())
        .env("NUT_CONFPATH", d.conf())
        .env("NUT_STATEPATH", d.state())
        .env("NUT_ALTPIDPATH", d.run())
        .env("RNUT_SYSLOG_SOCKET", log.path())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run upsd");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let upsd = daemon_from_pid_file(&d.run().join("upsd.pid"), Duration::from_secs(10))
        .expect("background upsd wrote its PID file");
    let pid = upsd.pid;
    let ready = log
        .wait_line(Duration::from_secs(10), |l| l.contains(" ready (MAXCONN"))
        .expect("the ready line reaches syslog");
    // Facility daemon (3 << 3) + severity info (6).
    assert!(ready.starts_with(&format!("<30>upsd[{pid}]: ")), "{ready}");

    let conf = std::fs::read_to_string(d.conf().join("upsd.conf")).expect("conf");
    let port: u16 = conf
        .split_whitespace()
        .nth(2)
        .and_then(|p| p.parse().ok())
        .expect("LISTEN port");
    let mut c = Client::connect(([127, 0, 0, 1], port).into());
    assert_eq!(c.cmd("USERNAME admin"), "OK");
    assert_eq!(c.cmd("PASSWORD not-the-secret-42"), "OK");
    assert_eq!(c.cmd("LOGIN test"), "ERR ACCESS-DENIED");
    // A warning (4) naming the client.
    let failed = log
        .wait_line(Duration::from_secs(10), |l| {
            l.contains("authentication failed")
        })
        .expect("the failed login reaches syslog");
    assert!(
        failed.starts_with(&format!("<28>upsd[{pid}]: ")),
        "{failed}"
    );
    assert!(failed.contains("127.0.0.1"), "{failed}");
    assert!(upsd.stop(Duration::from_secs(10)), "upsd stops on SIGTERM");
    let all = log.lines().join("\n");
    assert!(
        !all.contains("not-the-secret-42"),
        "a password reached syslog: {all}"
    );
}

#[test]
fn hosts_allow_and_deny() {
    let d = NutTree::standard("");
    rnut_tests::write_file(
        &d.conf().join("hosts.allow"),
        "upsd : admin@127.0.0.1\n",
        0o644,
    );
    rnut_tests::write_file(&d.conf().join("hosts.deny"), "upsd : ALL\n", 0o644);
    let allow = d.conf().join("hosts.allow");
    let deny = d.conf().join("hosts.deny");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start_with(
        &d,
        &[
            "--hosts-allow",
            allow.to_str().unwrap(),
            "--hosts-deny",
            deny.to_str().unwrap(),
        ],
        |_| {},
    );
    wait_ups_ready(&u, "test");
    let mut a = u.client();
    a.login("admin", "mypass");
    assert_eq!(a.cmd("FSD test"), "OK FSD-SET");
    let mut m = u.client();
    // Read-only commands need no user and are not subject to the rules.
    assert_eq!(m.cmd("GET VAR test ups.load"), "VAR test ups.load \"23\"");
    m.login("mons", "secpass");
    assert_eq!(m.cmd("LOGIN test"), "ERR ACCESS-DENIED");
    // Credentials are still required first, and the host rule comes before argument errors.
    let mut x = u.client();
    assert_eq!(x.cmd("LOGIN"), "ERR USERNAME-REQUIRED");
    x.login("mons", "secpass");
    assert_eq!(x.cmd("LOGIN"), "ERR ACCESS-DENIED");
    assert!(u.wait_log("hosts.allow/hosts.deny", Duration::from_secs(5)));
}

#[test]
fn hosts_files_from_upsd_conf() {
    let d = NutTree::new();
    let deny = d.conf().join("deny.rules");
    rnut_tests::write_file(&deny, "upsd : 127.0.0.0/8\n", 0o644);
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {}\nHOSTS_DENY {}\n",
        rnut_tests::free_port(),
        deny.display()
    ));
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let u = Upsd::start(&d);
    let mut c = u.client();
    c.login("admin", "mypass");
    assert_eq!(c.cmd("FSD test"), "ERR ACCESS-DENIED");
}

fn expect_refusal(d: &NutTree, needle: &str) {
    expect_exit_with(&mut upsd_command(d, rnut_tests::stay_root_args()), needle);
}

/// Run `cmd` (an upsd) and expect it to fail within 20 s with `needle` in its log.
fn expect_exit_with(cmd: &mut Command, needle: &str) {
    let (mut child, log) = spawn_logged(cmd);
    let st = child
        .wait_exit(Duration::from_secs(20))
        .expect("upsd should exit");
    assert!(!st.success());
    // The log reader thread may still be draining the pipe.
    wait_until(Duration::from_secs(5), || {
        log.lock().unwrap().join("\n").contains(needle)
    });
    let text = log.lock().unwrap().join("\n");
    assert!(text.contains(needle), "expected {needle:?} in {text}");
}

/// upsd with its address space capped at 256 MiB: the old reader grew by 1.2 GB/s on
/// /dev/zero until the OOM killer came.
fn expect_small_refusal(d: &NutTree, needle: &str) {
    let cmd = upsd_command(d, rnut_tests::stay_root_args());
    let started = std::time::Instant::now();
    expect_exit_with(
        &mut rnut_tests::with_address_space_limit(&cmd, 256 * 1024),
        needle,
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

fn mkfifo(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::from_bits_truncate(0o640)).expect("mkfifo");
}

#[test]
fn endless_or_blocking_config_files_are_refused_fast_and_small() {
    let d = NutTree::standard("");
    let upsd_conf = d.conf().join("upsd.conf");
    let saved = std::fs::read_to_string(&upsd_conf).expect("read");
    std::fs::remove_file(&upsd_conf).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", &upsd_conf).expect("symlink");
    expect_small_refusal(&d, "upsd.conf: not a regular file (a character device)");
    // A FIFO with no writer: the old reader blocked in open() for ever.
    mkfifo(&upsd_conf);
    expect_small_refusal(&d, "upsd.conf: not a regular file (a FIFO)");
    std::fs::remove_file(&upsd_conf).expect("rm");
    d.write_upsd_conf(&saved);
    let ups_conf = d.conf().join("ups.conf");
    std::fs::remove_file(&ups_conf).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", &ups_conf).expect("symlink");
    expect_small_refusal(&d, "ups.conf: not a regular file (a character device)");
    std::fs::remove_file(&ups_conf).expect("rm");
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    let hosts = d.conf().join("hosts.allow");
    mkfifo(&hosts);
    d.write_upsd_conf(&format!("{saved}HOSTS_ALLOW {}\n", hosts.display()));
    expect_small_refusal(&d, "hosts.allow: not a regular file (a FIFO)");
}

#[test]
fn config_files_writable_by_others_are_refused() {
    let d = NutTree::standard("");
    for name in ["upsd.conf", "ups.conf"] {
        let path = d.conf().join(name);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o646)).expect("chmod");
        expect_refusal(&d, &format!("{name}: writable by other users"));
        expect_refusal(&d, "run `chmod o-w` on it");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    }
}

#[test]
fn silent_upsd_conf_mistakes_are_refused_with_file_and_line() {
    let d = NutTree::standard("");
    let base = std::fs::read_to_string(d.conf().join("upsd.conf")).expect("read");
    // `standard` writes two lines: the third is ours.
    for (line, needle) in [
        (
            "CERTIDENT upsd secret",
            "upsd.conf:3: CERTIDENT without CERTPATH",
        ),
        (
            "MAXCONN 4000000000000",
            "upsd.conf:3: MAXCONN must be between 1 and 1048576",
        ),
        ("MAXAGE 0", "upsd.conf:3: MAXAGE must be at least 1 second"),
    ] {
        d.write_upsd_conf(&format!("{base}{line}\n"));
        expect_refusal(&d, needle);
    }
}

#[test]
fn maxconn_past_the_open_file_limit_is_lowered_with_a_warning() {
    let d = NutTree::standard("MAXCONN 1048576\n");
    let cmd = upsd_command(&d, rnut_tests::stay_root_args());
    // 256 descriptors, 64 of them kept for listeners and drivers.
    let (child, log) = spawn_logged(&mut rnut_tests::with_ulimit(&cmd, 'n', 256));
    let u = Upsd::from_spawned(child, log);
    assert!(
        u.log_text().contains(
            "upsd.conf: MAXCONN 1048576 is more than the open-file limit allows (192 after \
             the descriptors kept for listeners and drivers): serving at most 192 connections"
        ),
        "{}",
        u.log_text()
    );
    assert!(u.wait_log("ready (MAXCONN 192)", Duration::from_secs(5)));
}

#[test]
fn refuses_unsafe_or_empty_configuration() {
    let d = NutTree::standard("");
    std::fs::set_permissions(
        d.conf().join("upsd.users"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
    expect_refusal(&d, "chmod 0640");
    std::fs::set_permissions(
        d.conf().join("upsd.users"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    d.write_ups_conf("# nothing\n");
    expect_refusal(&d, "no UPS is defined");
    let port = rnut_tests::free_port();
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {port}\nALLOW_NO_DEVICE true\n"));
    let u = Upsd::start(&d);
    assert_eq!(
        u.client().list("LIST UPS"),
        ["BEGIN LIST UPS", "END LIST UPS"]
    );
    drop(u);
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {port}\nBOGUS_DIRECTIVE 1\n"));
    expect_refusal(&d, "upsd.conf");
    std::fs::remove_file(d.conf().join("upsd.conf")).expect("rm");
    expect_refusal(&d, "upsd.conf");
}

#[test]
fn listens_on_ipv6_loopback() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        rnut_tests::skip("no IPv6 loopback on this machine");
        return;
    }
    let d = NutTree::new();
    let port = rnut_tests::free_port();
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {port}\nLISTEN ::1 {port}\n"));
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    assert!(
        u.wait_log(
            &format!("listening on [::1]:{port}"),
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
    let mut c = Client::connect(format!("[::1]:{port}").parse().expect("addr"));
    assert_eq!(c.cmd("PROTVER"), "1.3");
    wait_ups_ready(&u, "test");
    c.login("mons", "secpass");
    assert_eq!(c.cmd("LOGIN test"), "OK");
    assert_eq!(
        c.list("LIST CLIENT test"),
        [
            "BEGIN LIST CLIENT test",
            "CLIENT test ::1",
            "END LIST CLIENT test"
        ]
    );
}

fn proc_field(pid: u32, field: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find(|l| l.starts_with(field))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn drops_privileges_with_u() {
    drops_privileges(true);
}

/// Started as root without -u, upsd becomes `nut`, as C upsd becomes its RUN_AS_USER.
#[test]
fn as_root_without_u_upsd_runs_as_nut() {
    drops_privileges(false);
}

fn drops_privileges(with_u: bool) {
    let Some(nut) = nut_user("the privilege tests") else {
        return;
    };
    let d = NutTree::standard("");
    grant_group(d.path(), nut.gid);
    // The driver socket must be reachable by the group, as drivers make it (0660).
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    std::fs::set_permissions(&drv.path, std::fs::Permissions::from_mode(0o660))
        .expect("chmod socket");
    grant_group(&drv.path, nut.gid);
    std::fs::set_permissions(d.state(), std::fs::Permissions::from_mode(0o770)).expect("chmod");
    std::fs::set_permissions(d.run(), std::fs::Permissions::from_mode(0o770)).expect("chmod");
    let u = if with_u {
        Upsd::start_with(&d, &["-u", "nut"], |_| {})
    } else {
        Upsd::start_exactly(&d, &[])
    };
    wait_ups_ready(&u, "test");
    let uid = proc_field(u.child.pid(), "Uid:");
    let gid = proc_field(u.child.pid(), "Gid:");
    let want_uid = nut.uid.as_raw().to_string();
    let want_gid = nut.gid.as_raw().to_string();
    assert!(
        uid.split_whitespace().skip(1).all(|v| v == want_uid),
        "{uid}"
    );
    assert!(
        gid.split_whitespace().skip(1).all(|v| v == want_gid),
        "{gid}"
    );
    let groups = proc_field(u.child.pid(), "Groups:");
    assert!(
        !groups.split_whitespace().skip(1).any(|g| g == "0"),
        "still in group root: {groups}"
    );
    // upsd.users was read after the drop, through the group.
    let mut c = u.client();
    c.login("admin", "mypass");
    assert_eq!(c.cmd("FSD test"), "OK FSD-SET");
}

#[test]
fn chroots_with_r_and_drops_with_u() {
    let Some(nut) = nut_user("the privilege tests") else {
        return;
    };
    let (_d, root, _drv, u) = start_jailed(&nut, &[]);
    let proc_root = std::fs::read_link(format!("/proc/{}/root", u.child.pid())).expect("proc root");
    assert_eq!(proc_root, root.canonicalize().expect("canonical"));
    let uid = proc_field(u.child.pid(), "Uid:");
    assert!(
        uid.split_whitespace()
            .skip(1)
            .all(|v| v == nut.uid.as_raw().to_string()),
        "{uid}"
    );
    assert_eq!(
        u.client().cmd("GET VAR test ups.load"),
        "VAR test ups.load \"23\""
    );
}

/// A jail (`conf`, `state`, `run` under `<d>/jail`, group `nut`) with a fake driver, and upsd
/// started as root with `-r jail -u nut` plus `extra` arguments, paths given as seen inside.
fn start_jailed(
    nut: &nix::unistd::User,
    extra: &[&str],
) -> (NutTree, std::path::PathBuf, FakeDriver, Upsd) {
    let d = NutTree::new();
    let root = d.path().join("jail");
    for sub in ["conf", "state", "run"] {
        std::fs::create_dir_all(root.join(sub)).expect("mkdir");
    }
    rnut_tests::write_file(
        &root.join("conf/upsd.conf"),
        &format!("LISTEN 127.0.0.1 {}\n", rnut_tests::free_port()),
        0o640,
    );
    rnut_tests::write_file(
        &root.join("conf/ups.conf"),
        "[test]\n\tdriver = fake\n\tport = none\n",
        0o640,
    );
    rnut_tests::write_file(&root.join("conf/upsd.users"), STANDARD_USERS, 0o640);
    grant_group(d.path(), nut.gid);
    for sub in ["state", "run"] {
        std::fs::set_permissions(root.join(sub), std::fs::Permissions::from_mode(0o770))
            .expect("chmod");
    }
    let drv = FakeDriver::start(&root.join("state"), "fake-test", sample_state());
    std::fs::set_permissions(&drv.path, std::fs::Permissions::from_mode(0o660))
        .expect("chmod socket");
    grant_group(&drv.path, nut.gid);
    let mut args = vec!["-r", root.to_str().unwrap(), "-u", "nut"];
    args.extend_from_slice(extra);
    let u = Upsd::start_with(&d, &args, |cmd| {
        jail_env(cmd);
    });
    wait_ups_ready(&u, "test");
    (d, root, drv, u)
}

/// The NUT paths of [`start_jailed`], as seen inside the jail.
fn jail_env(cmd: &mut Command) -> &mut Command {
    cmd.env("NUT_CONFPATH", "/conf")
        .env("NUT_STATEPATH", "/state")
        .env("NUT_ALTPIDPATH", "/run")
        .env("NUT_DATAPATH", "/conf")
}

/// `upsd -c reload` against a chrooted upsd gets its answer: the status file the server
/// writes is inside the jail, and the command finds it there, both with `-P pid` (the form
/// of Debian's ExecReload) and with the daemon's own `-r jail` (PID file inside the jail).
#[test]
fn reload_command_answers_for_a_chrooted_upsd() {
    let Some(nut) = nut_user("the privilege tests") else {
        return;
    };
    let (_d, root, _drv, u) = start_jailed(&nut, &["-F"]);
    let pidfile = root.join("run/upsd.pid");
    assert!(
        wait_until(Duration::from_secs(5), || pidfile.exists()),
        "no PID file in the jail with -FF"
    );
    let pid = u.child.pid().to_string();
    let reload = |args: &[&str]| {
        let mut cmd = Command::new(bin("upsd"));
        jail_env(cmd.args(["-c", "reload"]).args(args));
        let mut child = rnut_tests::ChildGuard::spawn("upsd -c reload", &mut cmd);
        let status = child.wait_exit(Duration::from_secs(10));
        assert!(
            status.is_some(),
            "upsd -c reload {args:?} got no answer from the chrooted upsd within 10 s"
        );
        status.unwrap()
    };
    assert!(reload(&["-P", &pid]).success());
    assert!(reload(&["-r", root.to_str().unwrap()]).success());
    let reloaded = || {
        u.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("Configuration reloaded"))
            .count()
    };
    assert!(wait_until(Duration::from_secs(5), || reloaded() == 2));
    assert_eq!(u.client().cmd("PROTVER"), "1.3");
}

#[test]
fn hashed_passwords_in_upsd_users() {
    use std::io::Write as _;
    let mut child = Command::new(bin("upsd"))
        .arg("--hash-password")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("upsd --hash-password");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"S3cret pw\n")
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    let argon = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_string();
    assert!(argon.starts_with("$argon2id$"), "{argon}");
    let mut users =
        format!("{STANDARD_USERS}[hashed]\n\tpassword = \"{argon}\"\n\tactions = FSD\n");
    let crypt = if rnut_tests::require_tool("openssl") {
        let o = Command::new("openssl")
            .args(["passwd", "-6", "-salt", "saltsalt", "crypt pw"])
            .output()
            .expect("openssl");
        let h = String::from_utf8(o.stdout)
            .expect("utf8")
            .trim()
            .to_string();
        assert!(h.starts_with("$6$saltsalt$"), "{h}");
        users.push_str(&format!(
            "[crypted]\n\tpassword = \"{h}\"\n\tactions = FSD\n"
        ));
        true
    } else {
        false
    };
    let d = NutTree::standard("");
    d.write_users(&users);
    let u = Upsd::start(&d);
    let mut ok = u.client();
    ok.login("hashed", "S3cret pw");
    assert_eq!(ok.cmd("FSD test"), "OK FSD-SET");
    let mut bad = u.client();
    bad.login("hashed", "S3cret");
    assert_eq!(bad.cmd("FSD test"), "ERR ACCESS-DENIED");
    if crypt {
        let mut c = u.client();
        c.login("crypted", "crypt pw");
        assert_eq!(c.cmd("FSD test"), "OK FSD-SET");
        let mut c = u.client();
        c.login("crypted", "crypt pW");
        assert_eq!(c.cmd("FSD test"), "ERR ACCESS-DENIED");
    }
    assert!(!u.log_text().contains("S3cret"));
}

/// nut.conf's MODE decides whether upsd starts, as Debian's `/sbin/upsd` wrapper does:
/// none and netclient are refused with one line naming the file; netserver runs.
#[test]
fn nut_conf_mode_decides_whether_upsd_runs() {
    let d = NutTree::standard("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let nut_conf = d.conf().join("nut.conf");
    for mode in ["none", "netclient"] {
        rnut_tests::write_file(&nut_conf, &format!("MODE={mode}\n"), 0o644);
        let (mut child, log) = spawn_upsd(&d, &[], |_| {});
        let status = child.wait_exit(Duration::from_secs(10));
        let expected = format!("upsd is disabled by MODE={mode} in {}", nut_conf.display());
        assert!(
            wait_until(Duration::from_secs(5), || {
                log.lock().unwrap().iter().any(|l| l.contains(&expected))
            }),
            "{:?}",
            log.lock().unwrap()
        );
        assert_eq!(status.and_then(|s| s.code()), Some(1), "MODE={mode}");
    }
    rnut_tests::write_file(&nut_conf, "MODE=netserver\n", 0o644);
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
}

/// A fatal error is one line, printed once, with the OS error once: a port already taken
/// used to give `upsd: ... Address already in use (os error 98): Address already in use
/// (os error 98)` twice (the log line and the exit line).
#[test]
fn a_fatal_error_is_one_clean_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port();
    let d = NutTree::standard("");
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {port}\n"));
    let out = upsd_command(&d, rnut_tests::stay_root_args())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run upsd");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with("upsd: "), "{err}");
    assert!(lines[0].contains(&format!("127.0.0.1:{port}")), "{err}");
    assert_eq!(lines[0].matches("(os error 98)").count(), 1, "{err}");
}

/// `upsd -c reload` reports what the running upsd made of the reload: exit 0 once it is
/// applied, exit 1 with the reason when upsd refused it (C upsd's `-c reload` exits 0
/// whatever happens).
#[test]
fn reload_command_fails_when_the_reload_is_refused() {
    let d = NutTree::standard("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start_with(&d, &["-F"], |_| {});
    let pid = u.child.pid().to_string();
    let ctl = || {
        Command::new(bin("upsd"))
            .args(["-c", "reload", "-P", &pid])
            .env("NUT_CONFPATH", d.conf())
            .env("NUT_ALTPIDPATH", d.run())
            .output()
            .expect("run upsd -c reload")
    };
    let ok = ctl();
    assert!(ok.status.success(), "{ok:?}");
    let conf = std::fs::read_to_string(d.conf().join("upsd.conf")).expect("upsd.conf");
    d.write_upsd_conf(&format!("{conf}NO_SUCH_DIRECTIVE 1\n"));
    let refused = ctl();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("the reload was refused"), "{err}");
    assert!(err.contains("NO_SUCH_DIRECTIVE"), "{err}");
    assert!(u.wait_log("reload failed", Duration::from_secs(5)));
    assert_eq!(u.client().cmd("PROTVER"), "1.3");
}
