//! The package's systemd units and generated files, checked with the real tools:
//! `systemd-analyze verify` on every unit (inside a root holding the real binaries at the
//! paths the units name), `systemd-analyze security --offline=true` against each daemon's
//! exposure target, and `rnut-pkg-gen`'s man pages, completions and udev rules.
//! The package itself (lintian, installation into clean Debian roots, docs/MIGRATING.md) is
//! checked by `packaging/check-deb`, run by `.ci/run`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rnut_tests::{bin, require_tool, workspace_root};

fn units_dir() -> PathBuf {
    workspace_root().join("packaging/systemd")
}

/// The exposure targets of issue 15: upsd <= 2.0, the drivers <= 3.0, upsmon <= 4.5 (its
/// root parent runs the shutdown).
const TARGETS: [(&str, f64); 3] = [
    ("nut-server.service", 2.0),
    ("nut-driver@.service", 3.0),
    ("nut-monitor.service", 4.5),
];

/// The overall exposure `systemd-analyze security --offline=true` gives a unit file.
fn exposure(unit_file: &Path) -> f64 {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=true", "--no-pager"])
        .arg(unit_file)
        .output()
        .expect("run systemd-analyze security");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no exposure line for {}: {out:?}", unit_file.display()));
    let after = line.rsplit_once(": ").expect("exposure value").1;
    after
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("unreadable exposure line {line:?}"))
}

/// The units whose exposure is above their target, with the score.
fn over_target(dir: &Path) -> Vec<(String, f64, f64)> {
    TARGETS
        .iter()
        .filter_map(|(unit, target)| {
            let score = exposure(&dir.join(unit));
            (score > *target).then(|| (unit.to_string(), score, *target))
        })
        .collect()
}

#[test]
fn every_daemon_unit_meets_its_exposure_target() {
    if !require_tool("systemd-analyze") {
        return;
    }
    for (unit, target) in TARGETS {
        println!(
            "rnut {unit}: exposure {:.1} (target {target})",
            exposure(&units_dir().join(unit))
        );
    }
    let debian = Path::new("/lib/systemd/system");
    for unit in [
        "nut-server.service",
        "nut-driver@.service",
        "nut-monitor.service",
    ] {
        if debian.join(unit).exists() {
            println!(
                "Debian's {unit}: exposure {:.1}",
                exposure(&debian.join(unit))
            );
        }
    }
    let over = over_target(&units_dir());
    assert!(
        over.is_empty(),
        "units above their exposure target: {over:?}"
    );
}

#[test]
fn the_exposure_check_catches_an_unconfined_unit() {
    if !require_tool("systemd-analyze") {
        return;
    }
    // The same units with their sandboxing cut down to Debian's (no directive but the
    // command lines): every one must be reported above its target.
    let dir = tempfile::tempdir().expect("tempdir");
    for (unit, _) in TARGETS {
        let text = std::fs::read_to_string(units_dir().join(unit)).expect("read unit");
        let bare: String = text
            .lines()
            .filter(|l| {
                !l.contains('=')
                    || [
                        "Exec",
                        "Description",
                        "After",
                        "Before",
                        "Wants",
                        "PartOf",
                        "WantedBy",
                    ]
                    .iter()
                    .any(|k| l.starts_with(k))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.path().join(unit), bare).expect("write unit");
    }
    let over = over_target(dir.path());
    assert_eq!(over.len(), TARGETS.len(), "{over:?}");
}

/// Put `src` at `dst`: a hard link when the file system allows it (the debug binaries are
/// large), a copy otherwise.
fn place(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst.parent().expect("parent")).expect("mkdir");
    if std::fs::hard_link(src, dst).is_err() {
        std::fs::copy(src, dst).expect("copy");
    }
}

