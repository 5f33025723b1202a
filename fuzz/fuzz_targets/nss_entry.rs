//! Fuzz target: a corrupted or hostile key4.db entry (encrypted attribute or integrity entry)
//! is an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_certutil::nssdb::crypto::{decrypt, pass_key, verify_mac};

fuzz_target!(|data: &[u8]| {
    let pk = pass_key(b"0123456789abcdefghij", b"");
    let _ = decrypt(data, &pk);
    let _ = verify_mac(data, &pk, 7, 0x11, b"value");
});
