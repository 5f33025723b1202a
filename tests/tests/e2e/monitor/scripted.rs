//! upsmon against a scripted server that records every request: the exact login sequence,
//! the MASTER fallback of an old server, FSD and the NUMLOGINS wait of a primary, SHUTDOWNEXIT,
//! WALL notifications, and `-B` (background with debug, logging to syslog).

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use rnut_tests::monitor::*;
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
            // An old upsd: no PRIMARY command yet, and no extensions.
            "CAPABILITIES" => one("ERR UNKNOWN-COMMAND"),
            "PRIMARY dummy" => one("ERR UNKNOWN-COMMAND"),
            "MASTER dummy" => one("OK MASTER-GRANTED"),
            "GET VAR dummy ups.status" => one("VAR dummy ups.status \"OB LB\""),
            "FSD dummy" => one("OK FSD-SET"),
            "GET NUMLOGINS dummy" => one("NUMLOGINS dummy 1"),
            _ => one("ERR VAR-NOT-SUPPORTED"),
        }
    });
    let d = NutTree::for_upsmon();
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
        // rnut's upsmon asks for the push extension once logged in (a C upsd refuses it).
        "CAPABILITIES",
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
    let d = NutTree::for_upsmon();
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

/// A server whose UPS `dummy` is on battery with a low battery from the first poll: a
/// primary upsmon shuts down at once.
fn low_battery_server() -> ScriptServer {
    ScriptServer::start(|line| {
        if let Some(r) = common_reply(line) {
            return r;
        }
        let one = |x: &str| vec![x.to_string()];
        match line {
            "LOGIN dummy" => one("OK"),
            "PRIMARY dummy" => one("OK PRIMARY-GRANTED"),
            "GET VAR dummy ups.status" => one("VAR dummy ups.status \"OB LB\""),
            "FSD dummy" => one("OK FSD-SET"),
            "GET NUMLOGINS dummy" => one("NUMLOGINS dummy 1"),
            _ => one("ERR VAR-NOT-SUPPORTED"),
        }
    })
}

fn primary_of(s: &ScriptServer) -> String {
    format!(
        "MONITOR dummy@127.0.0.1:{} 1 upsmon \"secret pw\" primary\n",
        s.port()
    )
}

fn numlogins_polls(s: &ScriptServer) -> usize {
    s.lines()
        .iter()
        .filter(|l| *l == "GET NUMLOGINS dummy")
        .count()
}

#[test]
fn shutdownexit_no_lingers_until_stopped_and_a_number_bounds_the_wait() {
    let s = low_battery_server();
    let d = NutTree::for_upsmon();
    d.write_conf(&primary_of(&s), "SHUTDOWNEXIT no\n");
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(
        wait_until(Duration::from_secs(20), || d.shutdown_count() > 0),
        "{}",
        mon.text()
    );
    assert!(
        mon.wait_log(
            "Waiting for termination after initiating shutdown",
            Duration::from_secs(5)
        ),
        "{}",
        mon.text()
    );
    // Still there, still talking to the server (so the primary stays counted as logged in).
    let polls = numlogins_polls(&s);
    assert!(
        mon.child.wait_exit(Duration::from_secs(3)).is_none(),
        "exited"
    );
    assert!(numlogins_polls(&s) > polls, "no NUMLOGINS while lingering");
    let o = d.upsmon_command("stop");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        mon.child.wait_exit(Duration::from_secs(10)).is_some(),
        "upsmon -c stop ends the wait"
    );
    assert_eq!(d.shutdown_count(), 1, "SHUTDOWNCMD ran once");

    // SHUTDOWNEXIT 2: the process leaves by itself, about two seconds after SHUTDOWNCMD.
    let d = NutTree::for_upsmon();
    d.write_conf(&primary_of(&s), "SHUTDOWNEXIT 2\n");
    let mut mon = start_upsmon(&d, &["-p"]);
    let status = mon.child.wait_exit(Duration::from_secs(30));
    assert!(
        status.is_some_and(|st| st.success()),
        "{status:?}: {}",
        mon.text()
    );
    let exited = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let ran = d.shutdown_time().expect("SHUTDOWNCMD ran");
    assert!(
        exited.saturating_sub(ran) >= 1_500_000_000,
        "exited {} ms after SHUTDOWNCMD",
        exited.saturating_sub(ran) / 1_000_000
    );
}

