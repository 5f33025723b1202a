//! Stable-toolchain stand-in for the `dummy_devfile` cargo-fuzz target: inputs mutated from
//! its committed seeds (`fuzz/seeds/dummy_devfile/`) through the same check
//! (`nut_drivers::dummy::fuzzing::check_devfile`).
//!
//! ```text
//! cargo run -p nut-drivers --release --example fuzz_smoke -- [ITERATIONS] [SEED]
//! ```
//! Defaults: 1,000,000 inputs, seed 0x5EED. Exit status 1 on failure, with the input in hex.

use std::process::ExitCode;

use nut_core::smoke;
use nut_drivers::dummy::fuzzing::check_devfile;

/// Data file words for the mutator.
const DICT: &[&str] = &[
    "TIMER ",
    "ALARM ",
    "ups.status: ",
    "driver.name: ",
    "battery.charge: ",
    ": ",
    "\"",
    "\\#",
    "\n",
    "5s",
    "18446744073709551616",
    "OB LB",
    "[too warm]",
];

fn main() -> ExitCode {
    let (iterations, seed) = smoke::args(1_000_000);
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let checks: [smoke::NamedCheck; 1] = [("dummy_devfile", DICT, check_devfile)];
    if smoke::run_all(&seeds, &checks, iterations, seed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
