//! upsd: the network protocol, TLS, administration, bounds, the HTTP API and metrics, push, and interop with C NUT's clients and upsmon.

mod admin;
mod bounds;
mod dummy_ups;
mod extensions;
mod http_api;
mod http_tls;
mod interop;
mod log_safety;
mod login_timing;
mod metrics;
mod protocol;
mod push;
mod status_page;
mod tls;
