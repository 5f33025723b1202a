//! `/api/v1` against `upsc -j` over real sockets: where both print the same thing the text
//! is identical (`upsc -L -j`, `upsc -j <ups>`, `upsc -c -j`, and the new `upsc -a -j`
//! beside `/api/v1/all`); types, descriptions and commands come as the protocol gives them;
//! a UPS without data answers 503 with upsc's error shape.

use std::process::Command;

use rnut_tests::bin;
use rnut_tests::http::{get, http_addr, standard_with_http};
use rnut_tests::upsd::{FakeDriver, Upsd, sample_state, wait_ups_ready};

fn upsc(args: &[&str]) -> String {
    let out = Command::new(bin("upsc"))
        .args(args)
        .output()
        .expect("run upsc");
    // upsc -a succeeds even when one UPS cannot answer (its entry says why).
    assert!(out.status.success(), "upsc {args:?}: {out:?}");
    String::from_utf8(out.stdout).expect("utf8")
}

#[test]
fn the_json_api_matches_upsc_j() {
    let d = standard_with_http("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    let http = http_addr(&u);
    let server = u.addr.to_string();
    let ups = format!("test@{server}");
    // A logged-in client for the clients list.
    let mut c = u.client();
    c.login("monp", "P@ss W0rd");
    assert_eq!(c.cmd("LOGIN test"), "OK");

    for (path, args) in [
        ("/api/v1/ups", vec!["-L", "-j", server.as_str()]),
        ("/api/v1/ups/test", vec!["-j", ups.as_str()]),
        ("/api/v1/ups/test/clients", vec!["-c", "-j", ups.as_str()]),
        ("/api/v1/all", vec!["-a", "-j", server.as_str()]),
    ] {
        let a = get(http, path);
        assert_eq!(a.status, 200, "{path}: {a:?}");
        assert_eq!(a.header("Content-Type"), Some("application/json"));
        assert_eq!(a.body, upsc(&args), "{path} vs upsc {args:?}");
    }
    let all = get(http, "/api/v1/all").body;
    assert!(
        all.contains("\"other\": {\n    \"error\": \"Driver not connected\"\n  }"),
        "{all}"
    );
    assert!(
        all.contains("\"ups.id\": \"Shelf \\\"A\\\" \\\\ rack #3\""),
        "{all}"
    );

    let vars = get(http, "/api/v1/ups/test/variables").body;
    assert!(
        vars.contains("\"name\": \"ups.id\",\n    \"value\": \"Shelf \\\"A\\\" \\\\ rack #3\",\n    \"type\": [\n      \"RW\",\n      \"STRING:32\"\n    ]"),
        "{vars}"
    );
    assert!(vars.contains("\"description\": "), "{vars}");
    let cmds = get(http, "/api/v1/ups/test/commands").body;
    assert!(cmds.contains("\"name\": \"beeper.toggle\""), "{cmds}");

    let other = get(http, "/api/v1/ups/other");
    assert_eq!(other.status, 503);
    assert_eq!(other.body, "{\n  \"error\": \"Driver not connected\"\n}\n");
    let status = get(http, "/api/v1/status").body;
    assert!(status.contains("\"driver_connected\": true"), "{status}");
    assert!(status.contains("\"data_stale\": true"), "{status}");
}

#[test]
fn upsc_all_prints_every_ups_as_text_too() {
    let d = standard_with_http("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    let text = upsc(&["-a", &u.addr.to_string()]);
    assert!(text.starts_with("[test]\n"), "{text}");
    assert!(text.contains("\nups.status: OL\n"), "{text}");
    assert!(
        text.ends_with("\n[other]\nError: Driver not connected\n"),
        "{text}"
    );
}
