//! Fuzz target: both directions of the driver socket (`nut_core::sock::fuzzing`). First
//! byte even: what a driver reads from its readers; odd: the lines upsd reads from a driver,
//! applied one after the other to its state of the UPS.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = nut_core::sock::fuzzing::check_driver_socket_selected(data) {
        panic!("invariant broken: {broken}");
    }
});
