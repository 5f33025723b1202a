//! Checks that change state, run only when named with `--enable`: LOGIN / PRIMARY (a login
//! count), SET VAR, INSTCMD, FSD (which makes upsmon shut its systems down).

use std::time::{Duration, Instant};

use nut_core::net::{OkMessage, Reply};

use super::lists::NO_SUCH_UPS;
use crate::outcome::Outcome;
use crate::probe::Probe;
use crate::run::{Credentials, Ctx};

/// Pause between GET TRACKING polls of a PENDING command (until the reply wait is over).
const TRACKING_POLL: Duration = Duration::from_millis(100);

pub(super) async fn run(ctx: &mut Ctx) {
    let ups = ctx.ups().unwrap_or_else(|_| NO_SUCH_UPS.to_string());
    if ctx.wanted("login.primary") {
        let o = match with(ctx, ctx.settings.monitor.clone(), "--monitor-user").await {
            Ok(p) => login_primary(p, &ups).await,
            Err(o) => o,
        };
        ctx.record("login.primary", o);
    }
    if ctx.wanted("set.readonly") {
        // A variable LIST VAR shows and LIST RW does not: SET must be refused, so nothing
        // changes on a correct server.
        let readonly = ctx
            .facts
            .vars
            .iter()
            .find(|(n, _)| !ctx.facts.rw.iter().any(|(r, _)| r == n))
            .cloned();
        let o = match (
            readonly,
            with(ctx, ctx.settings.admin.clone(), "--admin-user").await,
        ) {
            (_, Err(o)) => o,
            (None, Ok(p)) => {
                p.close().await;
                Outcome::skip("every variable of the UPS is writable")
            }
            (Some((var, value)), Ok(mut p)) => {
                let sent = nut_core::net::Request::SetVar {
                    ups: ups.clone(),
                    var,
                    value,
                }
                .to_line();
                let a = p.ask(&sent).await;
                p.close().await;
                super::judge(&sent, "ERR READONLY", &a, |l| l.is_err("READONLY"))
            }
        };
        ctx.record("set.readonly", o);
    }
    if ctx.wanted("set.var") {
        let o = match (
            ctx.facts.rw.first().cloned(),
            with(ctx, ctx.settings.admin.clone(), "--admin-user").await,
        ) {
            (_, Err(o)) => o,
            (None, Ok(p)) => {
                p.close().await;
                Outcome::skip("the UPS has no writable variable")
            }
            (Some((var, value)), Ok(p)) => {
                let line = nut_core::net::Request::SetVar {
                    ups: ups.clone(),
                    var,
                    value,
                }
                .to_line();
                tracked(p, &line).await
            }
        };
        ctx.record("set.var", o);
    }
    if ctx.wanted("instcmd.unknown") {
        let o = match with(ctx, ctx.settings.admin.clone(), "--admin-user").await {
            Ok(mut p) => {
                let sent = format!("INSTCMD {ups} conformance.no.such.command");
                let a = p.ask(&sent).await;
                p.close().await;
                super::judge(&sent, "ERR CMD-NOT-SUPPORTED", &a, |l| {
                    l.is_err("CMD-NOT-SUPPORTED")
                })
            }
            Err(o) => o,
        };
        ctx.record("instcmd.unknown", o);
    }
    if ctx.wanted("instcmd.run") {
        let o = match (
            ctx.settings.instcmd.clone(),
            with(ctx, ctx.settings.admin.clone(), "--admin-user").await,
        ) {
            (_, Err(o)) => o,
            (None, Ok(p)) => {
                p.close().await;
                Outcome::skip("no command named (--instcmd NAME)")
            }
            (Some(cmd), Ok(p)) => tracked(p, &format!("INSTCMD {ups} {cmd}")).await,
        };
        ctx.record("instcmd.run", o);
    }
    if ctx.wanted("fsd.set") {
        let o = match with(ctx, ctx.settings.monitor.clone(), "--monitor-user").await {
            Ok(p) => fsd(p, &ups).await,
            Err(o) => o,
        };
        ctx.record("fsd.set", o);
    }
}

/// A bare session that has sent these credentials, or the outcome when it cannot be had.
async fn with(ctx: &Ctx, creds: Option<Credentials>, option: &str) -> Result<Probe, Outcome> {
    let Some(c) = creds else {
        return Err(Outcome::skip(format!("no credentials given ({option})")));
    };
    let mut p = ctx
        .bare_session()
        .await
        .map_err(|e| Outcome::fail("USERNAME", "OK", e))?;
    p.credentials(&c.user, &c.password).await.map_err(|e| {
        Outcome::fail(
            format!("USERNAME {} | PASSWORD <hidden>", c.user),
            "OK | OK",
            e,
        )
    })?;
    Ok(p)
}

