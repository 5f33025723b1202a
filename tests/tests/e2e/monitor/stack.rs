//! Our upsmon against our upsd and dummy-ups, with real processes: the OL -> OB -> OB LB
//! shutdown, primary and secondary, communication loss, and DEADTIME.

use std::time::{Duration, Instant};

use rnut_tests::monitor::*;
use rnut_tests::wait_until;

const OL_OB_LB: &str = "ups.status: OL\nbattery.charge: 100\nTIMER 6\nups.status: OB DISCHRG\nbattery.charge: 50\nTIMER 4\nups.status: OB LB\nbattery.charge: 10\nTIMER 1000\n";

#[test]
fn ol_ob_lb_notifies_in_order_runs_shutdowncmd_once_and_writes_powerdownflag() {
    let mut stack = Stack::new(OL_OB_LB, "");
    stack.start();
    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), "");
    // Default split mode: the root parent runs SHUTDOWNCMD when the child asks.
    let mut mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        wait_until(Duration::from_secs(40), || d.shutdown_count() > 0),
        "shutdown command ran; events {:?}",
        d.events()
    );
    assert!(
        mon.child.wait_exit(Duration::from_secs(10)).is_some(),
        "upsmon exits after the shutdown"
    );
    assert_eq!(d.events(), ["ONBATT", "LOWBATT", "FSD", "SHUTDOWN"]);
    assert_eq!(d.shutdown_count(), 1, "SHUTDOWNCMD runs once");
    assert_eq!(
        std::fs::read(d.powerdown_flag()).expect("POWERDOWNFLAG"),
        b"upsmon-shutdown-file"
    );
    assert!(
        stack.status().starts_with("FSD "),
        "the primary set FSD: {}",
        stack.status()
    );
    // upsmon -K sees the flag.
    let k = run_tool("upsmon", &["-K", "-f", d.conf_file().to_str().unwrap()]);
    assert_eq!(k.status.code(), Some(0), "{}", stderr(&k));
    std::fs::remove_file(d.powerdown_flag()).unwrap();
    let k = run_tool("upsmon", &["-K", "-f", d.conf_file().to_str().unwrap()]);
    assert_eq!(k.status.code(), Some(1));
}

#[test]
fn secondary_shuts_down_before_the_primary() {
    // The power event is driven by hand once both monitors are logged in: if the secondary
    // logged in after the primary saw OB LB, the primary would rightly have nobody to wait for.
    let mut stack = Stack::new("ups.status: OL\nbattery.charge: 100\nTIMER 1000\n", "");
    stack.start();
    let primary = NutTree::for_upsmon();
    primary.write_conf(&stack.primary_monitor(), "HOSTSYNC 10\n");
    let secondary = NutTree::for_upsmon();
    secondary.write_conf(
        &format!("MONITOR {} 1 mons secpass secondary\n", stack.system()),
        "HOSTSYNC 10\n",
    );
    let mut p = start_upsmon(&primary, &["-u", "root"]);
    let mut s = start_upsmon(&secondary, &["-p"]);
    for (name, m) in [("primary", &p), ("secondary", &s)] {
        assert!(
            m.wait_log("Logged into UPS", Duration::from_secs(20)),
            "{name} logs in:\n{}",
            m.text()
        );
    }
    stack.set_status("OB DISCHRG");
    assert!(
        wait_until(Duration::from_secs(15), || secondary
            .events()
            .contains(&"ONBATT".to_string())),
        "the secondary sees the UPS on battery: {:?}",
        secondary.events()
    );
    stack.set_status("OB LB");
    let done = wait_until(Duration::from_secs(45), || {
        primary.shutdown_count() > 0 && secondary.shutdown_count() > 0
    });
    assert!(
        done,
        "both shut down: primary {:?} secondary {:?}",
        primary.events(),
        secondary.events()
    );
    // Each SHUTDOWNCMD wrote when it ran: the primary waited for the secondary.
    let (pt, st) = (primary.shutdown_time(), secondary.shutdown_time());
    assert!(
        matches!((pt, st), (Some(p), Some(s)) if s <= p),
        "the secondary shuts down first: primary at {pt:?}, secondary at {st:?}"
    );
    // LOWBATT and FSD come in either order: if the primary set FSD before the secondary's
    // next poll, that poll reads `FSD OB LB` and, as C upsmon does, reports the words in order.
    let se = secondary.events();
    assert!(
        se == ["ONBATT", "LOWBATT", "FSD", "SHUTDOWN"]
            || se == ["ONBATT", "FSD", "LOWBATT", "SHUTDOWN"],
        "secondary events: {se:?}"
    );
    let pe = primary.events();
    assert_eq!(pe.first().map(String::as_str), Some("ONBATT"));
    assert_eq!(pe.last().map(String::as_str), Some("SHUTDOWN"));
    assert!(pe.contains(&"FSD".to_string()));
    assert!(p.child.wait_exit(Duration::from_secs(10)).is_some());
    assert!(s.child.wait_exit(Duration::from_secs(10)).is_some());
    assert!(
        !p.text().contains("Host sync timer expired"),
        "the primary did not need the timeout:\n{}",
        p.text()
    );
}

