//! Fuzz target: whatever a serial line delivers to the Megatec/Q1 parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_drivers::megatec::protocol::{command_accepted, parse_rating, parse_status, parse_vendor};

fuzz_target!(|data: &[u8]| {
    let reply = String::from_utf8_lossy(data);
    let _ = parse_status(&reply).map(|s| s.report());
    let _ = parse_rating(&reply);
    let _ = parse_vendor(&reply);
    let _ = command_accepted(Some(&reply));
});
