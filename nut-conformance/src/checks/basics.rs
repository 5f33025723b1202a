//! VER, NETVER, PROTVER, HELP, unknown and empty commands, keyword case, CR LF, pipelining.

use super::{expect_err, is_version, is_version_line, judge, one_line};
use crate::outcome::Outcome;
use crate::run::Ctx;

const VER_PREFIX: &str = "Network UPS Tools upsd";

pub(super) async fn run(ctx: &mut Ctx) {
    let ver = one_line(ctx, "VER", "one line of text", |l| {
        !l.words.is_empty() && !l.is_error() && l.parse_error.is_none()
    })
    .await;
    if let Outcome::Pass(text) = &ver {
        let o = if text.starts_with(VER_PREFIX) {
            Outcome::pass()
        } else {
            Outcome::fail(
                "VER",
                format!("{VER_PREFIX} <version> - <url>"),
                text.clone(),
            )
        };
        ctx.record("ver.text", o);
    }
    ctx.record("ver.reply", ver);
    expect_err(ctx, "ver.args", "VER extra", "INVALID-ARGUMENT").await;

    let netver = one_line(ctx, "NETVER", "a version such as 1.3", is_version_line).await;
    let protver = one_line(ctx, "PROTVER", "the version NETVER gave", is_version_line).await;
    let protver = match (&netver, protver) {
        (Outcome::Pass(n), Outcome::Pass(p)) if n != &p => {
            Outcome::fail("PROTVER", format!("{n} (as NETVER)"), p)
        }
        (_, o) => o,
    };
    let known = match &netver {
        Outcome::Pass(v) => Some(v.clone()),
        _ => None,
    };
    ctx.record("netver.reply", netver);
    ctx.record("protver.reply", protver);

    let o = one_line(ctx, "HELP", "Commands: ...", |l| {
        l.raw.starts_with(b"Commands:")
    })
    .await;
    ctx.record("help.reply", o);
    expect_err(ctx, "cmd.unknown", "FROBNICATE", "UNKNOWN-COMMAND").await;
    expect_err(ctx, "cmd.empty-line", "", "UNKNOWN-COMMAND").await;

    let o = match &known {
        Some(v) => {
            let lower = one_line(ctx, "netver", v, |l| l.is(&[v.as_str()])).await;
            match lower {
                Outcome::Pass(_) => {
                    one_line(ctx, "list ups", "BEGIN LIST UPS", |l| {
                        l.is(&["BEGIN", "LIST", "UPS"])
                    })
                    .await
                }
                other => other,
            }
        }
        None => Outcome::skip("NETVER gave no version to compare with"),
    };
    ctx.record("cmd.case", o);
    let o = match &known {
        Some(v) => crlf(ctx, v).await,
        None => Outcome::skip("NETVER gave no version to compare with"),
    };
    ctx.record("line.crlf", o);
    let o = match &known {
        Some(v) => pipelined(ctx, v).await,
        None => Outcome::skip("NETVER gave no version to compare with"),
    };
    ctx.record("line.pipelined", o);
}

async fn crlf(ctx: &Ctx, version: &str) -> Outcome {
    let sent = "NETVER\\r\\n";
    let mut p = match ctx.session().await {
        Ok(p) => p,
        Err(e) => return Outcome::fail(sent, version, e),
    };
    if let Err(e) = p.send_bytes(b"NETVER\r\n").await {
        return Outcome::fail(sent, version, e);
    }
    let a = p.next().await;
    p.close().await;
    judge(sent, version, &a, |l| l.is(&[version]))
}

async fn pipelined(ctx: &Ctx, version: &str) -> Outcome {
    let sent = "NETVER\\nFROBNICATE\\nVER\\n (one write)";
    let expected = format!("{version} | ERR UNKNOWN-COMMAND | <VER text>");
    let mut p = match ctx.session().await {
        Ok(p) => p,
        Err(e) => return Outcome::fail(sent, expected, e),
    };
    if let Err(e) = p.send_bytes(b"NETVER\nFROBNICATE\nVER\n").await {
        return Outcome::fail(sent, expected, e);
    }
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(p.next().await);
    }
    p.close().await;
    let ok = got[0].line().is_some_and(|l| l.is(&[version]))
        && got[1].is_err("UNKNOWN-COMMAND")
        && got[2]
            .line()
            .is_some_and(|l| !l.words.is_empty() && !l.is_error() && !is_version(&l.words[0]));
    if ok {
        Outcome::pass()
    } else {
        let got: Vec<String> = got.iter().map(|a| a.text()).collect();
        Outcome::fail(sent, expected, got.join(" | "))
    }
}
