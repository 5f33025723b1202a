//! upsmon interop with Debian's C NUT 2.8: our upsmon against C's upsd, and C's upsmon
//! against our upsd.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rnut_tests::monitor::*;
use rnut_tests::wait_until;

const OL_OB_LB: &str =
    "ups.status: OL\nTIMER 6\nups.status: OB DISCHRG\nTIMER 4\nups.status: OB LB\nTIMER 1000\n";

#[test]
fn our_upsmon_shuts_down_through_c_upsd() {
    if !rnut_tests::require_tool("/lib/nut/upsd") || !rnut_tests::require_tool("/lib/nut/dummy-ups")
    {
        return;
    }
    let _machine = rnut_tests::system_lock();
    let mut stack = Stack::new(OL_OB_LB, "");
    stack.for_c_nut();
    stack.start();
    let d = NutTree::for_upsmon();
    d.write_conf(&stack.primary_monitor(), "");
    let mut mon = start_upsmon(&d, &["-u", "root"]);
    assert!(
        wait_until(Duration::from_secs(40), || d.shutdown_count() > 0),
        "{:?}",
        d.events()
    );
    assert!(mon.child.wait_exit(Duration::from_secs(10)).is_some());
    assert_eq!(d.events(), ["ONBATT", "LOWBATT", "FSD", "SHUTDOWN"]);
    assert_eq!(
        std::fs::read(d.powerdown_flag()).expect("flag"),
        b"upsmon-shutdown-file"
    );
    assert!(stack.status().starts_with("FSD"), "C upsd latched our FSD");
}

#[test]
fn c_upsmon_shuts_down_through_our_upsd() {
    if !rnut_tests::require_tool("/lib/nut/upsmon") || !rnut_tests::require_root("C upsmon's test")
    {
        return;
    }
    let mut stack = Stack::new(OL_OB_LB, "");
    stack.start();
    let d = NutTree::for_upsmon();
    d.write_conf(
        // C upsmon sends the password unquoted: one with a space fails against any upsd.
        &format!("MONITOR {} 1 monc cpass primary\n", stack.system()),
        "",
    );
    // C upsmon runs its notify commands as `nut`; it reads upsmon.conf from NUT_CONFPATH.
    let conf = std::fs::read_to_string(d.conf_file())
        .unwrap()
        .replace("RUN_AS_USER root", "RUN_AS_USER nut");
    rnut_tests::write_file(&d.conf_file(), &conf, 0o640);
    let _ = Command::new("chown")
        .arg("-R")
        .arg("nut:nut")
        .arg(d.path())
        .status();
    let mut cmd = d.command(Path::new("/lib/nut/upsmon"));
    // -p: one process, so stopping it leaves no orphaned monitoring child behind.
    cmd.args(["-D", "-F", "-p"]).env("NUT_PIDPATH", d.run());
    let mut mon = Logged::spawn("c-upsmon", &mut cmd);
    assert!(
        wait_until(Duration::from_secs(45), || d.shutdown_count() > 0),
        "{:?}\n{}",
        d.events(),
        mon.text()
    );
    // C upsmon forks one process per notification, so their order is not guaranteed (the
    // SHUTDOWN notification may land after SHUTDOWNCMD ran), and 2.8.0 does not notify FSD for
    // the FSD it sets itself.
    wait_until(Duration::from_secs(10), || {
        let ev = d.events();
        ["LOWBATT", "ONBATT", "SHUTDOWN"]
            .iter()
            .all(|e| ev.iter().any(|x| x == e))
    });
    let mut events = d.events();
    events.sort();
    events.dedup();
    for e in ["LOWBATT", "ONBATT", "SHUTDOWN"] {
        assert!(events.contains(&e.to_string()), "{e} in {events:?}");
    }
    assert!(
        stack.status().starts_with("FSD"),
        "C upsmon set FSD on our upsd"
    );
    let pid = mon.child.pid();
    mon.child.stop(Duration::from_secs(5));
    // Debian's upsmon writes its PID file to /run/nut whatever the environment says.
    let pidfile = std::path::Path::new("/run/nut/upsmon.pid");
    if std::fs::read_to_string(pidfile).is_ok_and(|p| p.trim() == pid.to_string()) {
        let _ = std::fs::remove_file(pidfile);
    }
}
