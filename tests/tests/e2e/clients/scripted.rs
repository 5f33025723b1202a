//! upsc, upscmd, upsrw and the client library against a scripted server that records every
//! request: output formats, quoting, tracking, and FORCESSL refusing before credentials.

use std::time::Duration;

use rnut_tests::monitor::*;
use rnut_tests::wait_until;

fn ups_server() -> ScriptServer {
    ScriptServer::start(|line| {
        if let Some(r) = common_reply(line) {
            return r;
        }
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        match line {
            "LIST VAR dummy" => v(&[
                "BEGIN LIST VAR dummy",
                "VAR dummy battery.charge \"100\"",
                "VAR dummy ups.id \"Shelf \\\"A\\\" \\\\ rack \\#3\"",
                "VAR dummy ups.status \"OL\"",
                "END LIST VAR dummy",
            ]),
            "GET VAR dummy ups.status" => v(&["VAR dummy ups.status \"OB LB\""]),
            "GET VAR dummy nosuch.var" => v(&["ERR VAR-NOT-SUPPORTED"]),
            "LIST UPS" => v(&[
                "BEGIN LIST UPS",
                "UPS dummy \"Dummy UPS\"",
                "UPS other \"Description unavailable\"",
                "END LIST UPS",
            ]),
            "LIST CLIENT dummy" => v(&[
                "BEGIN LIST CLIENT dummy",
                "CLIENT dummy 127.0.0.1",
                "CLIENT dummy ::1",
                "END LIST CLIENT dummy",
            ]),
            "LIST CMD dummy" => v(&[
                "BEGIN LIST CMD dummy",
                "CMD dummy beeper.off",
                "CMD dummy load.off",
                "END LIST CMD dummy",
            ]),
            "GET CMDDESC dummy beeper.off" => {
                v(&["CMDDESC dummy beeper.off \"Disable the UPS beeper\""])
            }
            "GET CMDDESC dummy load.off" => v(&["ERR INVALID-ARGUMENT"]),
            "SET TRACKING ON" => v(&["OK"]),
            "INSTCMD dummy load.off" => v(&["OK"]),
            "INSTCMD dummy test.battery.start 5" => {
                v(&["OK TRACKING 1BD31808-CB49-4AEC-9D75-D056E6F018D2"])
            }
            "GET TRACKING 1BD31808-CB49-4AEC-9D75-D056E6F018D2" => v(&["SUCCESS"]),
            "LIST RW dummy" => v(&[
                "BEGIN LIST RW dummy",
                "RW dummy input.transfer.low \"100\"",
                "RW dummy ups.delay.shutdown \"20\"",
                "RW dummy ups.id \"abc\"",
                "END LIST RW dummy",
            ]),
            "GET DESC dummy input.transfer.low" => {
                v(&["DESC dummy input.transfer.low \"Low voltage transfer point (V)\""])
            }
            "GET DESC dummy ups.delay.shutdown" => v(&[
                "DESC dummy ups.delay.shutdown \"Interval to wait after shutdown with delay command (seconds)\"",
            ]),
            "GET DESC dummy ups.id" => v(&["DESC dummy ups.id \"Description unavailable\""]),
            "GET TYPE dummy input.transfer.low" => {
                v(&["TYPE dummy input.transfer.low RW ENUM NUMBER"])
            }
            "GET TYPE dummy ups.delay.shutdown" => {
                v(&["TYPE dummy ups.delay.shutdown RW RANGE NUMBER"])
            }
            "GET TYPE dummy ups.id" => v(&["TYPE dummy ups.id RW STRING:8"]),
            "GET VAR dummy input.transfer.low" => v(&["VAR dummy input.transfer.low \"100\""]),
            "GET VAR dummy ups.delay.shutdown" => v(&["VAR dummy ups.delay.shutdown \"20\""]),
            "GET VAR dummy ups.id" => v(&["VAR dummy ups.id \"abc\""]),
            "LIST ENUM dummy input.transfer.low" => v(&[
                "BEGIN LIST ENUM dummy input.transfer.low",
                "ENUM dummy input.transfer.low \"103\"",
                "ENUM dummy input.transfer.low \"100\"",
                "END LIST ENUM dummy input.transfer.low",
            ]),
            "LIST RANGE dummy ups.delay.shutdown" => v(&[
                "BEGIN LIST RANGE dummy ups.delay.shutdown",
                "RANGE dummy ups.delay.shutdown \"0\" \"10\"",
                "RANGE dummy ups.delay.shutdown \"15\" \"600\"",
                "END LIST RANGE dummy ups.delay.shutdown",
            ]),
            "SET VAR dummy ups.id \"new id\"" => v(&["OK"]),
            l if l.starts_with("GET VAR nosuch ") || l.starts_with("LIST VAR nosuch") => {
                v(&["ERR UNKNOWN-UPS"])
            }
            l if l.starts_with("GET VAR dummy ") => v(&["ERR VAR-NOT-SUPPORTED"]),
            _ => v(&["ERR UNKNOWN-COMMAND"]),
        }
    })
}

