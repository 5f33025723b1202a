//! LIST UPS / VAR / RW / CMD / ENUM / RANGE / CLIENT: framing, item shape, quoting, order,
//! and the errors sent instead of a list. LIST UPS and LIST VAR also pick the UPS under test
//! and learn its variables for the later checks.

use super::{expect_err, one_line};
use crate::outcome::Outcome;
use crate::probe::{Line, ListAnswer};
use crate::run::Ctx;

/// A name no server serves.
pub(super) const NO_SUCH_UPS: &str = "conformance-no-such-ups";

/// How many writable variables are looked at (GET TYPE each) to find an ENUM and a RANGE.
const TYPE_PROBES: usize = 32;

/// The shape item lines must have: keyword, echoed words, then `data` more words, of which
/// those listed in `quoted` (indexes into the whole line) are in double quotes.
struct Shape<'a> {
    echo: &'a [&'a str],
    data: usize,
    quoted: &'a [usize],
}

/// Check the frame and every item; the failure text on the first problem.
fn check_list(request: &str, list: &ListAnswer, shape: &Shape<'_>) -> Result<(), Outcome> {
    let expected = format!(
        "BEGIN LIST {q} | {q} ... lines | END LIST {q}",
        q = shape.echo.join(" ")
    );
    if !list.framed(shape.echo) {
        return Err(Outcome::fail(request, expected, list.text()));
    }
    for item in &list.items {
        if !item_ok(item, shape) {
            return Err(Outcome::fail(request, expected, item.text()));
        }
    }
    Ok(())
}

fn item_ok(item: &Line, shape: &Shape<'_>) -> bool {
    item.parse_error.is_none()
        && item.words.len() == shape.echo.len() + shape.data
        && item.words.iter().zip(shape.echo).all(|(w, e)| w == e)
}

/// Quoting: the words at `shape.quoted` of every item were written in double quotes.
fn check_quoting(request: &str, list: &ListAnswer, shape: &Shape<'_>) -> Outcome {
    for item in &list.items {
        if item.parse_error.is_some()
            || shape
                .quoted
                .iter()
                .any(|&i| !item.quoted.get(i).copied().unwrap_or(false))
        {
            return Outcome::fail(
                request,
                "every value in double quotes, with \\\\, \\\" and \\# escaped",
                item.text(),
            );
        }
    }
    Outcome::pass()
}

async fn fetch(ctx: &Ctx, request: &str) -> Result<ListAnswer, Outcome> {
    let mut p = ctx
        .session()
        .await
        .map_err(|e| Outcome::fail(request, "a list", e))?;
    let list = p.ask_list(request).await;
    p.close().await;
    Ok(list)
}

