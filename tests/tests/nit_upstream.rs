//! Upstream NUT's integration suite (NIT: `tests/NIT/nit.sh` of NUT's source) against rnut's
//! binaries, through `scripts/nit-against-rnut`. NUT's source is never part of this
//! repository: the test uses `RNUT_NIT_SOURCE` (a NUT source directory or tarball) or what
//! `apt-get source nut` brings from the Debian mirror. Where neither is available (the
//! project's mirror refuses NUT's source files: see docs/NIT.md), the test records that it
//! did not run. Every NIT case must pass, except the ones nit.sh itself skips because they
//! need a program that neither rnut nor Debian's packages provide (listed below).

use std::process::Command;
use std::time::Duration;

use rnut_tests::{ChildGuard, bin_dir, free_port, workspace_root};

/// Cases nit.sh skips by itself, with why: each needs a program built from NUT's source
/// that neither rnut nor Debian's packages provide. (PyNUT's and UPS::Nut's own suites do
/// run: the script makes their files from NUT's `.in` templates as configure would.)
const SKIPPED_BY_DESIGN: [(&str, &str); 2] = [
    (
        "testcase_sandbox_cppnit",
        "NUT's C++ client library test program (tests/cppnit), built from NUT's source",
    ),
    (
        "testcase_sandbox_nutscanner",
        "nut-scanner, which rnut does not ship (nit.sh wants it in the build tree)",
    ),
];

/// How long the whole NIT may take (2.8.0's takes about 20 s, today's 30-70 s).
const NIT_DEADLINE: Duration = Duration::from_secs(600);

#[test]
#[ignore = "slow: runs upstream's NIT (20-70 s); scripts/test runs it"]
fn upstream_nit_passes_against_rnut() {
    let bins = bin_dir();
    let work = tempfile::tempdir().expect("tempdir");
    let log_path = work.path().join("nit.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut cmd = Command::new(workspace_root().join("scripts/nit-against-rnut"));
    if let Some(source) = std::env::var_os("RNUT_NIT_SOURCE") {
        cmd.arg(source);
    }
    cmd.env("RNUT_BIN_DIR", bins)
        .env("NUT_PORT", free_port().to_string())
        .stdout(log.try_clone().expect("log"))
        .stderr(log);
    let mut child = ChildGuard::spawn("nit-against-rnut", &mut cmd);
    let status = child.wait_exit(NIT_DEADLINE);
    let out = std::fs::read_to_string(&log_path).unwrap_or_default();
    let Some(status) = status else {
        panic!("the NIT did not finish within {NIT_DEADLINE:?}:\n{out}");
    };
    if status.code() == Some(77) {
        rnut_tests::not_available(&format!(
            "no NUT source (set RNUT_NIT_SOURCE to a NUT source tree or tarball): {}",
            out.trim().replace('\n', "; ")
        ));
        return;
    }
    let (passed, failed) = overall(&out).unwrap_or_else(|| panic!("no NIT summary:\n{out}"));
    assert!(status.success(), "the NIT failed ({status:?}):\n{out}");
    assert_eq!(failed, 0, "NIT cases failed:\n{out}");
    assert!(passed >= 10, "too few NIT cases passed ({passed}):\n{out}");
    for name in skipped_cases(&out) {
        assert!(
            SKIPPED_BY_DESIGN.iter().any(|(p, _)| name.starts_with(p)),
            "the NIT skipped {name}, which is not a known skip:\n{out}"
        );
    }
}

/// `PASSED=N FAILED=N` from nit.sh's `OVERALL:` line.
fn overall(log: &str) -> Option<(u32, u32)> {
    let line = log.lines().rev().find(|l| l.contains("OVERALL: PASSED="))?;
    let count = |key: &str| -> Option<u32> {
        let rest = line.split(key).nth(1)?;
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    Some((count("PASSED=")?, count("FAILED=")?))
}

/// The cases listed as `[S] name` in nit.sh's summary (newer NITs).
fn skipped_cases(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|l| l.split("[S] ").nth(1))
        .map(|name| name.trim().to_string())
        .collect()
}

/// The script's plumbing, checked where NUT's source is not at hand (CI): on a source tree
/// whose `tests/NIT/nit.sh` only reports what it sees, the programs nit.sh finds first are
/// rnut's, the port is passed through, and as root it runs as `nut`.
#[test]
fn the_script_puts_rnut_binaries_where_nit_looks() {
    let bins = bin_dir();
    let src = tempfile::tempdir().expect("tempdir");
    let nit = src.path().join("tests/NIT");
    std::fs::create_dir_all(&nit).expect("mkdir");
    // The search path nit.sh builds in a source tree: the build tree's own directories first.
    let probe = "#!/bin/sh\n\
                 top=\"$(cd ../.. && pwd)\"\n\
                 PATH=\"$top/clients:$top/drivers:$top/server:$PATH\"\n\
                 for p in upsd upsmon upsc upscmd upsrw upsdrvctl dummy-ups; do\n\
                 echo \"found $p $(readlink -f \"$(command -v $p)\")\"\n\
                 done\n\
                 echo \"user $(id -un) port $NUT_PORT\"\n\
                 echo '[INFO] OVERALL: PASSED=1 FAILED=0'\n";
    std::fs::write(nit.join("nit.sh"), probe).expect("write nit.sh");
    let port = free_port().to_string();
    let out = Command::new(workspace_root().join("scripts/nit-against-rnut"))
        .arg(src.path())
        .env("RNUT_BIN_DIR", bins)
        .env("NUT_PORT", &port)
        .output()
        .expect("run nit-against-rnut");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    for p in [
        "upsd",
        "upsmon",
        "upsc",
        "upscmd",
        "upsrw",
        "upsdrvctl",
        "dummy-ups",
    ] {
        let ours = bins.join(p).canonicalize().expect("binary");
        assert!(
            text.contains(&format!("found {p} {}\n", ours.display())),
            "nit.sh does not find rnut's {p} first:\n{text}"
        );
    }
    let user = if rnut_tests::is_root() { "nut" } else { "" };
    assert!(text.contains(&format!("user {user}")), "{text}");
    assert!(text.contains(&format!("port {port}")), "{text}");
}

#[test]
fn nit_summary_is_read() {
    let log =
        "x\n[INFO] OVERALL: PASSED=15 FAILED=2 SKIPPED=1\n      1 [S] testcase_sandbox_cppnit_x\n";
    assert_eq!(overall(log), Some((15, 2)));
    assert_eq!(skipped_cases(log), vec!["testcase_sandbox_cppnit_x"]);
    assert_eq!(overall("[INFO] OVERALL: PASSED=10 FAILED=0"), Some((10, 0)));
    assert_eq!(overall("nothing"), None);
}
