//! The real chain: rnut's `dummy-ups` driver serving a .dev file from NUT's device dumps
//! library, rnut's `upsd` reading it through the driver socket, clients over TCP.

use std::process::Command;
use std::time::Duration;

use rnut_tests::process::Logged;
use rnut_tests::upsd::*;
use rnut_tests::{bin, wait_until, write_file};

const DEV: &str = "Riello/Riello__IPG_600__riello_usb__2.7.4__01.dev";

#[test]
fn dummy_ups_feeds_upsd() {
    let d = NutTree::new();
    std::fs::copy(
        rnut_tests::shared_dir().join("fixtures/nut-ddl").join(DEV),
        d.conf().join("test.dev"),
    )
    .expect("copy dev");
    d.write_ups_conf(
        "[test]\n\tdriver = dummy-ups\n\tport = test.dev\n\tdesc = \"Riello IPG 600\"\n",
    );
    d.write_upsd_conf(&format!("LISTEN 127.0.0.1 {}\n", rnut_tests::free_port()));
    d.write_users(STANDARD_USERS);
    let mut cmd = Command::new(bin("dummy-ups"));
    cmd.args(["-a", "test", "-F"])
        .env("NUT_CONFPATH", d.conf())
        .env("NUT_STATEPATH", d.state())
        .env("NUT_ALTPIDPATH", d.run());
    if rnut_tests::is_root() {
        cmd.args(["-u", "root"]);
    }
    let mut driver = Logged::spawn("dummy-ups", &mut cmd);
    let u = Upsd::start(&d);
    let ready = wait_until(Duration::from_secs(20), || {
        let mut c = u.client();
        c.cmd("GET VAR test ups.status") == "VAR test ups.status \"OL\""
    });
    assert!(ready, "upsd never served dummy-ups data: {}", u.log_text());
    let mut c = u.client();
    assert_eq!(
        c.cmd("GET VAR test ups.model"),
        "VAR test ups.model \"USV5\""
    );
    assert_eq!(
        c.cmd("GET VAR test battery.voltage"),
        "VAR test battery.voltage \"13.5\""
    );
    assert_eq!(
        c.cmd("GET VAR test driver.name"),
        "VAR test driver.name \"dummy-ups\""
    );
    assert_eq!(c.cmd("GET UPSDESC test"), "UPSDESC test \"Riello IPG 600\"");
    let list = c.list("LIST VAR test");
    assert_eq!(
        list.first().map(String::as_str),
        Some("BEGIN LIST VAR test")
    );
    assert_eq!(list.last().map(String::as_str), Some("END LIST VAR test"));
    assert!(list.len() > 44, "{list:?}");
    assert!(
        list.contains(&"VAR test ups.mfr \"RPS S.p.a.\"".to_string()),
        "{list:?}"
    );
    // Sorted case-insensitively by name, as C upsd lists them.
    let names: Vec<String> = list[1..list.len() - 1]
        .iter()
        .map(|l| l.split(' ').nth(2).unwrap_or("").to_ascii_lowercase())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    // A SET goes to the driver and the new value comes back through the socket.
    c.login("admin", "mypass");
    assert_eq!(c.cmd("SET TRACKING ON"), "OK");
    let reply = c.cmd("SET VAR test ups.delay.shutdown 45");
    if reply.starts_with("OK TRACKING ") {
        let id = reply.trim_start_matches("OK TRACKING ").to_string();
        assert!(
            wait_until(Duration::from_secs(10), || c
                .cmd(&format!("GET TRACKING {id}"))
                == "SUCCESS"),
            "tracking never succeeded"
        );
        assert!(wait_until(Duration::from_secs(10), || c
            .cmd("GET VAR test ups.delay.shutdown")
            == "VAR test ups.delay.shutdown \"45\""));
    } else {
        // The variable is not writable in this dump: upsd must say so exactly.
        assert!(
            ["ERR READONLY", "ERR VAR-NOT-SUPPORTED"].contains(&reply.as_str()),
            "{reply}"
        );
    }

    // The driver goes away: clients are told, and upsd keeps serving.
    driver.child.stop(Duration::from_secs(5));
    assert!(wait_until(Duration::from_secs(10), || c
        .cmd("GET VAR test ups.status")
        == "ERR DRIVER-NOT-CONNECTED"));
    write_file(&d.conf().join("unused"), "", 0o600);
}