/// LIST UPS, the UPS under test, anonymous reads, LIST VAR.
pub(super) async fn discover(ctx: &mut Ctx) {
    let shape = Shape {
        echo: &["UPS"],
        data: 2,
        quoted: &[2],
    };
    match fetch(ctx, "LIST UPS").await {
        Err(o) => ctx.record("list.ups.framing", o),
        Ok(list) => {
            let framing = check_list("LIST UPS", &list, &shape)
                .map(|()| check_quoting("LIST UPS", &list, &shape))
                .unwrap_or_else(|o| o);
            let names: Vec<String> = list
                .items
                .iter()
                .filter_map(|l| l.words.get(1).cloned())
                .collect();
            ctx.record("list.ups.framing", framing);
            let target = match ctx.facts.ups.clone() {
                Some(u) if names.iter().any(|n| n.eq_ignore_ascii_case(&u)) => Outcome::pass(),
                Some(u) => Outcome::fail("LIST UPS", format!("UPS {u} \"...\""), list.text()),
                None => match names.first() {
                    Some(first) => {
                        ctx.facts.ups = Some(first.clone());
                        Outcome::Pass(format!("testing {first}, the first listed"))
                    }
                    None => Outcome::skip("the server lists no UPS"),
                },
            };
            ctx.record("list.ups.target", target);
        }
    }
    let ups = match ctx.ups() {
        Ok(u) => u,
        Err(skip) => {
            for id in [
                "anon.reads",
                "list.var.framing",
                "list.var.quoting",
                "list.var.order",
                "list.var.status",
            ] {
                ctx.record(id, skip.clone());
            }
            return;
        }
    };
    let request = format!("LIST VAR {ups}");
    let anon = match ctx.bare_session().await {
        Err(e) => Outcome::fail(&request, "BEGIN LIST VAR", e),
        Ok(mut p) => {
            let a = p.ask(&request).await;
            p.close().await;
            super::judge(&request, &format!("BEGIN LIST VAR {ups}"), &a, |l| {
                l.words.first().map(String::as_str) == Some("BEGIN")
            })
        }
    };
    ctx.record("anon.reads", anon);
    let list = match fetch(ctx, &request).await {
        Ok(l) => l,
        Err(o) => {
            ctx.record("list.var.framing", o);
            return;
        }
    };
    let shape = Shape {
        echo: &["VAR", &ups],
        data: 2,
        quoted: &[3],
    };
    if let Err(o) = check_list(&request, &list, &shape) {
        ctx.record("list.var.framing", o);
        return;
    }
    ctx.record(
        "list.var.framing",
        Outcome::Pass(format!("{} variables", list.items.len())),
    );
    ctx.record("list.var.quoting", check_quoting(&request, &list, &shape));
    let names: Vec<String> = list.items.iter().map(|l| l.words[2].clone()).collect();
    let order = names
        .windows(2)
        .find(|w| w[0].to_ascii_lowercase() > w[1].to_ascii_lowercase())
        .map_or_else(Outcome::pass, |w| {
            Outcome::fail(
                &request,
                "names in ascending order, case-insensitively",
                format!("{} before {}", w[0], w[1]),
            )
        });
    ctx.record("list.var.order", order);
    let status = if names.iter().any(|n| n == "ups.status") {
        Outcome::pass()
    } else {
        Outcome::fail(
            &request,
            format!("VAR {ups} ups.status \"...\""),
            "no ups.status line",
        )
    };
    ctx.record("list.var.status", status);
    ctx.facts.vars = list
        .items
        .iter()
        .map(|l| (l.words[2].clone(), l.words[3].clone()))
        .collect();
}

/// LIST RW, CMD, CLIENT, ENUM, RANGE, GET CMDDESC, and the errors.
pub(super) async fn run(ctx: &mut Ctx) {
    match ctx.ups() {
        Ok(ups) => {
            rw_and_cmd(ctx, &ups).await;
            enum_and_range(ctx, &ups).await;
            let request = format!("LIST CLIENT {ups}");
            let shape = Shape {
                // The UPS is echoed as sent in the frame; items carry the ups.conf spelling.
                echo: &["CLIENT", &ups],
                data: 1,
                quoted: &[],
            };
            let o = match fetch(ctx, &request).await {
                Err(o) => o,
                Ok(list)
                    if list.framed(shape.echo)
                        && list
                            .items
                            .iter()
                            .all(|l| l.words.len() == 3 && l.words[0] == "CLIENT") =>
                {
                    Outcome::pass()
                }
                Ok(list) => Outcome::fail(
                    &request,
                    format!(
                        "BEGIN LIST CLIENT {ups} | CLIENT {ups} <address> lines | END LIST CLIENT {ups}"
                    ),
                    list.text(),
                ),
            };
            ctx.record("list.client.framing", o);
        }
        Err(skip) => {
            for id in [
                "list.rw.framing",
                "list.cmd.framing",
                "get.cmddesc",
                "list.enum.framing",
                "list.range.framing",
                "list.client.framing",
            ] {
                ctx.record(id, skip.clone());
            }
        }
    }
    let request = format!("LIST VAR {NO_SUCH_UPS}");
    if ctx.wanted("list.unknown-ups") {
        let o = match fetch(ctx, &request).await {
            Err(o) => o,
            Ok(list) if list.begin.is_err("UNKNOWN-UPS") => Outcome::pass(),
            Ok(list) => Outcome::fail(&request, "ERR UNKNOWN-UPS (and no BEGIN LIST)", list.text()),
        };
        ctx.record("list.unknown-ups", o);
    }
    expect_err(
        ctx,
        "list.client.unknown-ups",
        &format!("LIST CLIENT {NO_SUCH_UPS}"),
        "UNKNOWN-UPS",
    )
    .await;
    match ctx.ups() {
        Ok(ups) => {
            let request = format!("LIST ENUM {ups} conformance.no.such.var");
            expect_err(ctx, "list.enum.unknown-var", &request, "VAR-NOT-SUPPORTED").await;
        }
        Err(skip) => ctx.record("list.enum.unknown-var", skip),
    }
    expect_err(ctx, "list.noargs", "LIST", "INVALID-ARGUMENT").await;
    expect_err(ctx, "list.bad-subcommand", "LIST FROB", "INVALID-ARGUMENT").await;
}

