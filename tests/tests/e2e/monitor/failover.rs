//! upsmon failover across two upsd (issue 17 item 4; docs/PROTOCOL-EXTENSIONS.md
//! "Failover"), over real processes: two of our upsd, each with its own dummy-ups reading the
//! same `.dev` file (two hosts fed by one UPS). Killing the upsd in use moves upsmon to the
//! other without COMMBAD or shutdown; killing both is COMMBAD and the usual lost-UPS handling.
//! Debian's C upsmon refuses the failover line loudly.

use std::path::Path;
use std::time::Duration;

use rnut_tests::monitor::*;
use rnut_tests::wait_until;

const DEV: &str = "ups.status: OL\nbattery.charge: 100\n";

/// Stack A serves `test.dev`; stack B's dummy-ups reads A's file.
fn two_stacks() -> (Stack, Stack) {
    let mut a = Stack::new(DEV, "");
    let conf_a = a.path().join("conf");
    std::fs::rename(conf_a.join("test.seq"), conf_a.join("test.dev")).expect("rename");
    let shared = conf_a.join("test.dev");
    let ups_conf = format!(
        "[dummy]\n\tdriver = dummy-ups\n\tport = {}\n\tdesc = \"Test UPS\"\n",
        shared.display()
    );
    rnut_tests::write_file(&conf_a.join("ups.conf"), &ups_conf, 0o640);
    let mut b = Stack::new(DEV, "");
    rnut_tests::write_file(&b.path().join("conf/ups.conf"), &ups_conf, 0o640);
    a.start();
    b.start();
    (a, b)
}

fn failover_line(a: &Stack, b: &Stack) -> String {
    format!(
        "MONITOR {},{} 1 \"monp:P@ss W0rd\" primary\n",
        a.system(),
        b.system()
    )
}

fn has(d: &NutTree, ev: &str) -> bool {
    d.events().iter().any(|e| e == ev)
}

/// A primary upsmon on the failover line of `a` and `b`, once it uses `a`.
fn monitor_both(a: &Stack, b: &Stack) -> (NutTree, Logged) {
    let d = NutTree::for_upsmon();
    d.write_conf(&failover_line(a, b), "");
    let mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        mon.wait_log(
            &format!("using server 127.0.0.1:{}", a.port),
            Duration::from_secs(20)
        ),
        "{}",
        mon.text()
    );
    (d, mon)
}

/// upsmon logs that it moved from `a` to `b`.
fn assert_failed_over(mon: &Logged, a: &Stack, b: &Stack) {
    assert!(
        mon.wait_log(
            &format!(
                "failed over from 127.0.0.1:{} to 127.0.0.1:{}",
                a.port, b.port
            ),
            Duration::from_secs(15)
        ),
        "{}",
        mon.text()
    );
}

