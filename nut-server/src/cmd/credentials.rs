//! `USERNAME` and `PASSWORD`: stored, never validated here (C upsd checks them only when a
//! command that needs a user runs), each settable once per connection.

use nut_core::net::ErrCode;
use zeroize::Zeroizing;

use crate::session::Session;

/// `USERNAME <name>`.
pub fn username(session: &mut Session, name: String) {
    if session.username.is_some() {
        session.err(ErrCode::AlreadySetUsername);
        return;
    }
    tracing::debug!("username {name} from {}", session.ip());
    session.username = Some(name);
    session.ok();
}

/// `PASSWORD <password>`.
pub fn password(session: &mut Session, password: String) {
    let password = Zeroizing::new(password);
    if session.password.is_some() {
        session.err(ErrCode::AlreadySetPassword);
        return;
    }
    session.password = Some(password);
    session.ok();
}