#[test]
fn wall_notifications_go_to_wall_and_minus_b_backgrounds_with_debug() {
    let s = low_battery_server();
    let d = NutTree::for_upsmon();
    // A `wall` that records what it is given, first in upsmon's PATH.
    let bin_dir = d.path().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("mkdir");
    let walls = d.path().join("walls");
    rnut_tests::write_file(
        &bin_dir.join("wall"),
        &format!("#!/bin/sh\ncat >> {}\n", walls.display()),
        0o755,
    );
    // SHUTDOWNEXIT no: it stays (with its PID file) after the shutdown it starts at once.
    d.write_conf(&primary_of(&s), "NOTIFYFLAG ONBATT WALL\nSHUTDOWNEXIT no\n");
    let mut log = rnut_tests::SyslogSink::new();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    // -D alone stays in the foreground; -B sends it to the background all the same.
    let mon = start_upsmon_in_background(&d, &["-D", "-B", "-p"], &[("PATH", &path)], &log);
    assert!(
        wait_until(Duration::from_secs(20), || {
            std::fs::read_to_string(&walls).is_ok_and(|t| t.contains("on battery"))
        }),
        "wall got the ONBATT message"
    );
    let text = std::fs::read_to_string(&walls).expect("walls");
    assert_eq!(
        text.matches("on battery").count(),
        1,
        "once, and only the events flagged WALL: {text}"
    );
    // The shutdown message is always broadcast.
    assert!(
        wait_until(Duration::from_secs(20), || {
            std::fs::read_to_string(&walls)
                .is_ok_and(|t| t.contains("Executing automatic power-fail shutdown"))
        }),
        "{}",
        std::fs::read_to_string(&walls).unwrap_or_default()
    );
    // -D raises the level: debug lines (severity 7) reach syslog.
    assert!(
        log.wait_line(Duration::from_secs(10), |l| l.starts_with("<31>upsmon["))
            .is_some(),
        "{:?}",
        log.lines()
    );
    assert!(
        log.wait_line(Duration::from_secs(10), |l| l.starts_with("<26>upsmon[")
            && l.contains("Executing automatic power-fail shutdown"))
            .is_some(),
        "the shutdown line is critical (<26>): {:?}",
        log.lines()
    );
    drop(mon);
}

/// A session that breaks after the status was read (here on the buzzwords query) is a live
/// UPS with a lost session: when the reconnect then fails, that is COMMBAD, and COMMOK once
/// it works again (before, the COMMBAD was lost and only a COMMOK came).
#[test]
fn a_session_lost_after_a_good_status_gives_commbad_then_commok() {
    // 0: normal; 1: break on the buzzwords query; 2: refuse every session; back to 0.
    let phase = Arc::new(AtomicU8::new(0));
    let p = phase.clone();
    let s = ScriptServer::start(move |line| {
        let one = |x: &str| vec![x.to_string()];
        match p.load(Ordering::SeqCst) {
            2 => return one(CLOSE),
            1 if line.contains("buzzwords") => {
                p.store(2, Ordering::SeqCst);
                return one(CLOSE);
            }
            _ => {}
        }
        if let Some(r) = common_reply(line) {
            return r;
        }
        match line {
            "LOGIN dummy" => one("OK"),
            "GET VAR dummy ups.status" => one("VAR dummy ups.status \"OL\""),
            _ => one("ERR VAR-NOT-SUPPORTED"),
        }
    });
    let d = NutTree::for_upsmon();
    d.write_conf(
        &format!(
            "MONITOR dummy@127.0.0.1:{} 1 upsmon pw secondary\n",
            s.port()
        ),
        "",
    );
    let mon = start_upsmon(&d, &["-p"]);
    assert!(
        wait_until(Duration::from_secs(10), || s
            .lines()
            .iter()
            .any(|l| l == "GET VAR dummy ups.status")),
        "{}",
        mon.text()
    );
    phase.store(1, Ordering::SeqCst);
    assert!(
        wait_until(Duration::from_secs(15), || d
            .events()
            .iter()
            .any(|e| e == "COMMBAD")),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    phase.store(0, Ordering::SeqCst);
    assert!(
        wait_until(Duration::from_secs(15), || d
            .events()
            .iter()
            .any(|e| e == "COMMOK")),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    assert_eq!(d.events(), ["COMMBAD", "COMMOK"]);
    assert_eq!(d.shutdown_count(), 0);
}

// --- A man in the middle that strips STARTTLS (issue 13, findings 2 and 3) ---------------------
//
// The scripted server answers `STARTTLS` with `ERR FEATURE-NOT-CONFIGURED` (what a proxy that
// strips TLS says) and `OK` to USERNAME / PASSWORD, recording every line. Wherever rnut's
// configuration asks for TLS toward that host, upsmon must hang up before it sends a user name
// or a password, and try again later (the server sees a second STARTTLS).

/// Run upsmon with `monitor_extra` after its MONITOR line for the stripping server; return what
/// the server received once upsmon has connected twice (or the deadline passed), and the log.
fn upsmon_behind_a_starttls_stripper(extra: impl Fn(u16) -> String) -> (Vec<String>, String) {
    let s = ScriptServer::start(|line| {
        common_reply(line).unwrap_or_else(|| vec!["ERR VAR-NOT-SUPPORTED".to_string()])
    });
    let d = NutTree::for_upsmon();
    d.write_conf(
        &format!(
            "MONITOR ups@127.0.0.1:{} 1 upsmon \"mitm-must-not-see-this\" primary\n",
            s.port()
        ),
        &extra(s.port()),
    );
    let mon = start_upsmon(&d, &[]);
    let retried = wait_until(Duration::from_secs(20), || {
        s.lines()
            .iter()
            .filter(|l| l.as_str() == "STARTTLS")
            .count()
            >= 2
            || s.lines().iter().any(|l| l.starts_with("PASSWORD"))
    });
    assert!(
        retried,
        "upsmon never came back: {:?}\n{}",
        s.lines(),
        mon.text()
    );
    (s.lines(), mon.text())
}

fn assert_no_credentials(lines: &[String], log: &str) {
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("USERNAME") || l.starts_with("PASSWORD")),
        "credentials sent in plaintext: {lines:?}\n{log}"
    );
    assert!(!log.contains("mitm-must-not-see-this"), "{log}");
    assert!(log.contains("in SSL, disconnect"), "{log}");
}

