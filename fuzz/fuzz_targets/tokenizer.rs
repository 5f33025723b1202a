//! Fuzz target: The tokenizer: word and line limits, the character filter, and the
//! encode/tokenize round trip.
//! The checks live in `nut_core::net::fuzzing` so the stable `fuzz_smoke` example runs
//! the same ones.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = nut_core::net::fuzzing::check_tokenizer(data) {
        panic!("invariant broken: {broken}");
    }
});
