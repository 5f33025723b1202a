//! `REQUIRE_LOGIN_FOR_READS` (rnut extension, docs/PROTOCOL-EXTENSIONS.md): with it on,
//! every command but VER, NETVER, PROTVER, HELP, STARTTLS, USERNAME, PASSWORD and LOGOUT
//! needs valid credentials first. The refusals are the words C upsd already sends to a
//! command that needs a user (so C clients print them): `ERR USERNAME-REQUIRED`, then
//! `ERR PASSWORD-REQUIRED`, then `ERR ACCESS-DENIED` for a host rule or wrong credentials
//! (after the same growing delay as any failed login).

use nut_core::net::{ErrCode, Request};

use super::{authenticate, host_allowed};
use crate::context::ServerContext;
use crate::session::Session;

/// Whether `request` must pass [`check`] under the switch. `CAPABILITIES` is discovery, like
/// `HELP`: it stays open; `WATCH` reads, so it needs credentials like `GET`. Commands that need a user anyway
/// (LOGIN, SET, INSTCMD, ...) are checked by their own handlers, not twice.
pub fn needs_check(request: &Request) -> bool {
    !matches!(
        request,
        Request::Ver
            | Request::NetVer
            | Request::ProtVer
            | Request::Help
            | Request::Capabilities
            | Request::StartTls
            | Request::Username(_)
            | Request::Password(_)
            | Request::Logout
    ) && !request.needs_login()
}

/// True when the session's credentials are valid; otherwise the refusal is queued.
pub async fn check(ctx: &ServerContext, session: &mut Session) -> bool {
    let code = if session.username.is_none() {
        ErrCode::UsernameRequired
    } else if session.password.is_none() {
        ErrCode::PasswordRequired
    } else if !host_allowed(ctx, session) || authenticate(ctx, session).await.is_none() {
        ErrCode::AccessDenied
    } else {
        return true;
    };
    session.err(code);
    false
}
