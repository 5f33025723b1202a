//! Our client tools next to Debian's C NUT 2.8: upsc output byte-identical to C's `/bin/upsc`
//! for the same UPS (served by our upsd, and by C's upsd), and our tools against C's upsd.

use rnut_tests::monitor::*;

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
        vec!["-c".into(), sys.clone()],
        vec!["-c".into(), format!("nosuch@{host}")],
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
    assert!(stderr(&o).contains("ERR ACCESS-DENIED"), "{}", stderr(&o));
    // Refused requests are worded as C's tools word them, with the same exit code (with
    // passwords without spaces: C's tools cannot send those, see docs/DIFFERENCES.md).
    for (tool, args) in [
        (
            "upsrw",
            vec!["-s", "ups.id=x", "-u", "monp", "-p", "wrong", &sys],
        ),
        (
            "upscmd",
            vec!["-u", "monp", "-p", "wrong", &sys, "load.off"],
        ),
        (
            "upscmd",
            vec!["-u", "monp", "-p", "wrong", &sys, "no.such.cmd"],
        ),
    ] {
        let ours = run_tool(tool, &args);
        let theirs = std::process::Command::new(format!("/bin/{tool}"))
            .args(&args)
            .output()
            .expect("C tool");
        assert_eq!(
            (stderr(&ours), ours.status.code()),
            (
                String::from_utf8_lossy(&theirs.stderr).into_owned(),
                theirs.status.code()
            ),
            "{tool} {args:?}"
        );
    }
    // A refused connection: the system's words, without Rust's "(os error N)".
    let o = run_tool("upsc", &["x@127.0.0.1:1"]);
    let theirs = std::process::Command::new("/bin/upsc")
        .arg("x@127.0.0.1:1")
        .output()
        .expect("upsc");
    assert_eq!(stderr(&o), String::from_utf8_lossy(&theirs.stderr));
}

/// An NSS database made by NSS `certutil` (a CA and a server certificate signed by it) in
/// `dir/db`, with the CA exported to `dir/ca.pem`. `None` when certutil is absent.
fn nss_database(dir: &std::path::Path) -> Option<()> {
    if !rnut_tests::require_tool("certutil") {
        return None;
    }
    use std::io::Write;
    use std::process::{Command, Stdio};
    let db = dir.join("db");
    std::fs::create_dir_all(&db).expect("mkdir");
    let noise = dir.join("noise");
    std::fs::write(
        &noise,
        (0..2048)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .expect("noise");
    let certutil = |args: &[&str], input: &str| {
        let mut child = Command::new("certutil")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("certutil");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("answers");
        let out = child.wait_with_output().expect("certutil");
        assert!(
            out.status.success(),
            "certutil {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let d = db.to_str().expect("path");
    let z = noise.to_str().expect("path");
    certutil(&["-N", "-d", d, "--empty-password"], "");
    certutil(
        &[
            "-S",
            "-x",
            "-d",
            d,
            "-n",
            "rnut CA",
            "-s",
            "CN=rnut CA,O=rnut",
            "-t",
            "CT,C,C",
            "-z",
            z,
            "-2",
            "-v",
            "12",
        ],
        "y\n-1\nn\n",
    );
    certutil(
        &[
            "-S",
            "-d",
            d,
            "-n",
            "My nut server",
            "-s",
            "CN=My nut server,O=rnut",
            "-c",
            "rnut CA",
            "-t",
            ",,",
            "-z",
            z,
            "-v",
            "12",
            "-m",
            "2",
            "--extSAN",
            "dns:localhost,ip:127.0.0.1",
            "--extKeyUsage",
            "serverAuth",
        ],
        "",
    );
    let pem = Command::new("certutil")
        .args(["-L", "-d", d, "-n", "rnut CA", "-a"])
        .output()
        .expect("export");
    assert!(pem.status.success());
    std::fs::write(dir.join("ca.pem"), &pem.stdout).expect("ca.pem");
    Some(())
}

#[test]
fn our_upsc_and_upsmon_over_starttls_with_c_upsd_and_an_nss_database() {
    if !have_c_tools() {
        return;
    }
    let mut stack = Stack::new(SEQ, "");
    let tls = stack.path().join("nss");
    if nss_database(&tls).is_none() {
        return;
    }
    rnut_tests::write_file(
        &stack.path().join("conf/upsd.conf"),
        &format!(
            "LISTEN 127.0.0.1 {}\nCERTPATH {}\nCERTIDENT \"My nut server\" \"\"\n",
            stack.port,
            tls.join("db").display()
        ),
        0o640,
    );
    stack.for_c_nut();
    stack.start();
    let sys = stack.system();
    let ca = tls.join("ca.pem");
    let ca = ca.to_str().unwrap();
    let hostport = format!("127.0.0.1:{}", stack.port);
    let o = run_tool_env(
        "upsc",
        &[
            "--certpath",
            ca,
            "--certhost",
            &hostport,
            "My nut server",
            "1",
            "1",
            &sys,
            "ups.status",
        ],
        &[("RUST_LOG", "info")],
    );
    assert_eq!(stdout(&o), "OL CHRG\n", "{}", stderr(&o));
    assert!(stderr(&o).contains("in SSL"), "{}", stderr(&o));
    // The whole listing is the same as C's upsc gives (C's goes through NSS too).
    let ours = run_tool("upsc", &["--certpath", ca, "--certverify", &sys]);
    let theirs = std::process::Command::new("/bin/upsc")
        .arg(&sys)
        .output()
        .expect("upsc");
    assert_eq!(stdout(&ours), String::from_utf8_lossy(&theirs.stdout));
    // A wrong certificate name is refused.
    let o = run_tool(
        "upsc",
        &[
            "--certpath",
            ca,
            "--certhost",
            &hostport,
            "other.example",
            "1",
            "1",
            &sys,
        ],
    );
    assert_eq!(o.status.code(), Some(1));

    let d = NutTree::for_upsmon();
    d.write_conf(
        &format!("MONITOR {sys} 0 monp \"P@ss W0rd\" secondary\n"),
        &format!("MINSUPPLIES 0\nCERTPATH {ca}\nCERTHOST {hostport} \"My nut server\" 1 1\n"),
    );
    let mut mon = start_upsmon(&d, &["-p"]);
    assert!(
        mon.wait_log("[SSL]", std::time::Duration::from_secs(20)),
        "{}",
        mon.text()
    );
    mon.child.stop(std::time::Duration::from_secs(5));
}
