//! The client tools (upsc, upscmd, upsrw) against scripted servers, over TLS, and next to C NUT's.

mod interop;
mod scripted;
mod tls;
