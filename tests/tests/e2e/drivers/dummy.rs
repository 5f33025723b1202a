//! dummy-ups behaviour with real processes: `.seq` sequences with TIMER, readers joining
//! mid-sequence, stale sockets after SIGKILL, malformed files, file reload, signals, and
//! upsdrvctl.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant, SystemTime};

use nix::sys::signal::Signal;
use rnut_tests::drivers::{NutTree, RawReader, dump_value};
use rnut_tests::{ChildGuard, bin, wait_for_unix, wait_until};

const T: Duration = Duration::from_secs(10);

#[test]
fn seq_file_steps_ol_ob_ob_lb_with_timers_and_a_late_reader_sees_the_current_state() {
    let tree = NutTree::new();
    tree.write("t.seq", "ups.status: OL\nbattery.charge: 100\nTIMER 2\nups.status: OB\nbattery.charge: 80\nTIMER 2\nups.status: OB LB\nbattery.charge: 10\nTIMER 60\n");
    tree.ups_conf(&[("t", "t.seq")]);
    let _drv = tree.start_dummy("t", &[]);
    let mut first = RawReader::connect(&tree.socket("t"));
    let dump = first.dump_all();
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OL"));
    assert_eq!(
        dump_value(&dump, "driver.parameter.mode").as_deref(),
        Some("dummy-loop")
    );

    let status = |l: &str| l.starts_with("SETINFO ups.status ");
    assert_eq!(
        first.wait_line(T, status).as_deref(),
        Some(r#"SETINFO ups.status "OB""#)
    );
    let ob_at = Instant::now();
    // The step's second line: a dump taken between the two lines of one step would show
    // OB with the old charge (the driver applies a step line by line; C applies it whole).
    assert_eq!(
        first
            .wait_line(T, |l| l.starts_with("SETINFO battery.charge "))
            .as_deref(),
        Some(r#"SETINFO battery.charge "80""#)
    );

    // A reader connecting mid-sequence gets the current state, then the next step.
    let mut late = RawReader::connect(&tree.socket("t"));
    let dump = late.dump_all();
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OB"));
    assert_eq!(dump_value(&dump, "battery.charge").as_deref(), Some("80"));

    assert_eq!(
        first.wait_line(T, status).as_deref(),
        Some(r#"SETINFO ups.status "OB LB""#)
    );
    let gap = ob_at.elapsed();
    assert!(
        gap >= Duration::from_millis(1500),
        "TIMER 2 honoured, got {gap:?}"
    );
    assert_eq!(
        late.wait_line(T, status).as_deref(),
        Some(r#"SETINFO ups.status "OB LB""#)
    );
    assert_eq!(
        late.wait_line(T, |l| l.contains("battery.charge"))
            .as_deref(),
        Some(r#"SETINFO battery.charge "10""#)
    );
}

#[test]
fn sigkill_leaves_a_stale_socket_that_the_next_start_cleans_up() {
    let tree = NutTree::new();
    tree.write("t.dev", "ups.status: OL\n");
    tree.ups_conf(&[("t", "t.dev")]);
    let mut drv = tree.start_dummy("t", &[]);
    drv.signal(Signal::SIGKILL);
    assert!(drv.wait_exit(T).is_some());
    let sock = tree.socket("t");
    assert!(sock.exists(), "SIGKILL leaves the socket file behind");
    assert!(
        std::os::unix::net::UnixStream::connect(&sock).is_err(),
        "nobody serves it"
    );
    let _again = tree.start_dummy("t", &[]);
    let dump = RawReader::connect(&sock).dump_all();
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OL"));
}

#[test]
fn a_second_instance_refuses_a_socket_that_is_served() {
    let tree = NutTree::new();
    tree.write("t.dev", "ups.status: OL\n");
    tree.ups_conf(&[("t", "t.dev")]);
    let _drv = tree.start_dummy("t", &[]);
    let out = tree
        .driver(&bin("dummy-ups"))
        .args(["-a", "t", "-F"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already serving"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = RawReader::connect(&tree.socket("t")).dump_all();
    assert_eq!(dump.last().map(String::as_str), Some("DUMPDONE"));
}

#[test]
fn a_malformed_line_is_skipped_and_reported_naming_file_and_line() {
    let tree = NutTree::new();
    let path = tree.write(
        "bad.dev",
        "# header\nbattery.charge: 90\nb@d: 1\nbattery.runtime 3600\nTIMER 2s\n",
    );
    tree.ups_conf(&[("bad", "bad.dev")]);
    let mut cmd = tree.driver(&bin("dummy-ups"));
    cmd.args(["-a", "bad", "-F"])
        .stderr(std::process::Stdio::piped());
    let mut drv = ChildGuard::spawn("dummy-ups", &mut cmd);
    assert!(wait_for_unix(&tree.socket("bad"), T));
    let dump = RawReader::connect(&tree.socket("bad")).dump_all();
    // The good lines are used, C's loose `name value` form included.
    assert_eq!(dump_value(&dump, "battery.charge").as_deref(), Some("90"));
    assert_eq!(
        dump_value(&dump, "battery.runtime").as_deref(),
        Some("3600")
    );
    assert_eq!(dump_value(&dump, "b@d"), None);
    let stderr = drv.child_mut().stderr.take();
    drv.stop(T);
    let mut err = String::new();
    if let Some(mut e) = stderr {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(
        err.contains(&format!("{}:3: invalid variable name", path.display()))
            && err.contains("line skipped"),
        "{err}"
    );
}

#[test]
fn a_missing_data_file_stops_the_driver_naming_it() {
    let tree = NutTree::new();
    tree.ups_conf(&[("gone", "missing.dev")]);
    for extra in [&["-F"][..], &[][..]] {
        let out = tree
            .driver(&bin("dummy-ups"))
            .args(["-a", "gone"])
            .args(extra)
            .output()
            .expect("run");
        assert!(!out.status.success(), "{extra:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("missing.dev") && err.contains("cannot read dummy-ups data file"),
            "{extra:?}: {err}"
        );
    }
    assert!(!tree.socket("gone").exists());
}

#[test]
fn dummy_once_keeps_set_values_until_the_file_changes() {
    let tree = NutTree::new();
    let path = tree.write("t.dev", "ups.status: OL\nbattery.charge: 90\n");
    tree.ups_conf(&[("t", "t.dev")]);
    let _drv = tree.start_dummy("t", &[]);
    let mut r = RawReader::connect(&tree.socket("t"));
    r.dump_all();
    r.send("SET battery.charge \"33\" TRACKING s\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING s 0")
    );
    // Two update cycles later the value is still ours (dummy-once does not re-read). Nothing
    // happens to wait for: the check is that nothing happens. dummy-ups updates every second
    // (its poll interval is capped at 1 s), so 2.2 s covers two updates, each of which would
    // have re-read the file had the mode been wrong; the rewrite below then proves the
    // driver was alive and reading all along.
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(
        dump_value(&r.dump_all(), "battery.charge").as_deref(),
        Some("33")
    );
    std::fs::write(&path, "ups.status: OB\nbattery.charge: 50\n").expect("rewrite");
    let f = std::fs::File::options()
        .write(true)
        .open(&path)
        .expect("open");
    f.set_modified(SystemTime::now() + Duration::from_secs(5))
        .expect("mtime");
    assert_eq!(
        r.wait_line(T, |l| l.contains("battery.charge")).as_deref(),
        Some(r#"SETINFO battery.charge "50""#)
    );
    assert_eq!(
        dump_value(&r.dump_all(), "ups.status").as_deref(),
        Some("OB")
    );
}

#[test]
fn sigterm_removes_socket_and_pid_file_and_sighup_reloads() {
    let tree = NutTree::new();
    tree.write("t.dev", "ups.status: OL\n");
    tree.write(
        "ups.conf",
        "[t]\n driver = dummy-ups\n port = t.dev\n pollinterval = 2\n",
    );
    let mut drv = tree.start_dummy("t", &["-F"]); // -FF: foreground and PID file
    let pid_file = tree.run().join("dummy-ups-t.pid");
    assert!(wait_until(T, || pid_file.exists()));
    assert_eq!(
        std::fs::read_to_string(&pid_file).expect("pid"),
        format!("{}\n", drv.pid())
    );
    let mut r = RawReader::connect(&tree.socket("t"));
    assert_eq!(
        dump_value(&r.dump_all(), "driver.parameter.pollinterval").as_deref(),
        Some("2")
    );
    tree.write(
        "ups.conf",
        "[t]\n driver = dummy-ups\n port = t.dev\n pollinterval = 3\n default.ups.id = rack7\n",
    );
    // `-c reload` finds the running instance through its PID file and sends SIGHUP.
    let st = tree
        .driver(&bin("dummy-ups"))
        .args(["-a", "t", "-c", "reload"])
        .status()
        .expect("-c reload");
    assert!(st.success());
    assert_eq!(
        r.wait_line(T, |l| l.contains("pollinterval")).as_deref(),
        Some(r#"SETINFO driver.parameter.pollinterval "3""#)
    );
    assert_eq!(
        r.wait_line(T, |l| l.contains("ups.id")).as_deref(),
        Some(r#"SETINFO ups.id "rack7""#)
    );
    // The driver's own parameter survives the reload's clean-up of driver.parameter.*. The
    // framework withdraws it and the backend sets it again, after ups.id: read it once the
    // reload is over (driver.state back to quiet), not in between.
    assert!(
        r.wait_line(T, |l| l == r#"SETINFO driver.state "quiet""#)
            .is_some()
    );
    assert_eq!(
        dump_value(&r.dump_all(), "driver.parameter.mode").as_deref(),
        Some("dummy-once")
    );
    // SIGUSR2 (reload-or-restart): a change that needs no restart is applied in place.
    tree.write(
        "ups.conf",
        "[t]\n driver = dummy-ups\n port = t.dev\n pollinterval = 4\n default.ups.id = rack7\n",
    );
    drv.signal(Signal::SIGUSR2);
    assert_eq!(
        r.wait_line(T, |l| l.contains("pollinterval")).as_deref(),
        Some(r#"SETINFO driver.parameter.pollinterval "4""#)
    );
    assert!(drv.try_wait().is_none(), "SIGUSR2 ended the driver");
    // upsdrvctl -c exit sends SIGTERM the same way.
    let st = tree
        .command(&bin("upsdrvctl"))
        .args(["-c", "exit", "t"])
        .status()
        .expect("-c exit");
    assert!(st.success());
    let st = drv.wait_exit(T).expect("exits on SIGTERM");
    assert!(st.success(), "{st}");
    assert!(!tree.socket("t").exists(), "socket removed");
    assert!(!pid_file.exists(), "PID file removed");
}

#[test]
fn overrides_are_immutable_and_defaults_fill_gaps() {
    let tree = NutTree::new();
    tree.write(
        "t.dev",
        "ups.status: OL\nups.mfr: Real\nbattery.charge: 90\n",
    );
    tree.write(
        "ups.conf",
        "[t]\n driver = dummy-ups\n port = t.dev\n override.ups.mfr = Forced\n default.battery.charge = 1\n default.ups.id = dflt\n",
    );
    let _drv = tree.start_dummy("t", &[]);
    let mut r = RawReader::connect(&tree.socket("t"));
    let dump = r.dump_all();
    assert_eq!(dump_value(&dump, "ups.mfr").as_deref(), Some("Forced"));
    assert_eq!(dump_value(&dump, "battery.charge").as_deref(), Some("90"));
    assert_eq!(dump_value(&dump, "ups.id").as_deref(), Some("dflt"));
    r.send("SET ups.mfr \"Other\" TRACKING o\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING o 0")
    );
    assert_eq!(
        dump_value(&r.dump_all(), "ups.mfr").as_deref(),
        Some("Forced")
    );
}

#[test]
fn a_state_path_writable_by_others_is_refused() {
    let tree = NutTree::new();
    tree.write("t.dev", "ups.status: OL\n");
    tree.ups_conf(&[("t", "t.dev")]);
    std::fs::set_permissions(tree.state(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let out = tree
        .driver(&bin("dummy-ups"))
        .args(["-a", "t", "-F"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("chmod o-w {}", tree.state().display())),
        "{err}"
    );
}

#[test]
fn upsdrvctl_starts_reports_and_stops_background_drivers() {
    let tree = NutTree::new();
    tree.write("a.dev", "ups.status: OL\n");
    tree.write("b.seq", "ups.status: OB\nTIMER 60\n");
    tree.ups_conf(&[("a", "a.dev"), ("b", "b.seq")]);
    let ctl = bin("upsdrvctl");

    let out = tree.command(&ctl).arg("list").output().expect("list");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a\nb\n");

    let out = tree
        .command(&ctl)
        .args(["-t", "-u", "nut", "start"])
        .output()
        .expect("test mode");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("exec: {} -a a -u nut", bin("dummy-ups").display())),
        "{text}"
    );
    assert!(!tree.socket("a").exists(), "-t starts nothing");

    let mut syslog = rnut_tests::SyslogSink::new();
    let started = Instant::now();
    let st = tree
        .driver(&ctl)
        .arg("start")
        .env("RNUT_SYSLOG_SOCKET", syslog.path())
        .status()
        .expect("start");
    assert!(st.success());
    // The foreground processes exit only once the sockets are served.
    for ups in ["a", "b"] {
        assert!(
            std::os::unix::net::UnixStream::connect(tree.socket(ups)).is_ok(),
            "{ups} serves at once"
        );
        assert!(tree.run().join(format!("dummy-ups-{ups}.pid")).exists());
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    let pid_a = std::fs::read_to_string(tree.run().join("dummy-ups-a.pid")).expect("pid");
    let out = tree.command(&ctl).arg("status").output().expect("status");
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "UPSNAME",
            "UPSDRV",
            "RUNNING",
            "PF_PID",
            "S_RESPONSIVE",
            "S_PID",
            "S_STATUS"
        ]
    );
    assert_eq!(rows[1][..3], ["a", "dummy-ups", "RUNNING"]);
    assert_eq!(rows[1][4], "RESPONSIVE");
    assert_eq!(rows[1][3], rows[1][5], "PID file and GETPID agree");
    assert_eq!(rows[2][6], "\"OB\"");

    let st = tree
        .command(&ctl)
        .args(["stop", "a"])
        .status()
        .expect("stop a");
    assert!(st.success());
    assert!(wait_until(T, || !tree.socket("a").exists()));
    assert!(!tree.run().join("dummy-ups-a.pid").exists());
    // In the background the drivers log to syslog (facility daemon, info: <30>).
    let line = syslog
        .wait_line(T, |l| l.contains("signal SIGTERM: exiting"))
        .expect("the background driver's log line reaches syslog");
    assert_eq!(
        line,
        format!("<30>dummy-ups[{}]: signal SIGTERM: exiting", pid_a.trim())
    );
    assert!(tree.socket("b").exists());
    let st = tree.command(&ctl).arg("stop").status().expect("stop all");
    assert!(!st.success(), "a has no PID file any more: reported");
    assert!(wait_until(T, || !tree.socket("b").exists()));
}

#[test]
fn upsdrvctl_reports_a_driver_that_fails_to_start() {
    let tree = NutTree::new();
    tree.write("ups.conf", "maxretry = 2\nretrydelay = 1\n[bad]\n driver = dummy-ups\n port = missing.dev\n[nodrv]\n driver = no-such-driver\n port = x\n");
    let started = Instant::now();
    let out = tree
        .driver(&bin("upsdrvctl"))
        .arg("start")
        .output()
        .expect("start");
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Driver failed to start for UPS [bad] (2 attempts)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("missing.dev"),
        "the driver's own error is shown: {stderr}"
    );
    assert!(
        stderr.contains("no-such-driver: no such driver program"),
        "{stderr}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "retrydelay honoured"
    );
}

#[test]
fn upsdrvctl_shutdown_runs_kill_power_in_sdorder_and_reports_failure() {
    let tree = NutTree::new();
    tree.write("a.dev", "ups.status: OL\n");
    tree.write(
        "ups.conf",
        "[late]\n driver = dummy-ups\n port = a.dev\n sdorder = 2\n[never]\n driver = dummy-ups\n port = a.dev\n sdorder = -1\n[first]\n driver = dummy-ups\n port = a.dev\n",
    );
    let ctl = bin("upsdrvctl");
    let out = tree
        .command(&ctl)
        .args(["-t", "shutdown"])
        .output()
        .expect("test mode");
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    let drv = bin("dummy-ups").display().to_string();
    assert_eq!(
        lines,
        [
            format!("exec: {drv} -a first -k"),
            format!("exec: {drv} -a late -k")
        ],
        "{text}"
    );
    // Named on the command line, a UPS kept out of the bulk shutdown is shut down all the
    // same, as in C.
    let out = tree
        .command(&ctl)
        .args(["-t", "shutdown", "never"])
        .output()
        .expect("test mode");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("exec: {drv} -a never -k")
    );
    // dummy-ups cannot power anything off: like C, -k fails, and upsdrvctl says so.
    let out = tree
        .command(&ctl)
        .arg("shutdown")
        .output()
        .expect("shutdown");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("shutdown is not supported by this driver"),
        "{err}"
    );
    assert!(err.contains("shutdown of UPS [first] failed"), "{err}");
}

#[test]
fn dash_u_drops_privileges_before_serving() {
    if !rnut_tests::require_root("switching users") {
        return;
    }
    let Ok(Some(nobody)) = nix::unistd::User::from_name("nobody") else {
        rnut_tests::skip("no user 'nobody'");
        return;
    };
    let tree = NutTree::new();
    std::fs::set_permissions(tree.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    nix::unistd::chown(&tree.state(), Some(nobody.uid), Some(nobody.gid)).expect("chown state");
    tree.write("t.dev", "ups.status: OL\n");
    tree.ups_conf(&[("t", "t.dev")]);
    let drv = tree.start_dummy("t", &["-u", "nobody"]);
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", drv.pid())).expect("proc status");
    let uid_line = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .expect("Uid line");
    assert!(
        uid_line
            .split_whitespace()
            .skip(1)
            .all(|u| u == nobody.uid.to_string()),
        "{uid_line}"
    );
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(tree.socket("t")).expect("socket");
    assert_eq!(meta.uid(), nobody.uid.as_raw());
    assert_eq!(meta.mode() & 0o777, 0o660);
    let dump = RawReader::connect(&tree.socket("t")).dump_all();
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OL"));
}

/// A tiny upsd stand-in answering `LIST VAR src` with the current status; it can be stopped
/// (connections closed, port released) and started again on the same port.
struct FakeUpsd {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeUpsd {
    fn start(
        addr: std::net::SocketAddr,
        status: std::sync::Arc<std::sync::Mutex<String>>,
    ) -> FakeUpsd {
        use std::io::{BufRead, BufReader, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind(addr).expect("bind fake upsd");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                conn.set_nonblocking(false).expect("blocking");
                conn.set_read_timeout(Some(Duration::from_millis(100)))
                    .expect("timeout");
                let mut w = conn.try_clone().expect("clone");
                let mut r = BufReader::new(conn);
                let mut line = String::new();
                while !flag.load(Ordering::SeqCst) {
                    line.clear();
                    match r.read_line(&mut line) {
                        Ok(0) => break,
                        Ok(_) if line.trim() == "LIST VAR src" => {
                            let st = status.lock().expect("lock").clone();
                            let reply = format!(
                                "BEGIN LIST VAR src\nVAR src battery.charge \"77\"\nVAR src driver.name \"x\"\nVAR src ups.status \"{st}\"\nEND LIST VAR src\n"
                            );
                            if w.write_all(reply.as_bytes()).is_err() {
                                break;
                            }
                        }
                        Ok(_) => {
                            let _ = w.write_all(b"ERR UNKNOWN-COMMAND\n");
                        }
                        Err(_) => {}
                    }
                }
            }
        });
        FakeUpsd {
            stop,
            thread: Some(thread),
        }
    }

    fn shut(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FakeUpsd {
    fn drop(&mut self) {
        self.shut();
    }
}

#[test]
fn repeater_mirrors_a_server_and_goes_stale_while_it_is_gone() {
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", rnut_tests::free_port())
        .parse()
        .expect("addr");
    let status = std::sync::Arc::new(std::sync::Mutex::new("OL".to_string()));
    let mut server = FakeUpsd::start(addr, status.clone());
    let tree = NutTree::new();
    tree.write(
        "ups.conf",
        &format!("[rep]\n driver = dummy-ups\n port = src@{addr}\n pollinterval = 1\n"),
    );
    let _drv = tree.start_dummy("rep", &[]);
    let mut r = RawReader::connect(&tree.socket("rep"));
    let dump = r.dump_all();
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OL"));
    assert_eq!(dump_value(&dump, "battery.charge").as_deref(), Some("77"));
    assert_eq!(
        dump_value(&dump, "driver.name").as_deref(),
        Some("dummy-ups"),
        "remote driver.* is not copied"
    );
    assert_eq!(
        dump_value(&dump, "driver.parameter.mode").as_deref(),
        Some("repeater")
    );
    *status.lock().expect("lock") = "OB DISCHRG".into();
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("SETINFO ups.status"))
            .as_deref(),
        Some(r#"SETINFO ups.status "OB DISCHRG""#)
    );
    // SET is not forwarded to the remote UPS (as in C): unknown.
    r.send("SET battery.charge \"5\" TRACKING s\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING s 1")
    );

    server.shut();
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("DATA")).as_deref(),
        Some("DATASTALE")
    );
    assert_eq!(r.dump_all().first().map(String::as_str), Some("DATASTALE"));
    let _server = FakeUpsd::start(addr, status);
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("DATA")).as_deref(),
        Some("DATAOK")
    );
}

#[test]
fn dash_d_dumps_the_tree_in_upsc_format_without_a_socket() {
    let tree = NutTree::new();
    let path = tree.write("t.seq", "ups.status: OB\nbattery.charge: 42\nTIMER 60\n");
    let out = tree
        .driver(&bin("dummy-ups"))
        .args([
            "-s",
            "disc",
            "-x",
            &format!("port={}", path.display()),
            "-d",
            "1",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "battery.charge: 42",
        "ups.status: OB",
        "driver.name: dummy-ups",
        "ups.mfr: Dummy Manufacturer",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in {text}"
        );
    }
    assert!(!tree.socket("disc").exists());
}

#[test]
fn upsdrvctl_refuses_a_driver_name_that_is_a_path_and_runs_nothing() {
    let tree = NutTree::new();
    let drivers = tree.path().join("drivers");
    std::fs::create_dir_all(&drivers).expect("mkdir");
    let marker = tree.path().join("ran-as-root");
    let evil = tree.path().join("evil");
    std::fs::write(
        &evil,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .expect("write");
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    tree.write(
        "ups.conf",
        &format!(
            "driverpath = {}\nmaxretry = 1\n[u]\n driver = ../evil\n port = x\n",
            drivers.display()
        ),
    );
    let out = tree
        .driver(&bin("upsdrvctl"))
        .arg("start")
        .output()
        .expect("run upsdrvctl");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        stderr.contains("ups.conf:4: driver: \"../evil\" is not a driver name"),
        "{stderr}"
    );
    assert!(!marker.exists(), "the script named by driver = ../evil ran");
}

#[test]
fn upsdrvctl_and_drivers_refuse_a_ups_conf_writable_by_others() {
    let tree = NutTree::new();
    tree.write("a.dev", "ups.status: OL\n");
    tree.ups_conf(&[("a", "a.dev")]);
    std::fs::set_permissions(
        tree.conf().join("ups.conf"),
        std::fs::Permissions::from_mode(0o666),
    )
    .expect("chmod");
    for (program, args) in [
        ("upsdrvctl", &["start"][..]),
        ("dummy-ups", &["-a", "a", "-F"][..]),
    ] {
        let mut cmd = tree.command(&bin(program));
        cmd.args(args);
        expect_failure_naming(cmd, "ups.conf: writable by other users");
    }
    assert!(!tree.socket("a").exists());
}

/// dummy-ups under a 256 MiB address-space cap, expected to fail within 10 s naming `needle`.
fn expect_dummy_refusal(tree: &NutTree, ups: &str, needle: &str) {
    let mut cmd = tree.driver(&bin("dummy-ups"));
    cmd.args(["-a", ups, "-F"]);
    expect_failure_naming(
        rnut_tests::with_address_space_limit(&cmd, 256 * 1024),
        needle,
    );
}

/// Run `cmd` and expect it to fail within 10 s with `needle` in its stderr.
fn expect_failure_naming(mut cmd: std::process::Command, needle: &str) {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = ChildGuard::spawn("driver", &mut cmd);
    let stderr = child.child_mut().stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut { stderr }, &mut err);
        err
    });
    let status = child
        .wait_exit(T)
        .expect("the file must be refused at once");
    let err = reader.join().expect("stderr reader");
    assert!(!status.success(), "{err}");
    assert!(err.contains(needle), "expected {needle:?} in {err}");
}

