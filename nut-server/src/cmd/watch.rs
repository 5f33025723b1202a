//! `CAPABILITIES`, `WATCH <ups>`, `UNWATCH <ups>`: the push extension's commands
//! (docs/PROTOCOL-EXTENSIONS.md). Like `GET VAR` they need no login; `WATCH` needs the UPS
//! to exist (it may have no driver yet: its availability is notified).

use nut_core::net::ErrCode;
use nut_core::net::push::{CAPABILITIES_WORD, CAPABILITY_WATCH};
use nut_core::words::encode_arg;

use super::known;
use crate::context::ServerContext;
use crate::push::Watches;
use crate::session::Session;

/// `CAPABILITIES` -> `CAPABILITIES WATCH`.
pub fn capabilities(session: &mut Session) {
    session.out.extend_from_slice(CAPABILITIES_WORD.as_bytes());
    session.out.push(b' ');
    session.out.extend_from_slice(CAPABILITY_WATCH.as_bytes());
    session.out.push(b'\n');
}

/// `WATCH <ups>` -> `OK WATCH <ups>`; notifications start after that line.
pub fn watch(ctx: &ServerContext, session: &mut Session, name: &str) {
    let ups = match known(ctx, name) {
        Ok(u) => u,
        Err(code) => return session.err(code),
    };
    let watches = session.watches.get_or_insert_with(Box::<Watches>::default);
    match watches.add(name, ups, ctx.registry.maxage()) {
        Ok(()) => ok_line(session, "WATCH", name),
        Err(e) => {
            tracing::debug!("refusing WATCH {name} from {}: {e}", session.who());
            session.err(ErrCode::InvalidArgument);
        }
    }
}

/// `UNWATCH <ups>` -> `OK UNWATCH <ups>`; `ERR INVALID-ARGUMENT` if it was not watched.
pub fn unwatch(session: &mut Session, name: &str) {
    let removed = session.watches.as_mut().is_some_and(|w| w.remove(name));
    if !removed {
        return session.err(ErrCode::InvalidArgument);
    }
    if session.watches.as_ref().is_some_and(|w| w.is_empty()) {
        session.watches = None;
    }
    ok_line(session, "UNWATCH", name);
}

fn ok_line(session: &mut Session, word: &str, name: &str) {
    let line = format!("OK {word} {}\n", encode_arg(name));
    session.out.extend_from_slice(line.as_bytes());
}
