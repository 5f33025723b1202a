//! blazer_ser (Megatec / Q1) against a simulated UPS on the master side of a
//! pseudo-terminal: the driver opens the slave as its serial port, exactly as it opens a real
//! one. Detection, ratings and vendor, status changes, instant commands with the UPS's
//! replies, data going stale and coming back, `-k`; and Debian's C blazer_ser and nutdrv_qx
//! against the same simulated UPS publishing the same variables as our two.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rnut_tests::drivers::{NutTree, RawReader, dump_value};
use rnut_tests::{ChildGuard, bin, is_root, require_tool, wait_for_unix, wait_until};

const T: Duration = Duration::from_secs(15);
const C_BLAZER: &str = "/lib/nut/blazer_ser";
const C_QX: &str = "/lib/nut/nutdrv_qx";

/// What the simulated UPS answers.
struct UpsModel {
    /// The `Q1` reply (without `\r`).
    status: String,
    /// False: the UPS says nothing at all (cable pulled).
    answering: bool,
    /// Commands that get `(NAK` instead of silence.
    refused: Vec<String>,
}

/// A Megatec UPS on a pseudo-terminal: answers Q1, F and I, stays silent on the commands it
/// knows (recording them), echoes anything else, as real units do.
struct FakeUps {
    slave_path: PathBuf,
    /// Kept open so that the pty does not hang up between the driver's opens.
    _slave: OwnedFd,
    model: Arc<Mutex<UpsModel>>,
    received: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const Q1_OL: &str = "(215.0 195.0 230.0 014 49.0 27.2 30.0 00001001";
const RATING: &str = "#230.0 000 024.0 50.0";
const VENDOR: &str = "#NOT_A_LIVE_UPS  TESTING    TESTING   ";

impl FakeUps {
    fn start() -> FakeUps {
        let pty = nix::pty::openpty(None, None).expect("openpty");
        // Raw from the start: no echo of our replies back to us before the driver opens it.
        let mut t = nix::sys::termios::tcgetattr(&pty.slave).expect("tcgetattr");
        nix::sys::termios::cfmakeraw(&mut t);
        nix::sys::termios::tcsetattr(&pty.slave, nix::sys::termios::SetArg::TCSANOW, &t)
            .expect("tcsetattr");
        let slave_path = std::fs::read_link(format!("/proc/self/fd/{}", pty.slave.as_raw_fd()))
            .expect("slave path");
        let model = Arc::new(Mutex::new(UpsModel {
            status: Q1_OL.to_string(),
            answering: true,
            refused: Vec::new(),
        }));
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let master = std::fs::File::from(pty.master);
        // Non-blocking reads so the thread can notice `stop`.
        nix::fcntl::fcntl(
            &master,
            nix::fcntl::FcntlArg::F_SETFL(nix::fcntl::OFlag::O_NONBLOCK),
        )
        .expect("nonblocking");
        let (m, r, s) = (model.clone(), received.clone(), stop.clone());
        let thread = std::thread::spawn(move || serve(master, m, r, s));
        FakeUps {
            slave_path,
            _slave: pty.slave,
            model,
            received,
            stop,
            thread: Some(thread),
        }
    }

    fn port(&self) -> String {
        self.slave_path.display().to_string()
    }

    fn set_status(&self, bits: &str) {
        self.model.lock().unwrap().status = format!("(215.0 195.0 230.0 014 49.0 27.2 30.0 {bits}");
    }

    /// The whole `Q1` reply (without `\r`).
    fn set_q1(&self, reply: &str) {
        self.model.lock().unwrap().status = reply.to_string();
    }

    fn set_answering(&self, on: bool) {
        self.model.lock().unwrap().answering = on;
    }

