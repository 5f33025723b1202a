//! Fuzz target: The reply parser: every parsed reply formats to a line that parses
//! back equal.
//! The checks live in `nut_core::net::fuzzing` so the stable `fuzz_smoke` example runs
//! the same ones.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = nut_core::net::fuzzing::check_reply_parser(data) {
        panic!("invariant broken: {broken}");
    }
});
