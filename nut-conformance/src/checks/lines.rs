//! Lines a server must survive: one longer than any NUT line, one with control bytes and an
//! unescaped `#` inside quotes.

use std::time::Duration;

use super::is_version_line;
use crate::outcome::Outcome;
use crate::probe::{Answer, Probe};
use crate::run::Ctx;

/// Bytes of the overlong line: far past C NUT's 512-byte lines and any word limit.
const OVERLONG: usize = 9000;

/// How long the server is given to deal with the malformed line before the next one is
/// sent (a correct server may answer it with nothing at all).
const SETTLE: Duration = Duration::from_millis(300);

/// Replies read while looking for the NETVER answer after a malformed line.
const MAX_REPLIES: usize = 4;

pub(super) async fn run(ctx: &mut Ctx) {
    let o = overlong(ctx).await;
    ctx.record("line.overlong", o);
    let o = malformed(ctx).await;
    ctx.record("line.malformed", o);
}

async fn overlong(ctx: &Ctx) -> Outcome {
    let sent = format!("{OVERLONG} x 'X' then NETVER");
    let expected = "an ERR line (or a close), then the NETVER reply";
    let mut p = match ctx.session().await {
        Ok(p) => p,
        Err(e) => return Outcome::fail(sent, expected, e),
    };
    let mut line = vec![b'X'; OVERLONG];
    line.push(b'\n');
    if let Err(e) = p.send_bytes(&line).await {
        return Outcome::fail(sent, expected, e);
    }
    let first = p.next().await;
    match &first {
        Answer::Closed => return Outcome::Pass("the server closed the connection".into()),
        Answer::Line(l) if l.is_error() => {}
        other => return Outcome::fail(sent, expected, other.text()),
    }
    let after = ask_version(&mut p).await;
    p.close().await;
    match after {
        Ok(()) => Outcome::Pass(first.text()),
        Err(got) => Outcome::fail(sent, expected, format!("{} | {got}", first.text())),
    }
}

async fn malformed(ctx: &Ctx) -> Outcome {
    let sent = "GET VAR x \"a#b\"\\n, then \\x01NETVER\\x02\\n";
    let expected = "the NETVER reply among the next replies";
    let mut p = match ctx.session().await {
        Ok(p) => p,
        Err(e) => return Outcome::fail(sent, expected, e),
    };
    let mut got = Vec::new();
    if let Err(e) = p.send_bytes(b"GET VAR x \"a#b\"\n").await {
        return Outcome::fail(sent, expected, e);
    }
    // C upsd answers nothing for a line its tokenizer rejects and drops the rest of that
    // read: the next line goes in a read of its own, once the server had time to act.
    match p.next_within(SETTLE).await {
        Answer::Silent => {}
        Answer::Line(l) => got.push(l.text()),
        other => return Outcome::fail(sent, expected, other.text()),
    }
    if let Err(e) = p.send_bytes(b"\x01NETVER\x02\n").await {
        return Outcome::fail(sent, expected, e);
    }
    for _ in 0..MAX_REPLIES {
        let a = p.next().await;
        let done = a.line().is_some_and(is_version_line);
        got.push(a.text());
        if done {
            p.close().await;
            return Outcome::pass();
        }
        if !matches!(a, Answer::Line(_)) {
            break;
        }
    }
    Outcome::fail(sent, expected, got.join(" | "))
}

/// Send NETVER and read its reply; the reply text when it is not a version.
async fn ask_version(p: &mut Probe) -> Result<(), String> {
    let a = p.ask("NETVER").await;
    if a.line().is_some_and(is_version_line) {
        Ok(())
    } else {
        Err(a.text())
    }
}
