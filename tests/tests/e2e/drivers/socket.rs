//! The driver socket served by our dummy-ups: DUMPALL order, broadcasts, tracked SET and
//! INSTCMD, PING/GETPID/LOGOUT, and readers that misbehave.

use std::time::Duration;

use rnut_tests::drivers::{NutTree, RawReader, dump_value};

const T: Duration = Duration::from_secs(10);

fn tree_with(dev: &str) -> NutTree {
    let tree = NutTree::new();
    tree.write("t.dev", dev);
    tree.ups_conf(&[("t", "t.dev")]);
    tree
}

#[test]
fn dumpall_is_in_the_exact_c_order() {
    let tree = tree_with(
        "ups.id: \"Shelf \\\"A\\\" \\#3\"\nbattery.charge: 90\nUPS.Zeta: z\nups_x: 1\nambient.humidity: 40\nups.status: OL CHRG\n",
    );
    let _drv = tree.start_dummy("t", &[]);
    let mut r = RawReader::connect(&tree.socket("t"));
    let lines = r.dump_all();
    let n = lines.len();
    assert_eq!(&lines[n - 2..], ["DATAOK", "DUMPDONE"]);
    let cmds: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("ADDCMD "))
        .map(String::as_str)
        .collect();
    assert_eq!(
        cmds,
        [
            "ADDCMD driver.killpower",
            "ADDCMD driver.reload",
            "ADDCMD driver.reload-or-error",
            "ADDCMD driver.reload-or-exit",
            "ADDCMD load.off"
        ]
    );
    assert!(
        lines[n - 2 - cmds.len()..n - 2]
            .iter()
            .all(|l| l.starts_with("ADDCMD ")),
        "ADDCMD lines come last: {lines:?}"
    );
    // Variables in strcasecmp order, each followed by its own SETAUX/SETFLAGS.
    let names: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with("SETINFO "))
        .map(|l| l.split(' ').nth(1).unwrap_or("").to_string())
        .collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|a| a.to_ascii_lowercase());
    assert_eq!(names, sorted);
    let pos = |l: &str| {
        lines
            .iter()
            .position(|x| x == l)
            .unwrap_or_else(|| panic!("missing {l:?} in {lines:?}"))
    };
    let id = pos(r#"SETINFO ups.id "Shelf \"A\" \#3""#);
    assert_eq!(lines[id + 1], "SETAUX ups.id 16");
    assert_eq!(lines[id + 2], "SETFLAGS ups.id RW STRING");
    let charge = pos(r#"SETINFO battery.charge "90""#);
    assert_eq!(lines[charge + 1], "SETFLAGS battery.charge RW");
    let zeta = pos(r#"SETINFO UPS.Zeta "z""#);
    assert_eq!(lines[zeta + 1], "SETAUX UPS.Zeta 32");
    assert!(
        pos(r#"SETINFO ups.status "OL CHRG""#) < zeta,
        "ups.status sorts before UPS.Zeta"
    );
    assert!(zeta < pos(r#"SETINFO ups_x "1""#), "'.' sorts before '_'");
    assert_eq!(
        lines[pos(r#"SETINFO driver.flag.allow_killpower "0""#) + 1],
        "SETFLAGS driver.flag.allow_killpower RW NUMBER"
    );
    // DUMPVALUE / DUMPSTATUS use the same framing.
    r.send("DUMPSTATUS\n");
    assert_eq!(
        r.lines_until("DUMPDONE", T),
        [
            r#"SETINFO ups.status "OL CHRG""#,
            "SETAUX ups.status 32",
            "SETFLAGS ups.status RW STRING",
            "DATAOK",
            "DUMPDONE"
        ]
    );
    r.send("DUMPVALUE no.such.var\n");
    assert_eq!(r.lines_until("DUMPDONE", T), ["DATAOK", "DUMPDONE"]);
}

#[test]
fn changes_are_broadcast_to_every_reader_and_set_instcmd_are_tracked() {
    let tree = tree_with("battery.charge: 90\nups.status: OL\n");
    let drv = tree.start_dummy("t", &[]);
    let mut a = RawReader::connect(&tree.socket("t"));
    let mut b = RawReader::connect(&tree.socket("t"));
    let mut quiet = RawReader::connect(&tree.socket("t"));
    let mut ctl = RawReader::connect(&tree.socket("t"));
    a.dump_all();
    b.dump_all();
    quiet.send("NOBROADCAST\n");
    quiet.dump_all();

    ctl.send("SET battery.charge \"55\" TRACKING id-1\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING id-1 0")
    );
    for r in [&mut a, &mut b] {
        assert_eq!(
            r.wait_line(T, |l| l.contains("battery.charge")).as_deref(),
            Some(r#"SETINFO battery.charge "55""#)
        );
    }
    // Setting the same value again (case aside) broadcasts nothing: the next line is PONG.
    ctl.send("SET ups.status ol TRACKING id-2\nPING\n");
    assert_eq!(ctl.line(T).as_deref(), Some("TRACKING id-2 0"));
    assert_eq!(ctl.line(T).as_deref(), Some("PONG"));
    a.send("PING\n");
    assert_eq!(a.line(T).as_deref(), Some("PONG"));
    // NOBROADCAST reader saw nothing, until BROADCAST 1.
    quiet.send("PING\n");
    assert_eq!(quiet.line(T).as_deref(), Some("PONG"));
    quiet.send("BROADCAST 1\n");
    quiet.send("PING\n");
    assert_eq!(quiet.line(T).as_deref(), Some("PONG"));

    // ups.status goes through the status helpers; every reader sees it.
    ctl.send("SET ups.status \"OB LB\"\n");
    for r in [&mut a, &mut b, &mut quiet] {
        assert_eq!(
            r.wait_line(T, |l| l.contains("ups.status")).as_deref(),
            Some(r#"SETINFO ups.status "OB LB""#)
        );
    }

    // INSTCMD results: dummy-ups answers UNKNOWN; killpower is refused unless allowed.
    ctl.send("INSTCMD load.off TRACKING c-1\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING c-1 1")
    );
    ctl.send("INSTCMD load.off \"10\" TRACKING c-2\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING c-2 1")
    );
    ctl.send("INSTCMD driver.killpower TRACKING c-3\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING c-3 2")
    );
    ctl.send("SET driver.flag.allow_killpower \"7\" TRACKING c-4\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING c-4 2")
    );
    ctl.send("SET driver.name \"x\" TRACKING c-5\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING c-5 1")
    );
    ctl.send("SET driver.flag.allow_killpower \"1\" TRACKING c-6\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING c-6 0")
    );
    assert_eq!(
        a.wait_line(T, |l| l.contains("allow_killpower")).as_deref(),
        Some(r#"SETINFO driver.flag.allow_killpower "1""#)
    );
    ctl.send("INSTCMD driver.reload TRACKING c-7\n");
    assert_eq!(
        ctl.wait_line(T, |l| l.starts_with("TRACKING")).as_deref(),
        Some("TRACKING c-7 0")
    );
    // Untracked commands and malformed lines get no answer.
    ctl.send("INSTCMD load.off\nSET a b c\nINSTCMD a b c\nPING\n");
    assert_eq!(ctl.line(T).as_deref(), Some("PONG"));
    // The value persists (dummy-once) and the new reader sees it.
    let mut late = RawReader::connect(&tree.socket("t"));
    let dump = late.dump_all();
    assert_eq!(dump_value(&dump, "battery.charge").as_deref(), Some("55"));
    // GETPID and LOGOUT.
    late.send("GETPID\n");
    assert_eq!(late.line(T), Some(format!("PID {}", drv.pid())));
    late.send("LOGOUT\n");
    assert_eq!(late.line(T).as_deref(), Some("OK Goodbye"));
    assert!(late.closed_within(T), "LOGOUT closes the connection");
}

#[test]
fn garbage_and_huge_lines_drop_only_that_reader() {
    let tree = tree_with("battery.charge: 90\n");
    let _drv = tree.start_dummy("t", &[]);
    let mut good = RawReader::connect(&tree.socket("t"));
    good.dump_all();

    let mut huge = RawReader::connect(&tree.socket("t"));
    let big = "A".repeat(100 * 1024);
    // The driver may close while we still write: ignore the write error.
    let _ = std::io::Write::write_all(&mut huge.stream, big.as_bytes());
    assert!(huge.closed_within(T), "a 100 KB line drops the reader");

    let mut garbage = RawReader::connect(&tree.socket("t"));
    for _ in 0..20 {
        let _ = std::io::Write::write_all(
            &mut garbage.stream,
            b"\x01\x02 FOO bar \"baz\nHELLO\n\xff\xfe\n",
        );
    }
    assert!(
        garbage.closed_within(T),
        "a reader sending garbage is dropped"
    );

    let mut setter = RawReader::connect(&tree.socket("t"));
    setter.send("SET battery.charge \"12\" TRACKING g\n");
    assert_eq!(
        setter
            .wait_line(T, |l| l.starts_with("TRACKING"))
            .as_deref(),
        Some("TRACKING g 0")
    );
    assert_eq!(
        good.wait_line(T, |l| l.contains("battery.charge"))
            .as_deref(),
        Some(r#"SETINFO battery.charge "12""#)
    );
    good.send("PING\n");
    assert_eq!(good.line(T).as_deref(), Some("PONG"));
}

#[test]
fn readers_vanishing_mid_broadcast_never_crash_the_driver() {
    let tree = tree_with("battery.charge: 90\n");
    let mut drv = tree.start_dummy("t", &[]);
    let mut setter = RawReader::connect(&tree.socket("t"));
    for round in 0..30 {
        // Readers that ask for a dump and hang up without reading it.
        let mut gone: Vec<RawReader> = (0..5)
            .map(|_| RawReader::connect(&tree.socket("t")))
            .collect();
        for g in &mut gone {
            g.send("DUMPALL\n");
        }
        setter.send(&format!("SET battery.charge \"{round}\"\n"));
        drop(gone);
    }
    setter.send("PING\n");
    assert_eq!(
        setter.wait_line(T, |l| l == "PONG").as_deref(),
        Some("PONG")
    );
    assert!(drv.try_wait().is_none(), "driver still running");
    let dump = RawReader::connect(&tree.socket("t")).dump_all();
    assert_eq!(dump_value(&dump, "battery.charge").as_deref(), Some("29"));
}

/// A reader that asks for dump after dump and never reads is dropped once its queue holds
/// a megabyte: its connection is closed (it reads to EOF instead of hanging), and other
/// readers are served all along.
#[test]
fn a_reader_that_never_reads_is_cut_off() {
    use std::io::{Read, Write};
    let notes: String = (0..10)
        .map(|i| format!("ups.note{i}: {}\n", "x".repeat(200)))
        .collect();
    let tree = tree_with(&format!("ups.status: OL\n{notes}"));
    let _drv = tree.start_dummy("t", &[]);
    let mut stuck = std::os::unix::net::UnixStream::connect(tree.socket("t")).expect("connect");
    // ~2 KB per dump: 2,000 dumps are several times the budget, and fit the socket buffers
    // only in part, so the driver must queue (or drop) the rest.
    let flood = "DUMPALL\n".repeat(2000);
    stuck.write_all(flood.as_bytes()).expect("flood");
    // Others are served meanwhile.
    let mut other = RawReader::connect(&tree.socket("t"));
    assert_eq!(
        dump_value(&other.dump_all(), "ups.status").as_deref(),
        Some("OL")
    );
    // The stuck reader now reads: what was sent before the cut, then EOF (or a reset).
    stuck.set_read_timeout(Some(T)).expect("timeout");
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match stuck.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            // Closed with its requests still unread: the kernel resets the connection.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!(
                "the stuck reader was not cut off: {e} after {} bytes",
                got.len()
            ),
        }
    }
    let dumps = got.windows(8).filter(|w| w == b"DUMPDONE").count();
    assert!(dumps < 2000, "every dump was delivered: {dumps}");
    assert_eq!(
        dump_value(&other.dump_all(), "ups.status").as_deref(),
        Some("OL")
    );
}

/// A reader that hangs up is dropped: its descriptor is closed. C NUT 2.8.0's drivers keep
/// it and spin on its end-of-file (half a CPU for the rest of their life, measured with
/// Debian's dummy-ups), which is why the tests wait for driver sockets without connecting.
#[test]
fn readers_that_hang_up_are_closed() {
    let tree = tree_with("ups.status: OL\n");
    let drv = tree.start_dummy("t", &[]);
    let sockets = || {
        std::fs::read_dir(format!("/proc/{}/fd", drv.pid()))
            .expect("fd list")
            .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    };
    let mut first = RawReader::connect(&tree.socket("t"));
    first.send("PING\n");
    assert!(first.wait_line(T, |l| l == "PONG").is_some());
    let with_one = sockets();
    let extra: Vec<RawReader> = (0..3)
        .map(|_| {
            let mut r = RawReader::connect(&tree.socket("t"));
            r.send("PING\n");
            assert!(r.wait_line(T, |l| l == "PONG").is_some());
            r
        })
        .collect();
    assert_eq!(sockets(), with_one + 3, "three more readers connected");
    drop(extra);
    assert!(
        rnut_tests::wait_until(T, || sockets() == with_one),
        "the hung-up readers' sockets are still open: {} against {with_one}",
        sockets()
    );
    first.send("PING\n");
    assert!(first.wait_line(T, |l| l == "PONG").is_some());
}
