//! upsd's `/metrics` over real sockets: every numeric variable `upsc` shows is there with
//! the same value, status flags as a state set, a driver that goes away or falls silent is
//! stale within MAXAGE, upsd's counters move with the NUT traffic, `promtool check metrics`
//! finds nothing to say, OpenMetrics is served on request, the example alert rules pass
//! `promtool check rules`, and a request head past the bound is refused.

use std::process::{Command, Stdio};
use std::time::Duration;

use nut_core::sock::DriverMessage;
use rnut_tests::http::{get, get_with, http_addr, sample, standard_with_http};
use rnut_tests::upsd::{FakeDriver, NutTree, STANDARD_USERS, Upsd, sample_state, wait_ups_ready};
use rnut_tests::{bin, require_tool, wait_until};

/// A state with the numeric variables a real UPS reports.
fn rich_state() -> nut_core::sock::DriverState {
    let mut st = sample_state();
    for (var, value) in [
        ("battery.runtime", "1830"),
        ("battery.voltage", "13.6"),
        ("input.voltage", "231.4"),
        ("input.frequency", "50.0"),
        ("output.current", "0.82"),
        ("ups.temperature", "-2.5"),
        ("ups.realpower.nominal", "900"),
        ("battery.date", "2024/01/15"),
        ("ups.serial", "AB\"12\\34"),
    ] {
        st.apply(&DriverMessage::SetInfo {
            var: var.into(),
            value: value.into(),
        });
    }
    st
}

/// `upsc <ups>@<addr>`: the variables and values, as printed.
fn upsc_vars(u: &Upsd, ups: &str) -> Vec<(String, String)> {
    let out = Command::new(bin("upsc"))
        .arg(format!("{ups}@{}", u.addr))
        .output()
        .expect("run upsc");
    assert!(out.status.success(), "upsc failed: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn is_number(v: &str) -> bool {
    v.parse::<f64>().is_ok_and(f64::is_finite) && !v.contains(['x', 'X', 'i', 'n', 'N'])
}

/// The family whose HELP line names `var` (`# HELP <family> <var>: ...`).
fn family_of<'a>(exposition: &'a str, var: &str) -> Option<&'a str> {
    exposition.lines().find_map(|l| {
        let rest = l.strip_prefix("# HELP ")?;
        let (family, help) = rest.split_once(' ')?;
        help.strip_prefix(var)?.starts_with(':').then_some(family)
    })
}

/// `promtool check metrics` on `exposition`: its complaints (empty when clean).
fn promtool_check(exposition: &str) -> String {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(exposition.as_bytes()).expect("write");
    }
    let out = child.wait_with_output().expect("promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        text.trim().to_string()
    } else {
        format!("exit {:?}: {text}", out.status.code())
    }
}

