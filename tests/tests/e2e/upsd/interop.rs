//! Interop with Debian's C NUT 2.8: its `upsc`, `upscmd`, `upsrw` talk to our upsd and print
//! exactly what they print against C `upsd` serving the same data (one C `dummy-ups` driver
//! feeds both servers), and C `upsmon` (NSS build, CERTVERIFY 1, FORCESSL 1) holds a TLS
//! session with our upsd. Skipped, with the reason printed, only when the tools are absent.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_certutil::pem::encode as pem;
use rnut_tests::process::Logged;
use rnut_tests::upsd::pki::{SERVER_NICK, STORE_PASSWORD, TestPki};
use rnut_tests::upsd::*;
use rnut_tests::{ChildGuard, require_tool, wait_until, write_file};

const DEV: &str = "Riello/Riello__IPG_600__riello_usb__2.7.4__01.dev";

fn tools_present() -> bool {
    [
        "/lib/nut/upsd",
        "/lib/nut/dummy-ups",
        "/bin/upsc",
        "/bin/upscmd",
        "/bin/upsrw",
    ]
    .iter()
    .all(|t| require_tool(t))
}

struct Pair {
    _dir: tempfile::TempDir,
    _driver: ChildGuard,
    c_upsd: Logged,
    ours: Upsd,
    c_port: u16,
    r_port: u16,
}

fn ups_conf() -> String {
    "[test]\n\tdriver = dummy-ups\n\tport = test.dev\n\tdesc = \"Interop UPS\"\n".to_string()
}

