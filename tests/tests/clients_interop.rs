//! Our client tools next to Debian's C NUT 2.8: upsc output byte-identical to C's `/bin/upsc`
//! for the same UPS (served by our upsd, and by C's upsd), and our tools against C's upsd.

mod monitor_support;

use monitor_support::*;

const SEQ: &str = "ups.status: OL CHRG\nbattery.charge: 87\nups.id: Shelf \"A\" rack #3\nups.mfr: Dummy Manufacturer\ninput.voltage: 230.1\nTIMER 1000\n";

fn have_c_tools() -> bool {
    rnut_tests::require_tool("/bin/upsc")
        && rnut_tests::require_tool("/lib/nut/upsd")
        && rnut_tests::require_tool("/lib/nut/dummy-ups")
}

fn compare_upsc(stack: &Stack) {
    let sys = stack.system();
    let host = format!("127.0.0.1:{}", stack.port);
    let cases: Vec<Vec<String>> = vec![
        vec![sys.clone()],
        vec![sys.clone(), "ups.status".into()],
        vec![sys.clone(), "ups.id".into()],
        vec!["-l".into(), host.clone()],
        vec!["-L".into(), host.clone()],
        vec![sys.clone(), "ups.bogus".into()],
        vec![format!("nosuch@{host}")],
    ];
    for args in cases {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let ours = run_tool("upsc", &a);
        let theirs = std::process::Command::new("/bin/upsc")
            .args(&a)
            .output()
            .expect("run /bin/upsc");
        assert_eq!(
            stdout(&ours),
            String::from_utf8_lossy(&theirs.stdout),
            "stdout of upsc {a:?}"
        );
        assert_eq!(
            ours.status.code(),
            theirs.status.code(),
            "exit status of upsc {a:?}"
        );
        // C prints NSS start-up lines first; the error line must be the same.
        let their_err = String::from_utf8_lossy(&theirs.stderr);
        if let Some(last) = their_err.lines().rev().find(|l| l.starts_with("Error:")) {
            assert_eq!(stderr(&ours).trim_end(), last, "stderr of upsc {a:?}");
        }
    }
}

#[test]
fn upsc_output_matches_c_upsc_against_our_upsd() {
    if !have_c_tools() {
        return;
    }
    let mut stack = Stack::new(SEQ, "");
    stack.start();
    compare_upsc(&stack);
}

#[test]
fn upsc_output_matches_c_upsc_against_c_upsd() {
    if !have_c_tools() {
        return;
    }
    let mut stack = Stack::new(SEQ, "");
    stack.for_c_nut();
    stack.start();
    assert!(stack.upsd.as_ref().is_some());
    compare_upsc(&stack);
}

#[test]
fn upscmd_and_upsrw_against_c_upsd() {
    if !have_c_tools() {
        return;
    }
    let mut stack = Stack::new(SEQ, "");
    stack.for_c_nut();
    stack.start();
    let sys = stack.system();
    let o = run_tool("upscmd", &["-l", &sys]);
    assert!(o.status.success(), "{}", stderr(&o));
    let theirs = std::process::Command::new("/bin/upscmd")
        .args(["-l", &sys])
        .output()
        .expect("upscmd");
    assert_eq!(stdout(&o), String::from_utf8_lossy(&theirs.stdout));
    let o = run_tool("upsrw", &[&sys]);
    let theirs = std::process::Command::new("/bin/upsrw")
        .arg(&sys)
        .output()
        .expect("upsrw");
    assert_eq!(stdout(&o), String::from_utf8_lossy(&theirs.stdout));
    // A password with a space: C's upsd accepts the quoted form our client sends.
    let o = run_tool(
        "upsrw",
        &["-s", "ups.id=x", "-u", "monp", "-p", "P@ss W0rd", &sys],
    );
    assert_eq!(o.status.code(), Some(1), "monp may not SET");
    assert!(stderr(&o).contains("Access denied"), "{}", stderr(&o));
}
