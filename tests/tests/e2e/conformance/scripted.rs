//! `nut-conformance` against a scripted server: a TCP listener in this process answering
//! canned lines like a small correct NUT server, with one defect switched on per test
//! (unquoted values, a LIST without END, plaintext after OK STARTTLS, wrong ERR words, no
//! reply to an overlong line, ...). Each defect must be reported by the check that names it,
//! and the same check must pass against the correct script.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use nut_certutil::tls::ClientTlsSettings;
use nut_conformance::{Outcome, Report, Settings, Target};
use nut_core::words::{Event, Tokenizer};

/// What the script gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Defect {
    None,
    UnquotedValues,
    MissingEndList,
    PlaintextAfterStartTls,
    WrongErrWords,
    SilentOnOverlong,
    NoGoodbye,
    UnsortedVars,
    NoProtVer,
    TrackingWithoutSession,
    /// A tracked INSTCMD answers `OK TRACKING 12345`, not a UUID.
    TrackingIdNotUuid,
    /// LIST VAR goes on for ever, one item line every 50 ms.
    EndlessList,
    /// Not a defect: the script hangs up on a client silent for a second (upsd's idle timeout,
    /// shortened).
    ClosesIdle,
}

const UPS: &str = "fake";

/// The id the script gives a tracked instant command.
const TRACKING_ID: &str = "1BD31808-CB49-4AEC-9D75-D056E6F018D2";

/// What a connection has said so far.
#[derive(Debug, Default)]
struct Session {
    user: bool,
    pass: bool,
    tracking: bool,
}

