//! The idle timeout: a client that sends nothing is disconnected after about 60 s. Slow, so
//! only when named with `--enable idle.timeout`.

use std::time::Instant;

use crate::outcome::Outcome;
use crate::probe::Answer;
use crate::run::Ctx;

pub(super) async fn run(ctx: &mut Ctx) {
    if !ctx.wanted("idle.timeout") {
        return;
    }
    let wait = ctx.settings.idle_wait;
    let o = match ctx.bare_session().await {
        Err(e) => Outcome::fail("(nothing)", "a close", e),
        Ok(mut p) => {
            let start = Instant::now();
            match p.next_within(wait).await {
                Answer::Closed => {
                    Outcome::Pass(format!("closed after {} s", start.elapsed().as_secs()))
                }
                other => Outcome::fail(
                    format!("(nothing for {} s)", wait.as_secs()),
                    "the server closes the connection",
                    other.text(),
                ),
            }
        }
    };
    ctx.record("idle.timeout", o);
}
