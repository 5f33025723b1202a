//! `GET NUMLOGINS | UPSDESC | VAR | TYPE | DESC | CMDDESC | TRACKING`.

use nut_core::net::{ErrCode, Reply, Request, TrackingStatus, VarType};
use nut_core::sock::VarFlags;

use super::{avail, known};
use crate::context::{SERVER_VERSION, ServerContext};
use crate::registry::tracking::TrackState;
use crate::session::Session;

/// Answer a GET request.
pub fn run(ctx: &ServerContext, session: &mut Session, request: &Request) {
    let reply = match request {
        Request::GetNumLogins { ups } => avail(ctx, ups).map(|u| Reply::NumLogins {
            ups: ups.clone(),
            count: u.numlogins(),
        }),
        Request::GetUpsDesc { ups } => known(ctx, ups).map(|u| Reply::UpsDesc {
            ups: ups.clone(),
            desc: u.desc().unwrap_or_else(|| "Unavailable".to_string()),
        }),
        Request::GetVar { ups, var } => get_var(ctx, ups, var),
        Request::GetType { ups, var } => get_type(ctx, ups, var),
        Request::GetDesc { ups, var } => avail(ctx, ups).map(|_| Reply::Desc {
            ups: ups.clone(),
            var: var.clone(),
            desc: ctx.descriptions().var(var).to_string(),
        }),
        Request::GetCmdDesc { ups, cmd } => avail(ctx, ups).map(|_| Reply::CmdDesc {
            ups: ups.clone(),
            cmd: cmd.clone(),
            desc: ctx.descriptions().cmd(cmd).to_string(),
        }),
        Request::GetTracking(None) => Ok(Reply::TrackingState(session.tracking)),
        Request::GetTracking(Some(id)) => get_tracking(ctx, session, id),
        _ => Err(ErrCode::InvalidArgument),
    };
    match reply {
        Ok(r) => session.reply(&r),
        Err(code) => session.err(code),
    }
}

fn get_var(ctx: &ServerContext, ups_name: &str, var: &str) -> Result<Reply, ErrCode> {
    // `server.*` is answered without looking at the UPS name at all.
    if var.len() >= 7 && var[..7].eq_ignore_ascii_case("server.") {
        let value = if var.eq_ignore_ascii_case("server.info") {
            nut_core::net::ver_text(SERVER_VERSION)
        } else if var.eq_ignore_ascii_case("server.version") {
            SERVER_VERSION.to_string()
        } else {
            return Err(ErrCode::VarNotSupported);
        };
        return Ok(Reply::Var {
            ups: ups_name.to_string(),
            var: var.to_string(),
            value,
        });
    }
    let ups = avail(ctx, ups_name)?;
    let live = ups.live();
    let node = live.state.get(var).ok_or(ErrCode::VarNotSupported)?;
    let value = ups.status_value(var, &node.value).into_owned();
    Ok(Reply::Var {
        ups: ups_name.to_string(),
        var: var.to_string(),
        value,
    })
}

fn get_type(ctx: &ServerContext, ups_name: &str, var: &str) -> Result<Reply, ErrCode> {
    let ups = avail(ctx, ups_name)?;
    let live = ups.live();
    let node = live.state.get(var).ok_or(ErrCode::VarNotSupported)?;
    let types = VarType::for_variable(
        node.flags.contains(VarFlags::RW),
        !node.enums.is_empty(),
        !node.ranges.is_empty(),
        node.flags.contains(VarFlags::STRING).then_some(node.aux),
    );
    Ok(Reply::Type {
        ups: ups_name.to_string(),
        var: var.to_string(),
        types,
    })
}

fn get_tracking(ctx: &ServerContext, session: &Session, id: &str) -> Result<Reply, ErrCode> {
    if !session.tracking {
        return Err(ErrCode::FeatureNotConfigured);
    }
    Ok(match ctx.registry.tracking.get(id) {
        TrackState::Pending => TrackingStatus::Pending.reply(),
        TrackState::Done(code) => TrackingStatus::from_driver_code(code).reply(),
        TrackState::Unknown => Reply::Err(ErrCode::Unknown, None),
    })
}