/// The reply lines to one request (each without its newline), and whether the connection
/// stays open after them.
fn answer(
    words: &[String],
    raw_len: usize,
    defect: Defect,
    session: &mut Session,
) -> (Vec<String>, bool) {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let upper: Vec<String> = w.iter().map(|s| s.to_ascii_uppercase()).collect();
    let u: Vec<&str> = upper.iter().map(String::as_str).collect();
    let one = |s: &str| (vec![s.to_string()], true);
    let err = |code: &str| (vec![format!("ERR {code}")], true);
    if raw_len > 1000 && defect == Defect::SilentOnOverlong {
        return (Vec::new(), true);
    }
    let unknown_cmd = if defect == Defect::WrongErrWords {
        "UNKNOWN"
    } else {
        "UNKNOWN-COMMAND"
    };
    match u.as_slice() {
        [] => err(unknown_cmd),
        ["VER"] => one("Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/"),
        ["NETVER"] => one("1.3"),
        ["PROTVER"] if defect == Defect::NoProtVer => err(unknown_cmd),
        ["PROTVER"] => one("1.3"),
        ["HELP"] => {
            one("Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS")
        }
        ["VER" | "NETVER" | "PROTVER" | "HELP", ..] => err("INVALID-ARGUMENT"),
        ["STARTTLS", ..] if defect == Defect::PlaintextAfterStartTls => (
            vec!["OK STARTTLS".into(), format!("VAR {UPS} ups.status \"OL\"")],
            true,
        ),
        ["STARTTLS", ..] => err("FEATURE-NOT-CONFIGURED"),
        ["USERNAME", _] if session.user => err("ALREADY-SET-USERNAME"),
        ["USERNAME", _] => {
            session.user = true;
            one("OK")
        }
        ["PASSWORD", _] if session.pass => err("ALREADY-SET-PASSWORD"),
        ["PASSWORD", _] => {
            session.pass = true;
            one("OK")
        }
        ["USERNAME" | "PASSWORD", ..] => err("INVALID-ARGUMENT"),
        ["LOGIN" | "INSTCMD" | "SET" | "FSD" | "PRIMARY", ..] if !session.user => {
            err("USERNAME-REQUIRED")
        }
        ["LOGIN" | "INSTCMD" | "SET" | "FSD" | "PRIMARY", ..] if !session.pass => {
            err("PASSWORD-REQUIRED")
        }
        ["SET", "TRACKING", on @ ("ON" | "OFF")] => {
            session.tracking = *on == "ON";
            one("OK")
        }
        ["SET", "TRACKING", ..] => err("INVALID-ARGUMENT"),
        ["INSTCMD", ups, "BEEPER.ENABLE"] if ups.eq_ignore_ascii_case(UPS) && session.tracking => {
            if defect == Defect::TrackingIdNotUuid {
                one("OK TRACKING 12345")
            } else {
                one(&format!("OK TRACKING {TRACKING_ID}"))
            }
        }
        ["LOGIN" | "INSTCMD" | "SET" | "FSD" | "PRIMARY", ..] => err("ACCESS-DENIED"),
        ["LOGOUT"] if defect == Defect::NoGoodbye => (vec!["OK".into()], true),
        ["LOGOUT"] => (vec!["OK Goodbye".into()], false),
        ["GET", "TRACKING"] if defect == Defect::TrackingWithoutSession => one("ON"),
        ["GET", "TRACKING"] if session.tracking => one("ON"),
        ["GET", "TRACKING"] => one("OFF"),
        ["GET", "TRACKING", id] if session.tracking && *id == TRACKING_ID => one("SUCCESS"),
        ["GET", "TRACKING", _] if session.tracking => err("UNKNOWN"),
        ["GET", "TRACKING", _] => err("FEATURE-NOT-CONFIGURED"),
        ["GET", "VAR", ups, var] if ups.eq_ignore_ascii_case(UPS) => {
            match var.to_ascii_lowercase().as_str() {
                "ups.status" => one(&format!("VAR {} {} \"OL\"", w[2], w[3])),
                "server.info" => one(&format!(
                    "VAR {} {} \"Network UPS Tools upsd 2.8.0 - http://www.networkupstools.org/\"",
                    w[2], w[3]
                )),
                _ if defect == Defect::WrongErrWords => err("UNKNOWN-VAR"),
                _ => err("VAR-NOT-SUPPORTED"),
            }
        }
        ["GET", "NUMLOGINS", ups] if ups.eq_ignore_ascii_case(UPS) => {
            one(&format!("NUMLOGINS {} 0", w[2]))
        }
        ["GET", "UPSDESC", ups] if ups.eq_ignore_ascii_case(UPS) => {
            one(&format!("UPSDESC {} \"Fake UPS\"", w[2]))
        }
        ["GET", "TYPE", ups, var] if ups.eq_ignore_ascii_case(UPS) && *var != "UPS.STATUS" => {
            err("VAR-NOT-SUPPORTED")
        }
        ["GET", "TYPE", ups, _] if ups.eq_ignore_ascii_case(UPS) => {
            one(&format!("TYPE {} {} STRING:32", w[2], w[3]))
        }
        ["GET", "DESC", ups, _] if ups.eq_ignore_ascii_case(UPS) => {
            one(&format!("DESC {} {} \"UPS status\"", w[2], w[3]))
        }
        ["GET", "VAR", _] => err("INVALID-ARGUMENT"),
        ["GET", _, _, ..] => err("UNKNOWN-UPS"),
        ["GET", ..] => err("INVALID-ARGUMENT"),
        ["LIST", "UPS"] => list(&["UPS"], &[format!("UPS {UPS} \"Fake UPS\"")], defect),
        ["LIST", "VAR", ups] if ups.eq_ignore_ascii_case(UPS) => {
            let q = |v: &str| {
                if defect == Defect::UnquotedValues {
                    v.to_string()
                } else {
                    format!("\"{v}\"")
                }
            };
            let mut items = vec![
                format!("VAR {} battery.charge {}", w[2], q("100")),
                format!("VAR {} ups.status {}", w[2], q("OL")),
            ];
            if defect == Defect::UnsortedVars {
                items.reverse();
            }
            list(&["VAR", w[2]], &items, defect)
        }
        ["LIST", "RW" | "CMD" | "CLIENT", ups] if ups.eq_ignore_ascii_case(UPS) => {
            list(&[u[1], w[2]], &[], defect)
        }
        ["LIST", "VAR" | "RW" | "CMD" | "CLIENT", _] => err("UNKNOWN-UPS"),
        ["LIST", "ENUM" | "RANGE", ups, _] if ups.eq_ignore_ascii_case(UPS) => {
            err("VAR-NOT-SUPPORTED")
        }
        ["LIST", ..] => err("INVALID-ARGUMENT"),
        _ => err(unknown_cmd),
    }
}

fn list(query: &[&str], items: &[String], defect: Defect) -> (Vec<String>, bool) {
    let q = query.join(" ");
    let mut lines = vec![format!("BEGIN LIST {q}")];
    lines.extend(items.iter().cloned());
    if !(defect == Defect::MissingEndList && query[0] == "VAR") {
        lines.push(format!("END LIST {q}"));
    }
    (lines, true)
}

