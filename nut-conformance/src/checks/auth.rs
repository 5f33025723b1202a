//! Credentials and sessions: USERNAME / PASSWORD once each, the dispatcher's
//! USERNAME-REQUIRED / PASSWORD-REQUIRED, a refused login, the read-only user, GET TRACKING,
//! LOGOUT. Nothing here logs in or changes anything.

use super::lists::NO_SUCH_UPS;
use super::{expect_err, judge};
use crate::outcome::Outcome;
use crate::probe::Answer;
use crate::run::Ctx;

/// A user name that no server should know.
const NOBODY: &str = "conformance-nobody";

pub(super) async fn run(ctx: &mut Ctx) {
    let o = super::one_line(ctx, "GET TRACKING", "OFF", |l| l.is(&["OFF"])).await;
    ctx.record("tracking.get", o);
    expect_err(
        ctx,
        "tracking.id-while-off",
        "GET TRACKING 6D6C2B7E-3C0A-4F51-9A43-0E1F55D2B8C1",
        "FEATURE-NOT-CONFIGURED",
    )
    .await;
    expect_err(
        ctx,
        "tracking.set-needs-username",
        "SET TRACKING ON",
        "USERNAME-REQUIRED",
    )
    .await;
    let user = format!("USERNAME {NOBODY}");
    let o = sequence(
        ctx,
        &[
            &user,
            "PASSWORD conformance",
            "SET TRACKING ON",
            "GET TRACKING",
            "SET TRACKING MAYBE",
        ],
        "OK | OK | OK | ON | ERR INVALID-ARGUMENT",
        |a| {
            a[2].line().is_some_and(|l| l.is(&["OK"]))
                && a[3].line().is_some_and(|l| l.is(&["ON"]))
                && a[4].is_err("INVALID-ARGUMENT")
        },
    )
    .await;
    ctx.record("tracking.set", o);
    let ups = ctx.ups().unwrap_or_else(|_| NO_SUCH_UPS.to_string());
    expect_err(ctx, "auth.username-args", "USERNAME", "INVALID-ARGUMENT").await;
    twice(
        ctx,
        "auth.username-twice",
        &user,
        "USERNAME other",
        "ALREADY-SET-USERNAME",
    )
    .await;
    twice(
        ctx,
        "auth.password-twice",
        "PASSWORD one",
        "PASSWORD two",
        "ALREADY-SET-PASSWORD",
    )
    .await;
    expect_err(
        ctx,
        "auth.login-needs-username",
        &format!("LOGIN {ups}"),
        "USERNAME-REQUIRED",
    )
    .await;
    let o = sequence(
        ctx,
        &[&user, &format!("LOGIN {ups}")],
        "OK | ERR PASSWORD-REQUIRED",
        |a| a[0].line().is_some_and(|l| l.is(&["OK"])) && a[1].is_err("PASSWORD-REQUIRED"),
    )
    .await;
    ctx.record("auth.login-needs-password", o);
    expect_err(
        ctx,
        "auth.instcmd-needs-username",
        &format!("INSTCMD {ups} conformance.no.such.command"),
        "USERNAME-REQUIRED",
    )
    .await;
    expect_err(
        ctx,
        "auth.set-needs-username",
        &format!("SET VAR {ups} conformance.no.such.var \"x\""),
        "USERNAME-REQUIRED",
    )
    .await;
    let o = match ctx.ups() {
        Err(skip) => skip,
        Ok(ups) => {
            sequence(
                ctx,
                &[&user, "PASSWORD conformance-wrong", &format!("LOGIN {ups}")],
                "OK | OK | ERR ACCESS-DENIED",
                |a| a[2].is_err("ACCESS-DENIED"),
            )
            .await
        }
    };
    ctx.record("auth.bad-password", o);
    let o = match &ctx.settings.reader {
        None => Outcome::skip("no read-only user given (--user)"),
        Some(c) => match ctx.session().await {
            Ok(p) => {
                p.close().await;
                Outcome::Pass(format!("USERNAME {} accepted", c.user))
            }
            Err(e) => Outcome::fail(
                format!("USERNAME {} | PASSWORD <hidden>", c.user),
                "OK | OK",
                e,
            ),
        },
    };
    ctx.record("auth.readonly-user", o);
    logout(ctx).await;
}

/// `first` answered OK, `second` answered `ERR <code>`.
async fn twice(ctx: &mut Ctx, id: &str, first: &str, second: &str, code: &str) {
    let o = sequence(ctx, &[first, second], &format!("OK | ERR {code}"), |a| {
        a[0].line().is_some_and(|l| l.is(&["OK"])) && a[1].is_err(code)
    })
    .await;
    ctx.record(id, o);
}

/// Send `requests` one after another on a fresh session (no credentials) and judge the
/// replies together.
async fn sequence(
    ctx: &Ctx,
    requests: &[&str],
    expected: &str,
    ok: impl Fn(&[Answer]) -> bool,
) -> Outcome {
    let sent = requests.join(" | ");
    let mut p = match ctx.bare_session().await {
        Ok(p) => p,
        Err(e) => return Outcome::fail(sent, expected, e),
    };
    let mut answers = Vec::new();
    for r in requests {
        answers.push(p.ask(r).await);
    }
    p.close().await;
    if ok(&answers) {
        Outcome::pass()
    } else {
        let got: Vec<String> = answers.iter().map(Answer::text).collect();
        Outcome::fail(sent, expected, got.join(" | "))
    }
}

async fn logout(ctx: &mut Ctx) {
    let mut p = match ctx.bare_session().await {
        Ok(p) => p,
        Err(e) => {
            ctx.record("logout.reply", Outcome::fail("LOGOUT", "OK Goodbye", e));
            return;
        }
    };
    let a = p.ask("LOGOUT").await;
    let reply = judge("LOGOUT", "OK Goodbye", &a, |l| {
        l.is(&["OK", "Goodbye"]) || l.raw.starts_with(b"Goodbye")
    });
    let closes = if reply.is_fail() {
        Outcome::skip("LOGOUT was not answered")
    } else {
        match p.next().await {
            Answer::Closed => Outcome::pass(),
            other => Outcome::fail("LOGOUT", "the server closes the connection", other.text()),
        }
    };
    ctx.record("logout.reply", reply);
    ctx.record("logout.closes", closes);
}
