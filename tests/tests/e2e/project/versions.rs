//! One version string for every binary, on `-V` and `--version` alike (nut-certutil keeps
//! NSS certutil's `-V`, verify, and has `--version`), in C NUT's shape.

use std::process::Command;

use rnut_tests::bin;

fn version_of(program: &str, flag: &str) -> String {
    let out = Command::new(bin(program))
        .arg(flag)
        .output()
        .unwrap_or_else(|e| panic!("run {program} {flag}: {e}"));
    assert!(out.status.success(), "{program} {flag}: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn every_binary_reports_the_same_version() {
    let version = concat!("2.8.0-rnut", env!("CARGO_PKG_VERSION"));
    for program in [
        "upsd",
        "upsmon",
        "upsc",
        "upscmd",
        "upsrw",
        "upsdrvctl",
        "nut-conformance",
    ] {
        for flag in ["-V", "--version"] {
            assert_eq!(
                version_of(program, flag),
                format!("Network UPS Tools {program} {version}\n"),
                "{program} {flag}"
            );
        }
    }
    assert_eq!(
        version_of("nut-certutil", "--version"),
        format!("Network UPS Tools nut-certutil {version}\n")
    );
    for flag in ["-V", "--version"] {
        let line = version_of("dummy-ups", flag);
        assert!(
            line.starts_with("Network UPS Tools dummy-ups ")
                && line.ends_with(&format!("({version})\n")),
            "{line}"
        );
    }
}
