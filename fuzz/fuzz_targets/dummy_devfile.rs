//! Fuzz target: dummy-ups's `.dev` / `.seq` data file parser
//! (`nut_drivers::dummy::fuzzing::check_devfile`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = nut_drivers::dummy::fuzzing::check_devfile(data) {
        panic!("invariant broken: {broken}");
    }
});
