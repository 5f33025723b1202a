//! Fuzz target: the PKCS#11 objects of a foreign NSS database once read from SQLite (trust
//! objects, private key attributes) (`nut_certutil::fuzzing::check_nss_objects`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = nut_certutil::fuzzing::check_nss_objects(data) {
        panic!("invariant broken: {broken}");
    }
});