#[test]
fn losing_one_upsd_fails_over_without_commbad_and_losing_both_is_commbad() {
    let (mut a, mut b) = two_stacks();
    let (d, mon) = monitor_both(&a, &b);
    a.stop_upsd();
    assert_failed_over(&mon, &a, &b);
    // Monitoring goes on through B: a power failure there is seen.
    b.set_status("OB");
    assert!(
        wait_until(Duration::from_secs(15), || has(&d, "ONBATT")),
        "{:?}",
        d.events()
    );
    b.set_status("OL");
    assert!(
        wait_until(Duration::from_secs(15), || has(&d, "ONLINE")),
        "{:?}",
        d.events()
    );
    // Past DEADTIME (3 s) and a few polls: still no COMMBAD, no shutdown. The check is that
    // nothing happens, so there is no event to wait for: upsmon would declare COMMBAD once
    // DEADTIME passed without a good poll, and polls every second (POLLFREQ 1), so 5 s after
    // ONLINE is DEADTIME plus two polls, past the moment a lost UPS would have been declared.
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        !has(&d, "COMMBAD") && !has(&d, "NOCOMM") && d.shutdown_count() == 0,
        "{:?}",
        d.events()
    );

    // Both gone: the UPS is lost, COMMBAD; it was on line power, so no shutdown.
    b.stop_upsd();
    assert!(
        wait_until(Duration::from_secs(15), || has(&d, "COMMBAD")),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    assert_eq!(d.shutdown_count(), 0, "{:?}", d.events());
    // Any server back: COMMOK.
    a.start_upsd();
    assert!(
        wait_until(Duration::from_secs(20), || has(&d, "COMMOK")),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    assert_eq!(d.shutdown_count(), 0, "{:?}", d.events());
}

#[test]
fn losing_both_while_on_battery_shuts_down_as_a_dead_ups() {
    let (mut a, mut b) = two_stacks();
    let d = NutTree::for_upsmon();
    d.write_conf(&failover_line(&a, &b), "");
    let mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        mon.wait_log("using server", Duration::from_secs(20)),
        "{}",
        mon.text()
    );
    // The one UPS goes on battery: both servers report it.
    a.set_status("OB");
    b.set_status("OB");
    assert!(
        wait_until(Duration::from_secs(15), || has(&d, "ONBATT")),
        "{:?}",
        d.events()
    );
    a.stop_upsd();
    b.stop_upsd();
    // Dead while on battery: after DEADTIME it is critical, the primary shuts down.
    assert!(
        wait_until(Duration::from_secs(30), || d.shutdown_count() > 0),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    assert!(has(&d, "COMMBAD"), "{:?}", d.events());
}

/// Debian's C upsmon given the failover line exits with a fatal error instead of monitoring
/// one server (or nothing) quietly.
#[test]
fn c_upsmon_refuses_the_failover_line() {
    if !rnut_tests::require_tool("/lib/nut/upsmon") || !rnut_tests::require_root("C upsmon's test")
    {
        return;
    }
    let _machine = rnut_tests::system_lock();
    let d = NutTree::for_upsmon();
    d.write_conf(
        &format!(
            "MONITOR dummy@127.0.0.1:{},dummy@127.0.0.1:{} 1 \"monc:cpass\" primary\n",
            rnut_tests::free_port(),
            rnut_tests::free_port()
        ),
        "",
    );
    let out = d
        .command(Path::new("/lib/nut/upsmon"))
        .args(["-F", "-u", "root"])
        .output()
        .expect("run C upsmon");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "C upsmon accepted it: {text}");
    assert!(
        text.contains("Fatal error: unusable configuration"),
        "{text}"
    );
}

/// A upsd that still answers but has lost its driver cannot report the UPS: upsmon moves to
/// the other server, again without COMMBAD.
#[test]
fn a_upsd_without_its_driver_counts_as_lost() {
    let (mut a, b) = two_stacks();
    let (d, mon) = monitor_both(&a, &b);
    a.stop_driver();
    assert_failed_over(&mon, &a, &b);
    // No COMMBAD and no shutdown after the failover: a check that nothing happens. 4 s is
    // DEADTIME (3 s) plus one poll (POLLFREQ 1), when upsmon would have declared the UPS
    // lost had it still counted server A.
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        !has(&d, "COMMBAD") && d.shutdown_count() == 0,
        "{:?}",
        d.events()
    );
}

/// A primary shutting down sets FSD on every server of the line, so that secondaries that
/// watch the UPS through the other upsd see it too.
#[test]
fn the_primary_sets_fsd_on_every_server_of_the_line() {
    let (a, b) = two_stacks();
    let d = NutTree::for_upsmon();
    d.write_conf(&failover_line(&a, &b), "");
    let mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        mon.wait_log("using server", Duration::from_secs(20)),
        "{}",
        mon.text()
    );
    a.set_status("OB LB");
    b.set_status("OB LB");
    assert!(
        wait_until(Duration::from_secs(30), || d.shutdown_count() > 0),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    assert!(a.status().starts_with("FSD"), "A: {}", a.status());
    assert!(b.status().starts_with("FSD"), "B: {}", b.status());
}
