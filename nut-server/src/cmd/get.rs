//! `GET NUMLOGINS | UPSDESC | VAR | TYPE | DESC | CMDDESC | TRACKING`.

use nut_core::net::{ErrCode, Reply, Request, TrackingStatus, VarType};
use nut_core::sock::VarFlags;

use std::io::Write as _;

use nut_core::words::{encode_arg, push_escaped};

use super::{avail, fresh, known, put_table, take_table};
use crate::context::{SERVER_VERSION, ServerContext};
use crate::registry::UpsTable;
use crate::registry::tracking::TrackState;
use crate::session::Session;

/// Answer a GET request.
pub fn run(ctx: &ServerContext, session: &mut Session, request: &Request) {
    if let Request::GetVar { ups, var } = request {
        return get_var(ctx, session, ups, var);
    }
    let reply = match request {
        Request::GetNumLogins { ups } => avail(ctx, ups).map(|u| Reply::NumLogins {
            ups: ups.clone(),
            count: u.numlogins(),
        }),
        Request::GetUpsDesc { ups } => known(ctx, ups).map(|u| Reply::UpsDesc {
            ups: ups.clone(),
            desc: u.desc().unwrap_or_else(|| "Unavailable".to_string()),
        }),
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

/// `GET VAR`: the hot path of every monitoring client. No allocation beyond the reply bytes,
/// no shared lock but one read lock on the UPS state.
pub fn get_var(ctx: &ServerContext, session: &mut Session, ups: &str, var: &str) {
    let snapshot = take_table(ctx, session);
    let result = write_var(ctx, &snapshot.1, ups, var, &mut session.out);
    put_table(session, snapshot);
    if let Err(code) = result {
        session.err(code);
    }
}

/// `VAR <ups> <var> "<value>"` written straight into the output buffer.
fn write_var(
    ctx: &ServerContext,
    table: &UpsTable,
    ups_name: &str,
    var: &str,
    out: &mut Vec<u8>,
) -> Result<(), ErrCode> {
    // `server.*` is answered without looking at the UPS name at all, under the variable's
    // own (lower-case) name whatever case the client asked in, as C upsd does.
    if var.len() >= 7 && var[..7].eq_ignore_ascii_case("server.") {
        let (var, value) = if var.eq_ignore_ascii_case("server.info") {
            ("server.info", nut_core::net::ver_text(SERVER_VERSION))
        } else if var.eq_ignore_ascii_case("server.version") {
            ("server.version", SERVER_VERSION.to_string())
        } else {
            return Err(ErrCode::VarNotSupported);
        };
        let _ = writeln!(
            out,
            "{}",
            Reply::Var {
                ups: ups_name.to_string(),
                var: var.to_string(),
                value
            }
        );
        return Ok(());
    }
    let ups = table.get(ups_name).ok_or(ErrCode::UnknownUps)?;
    let live = ups.live();
    fresh(ctx, &live)?;
    let node = live.state.get(var).ok_or(ErrCode::VarNotSupported)?;
    out.extend_from_slice(b"VAR ");
    push_name(out, ups_name);
    out.push(b' ');
    push_name(out, var);
    out.extend_from_slice(b" \"");
    if ups.fsd() && var.eq_ignore_ascii_case("ups.status") {
        out.extend_from_slice(b"FSD ");
    }
    push_escaped(out, &node.value);
    out.extend_from_slice(b"\"\n");
    Ok(())
}

/// A name as `Reply` writes it: raw when the tokenizer reads it back unchanged, else encoded.
fn push_name(out: &mut Vec<u8>, name: &str) {
    let plain = !name.is_empty()
        && !name.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'\t' | b'\r' | b'\n' | 0x0b | 0x0c | b'=' | b'"' | b'#' | b'\\'
            )
        });
    if plain {
        out.extend_from_slice(name.as_bytes());
    } else {
        out.extend_from_slice(encode_arg(name).as_bytes());
    }
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