#[test]
fn systemd_analyze_verify_passes_on_every_unit() {
    if !require_tool("systemd-analyze") {
        return;
    }
    // A root with the host's system units (sysinit.target, ...), the real binaries where
    // the units run them, and our units.
    let root = tempfile::tempdir().expect("tempdir");
    let system = root.path().join("lib/systemd/system");
    for entry in std::fs::read_dir("/lib/systemd/system").expect("read /lib/systemd/system") {
        let entry = entry.expect("entry");
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            place(&entry.path(), &system.join(entry.file_name()));
        }
    }
    for program in ["upsd", "upsmon", "upsdrvctl"] {
        place(&bin(program), &root.path().join("lib/nut").join(program));
    }
    let units = [
        "nut-server.service",
        "nut-monitor.service",
        "nut-driver@.service",
        "nut-driver.target",
        "nut.target",
    ];
    for unit in units {
        let _ = std::fs::remove_file(system.join(unit));
        std::fs::copy(units_dir().join(unit), system.join(unit)).expect("copy unit");
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(format!("--root={}", root.path().display()))
        .args(units.map(|u| u.replace("@.", "@ups.")))
        .current_dir(&system)
        .output()
        .expect("run systemd-analyze verify");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify: {out:?}"
    );
}

#[test]
fn generated_man_pages_completions_and_udev_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new(bin("rnut-pkg-gen"))
        .arg("all")
        .arg(dir.path())
        .status()
        .expect("run rnut-pkg-gen");
    assert!(status.success());
    let pages = [
        ("upsd", "8"),
        ("upsmon", "8"),
        ("upsdrvctl", "8"),
        ("dummy-ups", "8"),
        ("usbhid-ups", "8"),
        ("blazer_ser", "8"),
        ("nutdrv_qx", "8"),
        ("upsc", "1"),
        ("upscmd", "1"),
        ("upsrw", "1"),
        ("nut-certutil", "1"),
    ];
    for (name, section) in pages {
        let page = dir.path().join(format!("man/{name}.{section}"));
        let text = std::fs::read_to_string(&page).expect("man page");
        assert!(text.contains(&format!(".TH {name} {section}")), "{name}");
        assert!(dir.path().join("completions/bash").join(name).is_file());
        let zsh = dir.path().join(format!("completions/zsh/_{name}"));
        assert!(zsh.is_file(), "{name}");
    }
    let upsd = std::fs::read_to_string(dir.path().join("man/upsd.8")).expect("upsd.8");
    assert!(
        upsd.contains("hash\\-password"),
        "upsd's options in its page"
    );
    let rules =
        std::fs::read_to_string(dir.path().join("udev/62-rnut-usbups.rules")).expect("udev rules");
    for (vid, _) in nut_drivers::usbhid::transport::KNOWN_VENDORS {
        assert!(rules.contains(&format!("ATTR{{idVendor}}==\"{vid:04x}\"")));
    }
    // Every config file has its hand-written page.
    for conf in [
        "upsd.conf",
        "upsd.users",
        "ups.conf",
        "upsmon.conf",
        "nut.conf",
    ] {
        let page = workspace_root().join(format!("packaging/man/{conf}.5"));
        assert!(page.is_file(), "{}", page.display());
    }
}

#[test]
fn every_man_page_renders_without_warnings() {
    if !require_tool("man") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let status = Command::new(bin("rnut-pkg-gen"))
        .arg("man")
        .arg(dir.path())
        .status()
        .expect("run rnut-pkg-gen");
    assert!(status.success());
    let generated = std::fs::read_dir(dir.path()).expect("read generated pages");
    let handwritten =
        std::fs::read_dir(workspace_root().join("packaging/man")).expect("read packaging/man");
    let mut pages = 0;
    for entry in generated.chain(handwritten) {
        let page = entry.expect("entry").path();
        let out = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&page)
            .env("MANWIDTH", "80")
            .output()
            .expect("run man");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty() && !out.stdout.is_empty(),
            "{}: {stderr}",
            page.display()
        );
        pages += 1;
    }
    assert_eq!(pages, 16, "11 binaries and 5 config files");
}
