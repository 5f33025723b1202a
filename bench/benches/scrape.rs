//! `cargo bench -p rnut-bench`: issue 16's scrape rows, short. Runs `upsd-bench --rows
//! scrape --only rnut --duration 2` against the release upsd beside this bench's own
//! executable (`<target>/release/upsd`): 100 UPSes of 60 variables, 100 NUT clients polling
//! GET VAR without and with `/metrics` scraped every 250 ms. It prints the table, the
//! scrape p99 against the 10 ms target, and exits non-zero if the row could not run.
//!
//! `cargo bench` builds only this crate, so build upsd in release first:
//! `cargo build --release -p nut-server --bins`. The full benchmark (against C upsd too)
//! is `upsd-bench` itself; see docs/BENCHMARKS.md.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

/// Seconds per phase (without, then with scraping): enough for ~8 scrapes per second's
/// worth of p99 samples, short enough for a quick check.
const SECONDS: &str = "2";

fn main() -> ExitCode {
    // `cargo bench` passes `--bench` (and a filter, if any): nothing to choose here.
    let Some(release) = release_dir() else {
        eprintln!("scrape bench: cannot locate the release directory of this executable");
        return ExitCode::FAILURE;
    };
    let upsd = release.join("upsd");
    if !upsd.is_file() {
        eprintln!(
            "scrape bench: {} is missing; build it first: cargo build --release -p nut-server --bins",
            upsd.display()
        );
        return ExitCode::FAILURE;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_upsd-bench"))
        .args(["--rows", "scrape", "--only", "rnut", "--duration", SECONDS])
        .arg("--rnut-bin-dir")
        .arg(&release)
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) => {
            eprintln!("scrape bench: cannot run upsd-bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let table = String::from_utf8_lossy(&out.stdout);
    print!("{table}");
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    // The rnut column (the table's second) says `n/a [k]` when upsd or the fake drivers
    // failed; the C column always does (C upsd has no HTTP side).
    let row_ran = table.lines().any(|l| {
        l.starts_with("| /metrics scrape")
            && l.split('|').nth(2).is_some_and(|c| !c.contains("n/a"))
    });
    if out.status.success() && row_ran {
        ExitCode::SUCCESS
    } else {
        eprintln!("scrape bench: the scrape row did not run (see above)");
        ExitCode::FAILURE
    }
}

/// `<target>/release` (or the profile directory this bench was built in): the parent of
/// `deps/`, where cargo puts bench executables.
fn release_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let deps = exe.parent()?;
    Some(deps.parent()?.to_path_buf())
}