    fn refuse(&self, cmd: &str) {
        self.model.lock().unwrap().refused.push(cmd.to_string());
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    fn wait_received(&self, cmd: &str) -> bool {
        wait_until(T, || self.received().iter().any(|c| c == cmd))
    }
}

impl Drop for FakeUps {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn serve(
    mut master: std::fs::File,
    model: Arc<Mutex<UpsModel>>,
    received: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
) {
    let mut line = Vec::new();
    let mut buf = [0u8; 256];
    while !stop.load(Ordering::SeqCst) {
        let n = match master.read(&mut buf) {
            Ok(n) => n,
            Err(_) => {
                // EAGAIN, or EIO while no one has the slave open.
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        for &b in &buf[..n] {
            if b != b'\r' {
                line.push(b);
                continue;
            }
            let cmd = String::from_utf8_lossy(&line).into_owned();
            line.clear();
            received.lock().unwrap().push(cmd.clone());
            let m = model.lock().unwrap();
            if !m.answering {
                continue;
            }
            let known = ["Q", "C", "CT", "TL", "T"].contains(&cmd.as_str())
                || (cmd.starts_with('S') && cmd.len() > 1)
                || (cmd.starts_with('T') && cmd[1..].bytes().all(|c| c.is_ascii_digit()));
            let reply = match cmd.as_str() {
                "Q1" => Some(m.status.clone()),
                "F" => Some(RATING.to_string()),
                "I" => Some(VENDOR.to_string()),
                _ if m.refused.contains(&cmd) => Some("(NAK".to_string()),
                _ if known => None,
                // An unknown command is echoed back.
                _ => Some(cmd.clone()),
            };
            drop(m);
            if let Some(r) = reply {
                let _ = master.write_all(format!("{r}\r").as_bytes());
            }
        }
    }
}

fn driver_conf(tree: &NutTree, ups: &FakeUps, driver: &str, extra: &str) {
    tree.write(
        "ups.conf",
        &format!(
            "[ups]\n  driver = {driver}\n  port = {}\n  pollinterval = 1\n{extra}",
            ups.port()
        ),
    );
}

fn blazer_conf(tree: &NutTree, ups: &FakeUps, extra: &str) {
    driver_conf(tree, ups, "blazer_ser", extra);
}

fn socket(tree: &NutTree, driver: &str) -> PathBuf {
    tree.state().join(format!("{driver}-ups"))
}

/// The battery voltage span of the simulated UPS, as ups.conf defaults.
const SPAN: &str = "  default.battery.voltage.high = 27.3\n  default.battery.voltage.low = 20.8\n";

/// A simulated UPS, our blazer_ser on it with `extra` ups.conf lines, and a socket reader.
fn start_blazer(extra: &str) -> (FakeUps, NutTree, ChildGuard, RawReader) {
    let ups = FakeUps::start();
    let tree = NutTree::new();
    blazer_conf(&tree, &ups, extra);
    let drv = start_ours(&tree);
    let r = RawReader::connect(&socket(&tree, "blazer_ser"));
    (ups, tree, drv, r)
}

fn start_ours(tree: &NutTree) -> ChildGuard {
    start_driver(tree, "blazer_ser")
}

fn start_driver(tree: &NutTree, driver: &str) -> ChildGuard {
    let mut cmd = tree.driver(&bin(driver));
    cmd.args(["-a", "ups", "-F"]);
    let child = ChildGuard::spawn(driver, &mut cmd);
    assert!(wait_for_unix(&socket(tree, driver), T), "{driver} socket");
    child
}

/// `SETFLAGS <var> <flags...>` of a dump, by variable.
fn flags(dump: &[String]) -> BTreeMap<String, String> {
    dump.iter()
        .filter_map(|l| l.strip_prefix("SETFLAGS "))
        .filter_map(|rest| {
            let (var, flags) = rest.split_once(' ')?;
            Some((var.to_string(), flags.to_string()))
        })
        .collect()
}

fn values(dump: &[String]) -> BTreeMap<String, String> {
    dump.iter()
        .filter_map(|l| l.strip_prefix("SETINFO "))
        .filter_map(|rest| {
            let (var, value) = rest.split_once(' ')?;
            Some((var.to_string(), value.trim_matches('"').to_string()))
        })
        .collect()
}

#[test]
fn detects_the_ups_and_publishes_its_data_status_and_commands() {
    let (ups, _tree, _drv, mut r) = start_blazer(SPAN);
    let dump = r.dump_all();
    let v = values(&dump);
    let expect = [
        ("input.voltage", "215.0"),
        ("input.voltage.fault", "195.0"),
        ("output.voltage", "230.0"),
        ("ups.load", "14"),
        ("input.frequency", "49.0"),
        ("battery.voltage", "27.20"),
        ("ups.temperature", "30.0"),
        ("ups.status", "OL"),
        ("ups.type", "offline / line interactive"),
        ("ups.beeper.status", "enabled"),
        ("input.voltage.nominal", "230"),
        ("input.current.nominal", "0.0"),
        ("battery.voltage.nominal", "24.0"),
        ("input.frequency.nominal", "50"),
        ("ups.mfr", "NOT_A_LIVE_UPS"),
        ("ups.model", "TESTING"),
        ("ups.firmware", "TESTING"),
        ("ups.delay.start", "180"),
        ("ups.delay.shutdown", "30"),
        ("battery.charge", "98"),
        ("driver.name", "blazer_ser"),
    ];
    for (var, value) in expect {
        assert_eq!(v.get(var).map(String::as_str), Some(value), "{var}");
    }
    for cmd in [
        "beeper.toggle",
        "load.off",
        "load.on",
        "shutdown.return",
        "shutdown.stayoff",
        "shutdown.stop",
        "test.battery.start",
        "test.battery.start.deep",
        "test.battery.start.quick",
        "test.battery.stop",
    ] {
        assert!(dump.contains(&format!("ADDCMD {cmd}")), "{cmd}: {dump:?}");
    }
    // Detection asked Q1 first and found it: no other flavour was tried.
    assert_eq!(ups.received().first().map(String::as_str), Some("Q1"));
    assert!(!ups.received().iter().any(|c| c == "QS" || c == "D"));

    // On battery, low, shutdown imminent: status, alarm and FSD follow the bits.
    ups.set_status("11000011");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("SETINFO ups.status"))
            .as_deref(),
        Some("SETINFO ups.status \"ALARM OB LB FSD\"")
    );
    let dump = r.dump_all();
    assert_eq!(
        dump_value(&dump, "ups.alarm").as_deref(),
        Some("Shutdown imminent!")
    );
    ups.set_status("00001001");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("SETINFO ups.status"))
            .as_deref(),
        Some("SETINFO ups.status \"OL\"")
    );
}

/// `runtimecal`: the runtime is estimated from the calibration and the load, drains in real
/// time on battery, and the charge is integrated instead of read off the (sagging) voltage.
#[test]
fn runtimecal_estimates_the_runtime_and_drains_it_on_battery() {
    // 600 s at 50 %, 1200 s at 25 %: 300 s at full load; 27.2 V in 20.8..27.3 V is 98 %.
    let (ups, _tree, _drv, mut r) = start_blazer(&format!("  runtimecal = 600,50,1200,25\n{SPAN}"));
    let v = values(&r.dump_all());
    assert_eq!(v.get("battery.charge").map(String::as_str), Some("98"));
    // 0.98 x 300 s at 14 % load.
    assert_eq!(v.get("battery.runtime").map(String::as_str), Some("2100"));

    // Mains fails; the load doubles and the voltage sags (read off the voltage, the charge
    // would be 18 %).
    ups.set_q1("(000.0 195.0 230.0 028 49.0 22.0 30.0 10001001");
    assert!(
        r.wait_line(T, |l| l == "SETINFO ups.status \"OB\"")
            .is_some()
    );
    let number = |r: &mut RawReader, var: &str| -> f64 {
        dump_value(&r.dump_all(), var)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{var}"))
    };
    // The load and the runtime computed from it are published one after the other: wait
    // for both (a dump between the two shows the new load with the old runtime).
    assert!(wait_until(T, || number(&mut r, "ups.load") == 28.0
        && number(&mut r, "battery.runtime") < 2000.0));
    let first = number(&mut r, "battery.runtime");
    let since = std::time::Instant::now();
    assert!(
        (1040.0..=1050.0).contains(&first),
        "twice the load, half the runtime: {first}"
    );
    // On battery the runtime drains by about a second a second: wait until it dropped by 2 s
    // (the deadline bounds the slow side), then check it did not drop much faster than the
    // wall clock (one poll, 1 s, of slack each way).
    let mut later = first;
    assert!(
        wait_until(T, || {
            later = number(&mut r, "battery.runtime");
            first - later >= 2.0
        }),
        "the runtime does not drain: {first} -> {later}"
    );
    let elapsed = since.elapsed().as_secs_f64();
    assert!(
        first - later <= elapsed + 2.0,
        "the runtime drains faster than the clock: {first} -> {later} in {elapsed:.1} s"
    );
    let charge = number(&mut r, "battery.charge");
    assert!(
        (90.0..=98.0).contains(&charge),
        "the charge is integrated, not read off the voltage: {charge}"
    );
}

#[test]
fn a_bad_runtimecal_stops_the_driver_with_the_reason() {
    let ups = FakeUps::start();
    let tree = NutTree::new();
    blazer_conf(&tree, &ups, "  runtimecal = 600,25,1200,50\n");
    let out = tree
        .driver(&bin("blazer_ser"))
        .args(["-a", "ups", "-F"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("runtimecal") && err.contains("out of range (load)"),
        "{err}"
    );
}

#[test]
fn instant_commands_reach_the_ups_and_refusals_are_reported() {
    let (ups, _tree, _drv, mut r) = start_blazer("  offdelay = 120\n  ondelay = 0\n");
    let _ = r.dump_all();
    let cases = [
        ("test.battery.start.quick", "", "T", "0"),
        ("test.battery.start", " 4", "T04", "0"),
        ("shutdown.return", "", "S02", "0"),
        ("shutdown.stop", "", "C", "0"),
        ("beeper.toggle", "", "Q", "0"),
    ];
    for (i, (cmd, param, serial, code)) in cases.iter().enumerate() {
        r.send(&format!("INSTCMD {cmd}{param} TRACKING id{i}\n"));
        assert_eq!(
            r.wait_line(T, |l| l.starts_with(&format!("TRACKING id{i} ")))
                .as_deref(),
            Some(format!("TRACKING id{i} {code}").as_str()),
            "{cmd}"
        );
        assert!(ups.wait_received(serial), "{serial}: {:?}", ups.received());
    }
    // Out of range: invalid (2), nothing sent.
    r.send("INSTCMD test.battery.start 100 TRACKING bad\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING bad "))
            .as_deref(),
        Some("TRACKING bad 2")
    );
    assert!(!ups.received().iter().any(|c| c == "T100"));
    // A UPS that answers (NAK: failed (3).
    ups.refuse("TL");
    r.send("INSTCMD test.battery.start.deep TRACKING nak\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING nak "))
            .as_deref(),
        Some("TRACKING nak 3")
    );
    // Delays are settable within their ranges and shape the shutdown command.
    r.send("SET ups.delay.shutdown \"30\" TRACKING s1\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING s1 ")).as_deref(),
        Some("TRACKING s1 0")
    );
    r.send("SET ups.delay.start \"300\" TRACKING s2\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING s2 ")).as_deref(),
        Some("TRACKING s2 0")
    );
    r.send("SET ups.delay.shutdown \"5\" TRACKING s3\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING s3 ")).as_deref(),
        Some("TRACKING s3 2")
    );
    r.send("INSTCMD shutdown.return TRACKING sr\n");
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("TRACKING sr ")).as_deref(),
        Some("TRACKING sr 0")
    );
    assert!(ups.wait_received("S.5R0005"), "{:?}", ups.received());
}

