//! The checks, grouped by what they exercise; [`run_all`] runs the groups in catalog order.
//! Each check records its outcome in the [`Ctx`] under its catalog id.

mod auth;
mod basics;
mod effects;
mod get;
mod idle;
mod lines;
mod lists;
mod tls;

use nut_core::net::Reply;

use crate::outcome::Outcome;
use crate::probe::{Answer, Line};
use crate::run::Ctx;

/// Run every group.
pub async fn run_all(ctx: &mut Ctx) {
    basics::run(ctx).await;
    lists::discover(ctx).await;
    get::run(ctx).await;
    lists::run(ctx).await;
    auth::run(ctx).await;
    lines::run(ctx).await;
    tls::run(ctx).await;
    effects::run(ctx).await;
    idle::run(ctx).await;
}

/// The outcome of one request on a fresh session: pass when `ok` holds for the reply line.
async fn one_line(ctx: &Ctx, request: &str, expected: &str, ok: impl Fn(&Line) -> bool) -> Outcome {
    let mut p = match ctx.session().await {
        Ok(p) => p,
        Err(e) => return Outcome::fail(request, expected, e),
    };
    let a = p.ask(request).await;
    p.close().await;
    let shown = if request.is_empty() {
        "<empty line>"
    } else {
        request
    };
    judge(shown, expected, &a, ok)
}

/// Pass when the answer is a line for which `ok` holds, else a failure naming all three.
fn judge(sent: &str, expected: &str, a: &Answer, ok: impl Fn(&Line) -> bool) -> Outcome {
    match a.line() {
        Some(l) if ok(l) => Outcome::Pass(l.text()),
        _ => Outcome::fail(sent, expected, a.text()),
    }
}

/// Record the check: `ERR <code>` expected for `request`.
async fn expect_err(ctx: &mut Ctx, id: &str, request: &str, code: &str) {
    if !ctx.wanted(id) {
        return;
    }
    let expected = format!("ERR {code}");
    let o = one_line(ctx, request, &expected, |l| l.is_err(code)).await;
    ctx.record(id, o);
}

/// Whether nut-core reads the line as a bare protocol version (`1.3`): free text that is
/// one version word.
fn is_version_line(l: &Line) -> bool {
    matches!(&l.reply, Some(Reply::Text(text)) if is_version(text))
}

/// A bare protocol version (`1.3`).
fn is_version(word: &str) -> bool {
    let mut parts = word.split('.');
    let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    [a, b]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
}