async fn rw_and_cmd(ctx: &mut Ctx, ups: &str) {
    let request = format!("LIST RW {ups}");
    let shape = Shape {
        echo: &["RW", ups],
        data: 2,
        quoted: &[3],
    };
    let o = match fetch(ctx, &request).await {
        Err(o) => o,
        Ok(list) => match check_list(&request, &list, &shape) {
            Err(o) => o,
            Ok(()) => {
                ctx.facts.rw = list
                    .items
                    .iter()
                    .map(|l| (l.words[2].clone(), l.words[3].clone()))
                    .collect();
                check_quoting(&request, &list, &shape)
            }
        },
    };
    ctx.record("list.rw.framing", o);
    let request = format!("LIST CMD {ups}");
    let shape = Shape {
        echo: &["CMD", ups],
        data: 1,
        quoted: &[],
    };
    let o = match fetch(ctx, &request).await {
        Err(o) => o,
        Ok(list) => match check_list(&request, &list, &shape) {
            Err(o) => o,
            Ok(()) => {
                ctx.facts.cmds = list.items.iter().map(|l| l.words[2].clone()).collect();
                Outcome::Pass(format!("{} commands", list.items.len()))
            }
        },
    };
    ctx.record("list.cmd.framing", o);
    let o = match ctx.facts.cmds.first().cloned() {
        None => Outcome::skip("the UPS has no instant commands"),
        Some(cmd) => {
            let request = format!("GET CMDDESC {ups} {cmd}");
            one_line(
                ctx,
                &request,
                &format!("CMDDESC {ups} {cmd} \"<text>\""),
                |l| {
                    l.words.len() == 4
                        && l.words[..3] == ["CMDDESC", ups, cmd.as_str()]
                        && l.quoted[3]
                },
            )
            .await
        }
    };
    ctx.record("get.cmddesc", o);
}

async fn enum_and_range(ctx: &mut Ctx, ups: &str) {
    let mut enum_var = None;
    let mut range_var = None;
    if let Ok(mut p) = ctx.session().await {
        for (var, _) in ctx.facts.rw.iter().take(TYPE_PROBES) {
            let a = p.ask(&format!("GET TYPE {ups} {var}")).await;
            let Some(l) = a.line() else { break };
            if enum_var.is_none() && l.words.iter().any(|w| w == "ENUM") {
                enum_var = Some(var.clone());
            }
            if range_var.is_none() && l.words.iter().any(|w| w == "RANGE") {
                range_var = Some(var.clone());
            }
        }
        p.close().await;
    }
    for (id, kw, var, data, quoted) in [
        ("list.enum.framing", "ENUM", enum_var, 1, &[3usize][..]),
        ("list.range.framing", "RANGE", range_var, 2, &[3, 4][..]),
    ] {
        let Some(var) = var else {
            ctx.record(
                id,
                Outcome::skip(format!("no writable variable of type {kw} (GET TYPE)")),
            );
            continue;
        };
        let request = format!("LIST {kw} {ups} {var}");
        let shape = Shape {
            echo: &[kw, ups, &var],
            data,
            quoted,
        };
        let o = match fetch(ctx, &request).await {
            Err(o) => o,
            Ok(list) => check_list(&request, &list, &shape)
                .map(|()| check_quoting(&request, &list, &shape))
                .unwrap_or_else(|o| o),
        };
        ctx.record(id, o);
    }
}