#[test]
fn every_numeric_variable_upsc_shows_is_in_metrics_with_the_same_value() {
    let d = standard_with_http("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", rich_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    let http = http_addr(&u);

    let vars = upsc_vars(&u, "test");
    let m = get(http, "/metrics");
    assert_eq!(m.status, 200, "{m:?}");
    assert_eq!(
        m.header("Content-Type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let numeric: Vec<&(String, String)> = vars.iter().filter(|(_, v)| is_number(v)).collect();
    assert!(numeric.len() >= 10, "too few numeric variables: {vars:?}");
    for (var, value) in &numeric {
        let family = family_of(&m.body, var)
            .unwrap_or_else(|| panic!("no family for {var} in:\n{}", m.body));
        let got = sample(&m.body, family, "ups=\"test\"")
            .unwrap_or_else(|| panic!("no sample of {family} for test"));
        assert_eq!(got, value.as_str(), "{var} ({family})");
    }
    // Units in the names where NUT defines them.
    for (name, value) in [
        ("nut_battery_charge_percent", "100"),
        ("nut_battery_runtime_seconds", "1830"),
        ("nut_input_voltage_volts", "231.4"),
        ("nut_input_frequency_hertz", "50.0"),
        ("nut_output_current_amperes", "0.82"),
        ("nut_ups_temperature_celsius", "-2.5"),
        ("nut_ups_realpower_nominal_watts", "900"),
        ("nut_ups_load_percent", "23"),
    ] {
        assert_eq!(sample(&m.body, name, "ups=\"test\""), Some(value), "{name}");
    }
    // Status as a state set; link and freshness; identity as info labels, escaped.
    assert_eq!(
        sample(&m.body, "nut_ups_status", "ups=\"test\",flag=\"OL\""),
        Some("1")
    );
    assert_eq!(
        sample(&m.body, "nut_ups_status", "ups=\"test\",flag=\"OB\""),
        Some("0")
    );
    assert_eq!(
        sample(&m.body, "nut_ups_status", "ups=\"test\",flag=\"LB\""),
        Some("0")
    );
    assert_eq!(
        sample(&m.body, "nut_ups_driver_connected", "ups=\"test\""),
        Some("1")
    );
    assert_eq!(
        sample(&m.body, "nut_ups_data_stale", "ups=\"test\""),
        Some("0")
    );
    assert_eq!(
        sample(&m.body, "nut_ups_driver_connected", "ups=\"other\""),
        Some("0")
    );
    assert_eq!(
        sample(&m.body, "nut_ups_data_stale", "ups=\"other\""),
        Some("1")
    );
    let info = m
        .body
        .lines()
        .find(|l| l.starts_with("nut_ups_info{ups=\"test\""))
        .expect("info line");
    assert!(info.contains("device_mfr=\"Dummy Manufacturer\""), "{info}");
    assert!(info.contains("ups_serial=\"AB\\\"12\\\\34\""), "{info}");
    assert!(!info.contains("ups_status"), "{info}");

    let complaints = promtool_check(&m.body);
    if require_tool("promtool") {
        assert_eq!(complaints, "", "promtool check metrics:\n{}", m.body);
    }
}

/// OpenMetrics when asked (promtool's linter reads only the classic format, so the
/// OpenMetrics specifics are checked here: counter and info families, the EOF marker).
#[test]
fn openmetrics_on_request() {
    let d = standard_with_http("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", rich_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    let http = http_addr(&u);
    let m = get_with(
        http,
        "/metrics",
        "Accept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n",
    );
    assert_eq!(m.status, 200);
    assert!(
        m.header("Content-Type")
            .is_some_and(|c| c.starts_with("application/openmetrics-text")),
        "{:?}",
        m.head
    );
    assert!(m.body.ends_with("# EOF\n"), "no EOF marker");
    assert!(m.body.contains("# TYPE nut_upsd_logins counter\n"));
    assert!(m.body.contains("nut_upsd_logins_total{result=\"ok\"} "));
    assert!(m.body.contains("# TYPE nut_ups info\n"));
    assert!(m.body.contains("\nnut_ups_info{ups=\"test\","));
    assert_eq!(m.body.matches("# EOF").count(), 1);
}

#[test]
fn counters_follow_the_nut_traffic() {
    let d = standard_with_http("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", rich_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    let http = http_addr(&u);
    let before = get(http, "/metrics").body;
    let count = |body: &str, name: &str, labels: &str| -> u64 {
        sample(body, name, labels).map_or(0, |v| v.parse().expect("integer"))
    };
    let mut c = u.client();
    for _ in 0..5 {
        assert!(c.cmd("GET VAR test ups.status").starts_with("VAR "));
    }
    assert_eq!(c.cmd("GET VAR nosuch ups.status"), "ERR UNKNOWN-UPS");
    assert_eq!(c.cmd("USERNAME admin"), "OK");
    assert_eq!(c.cmd("PASSWORD wrong"), "OK");
    assert_eq!(c.cmd("INSTCMD test load.off"), "ERR ACCESS-DENIED");
    let mut admin = u.client();
    admin.login("admin", "mypass");
    assert_eq!(admin.cmd("INSTCMD test beeper.toggle"), "OK");
    let after = get(http, "/metrics").body;
    let delta =
        |name: &str, labels: &str| count(&after, name, labels) - count(&before, name, labels);
    assert!(delta("nut_upsd_commands_total", "command=\"GET VAR\"") >= 6);
    assert_eq!(delta("nut_upsd_commands_total", "command=\"INSTCMD\""), 2);
    assert_eq!(delta("nut_upsd_errors_total", "code=\"UNKNOWN-UPS\""), 1);
    assert_eq!(delta("nut_upsd_errors_total", "code=\"ACCESS-DENIED\""), 1);
    assert_eq!(delta("nut_upsd_logins_total", "result=\"failed\""), 1);
    assert_eq!(delta("nut_upsd_logins_total", "result=\"ok\""), 1);
    assert_eq!(delta("nut_upsd_forwarded_total", "kind=\"instcmd\""), 1);
    assert_eq!(
        sample(&after, "nut_upsd_connections", "transport=\"plain\""),
        Some("2"),
        "two NUT clients are open"
    );
    assert_eq!(sample(&after, "nut_ups_clients", "ups=\"test\""), Some("0"));
}

/// A driver that is killed shows as not connected and stale at once; one that falls silent
/// shows as stale within MAXAGE (plus upsd's one second of grace).
#[test]
fn a_dead_or_silent_driver_is_stale_within_maxage() {
    const MAXAGE: u64 = 2;
    let d = NutTree::new();
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {}\nMAXAGE {MAXAGE}\n{}",
        rnut_tests::free_port(),
        rnut_tests::http::http_listen_line()
    ));
    d.write_ups_conf(
        "[killed]\n\tdriver = fake\n\tport = none\n[silent]\n\tdriver = fake\n\tport = none\n",
    );
    d.write_users(STANDARD_USERS);
    let killed = FakeDriver::start(&d.state(), "fake-killed", sample_state());
    let silent = FakeDriver::start(&d.state(), "fake-silent", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "killed");
    wait_ups_ready(&u, "silent");
    let http = http_addr(&u);
    let m = get(http, "/metrics").body;
    for ups in ["killed", "silent"] {
        let l = format!("ups=\"{ups}\"");
        assert_eq!(sample(&m, "nut_ups_data_stale", &l), Some("0"), "{ups}");
        let age: f64 = sample(&m, "nut_ups_last_update_age_seconds", &l)
            .expect("age")
            .parse()
            .expect("number");
        assert!(age < MAXAGE as f64 + 1.0, "{ups}: age {age}");
    }

    killed.kill();
    silent
        .answer_ping
        .store(false, std::sync::atomic::Ordering::Relaxed);
    let started = std::time::Instant::now();
    let deadline = Duration::from_secs(MAXAGE + 3);
    let mut last = String::new();
    let stale = wait_until(deadline, || {
        last = get(http, "/metrics").body;
        ["killed", "silent"]
            .iter()
            .all(|ups| sample(&last, "nut_ups_data_stale", &format!("ups=\"{ups}\"")) == Some("1"))
    });
    assert!(stale, "not stale after {:?}:\n{last}", started.elapsed());
    assert_eq!(
        sample(&last, "nut_ups_driver_connected", "ups=\"killed\""),
        Some("0")
    );
    assert_eq!(
        sample(&last, "nut_ups_driver_connected", "ups=\"silent\""),
        Some("1"),
        "a silent driver is still connected"
    );
    // Stale data is not exported as current values.
    assert_eq!(
        sample(&last, "nut_battery_charge_percent", "ups=\"silent\""),
        None
    );
    assert_eq!(
        sample(&last, "nut_ups_status", "ups=\"silent\",flag=\"OL\""),
        None
    );
    // upsc agrees.
    let mut c = u.client();
    assert_eq!(c.cmd("GET VAR silent ups.status"), "ERR DATA-STALE");
    assert_eq!(
        c.cmd("GET VAR killed ups.status"),
        "ERR DRIVER-NOT-CONNECTED"
    );
}

#[test]
fn oversized_slow_and_unknown_requests_are_refused_cleanly() {
    let d = standard_with_http("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    let http = http_addr(&u);
    let huge = format!("X-Filler: {}\r\n", "a".repeat(9000));
    assert_eq!(get_with(http, "/metrics", &huge).status, 431);
    assert_eq!(get(http, "/nothing").status, 404);
    assert_eq!(get(http, "/api/v1/ups/nosuch").status, 404);
    let mut s = std::net::TcpStream::connect(http).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let post = rnut_tests::http::raw_exchange(
        &mut s,
        "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    )
    .expect("exchange");
    assert_eq!(post.status, 405);
    // Keep-alive: two requests on one connection, the second closing it.
    let mut s = std::net::TcpStream::connect(http).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let two = rnut_tests::http::raw_exchange(
        &mut s,
        "HEAD /metrics HTTP/1.1\r\n\r\nGET /api/v1/ups HTTP/1.1\r\nConnection: close\r\n\r\n",
    )
    .expect("exchange");
    assert_eq!(two.status, 200);
    assert!(two.body.contains("HTTP/1.1 200 OK"), "{two:?}");
    assert!(two.body.contains("\"test\": \"Test UPS\""), "{two:?}");
    // The NUT port kept serving throughout.
    assert_eq!(u.client().cmd("PROTVER"), "1.3");
}

/// A scraper flood past HTTP_MAXCONN is turned away on the HTTP port alone: NUT clients are
/// still served.
#[test]
fn http_connections_are_capped_apart_from_maxconn() {
    let d = standard_with_http("HTTP_MAXCONN 2\nMAXCONN 4\n");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    let http = http_addr(&u);
    // Two idle HTTP connections hold the two places.
    let _held: Vec<_> = (0..2)
        .map(|_| std::net::TcpStream::connect(http).expect("connect"))
        .collect();
    let refused = wait_until(Duration::from_secs(5), || {
        let mut s = std::net::TcpStream::connect(http).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        let mut buf = [0u8; 16];
        use std::io::{Read, Write};
        let _ = s.write_all(b"GET /metrics HTTP/1.1\r\n\r\n");
        matches!(s.read(&mut buf), Ok(0) | Err(_))
    });
    assert!(refused, "a third HTTP connection was served");
    let mut c = u.client();
    assert!(c.cmd("GET VAR test ups.status").starts_with("VAR "));
}

#[test]
fn the_example_alert_rules_pass_promtool() {
    if !require_tool("promtool") {
        return;
    }
    let rules = rnut_tests::workspace_root().join("examples/prometheus-alerts.yml");
    let out = Command::new("promtool")
        .args(["check", "rules"])
        .arg(&rules)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool check rules {}: {}{}",
        rules.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
