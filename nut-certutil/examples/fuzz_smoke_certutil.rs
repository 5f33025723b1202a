//! Stable-toolchain stand-in for the `pem_input` and `nss_objects` cargo-fuzz targets:
//! inputs mutated from their committed seeds (`fuzz/seeds/<target>/`) through the same
//! checks (`nut_certutil::fuzzing`).
//!
//! ```text
//! cargo run -p nut-certutil --release --example fuzz_smoke -- [ITERATIONS] [SEED]
//! ```
//! Defaults: 100,000 inputs per check (key parsing is slower than the text parsers), seed
//! 0x5EED. Exit status 1 on failure, with the input in hex.

use std::process::ExitCode;

use nut_certutil::fuzzing::{check_nss_objects, check_pem_input};
use nut_core::smoke;

/// PEM words for the mutator.
const PEM_DICT: &[&str] = &[
    "-----BEGIN ",
    "-----END ",
    "CERTIFICATE-----\n",
    "PRIVATE KEY-----\n",
    "EC PRIVATE KEY-----\n",
    "RSA PRIVATE KEY-----\n",
    "CERTIFICATE REQUEST-----\n",
    "Proc-Type: 4,ENCRYPTED\n",
    "=",
    "\n",
    "\x30\x03",
    "\x02\x01\x00",
    "\x06\x08",
];

fn main() -> ExitCode {
    let (iterations, seed) = smoke::args(100_000);
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds");
    let checks: [smoke::NamedCheck; 2] = [
        ("pem_input", PEM_DICT, check_pem_input),
        ("nss_objects", &[], check_nss_objects),
    ];
    if smoke::run_all(&seeds, &checks, iterations, seed) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
