//! Fuzz target: the config file parsers, from text: ups.conf, upsd.conf, upsd.users,
//! upsmon.conf (`nut_core::config::fuzzing`) and hosts.allow / hosts.deny
//! (`nut_server::auth::fuzzing`). The first byte picks the file kind (modulo 5).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_core::config::fuzzing::{Kind, check_config};
use nut_server::auth::fuzzing::check_hosts_access;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, text)) = data.split_first() else {
        return;
    };
    let outcome = match Kind::ALL.get(usize::from(selector) % (Kind::ALL.len() + 1)) {
        Some(&kind) => check_config(kind, text),
        None => check_hosts_access(text),
    };
    if let Err(broken) = outcome {
        panic!("invariant broken: {broken}");
    }
});
