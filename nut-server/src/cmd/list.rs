//! `LIST UPS | VAR | RW | CMD | ENUM | RANGE | CLIENT`: `BEGIN LIST`, the lines, `END LIST`,
//! all queued together so the connection sends the whole list in one write. An error is
//! one `ERR` line instead of `BEGIN LIST`.

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
    match lines(ctx, request) {
        Ok(body) => {
            session.reply(&Reply::BeginList(query.clone()));
            for line in &body {
                session.reply(line);
            }
            session.reply(&Reply::EndList(query));
        }
        Err(code) => session.err(code),
    }
}

fn lines(ctx: &ServerContext, request: &Request) -> Result<Vec<Reply>, ErrCode> {
    Ok(match request {
        Request::ListUps => ctx
            .registry
            .table()
            .iter()
            .map(|u| Reply::Ups {
                ups: u.name.clone(),
                desc: u.desc().unwrap_or_else(|| UNAVAILABLE.to_string()),
            })
            .collect(),
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
                .collect()
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
                .collect()
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
                .collect()
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
                .collect()
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
                .collect()
        }
        Request::ListClient { ups } => {
            let u = known(ctx, ups)?;
            u.client_addrs()
                .into_iter()
                .map(|a| Reply::Client {
                    ups: u.name.clone(),
                    addr: a.to_string(),
                })
                .collect()
        }
        _ => return Err(ErrCode::InvalidArgument),
    })
}

/// The query echoed by BEGIN/END LIST (exposed for tests).
pub fn query_of(request: &Request) -> Option<ListQuery> {
    request.list_query()
}
