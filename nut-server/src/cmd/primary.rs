//! `PRIMARY` / `MASTER` (a privilege probe used by upsmon) and `FSD` (the forced-shutdown
//! latch, kept in upsd, prefixed to `ups.status`).

use nut_core::net::{OkMessage, Reply};

use super::{known, require};
use crate::context::ServerContext;
use crate::session::Session;

/// `PRIMARY <ups>` / `MASTER <ups>`: unknown UPS, then the primary/master right.
pub async fn primary(ctx: &ServerContext, session: &mut Session, ups_name: &str, legacy: bool) {
    if let Err(code) = known(ctx, ups_name) {
        return session.err(code);
    }
    if let Err(code) = require(ctx, session, |u| u.may_primary(), "PRIMARY").await {
        return session.err(code);
    }
    session.reply(&Reply::OkMessage(if legacy {
        OkMessage::MasterGranted
    } else {
        OkMessage::PrimaryGranted
    }));
}

/// `FSD <ups>`: unknown UPS, then the FSD right; sets the latch (driver state untouched).
pub async fn fsd(ctx: &ServerContext, session: &mut Session, ups_name: &str) {
    let ups = match known(ctx, ups_name) {
        Ok(u) => u,
        Err(code) => return session.err(code),
    };
    if let Err(code) = require(ctx, session, |u| u.may_fsd(), "FSD").await {
        return session.err(code);
    }
    tracing::warn!("Client {} set FSD on UPS [{}]", session.who(), ups.name);
    ups.set_fsd();
    session.reply(&Reply::OkMessage(OkMessage::FsdSet));
}
