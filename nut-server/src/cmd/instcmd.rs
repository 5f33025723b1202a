//! `INSTCMD <ups> <cmd> [<param>]`: avail, command offered by the driver, the user's
//! instcmds right (in that order, unlike SET), then forwarded to the driver.

use nut_core::net::{ErrCode, OkMessage, Reply};
use nut_core::sock::ServerMessage;

use super::{avail, new_tracking_id, require};
use crate::context::ServerContext;
use crate::session::Session;

/// Run INSTCMD.
pub async fn run(
    ctx: &ServerContext,
    session: &mut Session,
    ups_name: &str,
    cmd: &str,
    param: Option<&str>,
) {
    let ups = match avail(ctx, ups_name) {
        Ok(u) => u,
        Err(code) => return session.err(code),
    };
    if !ups.live().state.has_command(cmd) {
        return session.err(ErrCode::CmdNotSupported);
    }
    if let Err(code) = require(
        ctx,
        session,
        |u| u.may_instcmd(cmd),
        "run this instant command",
    )
    .await
    {
        return session.err(code);
    }
    let tracking = session.tracking.then(new_tracking_id);
    if let Some(id) = &tracking {
        ctx.registry.tracking.insert(&id.to_string());
    }
    let msg = ServerMessage::InstCmd {
        cmd: cmd.to_string(),
        param: param.map(str::to_string),
        tracking: tracking.as_ref().map(|i| i.to_string()),
    };
    if !ups.send_line(&msg.to_string()).await {
        return session.err(ErrCode::InstcmdFailed);
    }
    ctx.counters.forwarded(true);
    let with = param
        .map(|p| format!(" with value {p}"))
        .unwrap_or_default();
    let id_text = tracking
        .as_ref()
        .map(|i| i.to_string())
        .unwrap_or_else(|| "disabled".to_string());
    tracing::info!(
        "Instant command: {} did {cmd}{with} on {} (tracking ID: {id_text})",
        session.who(),
        ups.name
    );
    match tracking {
        Some(id) => session.reply(&Reply::OkMessage(OkMessage::Tracking(id))),
        None => session.ok(),
    }
}
