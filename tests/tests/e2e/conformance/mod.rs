//! nut-conformance against a scripted server and against real servers (rnut's and C NUT's).

mod scripted;
mod servers;