/// A PEM bundle for CERTPATH (a certificate-verifying rule needs trust anchors).
fn ca_bundle() -> (tempfile::TempDir, String) {
    let dir = rnut_tests::private_tempdir();
    let pki = rnut_tests::pki::TestPki::in_dir(dir.path());
    let ca = pki.file("ca.pem");
    (dir, ca)
}

/// Finding 2: `CERTHOST 127.0.0.1 ...` written without a port protects 127.0.0.1 on every
/// port (C NUT 2.8.0 matches on the host), here the MONITOR's port that is not 3493.
#[test]
fn certhost_without_port_refuses_a_stripped_starttls_on_any_port() {
    let (_ca_dir, ca) = ca_bundle();
    let (lines, log) = upsmon_behind_a_starttls_stripper(|_| {
        format!(
            "CERTPATH \"{ca}\"\nCERTHOST 127.0.0.1 \"My nut server\" 1 1\nCERTVERIFY 0\nFORCESSL 0\n\
             CERTHOST 127.0.0.1:1 unused 1 1\n"
        )
    });
    assert_no_credentials(&lines, &log);
    // A rule no MONITOR line reaches is named at start, with the MONITOR lines.
    assert!(
        log.contains("CERTHOST 127.0.0.1:1 matches no MONITOR line (ups@127.0.0.1:"),
        "{log}"
    );
}

/// A client store (password `pw`) with the test CA trusted for servers and a client
/// certificate `mon` with its key; `policy` sets rows with the password (signed).
fn client_store(policy: impl FnOnce(&mut nut_certutil::store::Store)) -> tempfile::TempDir {
    use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
    use nut_certutil::pki::{CertProfile, CertRole, issue, self_signed};
    let dir = rnut_tests::private_tempdir();
    let store_dir = dir.path().join("db");
    let ca_key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let ca = self_signed(
        &ca_key,
        "CN=strip test CA",
        &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
    )
    .expect("ca");
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let cert = issue(
        &key,
        "CN=mon",
        &CertProfile::for_months(CertRole::Client, 12),
        &ca,
        &ca_key,
    )
    .expect("client");
    let mut s = nut_certutil::store::Store::create_with_kdf(&store_dir, "pw", 1000).expect("store");
    let c = s.unlock("pw").expect("unlock");
    s.add_certificate("CA", &ca, "C,,".parse().expect("trust"))
        .expect("ca");
    s.add_certificate_with_key(&c, "mon", &cert, Default::default(), &key)
        .expect("client");
    policy(&mut s);
    dir
}

fn store_conf(dir: &tempfile::TempDir, extra: &str) -> String {
    format!(
        "CERTPATH \"{}\"\nCERTIDENT mon pw\n{extra}",
        dir.path().join("db").display()
    )
}