fn start_pair() -> Pair {
    let dir = rnut_tests::private_tempdir();
    let root = dir.path();
    let state = root.join("state");
    std::fs::create_dir_all(&state).expect("mkdir");
    let c_conf = root.join("c");
    let c_port = rnut_tests::free_port();
    write_dev_conf(&c_conf, DEV, "Interop UPS", c_port, "");
    std::fs::create_dir_all(root.join("c-run")).expect("mkdir");

    let mut drv_cmd = Command::new("/lib/nut/dummy-ups");
    drv_cmd
        .args(["-a", "test", "-F", "-u", "root"])
        .env("NUT_CONFPATH", &c_conf)
        .env("NUT_STATEPATH", &state)
        .env("NUT_ALTPIDPATH", root.join("c-run"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let driver = ChildGuard::spawn("dummy-ups", &mut drv_cmd);
    assert!(
        rnut_tests::wait_for_unix(&state.join("dummy-ups-test"), Duration::from_secs(15)),
        "C dummy-ups did not start"
    );

    let mut c_cmd = Command::new("/lib/nut/upsd");
    c_cmd
        .args(["-F", "-u", "root"])
        .env("NUT_CONFPATH", &c_conf)
        .env("NUT_STATEPATH", &state)
        .env("NUT_ALTPIDPATH", root.join("c-run"));
    let c_upsd = Logged::spawn("C upsd", &mut c_cmd);

    let d = NutTree::new_in(root);
    let r_port = rnut_tests::free_port();
    // Our upsd reads the same UPS from the same driver socket (no test.dev needed).
    d.write_ups_conf(&ups_conf());
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {r_port}\n"));
    d.write_users(STANDARD_USERS);
    // -D: our upsd logs parse errors (at debug) as C upsd does (at notice).
    let ours = Upsd::start_with(&d, &["-D"], |cmd| {
        cmd.env("NUT_STATEPATH", &state)
            .env("NUT_DATAPATH", "/usr/share/nut");
    });
    for port in [c_port, r_port] {
        let ok = wait_until(Duration::from_secs(20), || {
            let out = upsc(&[&format!("test@127.0.0.1:{port}"), "ups.status"]);
            // Until the driver's dump arrives both servers say WAIT.
            out.status.success() && !String::from_utf8_lossy(&out.stdout).contains("WAIT")
        });
        assert!(ok, "server on port {port} never served the UPS");
    }
    std::mem::forget(d); // lives inside `dir`, removed with it
    Pair {
        _dir: dir,
        _driver: driver,
        c_upsd,
        ours,
        c_port,
        r_port,
    }
}

fn run(bin: &str, args: &[&str]) -> Output {
    rnut_tests::process::output(Command::new(bin).args(args), "")
}

fn upsc(args: &[&str]) -> Output {
    run("/bin/upsc", args)
}

/// stdout and exit code of a tool run against both servers ({} stands for host:port).
fn both(pair: &Pair, bin: &str, args: &[&str]) -> ((String, i32), (String, i32)) {
    let one = |port: u16| {
        let hp = format!("127.0.0.1:{port}");
        let a: Vec<String> = args.iter().map(|s| s.replace("{}", &hp)).collect();
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        let out = run(bin, &refs);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        // Keep the tool's error message (the NSS start-up chatter differs by nothing, but is noise).
        let err_line = stderr
            .lines()
            .filter(|l| l.starts_with("Error") || l.contains("Unexpected response"))
            .collect::<Vec<_>>()
            .join("\n");
        (
            format!("{}{}", String::from_utf8_lossy(&out.stdout), err_line),
            out.status.code().unwrap_or(-1),
        )
    };
    (one(pair.c_port), one(pair.r_port))
}

fn assert_same(pair: &Pair, bin: &str, args: &[&str]) -> String {
    let (c, r) = both(pair, bin, args);
    assert_eq!(
        r, c,
        "{bin} {args:?}: rnut (left) differs from C upsd (right)"
    );
    r.0
}

#[test]
fn clients_print_the_same_against_both_servers() {
    if !tools_present() {
        return;
    }
    let pair = start_pair();
    let all = assert_same(&pair, "/bin/upsc", &["test@{}"]);
    assert!(all.contains("ups.status: "), "{all}");
    assert!(all.lines().count() > 40, "{all}");
    assert_same(&pair, "/bin/upsc", &["test@{}", "ups.status"]);
    assert_same(&pair, "/bin/upsc", &["test@{}", "battery.voltage"]);
    let e = assert_same(&pair, "/bin/upsc", &["test@{}", "no.such.var"]);
    assert!(e.contains("Variable not supported by UPS"), "{e}");
    let e = assert_same(&pair, "/bin/upsc", &["nosuch@{}"]);
    assert!(e.contains("Unknown UPS"), "{e}");
    assert_same(&pair, "/bin/upsc", &["-l", "{}"]);
    assert_same(&pair, "/bin/upsc", &["-L", "{}"]);
    assert_same(&pair, "/bin/upsc", &["-c", "test@{}"]);
    assert_same(&pair, "/bin/upscmd", &["-l", "test@{}"]);
    assert_same(&pair, "/bin/upsrw", &["test@{}"]);
    assert_same(
        &pair,
        "/bin/upscmd",
        &["-u", "admin", "-p", "mypass", "test@{}", "no.such.command"],
    );
    assert_same(
        &pair,
        "/bin/upscmd",
        &["-u", "admin", "-p", "wrong", "test@{}", "no.such.command"],
    );
    assert_same(
        &pair,
        "/bin/upsrw",
        &[
            "-s",
            "ups.delay.shutdown=40",
            "-u",
            "mons",
            "-p",
            "secpass",
            "test@{}",
        ],
    );
    assert_same(
        &pair,
        "/bin/upsrw",
        &[
            "-s",
            "no.such.var=1",
            "-u",
            "admin",
            "-p",
            "mypass",
            "test@{}",
        ],
    );
    // Raw protocol lines that do not depend on the server's version text.
    for req in [
        "GET NUMLOGINS test",
        "GET UPSDESC test",
        "GET TYPE test ups.delay.shutdown",
        "GET DESC test battery.charge",
        "LIST RW test",
        "LIST CMD test",
        "GET VAR nosuch ups.status",
        "INSTCMD test x",
        "LIST",
        "HELP",
    ] {
        let c = rnut_tests::exchange(
            format!("127.0.0.1:{}", pair.c_port).parse().expect("addr"),
            &format!("{req}\nPROTVER\nLOGOUT\n"),
            60,
        );
        let r = rnut_tests::exchange(
            format!("127.0.0.1:{}", pair.r_port).parse().expect("addr"),
            &format!("{req}\nPROTVER\nLOGOUT\n"),
            60,
        );
        let cut = |v: Vec<String>| v.into_iter().take_while(|l| l != "1.3").collect::<Vec<_>>();
        assert_eq!(cut(r), cut(c), "request {req:?}");
    }
    // The version texts, with our version tag taken out: same words, same URL, the
    // variable's own name whatever case it was asked in.
    let untagged = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .map(|l| match l.find("-rnut") {
                Some(at) => {
                    let end = l[at..].find([' ', '"']).map_or(l.len(), |e| at + e);
                    format!("{}{}", &l[..at], &l[end..])
                }
                None => l,
            })
            .collect()
    };
    let versions = "VER\nGET VAR test SERVER.VERSION\nGET VAR nosuch Server.Info\nLOGOUT\n";
    let c = rnut_tests::exchange(
        format!("127.0.0.1:{}", pair.c_port).parse().expect("addr"),
        versions,
        60,
    );
    let r = rnut_tests::exchange(
        format!("127.0.0.1:{}", pair.r_port).parse().expect("addr"),
        versions,
        60,
    );
    assert_eq!(untagged(r), c, "version texts");
    // A parse error drops what arrived with it, unanswered, on both servers: the first line
    // after it answers VER (a PROTVER answered by mistake would come first, as "1.3").
    let c_log = &pair.c_upsd;
    let r_log = &pair.ours;
    let logged: [(u16, &dyn Fn() -> usize); 2] = [
        (pair.c_port, &|| parse_errors(&c_log.text())),
        (pair.r_port, &|| parse_errors(&r_log.log_text())),
    ];
    for (port, errors_logged) in logged {
        let mut c = Client::connect(format!("127.0.0.1:{port}").parse().expect("addr"));
        let before = errors_logged();
        c.send_raw(b"GET VAR test \"a#b\"\nPROTVER\n");
        // Nothing answers the dropped lines; the server's log line says it read them, so VER
        // arrives in a read of its own.
        assert!(
            wait_until(Duration::from_secs(10), || errors_logged() > before),
            "port {port}: no parse error logged"
        );
        let first = c.cmd("VER");
        assert!(
            first.starts_with("Network UPS Tools upsd"),
            "port {port}: the line dropped with the parse error was answered: {first:?}"
        );
    }
    drop(pair.ours);
}

/// How many parse errors a server's log reports (both upsds write `Parse error on sock`).
fn parse_errors(log: &str) -> usize {
    log.matches("Parse error on sock").count()
}

fn write_nss_db(dir: &Path, pki: &TestPki) -> bool {
    if !require_tool("certutil") {
        return false;
    }
    std::fs::create_dir_all(dir).expect("mkdir");
    let ca = dir.join("ca.pem");
    write_file(&ca, &pem("CERTIFICATE", &pki.ca_der), 0o644);
    let ok = Command::new("certutil")
        .args(["-N", "-d"])
        .arg(dir)
        .arg("--empty-password")
        .status()
        .expect("certutil")
        .success()
        && Command::new("certutil")
            .args(["-A", "-d"])
            .arg(dir)
            .args(["-n", "rnut test CA", "-t", "CT,,", "-a", "-i"])
            .arg(&ca)
            .status()
            .expect("certutil")
            .success();
    assert!(ok, "NSS certutil could not build the client database");
    true
}

#[test]
fn c_upsmon_holds_a_verified_tls_session_with_our_upsd() {
    let Some(run) = c_upsmon_over_tls(
        |port| format!("CERTHOST localhost:{port} \"My nut server\" 1 1"),
        LOGGED_IN,
    ) else {
        return;
    };
    let u = &run.u;
    assert!(
        u.log_text().contains("PRIMARY") || {
            let mut c = u.client();
            c.cmd("GET NUMLOGINS test") == "NUMLOGINS test 1"
        }
    );
}

const LOGGED_IN: &str = "User monitor@127.0.0.1 logged into UPS [test] (SSL)";

// NUT's guide writes `CERTHOST localhost "My nut server" 1 1`: C upsmon (NSS) then sends
// "My nut server" as SNI, which is not a host name. rustls 0.23 refuses such a ClientHello
// (fatal in its server/hs.rs) and has no option to ignore it (its invalid-SNI policy is only in
// the 0.24 pre-releases), so that handshake fails (issue 14 item 1, open). What upsd can do, and
// the test below checks, is say why and what to change.

fn guide_certhost(_port: u16) -> String {
    "CERTHOST localhost \"My nut server\" 1 1".to_string()
}

const GUIDE_CERTHOST: fn(u16) -> String = guide_certhost;

/// upsd says why the handshake failed and what to change, in words (a sentence upsd gives
/// for rustls's `ServerNameMustContainOneHostName` alone); the SNI C upsmon sent is the
/// guide's certificate name; and no session is ever logged in.
#[test]
fn a_non_host_sni_is_explained_in_upsd_log() {
    let Some(run) = c_upsmon_over_tls(
        GUIDE_CERTHOST,
        "the client sent a TLS server name (SNI) that is not a host name",
    ) else {
        return;
    };
    // What NSS put in the ClientHello's server_name extension: the CERTHOST certificate
    // name, as a host_name entry (type 0), which is not a valid DNS name.
    let sent = run.client_bytes.lock().unwrap().clone();
    let name = b"My nut server";
    let mut entry = vec![0u8];
    entry.extend_from_slice(&u16::try_from(name.len()).unwrap().to_be_bytes());
    entry.extend_from_slice(name);
    assert!(
        sent.windows(entry.len()).any(|w| w == entry),
        "C upsmon's ClientHello carries no SNI host_name \"My nut server\""
    );
    assert!(
        !run.u.log_text().contains("logged into"),
        "{}",
        run.u.log_text()
    );
}

/// A loopback relay to `upstream` that records every byte the clients send.
fn recording_relay(upstream: std::net::SocketAddr) -> (u16, Arc<Mutex<Vec<u8>>>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind relay");
    let port = listener.local_addr().expect("relay address").port();
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let sink = recorded.clone();
    std::thread::spawn(move || {
        // C upsmon reconnects every POLLFREQ: a test needs a handful of connections.
        for client in listener.incoming().take(32) {
            let Ok(client) = client else { continue };
            let Ok(server) = std::net::TcpStream::connect(upstream) else {
                continue;
            };
            let (mut from_client, mut to_server) = (client.try_clone().expect("clone"), server);
            let (mut from_server, mut to_client) = (to_server.try_clone().expect("clone"), client);
            let sink = sink.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = std::io::Read::read(&mut from_client, &mut buf) {
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                    if std::io::Write::write_all(&mut to_server, &buf[..n]).is_err() {
                        break;
                    }
                }
                let _ = to_server.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut from_server, &mut to_client);
                let _ = to_client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, recorded)
}

/// C upsmon (NSS, CERTVERIFY 1, FORCESSL 1) against our upsd over TLS, `certhost` giving the
/// CERTHOST line for upsd's port: waits until upsd logs `expect`. None when a tool is missing.
fn c_upsmon_over_tls(certhost: impl FnOnce(u16) -> String, expect: &str) -> Option<CUpsmonRun> {
    if !require_tool("/lib/nut/upsmon") {
        return None;
    }
    // Two C upsmons started at once get in each other's way: one at a time.
    let serial = rnut_tests::system_lock();
    let pki = TestPki::new();
    let d = NutTree::new();
    let store = d.path().join("certdb");
    pki.write_store(&store);
    let port = rnut_tests::free_port();
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {port}\nCERTPATH {}\nCERTIDENT \"{SERVER_NICK}\" \"{STORE_PASSWORD}\"\n",
        store.display()
    ));
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    // C upsmon reaches upsd through a relay that keeps what it sends (its ClientHello).
    let (port, client_bytes) = recording_relay(u.addr);

    let mon = d.path().join("mon");
    let nssdb: PathBuf = mon.join("nssdb");
    if !write_nss_db(&nssdb, &pki) {
        return None;
    }
    write_file(
        &mon.join("upsmon.conf"),
        &format!(
            "MONITOR test@localhost:{port} 1 monitor P@ssW0rd primary\nMINSUPPLIES 1\nSHUTDOWNCMD \"/bin/false\"\n\
             POLLFREQ 2\nCERTPATH {}\n{}\nCERTVERIFY 1\nFORCESSL 1\n\
             POWERDOWNFLAG {}/killpower\n",
            nssdb.display(),
            certhost(port),
            mon.display()
        ),
        0o640,
    );
    let upsmon = rnut_tests::monitor::spawn_c_upsmon(&mon, "-D");
    let ok = u.wait_log(expect, Duration::from_secs(30));
    assert!(
        ok,
        "upsd did not log {expect:?}.\nupsd: {}\nupsmon: {}",
        u.log_text(),
        upsmon.text()
    );
    Some(CUpsmonRun {
        _serial: serial,
        _d: d,
        _drv: drv,
        u,
        _upsmon: upsmon,
        client_bytes,
    })
}

/// What [`c_upsmon_over_tls`] keeps running: the directory, the driver, upsd and C upsmon.
struct CUpsmonRun {
    _serial: std::sync::MutexGuard<'static, ()>,
    _d: NutTree,
    _drv: FakeDriver,
    u: Upsd,
    _upsmon: Logged,
    /// Every byte C upsmon sent to upsd.
    client_bytes: Arc<Mutex<Vec<u8>>>,
}
