//! `LIST UPS | VAR | RW | CMD | ENUM | RANGE | CLIENT`: `BEGIN LIST`, the lines, `END LIST`,
//! all queued together so the connection sends the whole list in one write. An error is
//! one `ERR` line instead of `BEGIN LIST`. The lines are formatted straight into the
//! session's output (no list of replies is built first): a list costs its text only.

use nut_core::net::{ErrCode, ListQuery, Reply, Request};
use nut_core::sock::VarFlags;

use super::{avail, known};
use crate::context::ServerContext;
use crate::descriptions::UNAVAILABLE;
use crate::session::Session;

/// Answer a LIST request.
pub fn run(ctx: &ServerContext, session: &mut Session, request: &Request) {
    let Some(query) = request.list_query() else {
        return session.err(ErrCode::InvalidArgument);
    };
    let start = session.out.len();
    session.reply(&Reply::BeginList(query.clone()));
    let mut out = |line: Reply| session.reply(&line);
    match lines(ctx, request, &mut out) {
        Ok(()) => session.reply(&Reply::EndList(query)),
        Err(code) => {
            session.out.truncate(start);
            session.err(code);
        }
    }
}

/// Hand each line of the list to `out`, or fail before the first one.
fn lines(
    ctx: &ServerContext,
    request: &Request,
    out: &mut impl FnMut(Reply),
) -> Result<(), ErrCode> {
    match request {
        Request::ListUps => ctx
            .registry
            .table()
            .iter()
            .map(|u| Reply::Ups {
                ups: u.name.clone(),
                desc: u.desc().unwrap_or_else(|| UNAVAILABLE.to_string()),
            })
            .for_each(&mut *out),
        Request::ListVar { ups } => {
            let u = avail(ctx, ups)?;
            let live = u.live();
            live.state
                .vars()
                .map(|n| Reply::Var {
                    ups: ups.clone(),
                    var: n.name.clone(),
                    value: u.status_value(&n.name, &n.value).into_owned(),
                })
                .for_each(&mut *out)
        }
        Request::ListRw { ups } => {
            let u = avail(ctx, ups)?;
            let live = u.live();
            live.state
                .vars()
                .filter(|n| n.flags.contains(VarFlags::RW))
                .map(|n| Reply::Rw {
                    ups: ups.clone(),
                    var: n.name.clone(),
                    value: n.value.clone(),
                })
                .for_each(&mut *out)
        }
        Request::ListCmd { ups } => {
            let u = avail(ctx, ups)?;
            let live = u.live();
            live.state
                .commands()
                .map(|c| Reply::Cmd {
                    ups: ups.clone(),
                    cmd: c.to_string(),
                })
                .for_each(&mut *out)
        }
        Request::ListEnum { ups, var } => {
            let u = avail(ctx, ups)?;
            let live = u.live();
            let node = live.state.get(var).ok_or(ErrCode::VarNotSupported)?;
            node.enums
                .iter()
                .map(|e| Reply::Enum {
                    ups: ups.clone(),
                    var: var.clone(),
                    value: e.clone(),
                })
                .for_each(&mut *out)
        }
        Request::ListRange { ups, var } => {
            let u = avail(ctx, ups)?;
            let live = u.live();
            let node = live.state.get(var).ok_or(ErrCode::VarNotSupported)?;
            node.ranges
                .iter()
                .map(|&(min, max)| Reply::Range {
                    ups: ups.clone(),
                    var: var.clone(),
                    min: min.into(),
                    max: max.into(),
                })
                .for_each(&mut *out)
        }
        Request::ListClient { ups } => {
            let u = known(ctx, ups)?;
            u.client_addrs()
                .into_iter()
                .map(|a| Reply::Client {
                    ups: u.name.clone(),
                    addr: a.to_string(),
                })
                .for_each(&mut *out)
        }
        _ => return Err(ErrCode::InvalidArgument),
    }
    Ok(())
}

/// The query echoed by BEGIN/END LIST (exposed for tests).
pub fn query_of(request: &Request) -> Option<ListQuery> {
    request.list_query()
}