/// Finding 3: `CERTVERIFY 1` / `FORCESSL 1` written in upsmon.conf win over a store CERTHOST
/// row (signed with the password) that says 0 0 for exactly this server.
#[test]
fn config_forcessl_wins_over_a_store_certhost_row_behind_a_starttls_stripper() {
    let stores = std::sync::Mutex::new(Vec::new());
    let (lines, log) = upsmon_behind_a_starttls_stripper(|port| {
        let dir = client_store(|s| {
            s.set_certhost(&nut_certutil::tls::CertHostRule {
                host: "127.0.0.1".into(),
                port: Some(port),
                cert_name: String::new(),
                certverify: false,
                forcessl: false,
            })
            .expect("policy");
        });
        let conf = store_conf(&dir, "CERTVERIFY 1\nFORCESSL 1\n");
        stores.lock().unwrap().push(dir);
        conf
    });
    assert_no_credentials(&lines, &log);
}

/// Finding 3: a CERTHOST row written into the store with raw SQL (no MAC: someone who can
/// write the file but does not know the password) is ignored by upsmon, which has the
/// password (CERTIDENT): the store's signed FORCESSL 1 stands.
#[test]
fn a_store_row_inserted_without_the_password_is_ignored_by_upsmon() {
    let stores = std::sync::Mutex::new(Vec::new());
    let (lines, log) = upsmon_behind_a_starttls_stripper(|port| {
        let dir = client_store(|s| s.set_forcessl(Some(true)).expect("policy"));
        let db = nut_certutil::store::Store::db_path(&dir.path().join("db"));
        rusqlite::Connection::open(db)
            .expect("sqlite")
            .execute(
                "INSERT INTO certhost (host, port, cert_name, certverify, forcessl) \
                 VALUES ('127.0.0.1', ?1, '', 0, 0)",
                [port],
            )
            .expect("tamper");
        let conf = store_conf(&dir, "");
        stores.lock().unwrap().push(dir);
        conf
    });
    assert_no_credentials(&lines, &log);
    assert!(
        log.contains("not protected by the database password"),
        "{log}"
    );
}

#[test]
fn upsmon_conf_permissions_and_a_lone_certident_are_not_accepted_in_silence() {
    use std::os::unix::fs::PermissionsExt;
    let s = ScriptServer::start(|line| {
        common_reply(line).unwrap_or_else(|| vec!["ERR VAR-NOT-SUPPORTED".to_string()])
    });
    let d = NutTree::for_upsmon();
    let monitor = format!(
        "MONITOR dummy@127.0.0.1:{} 1 upsmon secret primary\n",
        s.port()
    );
    let chmod = |mode| {
        std::fs::set_permissions(d.conf_file(), std::fs::Permissions::from_mode(mode))
            .expect("chmod")
    };
    let refused = |needle: &str| {
        let mut mon = start_upsmon(&d, &["-p"]);
        let st = mon
            .child
            .wait_exit(Duration::from_secs(10))
            .expect("upsmon must refuse to start");
        assert!(!st.success());
        assert!(
            mon.wait_log(needle, Duration::from_secs(5)),
            "{}",
            mon.text()
        );
    };
    // SHUTDOWNCMD and NOTIFYCMD run as root: a group-writable file is refused.
    d.write_conf(&monitor, "");
    chmod(0o660);
    refused("upsmon.conf: writable by its group or other users");
    // CERTIDENT without CERTPATH: C upsmon goes on without its client certificate.
    d.write_conf(&monitor, "CERTIDENT client pw\n");
    refused("CERTIDENT without CERTPATH");
    // A FIFO with no writer: refused at once, not waited on.
    std::fs::remove_file(d.conf_file()).expect("rm");
    nix::unistd::mkfifo(
        &d.conf_file(),
        nix::sys::stat::Mode::from_bits_truncate(0o640),
    )
    .expect("mkfifo");
    refused("upsmon.conf: not a regular file (a FIFO)");
    std::fs::remove_file(d.conf_file()).expect("rm");
    // Readable by others with a MONITOR password: a warning, and upsmon runs.
    d.write_conf(&monitor, "");
    chmod(0o644);
    let mon = start_upsmon(&d, &["-p"]);
    assert!(
        mon.wait_log(
            "upsmon.conf: readable by other users while it holds MONITOR passwords",
            Duration::from_secs(10)
        ),
        "{}",
        mon.text()
    );
    assert!(!mon.text().contains("secret"), "{}", mon.text());
}
