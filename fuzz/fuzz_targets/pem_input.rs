//! Fuzz target: certificate, request and key files given to nut-certutil, PEM or DER
//! (`nut_certutil::fuzzing::check_pem_input`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = nut_certutil::fuzzing::check_pem_input(data) {
        panic!("invariant broken: {broken}");
    }
});
