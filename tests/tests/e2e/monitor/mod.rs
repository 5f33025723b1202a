//! upsmon against real and scripted servers: shutdown, failover, push, and interop with C upsd.

mod failover;
mod interop;
mod push;
mod scripted;
mod stack;
