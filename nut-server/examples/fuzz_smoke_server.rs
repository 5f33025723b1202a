//! Stable-toolchain stand-in for selector 4 (hosts.allow / hosts.deny) of the `config_files`
//! cargo-fuzz target: inputs mutated from its committed seeds (`fuzz/seeds/config_files/`)
//! through the same check (`nut_server::auth::fuzzing::check_hosts_access`).
//!
//! ```text
//! cargo run -p nut-server --release --example fuzz_smoke -- [ITERATIONS] [SEED]
//! ```
//! Defaults: 1,000,000 inputs, seed 0x5EED. Exit status 1 on failure, with the input in hex.

use std::process::ExitCode;

use nut_core::smoke;
use nut_server::auth::fuzzing::check_hosts_access;

/// Rule words for the mutator.
const DICT: &[&str] = &[
    "upsd : ",
    "ALL",
    "LOCAL",
    "EXCEPT ",
    "localhost",
    " : allow",
    " : deny",
    "@",
    "[::1]",
    "/24",
    "/255.255.255.0",
    "192.168.",
    "[fe80::]/10",
    ",",
    "\\\n",
    "\0",
    "KNOWN",
    "/129",
];

/// The bytes after the selector (the check itself needs none).
fn hosts(data: &[u8]) -> Result<(), String> {
    check_hosts_access(data.get(1..).unwrap_or_default())
}

fn main() -> ExitCode {
    let (iterations, seed) = smoke::args(1_000_000);
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let checks: [smoke::NamedCheck; 1] = [("config_files", DICT, hosts)];
    if smoke::run_all(&seeds, &checks, iterations, seed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