#[test]
fn upsd_restart_gives_commbad_then_commok() {
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    stack.start();
    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), "");
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(
        mon.wait_log("Logged into UPS", Duration::from_secs(15)),
        "{}",
        mon.text()
    );
    stack.stop_upsd();
    assert!(
        wait_until(Duration::from_secs(15), || d
            .events()
            .contains(&"COMMBAD".to_string())),
        "{:?}",
        d.events()
    );
    stack.start_upsd();
    assert!(
        wait_until(Duration::from_secs(20), || d
            .events()
            .contains(&"COMMOK".to_string())),
        "{:?}",
        d.events()
    );
    assert_eq!(d.events(), ["COMMBAD", "COMMOK"]);
    assert_eq!(
        d.shutdown_count(),
        0,
        "a UPS last seen on line is not critical"
    );
    assert!(mon.child.try_wait().is_none(), "upsmon keeps running");
    mon.child.stop(Duration::from_secs(5));
}

#[test]
fn ups_on_battery_going_silent_shuts_down_after_deadtime() {
    let mut stack = Stack::new("ups.status: OB DISCHRG\nTIMER 1000\n", "");
    stack.start();
    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), "");
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(wait_until(Duration::from_secs(15), || d
        .events()
        .contains(&"ONBATT".to_string())));
    stack.stop_upsd();
    let silent = Instant::now();
    assert!(wait_until(Duration::from_secs(10), || d
        .events()
        .contains(&"COMMBAD".to_string())));
    assert!(
        wait_until(Duration::from_secs(20), || d.shutdown_count() > 0),
        "{:?}",
        d.events()
    );
    assert!(
        silent.elapsed() >= Duration::from_secs(3),
        "not before DEADTIME (3 s)"
    );
    assert_eq!(d.events(), ["ONBATT", "COMMBAD", "SHUTDOWN"]);
    assert!(mon.child.wait_exit(Duration::from_secs(10)).is_some());
}

#[test]
fn upsmon_c_stop_exits_and_c_fsd_forces_a_shutdown() {
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    stack.start();

    // -c stop: a clean exit, no shutdown. (Before -c fsd: upsd's FSD latch is permanent.)
    let d2 = NutTree::for_upsmon();
    d2.write_conf(&stack.primary_monitor(), "");
    let mut mon2 = start_upsmon(&d2, &["-u", "root"]);
    assert!(
        mon2.wait_log("Logged into UPS", Duration::from_secs(15)),
        "{}",
        mon2.text()
    );
    let o = d2.upsmon_command("stop");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        mon2.child.wait_exit(Duration::from_secs(10)).is_some(),
        "stopped"
    );
    assert_eq!(d2.shutdown_count(), 0);
    assert!(d2.events().is_empty(), "{:?}", d2.events());

    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), "");
    let conf = d.conf_file();
    let run = d.run();
    let conf_dir = d.conf();
    // NUT_CONFPATH too: the host's /etc/nut/nut.conf (Debian's says MODE=none) must not
    // decide for the test.
    let env = [
        ("NUT_ALTPIDPATH", run.to_str().unwrap()),
        ("NUT_CONFPATH", conf_dir.to_str().unwrap()),
    ];
    let mut mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        mon.wait_log("Logged into UPS", Duration::from_secs(15)),
        "{}",
        mon.text()
    );
    // A second instance refuses to start.
    let second = run_tool_env("upsmon", &["-F", "-f", conf.to_str().unwrap()], &env);
    assert_eq!(second.status.code(), Some(1));
    assert!(
        stderr(&second).contains("A previous upsmon instance is already running!"),
        "{}",
        stderr(&second)
    );
    let o = d.upsmon_command("fsd");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        wait_until(Duration::from_secs(15), || d.shutdown_count() > 0),
        "{:?}",
        d.events()
    );
    assert_eq!(d.events(), ["FSD", "SHUTDOWN"]);
    assert!(mon.child.wait_exit(Duration::from_secs(10)).is_some());
}