#[test]
fn a_silent_ups_makes_the_data_stale_until_it_answers_again() {
    let (ups, _tree, _drv, mut r) = start_blazer("");
    let _ = r.dump_all();
    ups.set_answering(false);
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("DATA")).as_deref(),
        Some("DATASTALE")
    );
    ups.set_answering(true);
    assert_eq!(
        r.wait_line(T, |l| l.starts_with("DATA")).as_deref(),
        Some("DATAOK")
    );
}

#[test]
fn no_ups_on_the_port_is_a_clear_error_and_minus_k_sends_the_shutdown() {
    let ups = FakeUps::start();
    let tree = NutTree::new();
    blazer_conf(&tree, &ups, "  stayoff\n");
    ups.set_answering(false);
    let out = tree
        .driver(&bin("blazer_ser"))
        .args(["-a", "ups", "-F"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("No supported UPS detected"), "{err}");
    // Every flavour was tried, three times each.
    let got = ups.received();
    for q in ["Q1", "QS", "D"] {
        assert!(got.iter().filter(|c| *c == q).count() >= 3, "{q}: {got:?}");
    }
    assert!(!socket(&tree, "blazer_ser").exists());

    ups.set_answering(true);
    let out = tree
        .command(&bin("blazer_ser"))
        .args(["-a", "ups", "-k"])
        .output()
        .expect("run -k");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ups.wait_received("S.5R0000"), "{:?}", ups.received());
    let got = ups.received();
    let c = got.iter().rposition(|c| c == "C").expect("C first");
    let s = got.iter().rposition(|c| c == "S.5R0000").expect("shutdown");
    assert!(c < s, "{got:?}");
}