fn serve(mut s: TcpStream, defect: Defect) {
    if defect == Defect::ClosesIdle {
        s.set_read_timeout(Some(Duration::from_secs(1)))
            .expect("timeout");
    }
    let mut tok = Tokenizer::new();
    let mut session = Session::default();
    let mut raw_len = 0usize;
    let mut buf = [0u8; 4096];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        for &b in &buf[..n] {
            raw_len += 1;
            let Some(ev) = tok.feed(b) else { continue };
            let len = std::mem::take(&mut raw_len);
            let Event::Line(words) = ev else { continue };
            if defect == Defect::EndlessList && words.len() == 3 && words[1] == "VAR" {
                drip(&mut s, &words[2]);
                return;
            }
            let (lines, keep) = answer(&words, len, defect, &mut session);
            let mut out = String::new();
            for l in lines {
                out.push_str(&l);
                out.push('\n');
            }
            if s.write_all(out.as_bytes()).is_err() || !keep {
                return;
            }
        }
    }
}

/// BEGIN LIST VAR, then item lines paced at 50 ms until the client goes away.
fn drip(s: &mut TcpStream, ups: &str) {
    let mut line = format!("BEGIN LIST VAR {ups}\n");
    for i in 0u64.. {
        if s.write_all(line.as_bytes()).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
        line = format!("VAR {ups} item.{i} \"{i}\"\n");
    }
}

/// Start the scripted server on an OS-picked loopback port; it lives as long as the test.
fn scripted(defect: Defect) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || serve(s, defect));
        }
    });
    port
}

fn run_against(defect: Defect) -> Report {
    run_enabling(defect, &[])
}

fn run_enabling(defect: Defect, enabled: &[&str]) -> Report {
    run_with(defect, enabled, Duration::from_secs(2))
}

fn run_with(defect: Defect, enabled: &[&str], wait: Duration) -> Report {
    run_settings(defect, enabled, wait, |_| {})
}

fn run_settings(
    defect: Defect,
    enabled: &[&str],
    wait: Duration,
    adjust: impl FnOnce(&mut Settings),
) -> Report {
    let port = scripted(defect);
    let mut settings = Settings {
        target: Target {
            host: "127.0.0.1".into(),
            port,
            ups: None,
        },
        wait,
        reader: None,
        admin: None,
        monitor: None,
        enabled: enabled.iter().map(|e| e.to_string()).collect(),
        instcmd: None,
        tls: ClientTlsSettings::default(),
        certname: None,
        idle_wait: Duration::from_secs(3),
    };
    adjust(&mut settings);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(nut_conformance::run(settings)).expect("run")
}

fn result(r: &Report, id: &str) -> Outcome {
    r.outcome(id)
        .unwrap_or_else(|| panic!("no check {id}"))
        .clone()
}

/// Each defect and the checks that must report it.
const CASES: &[(Defect, &[&str])] = &[
    (Defect::UnquotedValues, &["list.var.quoting"]),
    (Defect::MissingEndList, &["list.var.framing"]),
    (Defect::PlaintextAfterStartTls, &["starttls.no-plaintext"]),
    (
        Defect::WrongErrWords,
        &["cmd.unknown", "get.var.unknown", "cmd.empty-line"],
    ),
    (Defect::SilentOnOverlong, &["line.overlong"]),
    (Defect::NoGoodbye, &["logout.reply"]),
    (Defect::UnsortedVars, &["list.var.order"]),
    (Defect::NoProtVer, &["protver.reply"]),
    (Defect::TrackingWithoutSession, &["tracking.get"]),
];

#[test]
fn the_correct_script_passes_every_check_that_runs() {
    let r = run_against(Defect::None);
    let fails: Vec<_> = r
        .results
        .iter()
        .filter(|(d, o)| o.is_fail() && d.id != "starttls.offered")
        .map(|(d, o)| format!("{}: {o:?}", d.id))
        .collect();
    assert!(fails.is_empty(), "{fails:#?}");
    assert_eq!(r.exit_code(), 0);
    for (_, ids) in CASES {
        // The script speaks no TLS; rnut's upsd passes this check in conformance_servers.
        for id in ids.iter().filter(|id| **id != "starttls.no-plaintext") {
            assert!(
                matches!(result(&r, id), Outcome::Pass(_)),
                "{id}: {:?}",
                result(&r, id)
            );
        }
    }
}

#[test]
fn each_defect_is_reported_by_its_check() {
    for (defect, ids) in CASES {
        let r = run_against(*defect);
        for id in *ids {
            let Outcome::Fail(f) = result(&r, id) else {
                panic!("{defect:?}: {id} did not fail: {:?}", result(&r, id));
            };
            assert!(
                !f.sent.is_empty() && !f.expected.is_empty() && !f.got.is_empty(),
                "{f:?}"
            );
        }
        // A MUST check failing makes the exit status 1; list.var.order is C-NUT-COMPAT.
        let must = r
            .results
            .iter()
            .any(|(d, o)| o.is_fail() && d.severity == nut_conformance::Severity::Must);
        assert_eq!(r.exit_code(), i32::from(must), "{defect:?}");
    }
}

