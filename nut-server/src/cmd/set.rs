//! `SET VAR <ups> <var> <value>` (checked in C upsd's order, then forwarded to the driver)
//! and `SET TRACKING ON|OFF`.

use nut_core::net::{ErrCode, OkMessage, Reply};
use nut_core::sock::{ServerMessage, VarFlags, VarNode, atoi};
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
            Some(node) => check_value(node, value).map(|()| node.name.clone()),
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
    ctx.counters.forwarded(false);
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

/// Steps 4 to 7 of SET VAR: RW flag, STRING length, enum list, ranges.
fn check_value(node: &VarNode, value: &str) -> Result<(), ErrCode> {
    if !node.flags.contains(VarFlags::RW) {
        return Err(ErrCode::Readonly);
    }
    if node.flags.contains(VarFlags::STRING) {
        if node.aux < 1 {
            // A driver bug: a STRING variable without a maximum length.
            return Err(ErrCode::SetFailed);
        }
        if value.len() as i64 > node.aux {
            return Err(ErrCode::TooLong);
        }
    }
    // Enum values are compared with their escaped form, as C upsd stores them.
    let in_enum = node.enums.is_empty() || node.enums.iter().any(|e| escape(e) == value);
    let n = atoi(value);
    let in_range =
        node.ranges.is_empty() || node.ranges.iter().any(|&(min, max)| n >= min && n <= max);
    if in_enum && in_range {
        Ok(())
    } else {
        Err(ErrCode::InvalidValue)
    }
}

/// `SET TRACKING ON|OFF`: this connection's switch.
pub fn set_tracking(session: &mut Session, on: bool) {
    session.tracking = on;
    session.ok();
}