/// Debian's C driver and ours on the same simulated UPS, one after the other: the same
/// device variables with the same values, and no other.
fn compare_with_c(c_binary: &str, driver: &str, extra: &str) {
    if !require_tool(c_binary) {
        return;
    }
    let ups = FakeUps::start();
    let tree = NutTree::new();
    driver_conf(&tree, &ups, driver, extra);
    let mut cmd = tree.command(Path::new(c_binary));
    cmd.args(["-a", "ups", "-F"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if is_root() {
        cmd.args(["-u", "root"]);
    }
    let sock = socket(&tree, driver);
    let c_values = {
        let _c = ChildGuard::spawn(c_binary, &mut cmd);
        assert!(wait_for_unix(&sock, T), "C {driver} socket");
        let mut r = RawReader::connect(&sock);
        // C publishes the first status with the dump, and a runtime estimate after its first
        // full update; wait until it has them.
        let wanted: &[&str] = if extra.contains("runtimecal") {
            &["ups.status", "battery.runtime"]
        } else {
            &["ups.status"]
        };
        assert!(wait_until(T, || {
            let v = values(&r.dump_all());
            wanted.iter().all(|k| v.contains_key(*k))
        }));
        r.dump_all()
    };
    let c_flags = flags(&c_values);
    let c_values = values(&c_values);
    assert!(wait_until(T, || !sock.exists()
        || std::os::unix::net::UnixStream::connect(&sock).is_err()));
    let _ = std::fs::remove_file(&sock);
    let ours = {
        let _drv = start_driver(&tree, driver);
        RawReader::connect(&sock).dump_all()
    };
    // The flags too (C's dstate_addrange makes a ranged variable a NUMBER). blazer_ser's
    // delays are writable here and read-only in C (docs/DIFFERENCES.md).
    let device = |mut f: BTreeMap<String, String>| {
        f.retain(|k, _| !k.starts_with("driver."));
        f
    };
    let mut our_flags = device(flags(&ours));
    if driver == "blazer_ser" {
        for var in ["ups.delay.shutdown", "ups.delay.start"] {
            assert_eq!(our_flags.remove(var).as_deref(), Some("RW NUMBER"), "{var}");
        }
    }
    assert_eq!(our_flags, device(c_flags), "{driver} SETFLAGS");
    let ours = values(&ours);
    // Every device variable C publishes, we publish with the same value, and no other (the
    // pack count is used, not published, as in C).
    let mut compared = 0;
    for (var, value) in c_values.iter().filter(|(k, _)| !k.starts_with("driver.")) {
        assert_eq!(
            ours.get(var),
            Some(value),
            "{driver} {var}: C {c_values:?}\nours {ours:?}"
        );
        compared += 1;
    }
    assert!(
        compared >= 20,
        "{driver}: compared {compared}: {c_values:?}"
    );
    let extra: Vec<_> = ours
        .keys()
        .filter(|k| !k.starts_with("driver.") && !c_values.contains_key(*k))
        .collect();
    assert!(extra.is_empty(), "{driver}: only we publish {extra:?}");
    assert_eq!(
        ours.get("driver.version.data"),
        c_values.get("driver.version.data"),
        "{driver}"
    );
}

#[test]
fn c_blazer_ser_publishes_the_same_variables_from_the_same_ups() {
    compare_with_c(C_BLAZER, "blazer_ser", "");
}

#[test]
fn c_nutdrv_qx_publishes_the_same_variables_from_the_same_ups() {
    compare_with_c(C_QX, "nutdrv_qx", "");
}

/// With `runtimecal`, C and we start the runtime estimate from the same charge and publish
/// the same `battery.charge` and `battery.runtime`, with and without a configured voltage
/// span.
#[test]
fn c_and_ours_estimate_the_same_runtime_with_runtimecal() {
    let span = SPAN;
    // nutdrv_qx updates the estimate at its full updates only: every pollfreq seconds.
    for (c_binary, driver, cal) in [
        (C_BLAZER, "blazer_ser", "  runtimecal = 600,50,1200,25\n"),
        (
            C_QX,
            "nutdrv_qx",
            "  runtimecal = 600,50,1200,25\n  pollfreq = 2\n",
        ),
    ] {
        compare_with_c(c_binary, driver, cal);
        compare_with_c(c_binary, driver, &format!("{cal}{span}"));
    }
}
