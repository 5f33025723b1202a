//! upsd speaks NUT's protocol byte for byte (net-protocol.md): every command, reply and ERR,
//! in C upsd's check order, against a real upsd process and a driver socket served by the
//! test.

use std::time::Duration;

use nut_core::sock::DriverMessage;
use rnut_tests::upsd::*;

fn setup() -> (NutTree, FakeDriver, Upsd) {
    let d = NutTree::standard("");
    write_cmdvartab(&d);
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    (d, drv, u)
}

fn write_cmdvartab(d: &NutTree) {
    rnut_tests::write_file(
        &d.conf().join("cmdvartab"),
        "VARDESC ups.status \"UPS status\"\nCMDDESC load.off \"Turn off the load immediately\"\n",
        0o644,
    );
}

#[test]
fn fixed_texts_and_argument_errors() {
    let (_d, _drv, u) = setup();
    let mut c = u.client();
    assert!(
        c.cmd("VER")
            .starts_with("Network UPS Tools upsd 2.8.0-rnut")
    );
    assert!(c.cmd("VER").ends_with(" - http://www.networkupstools.org/"));
    assert_eq!(c.cmd("NETVER"), "1.3");
    assert_eq!(c.cmd("protver"), "1.3");
    assert_eq!(
        c.cmd("HELP"),
        "Commands: HELP VER GET LIST SET INSTCMD LOGIN LOGOUT USERNAME PASSWORD STARTTLS"
    );
    assert_eq!(c.cmd("VER x"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("PROTVER x"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("HELP me"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("FROB"), "ERR UNKNOWN-COMMAND");
    assert_eq!(c.cmd(""), "ERR UNKNOWN-COMMAND");
    assert_eq!(c.cmd("   # just a comment"), "ERR UNKNOWN-COMMAND");
    assert_eq!(c.cmd("GET"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("GET VAR test"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("GET BOGUS test x"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("LIST"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("LIST VAR"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("LIST ENUM test"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("STARTTLS"), "ERR FEATURE-NOT-CONFIGURED");
    // CRLF line endings work; pipelined requests are answered in order.
    c.send_raw(b"PROTVER\r\nGET VAR test ups.load\r\nNETVER\n");
    assert_eq!(c.line(), "1.3");
    assert_eq!(c.line(), "VAR test ups.load \"23\"");
    assert_eq!(c.line(), "1.3");
    assert_eq!(c.cmd("LOGOUT"), "OK Goodbye");
    assert!(c.is_closed());
}

#[test]
fn get_commands() {
    let (_d, _drv, u) = setup();
    let mut c = u.client();
    assert_eq!(
        c.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );
    assert_eq!(
        c.cmd("get var TEST UPS.STATUS"),
        "VAR TEST UPS.STATUS \"OL\""
    );
    assert_eq!(
        c.cmd("GET VAR test ups.id"),
        r#"VAR test ups.id "Shelf \"A\" \\ rack \#3""#
    );
    assert_eq!(c.cmd("GET VAR test ups.bogus"), "ERR VAR-NOT-SUPPORTED");
    assert_eq!(c.cmd("GET VAR nosuch ups.status"), "ERR UNKNOWN-UPS");
    assert!(
        c.cmd("GET VAR nosuch server.info")
            .starts_with("VAR nosuch server.info \"Network UPS Tools upsd 2.8.0-rnut")
    );
    assert!(
        c.cmd("GET VAR any SERVER.VERSION")
            .starts_with("VAR any server.version \"2.8.0-rnut")
    );
    assert_eq!(c.cmd("GET VAR any server.bogus"), "ERR VAR-NOT-SUPPORTED");
    assert_eq!(
        c.cmd("GET TYPE test ups.id"),
        "TYPE test ups.id RW STRING:32"
    );
    assert_eq!(
        c.cmd("GET TYPE test input.transfer.low"),
        "TYPE test input.transfer.low RW ENUM NUMBER"
    );
    assert_eq!(
        c.cmd("GET TYPE test input.transfer.high"),
        "TYPE test input.transfer.high RW RANGE NUMBER"
    );
    assert_eq!(c.cmd("GET TYPE test ups.load"), "TYPE test ups.load NUMBER");
    assert_eq!(c.cmd("GET TYPE test ups.bogus"), "ERR VAR-NOT-SUPPORTED");
    assert_eq!(
        c.cmd("GET DESC test ups.status"),
        "DESC test ups.status \"UPS status\""
    );
    assert_eq!(
        c.cmd("GET DESC test upstream.ups.status"),
        "DESC test upstream.ups.status \"UPS status\""
    );
    assert_eq!(
        c.cmd("GET DESC test no.such.var"),
        "DESC test no.such.var \"Description unavailable\""
    );
    assert_eq!(
        c.cmd("GET CMDDESC test load.off"),
        "CMDDESC test load.off \"Turn off the load immediately\""
    );
    assert_eq!(
        c.cmd("GET CMDDESC test x.y"),
        "CMDDESC test x.y \"Description unavailable\""
    );
    assert_eq!(c.cmd("GET UPSDESC test"), "UPSDESC test \"Test UPS\"");
    assert_eq!(c.cmd("GET UPSDESC other"), "UPSDESC other \"Unavailable\"");
    assert_eq!(c.cmd("GET UPSDESC nosuch"), "ERR UNKNOWN-UPS");
    assert_eq!(c.cmd("GET NUMLOGINS test"), "NUMLOGINS test 0");
    // No driver for `other`: "avail" fails, "known" passes.
    assert_eq!(c.cmd("GET NUMLOGINS other"), "ERR DRIVER-NOT-CONNECTED");
    assert_eq!(
        c.cmd("GET VAR other ups.status"),
        "ERR DRIVER-NOT-CONNECTED"
    );
    assert_eq!(c.cmd("GET TRACKING"), "OFF");
    assert_eq!(
        c.cmd("GET TRACKING 1BD31808-CB49-4AEC-9D75-D056E6F018D2"),
        "ERR FEATURE-NOT-CONFIGURED"
    );
}

#[test]
fn list_commands() {
    let (_d, _drv, u) = setup();
    let mut c = u.client();
    assert_eq!(
        c.list("LIST UPS"),
        [
            "BEGIN LIST UPS",
            "UPS test \"Test UPS\"",
            "UPS other \"Description unavailable\"",
            "END LIST UPS"
        ]
    );
    assert_eq!(
        c.list("LIST VAR test"),
        [
            "BEGIN LIST VAR test",
            "VAR test battery.charge \"100\"",
            "VAR test device.mfr \"Dummy Manufacturer\"",
            "VAR test device.model \"Dummy UPS\"",
            "VAR test driver.name \"dummy-ups\"",
            "VAR test input.transfer.high \"280\"",
            "VAR test input.transfer.low \"103\"",
            "VAR test ups.delay.shutdown \"20\"",
            r#"VAR test ups.id "Shelf \"A\" \\ rack \#3""#,
            "VAR test ups.load \"23\"",
            "VAR test ups.status \"OL\"",
            "END LIST VAR test",
        ]
    );
    assert_eq!(
        c.list("LIST RW test"),
        [
            "BEGIN LIST RW test",
            "RW test input.transfer.high \"280\"",
            "RW test input.transfer.low \"103\"",
            "RW test ups.delay.shutdown \"20\"",
            r#"RW test ups.id "Shelf \"A\" \\ rack \#3""#,
            "END LIST RW test",
        ]
    );
    assert_eq!(
        c.list("list cmd test"),
        [
            "BEGIN LIST CMD test",
            "CMD test beeper.toggle",
            "CMD test load.off",
            "CMD test test.battery.start",
            "END LIST CMD test"
        ]
    );
    assert_eq!(
        c.list("LIST ENUM test input.transfer.low"),
        [
            "BEGIN LIST ENUM test input.transfer.low",
            "ENUM test input.transfer.low \"103\"",
            "ENUM test input.transfer.low \"100\"",
            "END LIST ENUM test input.transfer.low",
        ]
    );
    assert_eq!(
        c.list("LIST ENUM test ups.load"),
        [
            "BEGIN LIST ENUM test ups.load",
            "END LIST ENUM test ups.load"
        ]
    );
    assert_eq!(
        c.list("LIST RANGE test input.transfer.high"),
        [
            "BEGIN LIST RANGE test input.transfer.high",
            "RANGE test input.transfer.high \"250\" \"290\"",
            "END LIST RANGE test input.transfer.high",
        ]
    );
    assert_eq!(c.list("LIST RANGE test nope"), ["ERR VAR-NOT-SUPPORTED"]);
    assert_eq!(c.list("LIST VAR nosuch"), ["ERR UNKNOWN-UPS"]);
    assert_eq!(c.list("LIST VAR other"), ["ERR DRIVER-NOT-CONNECTED"]);
    assert_eq!(
        c.list("LIST CLIENT other"),
        ["BEGIN LIST CLIENT other", "END LIST CLIENT other"]
    );
    assert_eq!(c.list("LIST CLIENT nosuch"), ["ERR UNKNOWN-UPS"]);
    assert_eq!(c.list("LIST BOGUS test"), ["ERR INVALID-ARGUMENT"]);
}

#[test]
fn credentials_are_checked_before_arguments() {
    let (_d, _drv, u) = setup();
    let mut c = u.client();
    for cmd in [
        "LOGIN",
        "INSTCMD",
        "SET",
        "FSD test",
        "PRIMARY",
        "MASTER test",
        "SET TRACKING ON",
        "INSTCMD test load.off",
    ] {
        assert_eq!(c.cmd(cmd), "ERR USERNAME-REQUIRED", "{cmd}");
    }
    assert_eq!(c.cmd("USERNAME admin"), "OK");
    assert_eq!(c.cmd("USERNAME admin"), "ERR ALREADY-SET-USERNAME");
    assert_eq!(c.cmd("LOGIN"), "ERR PASSWORD-REQUIRED");
    assert_eq!(c.cmd("SET TRACKING ON"), "ERR PASSWORD-REQUIRED");
    assert_eq!(c.cmd("PASSWORD"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("PASSWORD mypass"), "OK");
    assert_eq!(c.cmd("PASSWORD mypass"), "ERR ALREADY-SET-PASSWORD");
    assert_eq!(c.cmd("LOGIN"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("SET"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("SET VAR test"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("SET TRACKING MAYBE"), "ERR INVALID-ARGUMENT");
    assert_eq!(c.cmd("INSTCMD test"), "ERR INVALID-ARGUMENT");
    // admin has no upsmon role: LOGIN and PRIMARY are denied, FSD is allowed.
    assert_eq!(c.cmd("LOGIN test"), "ERR ACCESS-DENIED");
    assert_eq!(c.cmd("PRIMARY test"), "ERR ACCESS-DENIED");
    assert_eq!(c.cmd("PRIMARY nosuch"), "ERR UNKNOWN-UPS");
    assert_eq!(c.cmd("USERNAME x"), "ERR ALREADY-SET-USERNAME");
}

#[test]
fn upsmon_login_primary_fsd_and_clients() {
    let (_d, _drv, u) = setup();
    let mut p = u.client();
    p.login("monp", "P@ss W0rd");
    assert_eq!(p.cmd("LOGIN nosuch"), "ERR UNKNOWN-UPS");
    assert_eq!(p.cmd("LOGIN test"), "OK");
    assert_eq!(p.cmd("LOGIN test"), "ERR ALREADY-LOGGED-IN");
    assert_eq!(p.cmd("PRIMARY test"), "OK PRIMARY-GRANTED");
    assert_eq!(p.cmd("MASTER test"), "OK MASTER-GRANTED");
    assert!(
        u.wait_log(
            "User monp@127.0.0.1 logged into UPS [test]",
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
    assert!(
        !u.log_text().contains("P@ss W0rd"),
        "the password leaked into the log"
    );

    let mut s = u.client();
    s.login("mons", "secpass");
    assert_eq!(s.cmd("LOGIN TEST"), "OK");
    assert_eq!(s.cmd("PRIMARY test"), "ERR ACCESS-DENIED");
    assert_eq!(s.cmd("FSD test"), "ERR ACCESS-DENIED");
    assert_eq!(s.cmd("GET NUMLOGINS test"), "NUMLOGINS test 2");
    // Most recently connected first, canonical UPS name.
    assert_eq!(
        s.list("LIST CLIENT TEST"),
        [
            "BEGIN LIST CLIENT TEST",
            "CLIENT test 127.0.0.1",
            "CLIENT test 127.0.0.1",
            "END LIST CLIENT TEST"
        ]
    );

    assert_eq!(p.cmd("FSD nosuch"), "ERR UNKNOWN-UPS");
    assert_eq!(p.cmd("FSD test"), "OK FSD-SET");
    assert_eq!(
        s.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"FSD OL\""
    );
    assert!(
        s.list("LIST VAR test")
            .contains(&"VAR test ups.status \"FSD OL\"".to_string())
    );
    // LIST RW carries no FSD prefix; ups.status is not RW here anyway, so check GET TYPE path untouched.
    assert_eq!(s.cmd("GET VAR test ups.load"), "VAR test ups.load \"23\"");
    assert_eq!(s.cmd("LOGOUT"), "OK Goodbye");
    assert!(s.is_closed());
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || p
        .cmd("GET NUMLOGINS test")
        == "NUMLOGINS test 1"));
}

#[test]
fn wrong_passwords_are_denied_with_a_delay() {
    let (_d, _drv, u) = setup();
    let mut last = 0;
    for i in 0..3 {
        let mut c = u.client();
        c.login("monp", "Wr0ngPa55");
        let t = std::time::Instant::now();
        assert_eq!(c.cmd("LOGIN test"), "ERR ACCESS-DENIED");
        let ms = elapsed_ms(t);
        assert!(ms >= 40, "attempt {i}: no failure delay ({ms} ms)");
        assert!(ms + 30 >= last, "delay does not grow: {ms} after {last}");
        last = ms;
    }
    let mut c = u.client();
    c.login("nobody", "x");
    assert_eq!(c.cmd("LOGIN test"), "ERR ACCESS-DENIED");
    assert!(
        !u.log_text().contains("Wr0ngPa55"),
        "a password reached the log"
    );
    assert!(
        u.log_text().contains("monp@127.0.0.1"),
        "failed login not logged with the address"
    );
}

#[test]
fn set_var_checks_in_order_and_forwards() {
    let (_d, drv, u) = setup();
    let mut c = u.client();
    c.login("admin", "mypass");
    assert_eq!(c.cmd("SET VAR nosuch ups.id x"), "ERR UNKNOWN-UPS");
    assert_eq!(c.cmd("SET VAR other ups.id x"), "ERR DRIVER-NOT-CONNECTED");
    assert_eq!(c.cmd("SET VAR test ups.bogus x"), "ERR VAR-NOT-SUPPORTED");
    assert_eq!(c.cmd("SET VAR test ups.load 5"), "ERR READONLY");
    assert_eq!(
        c.cmd(&format!("SET VAR test ups.id {}", "x".repeat(33))),
        "ERR TOO-LONG"
    );
    assert_eq!(
        c.cmd("SET VAR test input.transfer.low 101"),
        "ERR INVALID-VALUE"
    );
    assert_eq!(
        c.cmd("SET VAR test input.transfer.high 300"),
        "ERR INVALID-VALUE"
    );
    assert_eq!(c.cmd("SET VAR test input.transfer.high 260"), "OK");
    assert!(
        drv.wait_received("SET input.transfer.high 260"),
        "{:?}",
        drv.received()
    );
    assert_eq!(c.cmd("SET VAR test ups.id \"new id\""), "OK");
    assert!(
        drv.wait_received("SET ups.id new id"),
        "{:?}",
        drv.received()
    );
    assert!(u.wait_log(
        "Set variable: admin@127.0.0.1 set ups.id on test to new id (tracking ID: disabled)",
        Duration::from_secs(5)
    ));

    // A user without the SET action: denied after the avail check, before the var checks.
    let mut m = u.client();
    m.login("mons", "secpass");
    assert_eq!(m.cmd("SET VAR nosuch x y"), "ERR UNKNOWN-UPS");
    assert_eq!(m.cmd("SET VAR test ups.bogus y"), "ERR ACCESS-DENIED");
}

#[test]
fn instcmd_and_tracking() {
    let (_d, drv, u) = setup();
    let mut c = u.client();
    c.login("limited", "lim");
    assert_eq!(c.cmd("INSTCMD test no.such.cmd"), "ERR CMD-NOT-SUPPORTED");
    assert_eq!(c.cmd("INSTCMD test load.off"), "ERR ACCESS-DENIED");
    assert_eq!(c.cmd("INSTCMD test TEST.BATTERY.START"), "OK");
    assert!(drv.wait_received("INSTCMD TEST.BATTERY.START"));

    let mut a = u.client();
    a.login("admin", "mypass");
    assert_eq!(a.cmd("INSTCMD test load.off 10"), "OK");
    assert!(
        drv.wait_received("INSTCMD load.off 10"),
        "{:?}",
        drv.received()
    );
    assert!(u.wait_log("Instant command: admin@127.0.0.1 did load.off with value 10 on test (tracking ID: disabled)", Duration::from_secs(5)));
    assert_eq!(a.cmd("SET TRACKING ON"), "OK");
    assert_eq!(a.cmd("GET TRACKING"), "ON");
    // Driver answers tracked commands with code 3 (failed).
    *drv.result_code.lock().unwrap() = Some(3);
    let reply = a.cmd("INSTCMD test beeper.toggle");
    let id = reply
        .strip_prefix("OK TRACKING ")
        .unwrap_or_else(|| panic!("{reply}"))
        .to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(id, id.to_ascii_uppercase());
    assert_eq!(&id[14..15], "4");
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || a
        .cmd(&format!("GET TRACKING {id}"))
        == "ERR FAILED"));
    assert_eq!(
        a.cmd(&format!("GET TRACKING {}", id.to_ascii_lowercase())),
        "ERR FAILED"
    );
    // No answer from the driver: PENDING.
    *drv.result_code.lock().unwrap() = None;
    let reply = a.cmd("SET VAR test ups.delay.shutdown 30");
    let id2 = reply
        .strip_prefix("OK TRACKING ")
        .unwrap_or_else(|| panic!("{reply}"))
        .to_string();
    assert_eq!(a.cmd(&format!("GET TRACKING {id2}")), "PENDING");
    assert!(
        drv.wait_received(&format!("SET ups.delay.shutdown 30 TRACKING {id2}")),
        "{:?}",
        drv.received()
    );
    assert_eq!(
        a.cmd("GET TRACKING 00000000-0000-4000-8000-000000000000"),
        "ERR UNKNOWN"
    );
    *drv.result_code.lock().unwrap() = Some(0);
    let reply = a.cmd("INSTCMD test load.off");
    let id3 = reply
        .strip_prefix("OK TRACKING ")
        .unwrap_or_else(|| panic!("{reply}"))
        .to_string();
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || a
        .cmd(&format!("GET TRACKING {id3}"))
        == "SUCCESS"));
    assert_eq!(a.cmd("SET TRACKING off"), "OK");
    assert_eq!(a.cmd("INSTCMD test load.off"), "OK");
}

#[test]
fn driver_updates_staleness_and_disconnects() {
    let (_d, drv, u) = setup();
    let mut c = u.client();
    drv.push(DriverMessage::SetInfo {
        var: "ups.status".into(),
        value: "OB LB".into(),
    });
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || c
        .cmd("GET VAR test ups.status")
        == "VAR test ups.status \"OB LB\""));
    drv.push(DriverMessage::AddCmd {
        cmd: "shutdown.return".into(),
    });
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || c
        .list("LIST CMD test")
        .contains(&"CMD test shutdown.return".into())));
    drv.push(DriverMessage::DataStale);
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || c
        .cmd("GET VAR test ups.status")
        == "ERR DATA-STALE"));
    assert_eq!(c.list("LIST VAR test"), ["ERR DATA-STALE"]);
    assert_eq!(c.cmd("GET UPSDESC test"), "UPSDESC test \"Test UPS\"");
    drv.push(DriverMessage::DataOk);
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || c
        .cmd("GET VAR test ups.status")
        .starts_with("VAR ")));
    drv.kill();
    assert!(rnut_tests::wait_until(Duration::from_secs(5), || c
        .cmd("GET VAR test ups.status")
        == "ERR DRIVER-NOT-CONNECTED"));
    // A new driver on the same socket: upsd reconnects by itself and dumps again.
    let drv2 = FakeDriver::start(&_d.state(), "fake-test", sample_state());
    assert!(rnut_tests::wait_until(Duration::from_secs(10), || c
        .cmd("GET VAR test ups.status")
        == "VAR test ups.status \"OL\""));
    assert!(drv2.received().iter().any(|l| l == "DUMPALL"));
}

#[test]
fn parse_errors_and_oversized_lines() {
    let d = NutTree::standard("");
    let _drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    // -D: upsd logs each parse error (at debug), the event the test waits for below.
    let u = Upsd::start_with(&d, &["-D"], |_| {});
    wait_ups_ready(&u, "test");
    let mut c = u.client();
    // `#` inside quotes: a parse error; like C upsd 2.8.0, nothing that arrived with the bad
    // line is answered (here the pipelined PROTVER), and the connection goes on. Once upsd
    // logged the error it has read both lines, so VER arrives in a read of its own; its
    // reply differs from PROTVER's ("1.3"), so a PROTVER answered by mistake fails the test.
    c.send_raw(b"GET VAR test \"a#b\"\nPROTVER\n");
    assert!(
        u.wait_log("Parse error on sock", Duration::from_secs(10)),
        "{}",
        u.log_text()
    );
    let first = c.cmd("VER");
    assert!(
        first.starts_with("Network UPS Tools upsd"),
        "the line dropped with the parse error was answered: {first:?}"
    );
    // A 100 KB word is cut to 512 bytes and the connection keeps working.
    let long = format!("GET VAR test {}\n", "a".repeat(100_000));
    c.send_raw(long.as_bytes());
    assert_eq!(c.line(), "ERR VAR-NOT-SUPPORTED");
    // 40 words: the extras are dropped silently.
    let many = format!("GET VAR test ups.load {}\n", vec!["x"; 40].join(" "));
    assert_eq!(c.cmd(many.trim_end()), "VAR test ups.load \"23\"");
    // Control and non-ASCII bytes are dropped from words.
    c.send_raw(b"GET VAR test ups.\x01lo\xffad\n");
    assert_eq!(c.line(), "VAR test ups.load \"23\"");
}