async fn numlogins(p: &mut Probe, ups: &str) -> Option<u64> {
    let a = p.ask(&format!("GET NUMLOGINS {ups}")).await;
    match a.line()?.reply {
        Some(Reply::NumLogins { count, .. }) => u64::try_from(count).ok(),
        _ => None,
    }
}

async fn login_primary(mut p: Probe, ups: &str) -> Outcome {
    let before = numlogins(&mut p, ups).await;
    let login = format!("LOGIN {ups}");
    let steps: [(String, &str); 4] = [
        (login.clone(), "OK"),
        (format!("PRIMARY {ups}"), "OK PRIMARY-GRANTED (or OK ...)"),
        (format!("MASTER {ups}"), "OK MASTER-GRANTED (or OK ...)"),
        (login.clone(), "ERR ALREADY-LOGGED-IN"),
    ];
    let mut got = Vec::new();
    for (i, (sent, expected)) in steps.iter().enumerate() {
        let a = p.ask(sent).await;
        let ok = match i {
            0 => a.line().is_some_and(|l| l.is(&["OK"])),
            1 | 2 => a
                .line()
                .is_some_and(|l| matches!(l.reply, Some(Reply::Ok | Reply::OkMessage(_)))),
            _ => a.is_err("ALREADY-LOGGED-IN"),
        };
        if !ok {
            p.close().await;
            return Outcome::fail(sent.as_str(), *expected, a.text());
        }
        got.push(a.text());
        if i == 0 {
            let after = numlogins(&mut p, ups).await;
            if before.zip(after).is_none_or(|(b, a)| a != b + 1) {
                p.close().await;
                return Outcome::fail(
                    format!("GET NUMLOGINS {ups} | LOGIN {ups} | GET NUMLOGINS {ups}"),
                    "the count grows by one",
                    format!("{before:?} then {after:?}"),
                );
            }
            let clients = p.ask_list(&format!("LIST CLIENT {ups}")).await;
            if clients.items.is_empty() {
                p.close().await;
                return Outcome::fail(
                    format!("LIST CLIENT {ups}"),
                    "our address listed",
                    clients.text(),
                );
            }
        }
    }
    p.close().await;
    Outcome::Pass(got.join(" | "))
}

/// Send `line` with tracking on: `OK TRACKING <uuid>`, then GET TRACKING until it is no
/// longer PENDING: SUCCESS passes.
async fn tracked(mut p: Probe, line: &str) -> Outcome {
    let a = p.ask("SET TRACKING ON").await;
    if !a.line().is_some_and(|l| l.is(&["OK"])) {
        p.close().await;
        return Outcome::fail("SET TRACKING ON", "OK", a.text());
    }
    let a = p.ask(line).await;
    // The id goes back as the server spelled it.
    let id = a.line().and_then(|l| match l.reply {
        Some(Reply::OkMessage(OkMessage::Tracking(_))) => l.words.get(2).cloned(),
        _ => None,
    });
    let Some(id) = id else {
        p.close().await;
        return Outcome::fail(line, "OK TRACKING <v4 UUID>", a.text());
    };
    let get = format!("GET TRACKING {id}");
    let deadline = Instant::now() + p.wait();
    let mut last = p.ask(&get).await;
    while last.line().is_some_and(|l| l.is(&["PENDING"])) && Instant::now() < deadline {
        // The driver answers in its own time; ask again after a pause, until the deadline.
        tokio::time::sleep(TRACKING_POLL).await;
        last = p.ask(&get).await;
    }
    p.close().await;
    super::judge(&format!("{line} | {get}"), "SUCCESS", &last, |l| {
        l.is(&["SUCCESS"])
    })
}

async fn fsd(mut p: Probe, ups: &str) -> Outcome {
    let sent = format!("FSD {ups}");
    let a = p.ask(&sent).await;
    if !a.line().is_some_and(|l| l.is(&["OK", "FSD-SET"])) {
        p.close().await;
        return Outcome::fail(sent, "OK FSD-SET", a.text());
    }
    let get = format!("GET VAR {ups} ups.status");
    let a = p.ask(&get).await;
    p.close().await;
    super::judge(
        &format!("{sent} | {get}"),
        "VAR ... ups.status \"FSD ...\"",
        &a,
        |l| matches!(&l.reply, Some(Reply::Var { value, .. }) if value.starts_with("FSD")),
    )
}
