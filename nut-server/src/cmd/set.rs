//! `SET VAR <ups> <var> <value>` (checked in C upsd's order, then forwarded to the driver)
//! and `SET TRACKING ON|OFF`.

use nut_core::net::{ErrCode, OkMessage, Reply};
use nut_core::sock::{ServerMessage, VarFlags, atoi};
use nut_core::words::escape;

use super::{avail, new_tracking_id, require};
use crate::context::ServerContext;
use crate::session::Session;

/// `SET VAR`: avail, SET right, variable exists, RW, STRING length, enum, range, forward.
pub async fn set_var(
    ctx: &ServerContext,
    session: &mut Session,
    ups_name: &str,
    var: &str,
    value: &str,
) {
    let ups = match avail(ctx, ups_name) {
        Ok(u) => u,
        Err(code) => return session.err(code),
    };
    if let Err(code) = require(ctx, session, |u| u.may_set(), "SET").await {
        return session.err(code);
    }
    let check = {
        let live = ups.live();
        match live.state.get(var) {
            None => Err(ErrCode::VarNotSupported),
            Some(node) => {
                if !node.flags.contains(VarFlags::RW) {
                    Err(ErrCode::Readonly)
                } else if node.flags.contains(VarFlags::STRING) && node.aux < 1 {
                    Err(ErrCode::SetFailed)
                } else if node.flags.contains(VarFlags::STRING) && value.len() as i64 > node.aux {
                    Err(ErrCode::TooLong)
                } else if !node.enums.is_empty() && !node.enums.iter().any(|e| escape(e) == value) {
                    Err(ErrCode::InvalidValue)
                } else if !node.ranges.is_empty() && {
                    let n = atoi(value);
                    !node.ranges.iter().any(|&(min, max)| n >= min && n <= max)
                } {
                    Err(ErrCode::InvalidValue)
                } else {
                    Ok(node.name.clone())
                }
            }
        }
    };
    let stored_name = match check {
        Ok(n) => n,
        Err(code) => return session.err(code),
    };
    let tracking = session.tracking.then(new_tracking_id);
    if let Some(id) = &tracking {
        ctx.registry.tracking.insert(&id.to_string());
    }
    let msg = ServerMessage::Set {
        var: var.to_string(),
        value: value.to_string(),
        tracking: tracking.as_ref().map(|i| i.to_string()),
    };
    if !ups.send_line(&msg.to_string()).await {
        return session.err(ErrCode::SetFailed);
    }
    let id_text = tracking
        .as_ref()
        .map(|i| i.to_string())
        .unwrap_or_else(|| "disabled".to_string());
    tracing::info!(
        "Set variable: {} set {} on {} to {} (tracking ID: {id_text})",
        session.who(),
        stored_name,
        ups.name,
        value
    );
    match tracking {
        Some(id) => session.reply(&Reply::OkMessage(OkMessage::Tracking(id))),
        None => session.ok(),
    }
}

/// `SET TRACKING ON|OFF`: this connection's switch.
pub fn set_tracking(session: &mut Session, on: bool) {
    session.tracking = on;
    session.ok();
}
