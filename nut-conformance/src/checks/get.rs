//! GET VAR / NUMLOGINS / UPSDESC / TYPE / DESC, and GET's errors.

use super::lists::NO_SUCH_UPS;
use super::{expect_err, one_line};
use crate::run::Ctx;

const STATUS: &str = "ups.status";

pub(super) async fn run(ctx: &mut Ctx) {
    expect_err(ctx, "get.noargs", "GET", "INVALID-ARGUMENT").await;
    expect_err(
        ctx,
        "get.ups.unknown",
        &format!("GET VAR {NO_SUCH_UPS} {STATUS}"),
        "UNKNOWN-UPS",
    )
    .await;
    expect_err(
        ctx,
        "get.upsdesc.unknown",
        &format!("GET UPSDESC {NO_SUCH_UPS}"),
        "UNKNOWN-UPS",
    )
    .await;
    let ups = match ctx.ups() {
        Ok(u) => u,
        Err(skip) => {
            for id in [
                "get.var",
                "get.var.unknown",
                "get.numlogins",
                "get.upsdesc",
                "get.type",
                "get.desc",
                "get.var.args",
                "get.type.unknown",
                "get.server-info",
            ] {
                ctx.record(id, skip.clone());
            }
            return;
        }
    };
    let listed = ctx
        .facts
        .vars
        .iter()
        .find(|(n, _)| n == STATUS)
        .map(|(_, v)| v.clone());
    let request = format!("GET VAR {ups} {STATUS}");
    let o = one_line(
        ctx,
        &request,
        &format!("VAR {ups} {STATUS} \"<value>\""),
        |l| {
            l.words.len() == 4
                && l.words[..3] == ["VAR", ups.as_str(), STATUS]
                && l.quoted[3]
                && listed.as_ref().is_none_or(|v| *v == l.words[3])
        },
    )
    .await;
    ctx.record("get.var", o);
    expect_err(
        ctx,
        "get.var.unknown",
        &format!("GET VAR {ups} conformance.no.such.var"),
        "VAR-NOT-SUPPORTED",
    )
    .await;
    let request = format!("GET NUMLOGINS {ups}");
    let o = one_line(ctx, &request, &format!("NUMLOGINS {ups} <n>"), |l| {
        l.words.len() == 3
            && l.words[..2] == ["NUMLOGINS", ups.as_str()]
            && !l.quoted[2]
            && !l.words[2].is_empty()
            && l.words[2].bytes().all(|b| b.is_ascii_digit())
    })
    .await;
    ctx.record("get.numlogins", o);
    let request = format!("GET UPSDESC {ups}");
    let o = one_line(
        ctx,
        &request,
        &format!("UPSDESC {ups} \"<description>\""),
        |l| l.words.len() == 3 && l.words[..2] == ["UPSDESC", ups.as_str()] && l.quoted[2],
    )
    .await;
    ctx.record("get.upsdesc", o);
    let request = format!("GET TYPE {ups} {STATUS}");
    let o = one_line(
        ctx,
        &request,
        &format!("TYPE {ups} {STATUS} <RW|ENUM|RANGE|STRING:n|NUMBER>..."),
        |l| {
            l.words.len() >= 4
                && l.words[..3] == ["TYPE", ups.as_str(), STATUS]
                && l.words[3..].iter().all(|w| type_word(w))
        },
    )
    .await;
    ctx.record("get.type", o);
    let request = format!("GET DESC {ups} {STATUS}");
    let o = one_line(
        ctx,
        &request,
        &format!("DESC {ups} {STATUS} \"<text>\""),
        |l| l.words.len() == 4 && l.words[..3] == ["DESC", ups.as_str(), STATUS] && l.quoted[3],
    )
    .await;
    ctx.record("get.desc", o);
    expect_err(
        ctx,
        "get.var.args",
        &format!("GET VAR {ups}"),
        "INVALID-ARGUMENT",
    )
    .await;
    expect_err(
        ctx,
        "get.type.unknown",
        &format!("GET TYPE {ups} conformance.no.such.var"),
        "VAR-NOT-SUPPORTED",
    )
    .await;
    let request = format!("GET VAR {ups} server.info");
    let o = one_line(
        ctx,
        &request,
        &format!("VAR {ups} server.info \"Network UPS Tools upsd ...\""),
        |l| {
            l.words.len() == 4
                && l.words[..3] == ["VAR", ups.as_str(), "server.info"]
                && l.quoted[3]
                && l.words[3].starts_with("Network UPS Tools")
        },
    )
    .await;
    ctx.record("get.server-info", o);
}

fn type_word(w: &str) -> bool {
    match w {
        "RW" | "ENUM" | "RANGE" | "NUMBER" => true,
        _ => w
            .strip_prefix("STRING:")
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
    }
}