#[test]
fn plaintext_after_ok_starttls_is_shown_as_received() {
    let r = run_against(Defect::PlaintextAfterStartTls);
    let Outcome::Fail(f) = result(&r, "starttls.no-plaintext") else {
        panic!("not reported");
    };
    assert_eq!(f.got, format!("VAR {UPS} ups.status \"OL\""));
}

#[test]
fn a_server_that_cannot_be_reached_is_a_connection_error() {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    let out = std::process::Command::new(rnut_tests::bin("nut-conformance"))
        .arg(format!("127.0.0.1:{port}"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(rnut_tests::bin("nut-conformance"))
        .args(["127.0.0.1", "--enable", "no.such.check"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_and_exit_status_of_the_binary() {
    let port = scripted(Defect::MissingEndList);
    let out = std::process::Command::new(rnut_tests::bin("nut-conformance"))
        .args([&format!("127.0.0.1:{port}"), "--json", "--timeout", "2"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("\"id\": \"list.var.framing\""), "{text}");
    assert!(
        text.contains("\"result\": \"fail\", \"sent\": \"LIST VAR fake\""),
        "{text}"
    );
    let port = scripted(Defect::None);
    let out = std::process::Command::new(rnut_tests::bin("nut-conformance"))
        .args([&format!("127.0.0.1:{port}"), "--timeout", "2"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn the_idle_timeout_runs_only_when_enabled() {
    let r = run_against(Defect::ClosesIdle);
    assert!(matches!(result(&r, "idle.timeout"), Outcome::Skip(_)));
    // Only the one check is looked at: the script's short timeout is not upsd's.
    let r = run_enabling(Defect::ClosesIdle, &["idle.timeout"]);
    assert!(
        matches!(result(&r, "idle.timeout"), Outcome::Pass(_)),
        "{:?}",
        result(&r, "idle.timeout")
    );
    let r = run_enabling(Defect::None, &["idle.timeout"]);
    let Outcome::Fail(f) = result(&r, "idle.timeout") else {
        panic!("a server that never hangs up passed");
    };
    assert_eq!(f.got, "<no reply>");
}

#[test]
fn passwords_never_appear_in_the_report() {
    // The script refuses every LOGIN: the failure shows the exchange, with the password hidden.
    const SECRET: &str = "S3cret-Pw-of-the-monitor";
    let port = scripted(Defect::None);
    let out = std::process::Command::new(rnut_tests::bin("nut-conformance"))
        .arg(format!("{UPS}@127.0.0.1:{port}"))
        .args([
            "--timeout",
            "2",
            "--enable",
            "login.primary",
            "--enable",
            "set.var",
        ])
        .args(["--monitor-user", "mon", "--monitor-password", SECRET])
        .args(["--admin-user", "adm", "--admin-password", SECRET])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("login.primary"), "{text}");
    assert!(text.contains("sent:     LOGIN fake"), "{text}");
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        !text.contains(SECRET) && !err.contains(SECRET),
        "{text}{err}"
    );
}

#[test]
fn a_list_that_never_ends_is_cut_at_its_deadline() {
    let wait = Duration::from_millis(400);
    let start = std::time::Instant::now();
    let r = run_with(Defect::EndlessList, &[], wait);
    let Outcome::Fail(f) = result(&r, "list.var.framing") else {
        panic!("not reported: {:?}", result(&r, "list.var.framing"));
    };
    assert!(f.got.contains("no END LIST within"), "{f:?}");
    // One list deadline (6 waits) and the other checks' replies, not the endless list.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_tracked_instant_command_runs_only_when_named_and_needs_a_uuid() {
    let admin = |s: &mut Settings| {
        s.admin = Some(nut_conformance::Credentials {
            user: "adm".into(),
            password: "pw".into(),
        });
        s.instcmd = Some("beeper.enable".into());
    };
    let wait = Duration::from_secs(2);
    let r = run_settings(Defect::None, &[], wait, admin);
    assert!(matches!(result(&r, "instcmd.run"), Outcome::Skip(_)));
    let r = run_settings(Defect::None, &["instcmd.run"], wait, admin);
    assert!(
        matches!(result(&r, "instcmd.run"), Outcome::Pass(_)),
        "{:?}",
        result(&r, "instcmd.run")
    );
    let r = run_settings(Defect::TrackingIdNotUuid, &["instcmd.run"], wait, admin);
    let Outcome::Fail(f) = result(&r, "instcmd.run") else {
        panic!("not reported: {:?}", result(&r, "instcmd.run"));
    };
    assert_eq!(f.got, "OK TRACKING 12345");
    assert_eq!(f.expected, "OK TRACKING <v4 UUID>");
}
