//! `STARTTLS`: checked here (already TLS, not configured); the handshake itself is run by
//! the connection loop right after `OK STARTTLS` is flushed, on the same buffered socket,
//! so bytes the client pipelined after the command are TLS input, never plaintext commands.

use nut_core::net::{ErrCode, OkMessage, Reply};

use super::Action;
use crate::context::ServerContext;
use crate::session::Session;

/// Answer STARTTLS; `Action::StartTls` when the handshake must follow.
pub fn check(ctx: &ServerContext, session: &mut Session) -> Action {
    if session.tls {
        session.err(ErrCode::AlreadySslMode);
        return Action::Continue;
    }
    // The Unix socket has no TLS (nothing to protect between two processes on one host):
    // answered as C upsd answers when TLS is not configured.
    if session.local.is_some() || ctx.tls().is_none() {
        session.err(ErrCode::FeatureNotConfigured);
        return Action::Continue;
    }
    session.reply(&Reply::OkMessage(OkMessage::StartTls));
    Action::StartTls
}