#[test]
fn a_data_file_that_never_ends_or_blocks_is_refused_fast_and_small() {
    let tree = NutTree::new();
    let fifo = tree.conf().join("blocked.dev");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o640)).expect("mkfifo");
    tree.ups_conf(&[("zero", "/dev/zero"), ("fifo", "blocked.dev")]);
    expect_dummy_refusal(&tree, "zero", "not a regular file (a character device)");
    expect_dummy_refusal(&tree, "fifo", "not a regular file (a FIFO)");
    assert!(!tree.socket("zero").exists() && !tree.socket("fifo").exists());
}

#[test]
fn altered_data_file_lines_are_reported_naming_file_and_line() {
    let tree = NutTree::new();
    let path = tree.write(
        "altered.dev",
        "battery.charge: 90\nups.mfr: Ac\u{1}me\u{0}\nups.model: \"open\nups.serial: 42\nbattery.runtime: 600\"\nups.status: OL\n",
    );
    tree.ups_conf(&[("alt", "altered.dev")]);
    let mut cmd = tree.driver(&bin("dummy-ups"));
    cmd.args(["-a", "alt", "-F"])
        .stderr(std::process::Stdio::piped());
    let mut drv = ChildGuard::spawn("dummy-ups", &mut cmd);
    assert!(wait_for_unix(&tree.socket("alt"), T));
    let dump = RawReader::connect(&tree.socket("alt")).dump_all();
    // Used as C uses them: the bytes dropped, the swallowed lines part of the value.
    assert_eq!(dump_value(&dump, "ups.mfr").as_deref(), Some("Acme"));
    assert_eq!(dump_value(&dump, "ups.serial"), None);
    assert_eq!(dump_value(&dump, "ups.status").as_deref(), Some("OL"));
    let stderr = drv.child_mut().stderr.take();
    drv.stop(T);
    let mut err = String::new();
    if let Some(mut e) = stderr {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    let file = path.display();
    assert!(
        err.contains(&format!("{file}:2: 2 control or non-ASCII byte(s) dropped")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:3: a double quote is not closed on this line: the next 2 line(s)"
        )),
        "{err}"
    );
}

/// nut.conf's MODE governs `upsdrvctl start` and `shutdown` (standalone or netserver only);
/// `list` stays available. Nothing is started under MODE=netclient.
#[test]
fn upsdrvctl_start_follows_nut_conf_mode() {
    let tree = NutTree::new();
    tree.write("u.dev", "ups.status: OL\n");
    tree.ups_conf(&[("u", "u.dev")]);
    let nut_conf = tree.write("nut.conf", "MODE=netclient\n");
    for action in ["start", "shutdown"] {
        let out = tree
            .command(&bin("upsdrvctl"))
            .arg(action)
            .output()
            .expect("run upsdrvctl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{action}: {stderr}");
        assert!(
            stderr.contains(&format!(
                "upsdrvctl is disabled by MODE=netclient in {}",
                nut_conf.display()
            )),
            "{action}: {stderr}"
        );
    }
    assert!(!tree.socket("u").exists(), "a driver was started");
    let out = tree
        .command(&bin("upsdrvctl"))
        .arg("list")
        .output()
        .expect("list");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "u\n");
}
