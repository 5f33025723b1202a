//! `VER`, `NETVER`, `PROTVER`, `HELP`: fixed texts.

use nut_core::net::{Reply, Request};

use crate::context::SERVER_VERSION;
use crate::session::Session;

/// Answer one of the four.
pub fn run(session: &mut Session, request: &Request) {
    let reply = match request {
        Request::Ver => Reply::ver(SERVER_VERSION),
        Request::Help => Reply::help(),
        _ => Reply::protocol_version(),
    };
    session.reply(&reply);
}
