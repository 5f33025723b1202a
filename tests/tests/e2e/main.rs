//! rnut's end-to-end tests: one binary, one module per area, over the `rnut_tests` harness
//! (tests/src). Each test runs real processes, sockets, TLS and SQLite files; a test's full
//! name is `area::file::test` (e.g. `upsd::protocol::...`), so `cargo test -p rnut-tests --test
//! e2e -- upsd::` runs one area. Tests run concurrently (libtest's threads): a test touching
//! anything global to the machine (files under /run/nut, C upsmon, ...) holds
//! [`rnut_tests::system_lock`].

mod certutil;
mod clients;
mod conformance;
mod drivers;
mod monitor;
mod project;
mod upsd;
