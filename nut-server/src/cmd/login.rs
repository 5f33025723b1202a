//! `LOGIN <ups>` (count this connection as a client of the UPS, upsmon does it) and
//! `LOGOUT`.

use nut_core::net::{ErrCode, OkMessage, Reply};

use super::{Action, known, require};
use crate::context::ServerContext;
use crate::session::Session;

/// `LOGIN <ups>`: already logged in, unknown UPS, then rights; the driver need not be up.
pub async fn login(ctx: &ServerContext, session: &mut Session, ups_name: &str) {
    if session.login.is_some() {
        session.err(ErrCode::AlreadyLoggedIn);
        return;
    }
    let ups = match known(ctx, ups_name) {
        Ok(u) => u,
        Err(code) => return session.err(code),
    };
    if let Err(code) = require(ctx, session, |u| u.may_login(), "LOGIN").await {
        return session.err(code);
    }
    ups.add_client(session.id, session.ip());
    let cert = session
        .peer_subject
        .as_deref()
        .map(|s| format!(" with certificate [{s}]"))
        .unwrap_or_default();
    tracing::info!(
        "User {} logged into UPS [{}]{}{}",
        session.who(),
        ups.name,
        session.ssl_suffix(),
        cert
    );
    session.login = Some(ups);
    session.ok();
}

/// `LOGOUT`: `OK Goodbye`, then the connection closes.
pub fn logout(session: &mut Session) -> Action {
    if let Some(ups) = &session.login {
        tracing::info!(
            "User {} logged out from UPS [{}]{}",
            session.who(),
            ups.name,
            session.ssl_suffix()
        );
    }
    session.reply(&Reply::OkMessage(OkMessage::Goodbye));
    Action::Close
}

/// Undo a LOGIN when the connection ends.
pub fn on_disconnect(session: &mut Session) {
    if let Some(ups) = session.login.take() {
        ups.remove_client(session.id);
    }
}