#[test]
fn upsc_lists_variables_unescaped_and_says_logout() {
    let s = ups_server();
    let o = run_tool("upsc", &[&format!("dummy@127.0.0.1:{}", s.port())]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "battery.charge: 100\nups.id: Shelf \"A\" \\ rack #3\nups.status: OL\n"
    );
    assert_eq!(s.lines(), ["STARTTLS", "LIST VAR dummy", "LOGOUT"]);
}

#[test]
fn upsc_single_variable_lists_and_clients() {
    let s = ups_server();
    let sys = format!("dummy@127.0.0.1:{}", s.port());
    let o = run_tool("upsc", &[&sys, "ups.status"]);
    assert_eq!(stdout(&o), "OB LB\n");
    let host = format!("127.0.0.1:{}", s.port());
    assert_eq!(stdout(&run_tool("upsc", &["-l", &host])), "dummy\nother\n");
    assert_eq!(
        stdout(&run_tool("upsc", &["-L", &host])),
        "dummy: Dummy UPS\nother: Description unavailable\n"
    );
    assert_eq!(stdout(&run_tool("upsc", &["-c", &sys])), "127.0.0.1\n::1\n");
}

#[test]
fn upsc_errors_use_libupsclient_texts() {
    let s = ups_server();
    let o = run_tool("upsc", &[&format!("nosuch@127.0.0.1:{}", s.port())]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "Error: Unknown UPS\n");
    assert_eq!(stdout(&o), "");
    let o = run_tool(
        "upsc",
        &[&format!("dummy@127.0.0.1:{}", s.port()), "ups.bogus"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "Error: Variable not supported by UPS\n");
    let o = run_tool("upsc", &[&format!("dummy@127.0.0.1:{}", s.port()), "bogus"]);
    assert_eq!(
        stderr(&o),
        "Error: old-style variable names are not supported\n"
    );
    // Nothing listens on this port once the listener is gone.
    let port = rnut_tests::free_port();
    let o = run_tool("upsc", &[&format!("dummy@127.0.0.1:{port}")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("Error: Connection failure: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn upsc_json_output() {
    let s = ups_server();
    let sys = format!("dummy@127.0.0.1:{}", s.port());
    let o = run_tool("upsc", &["-j", &sys]);
    assert_eq!(
        stdout(&o),
        "{\n  \"battery.charge\": \"100\",\n  \"ups.id\": \"Shelf \\\"A\\\" \\\\ rack #3\",\n  \"ups.status\": \"OL\"\n}\n"
    );
    assert_eq!(
        stdout(&run_tool("upsc", &["-j", &sys, "ups.status"])),
        "\"OB LB\"\n"
    );
    let host = format!("127.0.0.1:{}", s.port());
    assert_eq!(
        stdout(&run_tool("upsc", &["-j", "-l", &host])),
        "[\n  \"dummy\",\n  \"other\"\n]\n"
    );
    let o = run_tool("upsc", &["-j", &format!("nosuch@127.0.0.1:{}", s.port())]);
    assert_eq!(o.status.code(), Some(1));
    // As upstream's upsc -j: the bare reason as JSON, `Error: ...` on standard error.
    assert_eq!(stdout(&o), "{\n  \"error\": \"Unknown UPS\"\n}\n");
    assert_eq!(stderr(&o), "Error: Unknown UPS\n");
    let o = run_tool("upsc", &["-j", &sys, "nosuch.var"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "{\n  \"error\": \"Variable not supported by UPS\"\n}\n"
    );
    assert_eq!(stderr(&o), "Error: Variable not supported by UPS\n");
}

#[test]
fn upscmd_lists_commands_and_quotes_a_password_with_spaces() {
    let s = ups_server();
    let sys = format!("dummy@127.0.0.1:{}", s.port());
    let o = run_tool("upscmd", &["-l", &sys]);
    assert_eq!(
        stdout(&o),
        "Instant commands supported on UPS [dummy]:\n\nbeeper.off - Disable the UPS beeper\nload.off\n"
    );
    let o = run_tool(
        "upscmd",
        &["-u", "admin", "-p", "pass word \"x\"", &sys, "load.off"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "OK\n");
    let lines = s.lines();
    assert!(lines.contains(&"USERNAME admin".to_string()), "{lines:?}");
    assert!(
        lines.contains(&r#"PASSWORD "pass word \"x\"""#.to_string()),
        "{lines:?}"
    );
    assert!(lines.contains(&"INSTCMD dummy load.off".to_string()));
}

#[test]
fn upscmd_waits_for_the_tracking_result() {
    let s = ups_server();
    let sys = format!("dummy@127.0.0.1:{}", s.port());
    let o = run_tool(
        "upscmd",
        &[
            "-w",
            "-u",
            "admin",
            "-p",
            "pw",
            &sys,
            "test.battery.start",
            "5",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "SUCCESS\n");
    let lines = s.lines();
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("{l} missing: {lines:?}"))
    };
    assert!(pos("SET TRACKING ON") < pos("INSTCMD dummy test.battery.start 5"));
    assert!(
        pos("INSTCMD dummy test.battery.start 5")
            < pos("GET TRACKING 1BD31808-CB49-4AEC-9D75-D056E6F018D2")
    );
}

#[test]
fn upsrw_lists_types_like_c_and_sets_a_value() {
    let s = ups_server();
    let sys = format!("dummy@127.0.0.1:{}", s.port());
    let o = run_tool("upsrw", &[&sys]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "[input.transfer.low]\nLow voltage transfer point (V)\nType: ENUM NUMBER\nOption: \"103\"\nOption: \"100\" SELECTED\n\n\
         [ups.delay.shutdown]\nInterval to wait after shutdown with delay command (seconds)\nType: RANGE NUMBER\nOption: \"0-10\"\nOption: \"15-600\" SELECTED\n\n\
         [ups.id]\nDescription unavailable\nType: STRING\nMaximum length: 8\nValue: abc\n\n"
    );
    let o = run_tool(
        "upsrw",
        &["-s", "ups.id=new id", "-u", "admin", "-p", "pw", &sys],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stderr(&o), "OK\n");
    assert!(
        s.lines()
            .contains(&"SET VAR dummy ups.id \"new id\"".to_string())
    );
}

#[test]
fn forcessl_refuses_a_server_without_tls_before_any_credentials() {
    let s = ups_server();
    let sys = format!("dummy@127.0.0.1:{}", s.port());
    let o = run_tool(
        "upscmd",
        &[
            "--forcessl",
            "-u",
            "admin",
            "-p",
            "secret",
            &sys,
            "load.off",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("SSL is not available"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.lines(), ["STARTTLS"], "nothing but STARTTLS may be sent");

    // The same rule from a config file, through a CERTHOST row.
    let d = NutTree::for_upsmon();
    rnut_tests::write_file(
        &d.path().join("tls.conf"),
        &format!("CERTHOST 127.0.0.1:{} \"server\" 0 1\n", s.port()),
        0o600,
    );
    let conf = d.path().join("tls.conf");
    let o = run_tool("upsc", &["-C", conf.to_str().unwrap(), &sys]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "Error: SSL is not available\n");
    assert_eq!(s.lines(), ["STARTTLS", "STARTTLS"]);
}

#[test]
fn upsmon_with_forcessl_never_sends_credentials_to_a_plaintext_server() {
    let s = ups_server();
    let d = NutTree::for_upsmon();
    d.write_conf(
        &format!(
            "MONITOR dummy@127.0.0.1:{} 1 upsmon \"secret pw\" primary\nFORCESSL 1\n",
            s.port()
        ),
        "MINSUPPLIES 0\n",
    );
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(
        wait_until(Duration::from_secs(15), || *s.connections.lock().unwrap()
            >= 3),
        "upsmon retries"
    );
    assert!(
        wait_until(Duration::from_secs(5), || d
            .events()
            .contains(&"COMMBAD".to_string())),
        "{:?}",
        d.events()
    );
    mon.child.stop(Duration::from_secs(5));
    let lines = s.lines();
    assert!(!lines.is_empty());
    assert!(
        lines.iter().all(|l| l == "STARTTLS"),
        "only STARTTLS may be sent: {lines:?}"
    );
    assert!(
        mon.text().contains("SSL is not available"),
        "{}",
        mon.text()
    );
}

#[test]
fn ipv6_literal_system_names() {
    let Ok(listener) = std::net::TcpListener::bind("[::1]:0") else {
        rnut_tests::skip("no IPv6 loopback on this machine");
        return;
    };
    let s = ScriptServer::start_on(listener, |line| match line {
        "STARTTLS" => vec!["ERR FEATURE-NOT-CONFIGURED".into()],
        "GET VAR dummy ups.status" => vec!["VAR dummy ups.status \"OL\"".into()],
        _ => vec!["ERR UNKNOWN-COMMAND".into()],
    });
    let o = run_tool(
        "upsc",
        &[&format!("dummy@[::1]:{}", s.port()), "ups.status"],
    );
    assert_eq!(stdout(&o), "OL\n", "{}", stderr(&o));
}