#[test]
fn reload_adds_a_ups_and_a_dead_parent_gives_noparent() {
    let mut stack = Stack::new("ups.status: OL\nTIMER 1000\n", "");
    stack.start();
    let d = NutTree::for_upsmon();
    let first = stack.primary_monitor();
    d.write_conf(&first, "");
    let mut mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        mon.wait_log("Logged into UPS", Duration::from_secs(15)),
        "{}",
        mon.text()
    );

    // Reload with a second, unknown UPS: it is polled and reported gone.
    let second = format!(
        "MONITOR nosuch@127.0.0.1:{} 0 monp \"P@ss W0rd\" secondary\n",
        stack.port
    );
    d.write_conf(&format!("{first}{second}"), "");
    let o = d.upsmon_command("reload");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        mon.wait_log("does not exist on server", Duration::from_secs(10)),
        "{}",
        mon.text()
    );
    assert!(
        wait_until(Duration::from_secs(5), || d.events() == ["COMMBAD"]),
        "{:?}",
        d.events()
    );
    let lines = std::fs::read_to_string(d.events_file()).unwrap();
    assert!(
        lines.contains("COMMBAD nosuch@127.0.0.1"),
        "UPSNAME is the system name: {lines}"
    );

    // Kill the privileged parent: the child notices and notifies NOPARENT.
    let child_pid = std::fs::read_to_string(d.run().join("upsmon.pid"))
        .unwrap()
        .trim()
        .parse::<i32>()
        .unwrap();
    mon.child.signal(nix::sys::signal::Signal::SIGKILL);
    assert!(mon.child.wait_exit(Duration::from_secs(5)).is_some());
    assert!(
        wait_until(Duration::from_secs(10), || d
            .events()
            .contains(&"NOPARENT".to_string())),
        "{:?}",
        d.events()
    );
    let pid = nix::unistd::Pid::from_raw(child_pid);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    assert!(
        wait_until(Duration::from_secs(10), || nix::sys::signal::kill(
            pid, None
        )
        .is_err()),
        "the orphaned child exits on SIGTERM"
    );
    assert_eq!(d.shutdown_count(), 0);
}

#[test]
fn in_the_background_upsmon_logs_to_syslog_once_per_notification() {
    let mut stack = Stack::new(
        "ups.status: OL\nTIMER 4\nups.status: OB DISCHRG\nTIMER 1000\n",
        "",
    );
    stack.start();
    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), "");
    let mut log = rnut_tests::SyslogSink::new();
    // Without -F: upsmon goes to the background.
    let mon = start_upsmon_in_background(&d, &["-u", "root"], &[], &log);
    // The ONBATT notification: severity notice (daemon facility: <29>), exactly once.
    let onbatt = log
        .wait_line(Duration::from_secs(20), |l| l.contains("on battery"))
        .expect("ONBATT reaches syslog");
    assert!(onbatt.starts_with("<29>upsmon["), "{onbatt}");
    assert!(
        wait_until(Duration::from_secs(5), || d
            .events()
            .contains(&"ONBATT".to_string())),
        "NOTIFYCMD ran too"
    );
    // Its ordinary log lines go to syslog as well (info: <30>).
    assert!(
        log.lines().iter().any(|l| l.starts_with("<30>upsmon[")),
        "{:?}",
        log.lines()
    );
    assert!(mon.stop(Duration::from_secs(10)), "upsmon stops on SIGTERM");
    let copies = log
        .lines()
        .iter()
        .filter(|l| l.contains("on battery"))
        .count();
    assert_eq!(copies, 1, "{:?}", log.lines());
    assert!(
        !log.lines().iter().any(|l| l.contains("P@ss W0rd")),
        "the MONITOR password reached syslog"
    );
}

/// nut.conf's MODE decides whether upsmon starts, as Debian's `/sbin/upsmon` wrapper does:
/// none is refused with one line naming the file; netclient runs and logs in.
#[test]
fn nut_conf_mode_decides_whether_upsmon_runs() {
    let mut stack = Stack::new("ups.status: OL\nbattery.charge: 100\n", "");
    stack.start();
    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), "");
    let nut_conf = d.conf().join("nut.conf");
    rnut_tests::write_file(&nut_conf, "MODE=none\n", 0o644);
    let mut mon = start_upsmon(&d, &["-u", "root"]);
    let status = mon.child.wait_exit(Duration::from_secs(10));
    let expected = format!("upsmon is disabled by MODE=none in {}", nut_conf.display());
    assert!(
        mon.wait_log(&expected, Duration::from_secs(5)),
        "{}",
        mon.text()
    );
    assert_eq!(status.and_then(|s| s.code()), Some(1));
    rnut_tests::write_file(&nut_conf, "MODE=netclient\n", 0o644);
    let mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        mon.wait_log("Logged into UPS", Duration::from_secs(15)),
        "{}",
        mon.text()
    );
}
