//! Fuzz target: The request parser: only UNKNOWN-COMMAND / INVALID-ARGUMENT errors,
//! the credentials flag, and the `to_line` round trip.
//! The checks live in `nut_core::net::fuzzing` so the stable `fuzz_smoke` example runs
//! the same ones.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = nut_core::net::fuzzing::check_request_parser(data) {
        panic!("invariant broken: {broken}");
    }
});
