//! The rows measured on both servers: each measurement run side by side, rnut's and C's
//! figures with their ratio and target.

use std::time::Duration;

use anyhow::{Result, anyhow};

use crate::cli::{Plan, RowGroup};
use crate::load::Target;
use crate::setup::Impl;
use crate::table::{Cell, Goal, Row, mb, ms, thousands};
use crate::{Side, conn, load, progress, stress};

pub(crate) fn tls_or_na(
    tls: std::result::Result<conn::TlsClient, String>,
) -> Result<conn::TlsClient> {
    tls.map_err(|why| anyhow!("TLS not available: {why}"))
}

pub(crate) async fn measure_all(plan: &Plan, sides: &mut [Side], vars: Option<usize>) -> Vec<Row> {
    let mut all: Vec<Row> = Vec::new();
    let dur = plan.dur;

    if plan.wants(RowGroup::Getvar) {
        for &n in &plan.getvar_clients {
            all.extend(getvar_rows(plan, sides, n).await);
        }
    }
    let nvars = vars.map(|v| v.to_string()).unwrap_or_else(|| "?".into());
    let mut rows = vec![
        Row::new(
            format!("LIST VAR ({nvars} vars) req/s, 1 client"),
            Goal::None,
            "",
        ),
        Row::new("LIST VAR p50 latency", Goal::None, ""),
        Row::new("LIST VAR p99 latency", Goal::Below(0.001), "< 1 ms"),
    ];
    let list_max = plan.list_max;
    if plan.wants(RowGroup::List) {
        each_side(sides, &mut rows, "LIST VAR", |t, _| async move {
            let (lat, tp, _) = load::list_var(&t, dur, list_max).await?;
            let p50 = lat.quantile(0.5).unwrap_or(0.0);
            let p99 = lat.quantile(0.99).unwrap_or(0.0);
            Ok(vec![
                Cell::Value(
                    tp.rate(),
                    format!("{} ({} req)", thousands(tp.rate()), lat.count()),
                ),
                Cell::Value(p50, ms(p50)),
                Cell::Value(p99, ms(p99)),
            ])
        })
        .await;
        all.extend(rows);
    }

    for &n in &plan.tls_clients {
        let (goal, text) = if n >= 10 {
            (Goal::AtLeast(2000.0), ">= 2,000/s")
        } else {
            (Goal::None, "")
        };
        let mut rows = vec![
            Row::new(
                format!("STARTTLS sessions/s, {n} client{}", plural(n)),
                goal,
                text,
            ),
            Row::new(
                format!("STARTTLS server CPU ms/session, {n} cl."),
                Goal::None,
                "",
            ),
        ];
        if plan.wants(RowGroup::Tls) {
            each_side(
                sides,
                &mut rows,
                &format!("STARTTLS x{n}"),
                |t, tls| async move {
                    let tls = tls_or_na(tls)?;
                    let tp = load::tls_sessions(&t, &tls, n, dur).await?;
                    if tp.ops == 0 {
                        anyhow::bail!(
                            "no session completed in {:.1} s ({} errors)",
                            tp.secs,
                            tp.errors
                        );
                    }
                    let per = tp.cpu_per(1000.0).unwrap_or(0.0);
                    let client = tp.client_cpu_per(1000.0).unwrap_or(0.0);
                    Ok(vec![
                        Cell::Value(
                            tp.rate(),
                            with_errors(
                                format!("{} ({} sess.)", thousands(tp.rate()), tp.ops),
                                tp.errors,
                            ),
                        ),
                        Cell::Value(per, format!("{per:.2} ms (bench {client:.2} ms)")),
                    ])
                },
            )
            .await;
            all.extend(rows);
        }
    }

    let (stallers, stall_clients) = (plan.stallers, plan.stall_clients);
    let mut rows = vec![Row::new(
        format!("GET VAR p99, {stall_clients} cl., {stallers} stalled handshakes"),
        Goal::Below(0.005),
        "< 5 ms",
    )];
    if plan.wants(RowGroup::Stall) {
        each_side(sides, &mut rows, "stalled handshakes", |t, _| async move {
            let s = stress::stall(&t, stallers, stall_clients, dur).await?;
            let p99 = s.lat.quantile(0.99).unwrap_or(0.0);
            let mut text = format!(
                "{} ({} replies",
                ms(p99),
                thousands(s.lat.answered() as f64)
            );
            if s.lat.unanswered > 0 {
                text.push_str(&format!(", {} blocked", s.lat.unanswered));
            }
            text.push_str(&format!(", {}/{} OK STARTTLS", s.stalled_ok, s.stallers));
            if let Some(b) = s.baseline.quantile(0.99) {
                text.push_str(&format!("; {} without", ms(b)));
            }
            text.push(')');
            Ok(vec![Cell::Value(p99, text)])
        })
        .await;
        all.extend(rows);
    }

    let (burst, burst_limit) = (plan.burst, plan.burst_limit);
    let mut rows = vec![Row::new(
        format!(
            "{}-connect burst: all served, time",
            thousands(burst as f64)
        ),
        Goal::Below(2.0),
        "all, < 2 s",
    )];
    if plan.wants(RowGroup::Burst) {
        each_side(sides, &mut rows, "connect burst", |t, _| async move {
            let b = stress::burst(&t, burst, burst_limit).await?;
            Ok(vec![if b.served == b.n {
                Cell::Value(b.last, format!("{}/{} in {:.2} s", b.served, b.n, b.last))
            } else {
                // The count at the cap follows the clients' SYN retries (1, 3, 7, 15 s...) when
                // the listen backlog overflows; the count within the target's 2 s does not.
                Cell::Partial(format!(
                    "{}/{} in {:.0} s cap, {} within 2 s",
                    b.served,
                    b.n,
                    b.limit.as_secs_f64(),
                    b.within_2s
                ))
            }])
        })
        .await;
        all.extend(rows);
    }

    let rounds = plan.reset_rounds;
    let mut rows = vec![Row::new(
        format!(
            "{} x (200 LIST VAR, RST): server CPU ms/round",
            thousands(rounds as f64)
        ),
        Goal::None,
        "",
    )];
    if plan.wants(RowGroup::Reset) {
        each_side(sides, &mut rows, "reset rounds", |t, _| async move {
            let r = stress::reset_rounds(&t, rounds, 200, Duration::from_secs(60)).await?;
            let per = r.cpu / r.rounds as f64 * 1e3;
            Ok(vec![Cell::Value(
                per,
                format!("{per:.2} ms ({:.1} s in all)", r.cpu),
            )])
        })
        .await;
        all.extend(rows);
    }

    let idle_limit = plan.idle_limit;
    for (n, is_tls, bound) in [(plan.idle_plain, false, 40e6), (plan.idle_tls, true, 300e6)] {
        let kind = if is_tls { "TLS" } else { "plaintext" };
        let goal_text = if is_tls { "< 300 MB" } else { "< 40 MB" };
        // The target is for 10,000 sessions; smaller runs are shown but not judged.
        let goal = if n >= 10_000 {
            Goal::Below(bound)
        } else {
            Goal::None
        };
        let mut rows = vec![Row::new(
            format!("{} idle {kind} sessions: server RSS", thousands(n as f64)),
            goal,
            goal_text,
        )];
        if plan.wants(RowGroup::Idle) {
            each_side(
                sides,
                &mut rows,
                &format!("idle {kind}"),
                |t, tls| async move {
                    let tls = if is_tls { Some(tls_or_na(tls)?) } else { None };
                    let r = stress::idle(&t, n, tls.as_ref(), idle_limit).await?;
                    let text = format!("{} (base {})", mb(r.rss_after), mb(r.rss_before));
                    Ok(vec![if r.established == r.n {
                        Cell::Value(r.rss_after as f64, text)
                    } else {
                        let why = r.why_short.unwrap_or_default();
                        let why = if why.contains("time limit") {
                            format!("{:.0} s cap", r.secs)
                        } else {
                            why
                        };
                        Cell::Partial(format!(
                            "{} (base {}) at {}/{} ({why})",
                            mb(r.rss_after),
                            mb(r.rss_before),
                            thousands(r.established as f64),
                            thousands(r.n as f64)
                        ))
                    }])
                },
            )
            .await;
            all.extend(rows);
        }
    }
    all
}

/// Append an error count to a cell's text when there were errors.
pub(crate) fn with_errors(text: String, errors: u64) -> String {
    if errors == 0 {
        text
    } else {
        format!("{text}, {errors} errors")
    }
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The GET VAR rows for `n` clients: `--repeat` measurements per server, alternating the
/// servers, reported as the medians of rate and CPU.
pub(crate) async fn getvar_rows(plan: &Plan, sides: &mut [Side], n: usize) -> Vec<Row> {
    let mut rows = vec![
        Row::new(
            format!("GET VAR req/s, {n} client{}", plural(n)),
            Goal::AtLeastC,
            ">= C",
        ),
        Row::new(
            format!("GET VAR server CPU s/100k req, {n} cl."),
            Goal::AtMostC,
            "<= C",
        ),
    ];
    let (dur, setup) = (plan.dur, plan.setup_limit);
    // Per side: (rate, server CPU) of each repetition.
    let mut samples: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
    for rep in 0..plan.repeat {
        let mut once = rows.clone();
        // Alternate which server goes first, so that an order effect (the machine still
        // busy from the row before) does not always hit the same one.
        if rep % 2 == 1 {
            sides.reverse();
        }
        each_side(
            sides,
            &mut once,
            &format!("GET VAR x{n} (run {}/{})", rep + 1, plan.repeat),
            |t, _| async move {
                let tp = load::get_var(&t, n, dur, setup).await?;
                if tp.errors > 0 && tp.ops == 0 {
                    anyhow::bail!("every client failed");
                }
                let cpu = tp.cpu_per(100_000.0).unwrap_or(0.0);
                let client = tp.client_cpu_per(100_000.0).unwrap_or(0.0);
                Ok(vec![
                    Cell::Value(tp.rate(), with_errors(thousands(tp.rate()), tp.errors)),
                    Cell::Value(cpu, format!("{cpu:.3} s (bench {client:.2} s)")),
                ])
            },
        )
        .await;
        if rep % 2 == 1 {
            sides.reverse();
        }
        if plan.repeat == 1 {
            return once;
        }
        // Back-to-back ratios of this repetition.
        if let (
            Cell::Value(r_rate, _),
            Cell::Value(r_cpu, _),
            Cell::Value(c_rate, _),
            Cell::Value(c_cpu, _),
        ) = (&once[0].rnut, &once[1].rnut, &once[0].c, &once[1].c)
        {
            if *c_rate > 0.0 && *c_cpu > 0.0 {
                rows[0].pair_ratios.push(r_rate / c_rate);
                rows[1].pair_ratios.push(r_cpu / c_cpu);
            }
        }
        let pairs = [(&once[0].rnut, &once[1].rnut), (&once[0].c, &once[1].c)];
        for (k, (a, b)) in pairs.into_iter().enumerate() {
            if let (Cell::Value(rate, _), Cell::Value(cpu, _)) = (a, b) {
                samples[k].push((*rate, *cpu));
            } else {
                // Keep the reason of a failed run.
                if samples[k].is_empty() {
                    set_pair(&mut rows, k, a.clone(), b.clone());
                }
            }
        }
    }
    for (k, runs) in samples.iter().enumerate() {
        if runs.is_empty() {
            continue;
        }
        let rate = median(runs.iter().map(|r| r.0).collect());
        let cpu = median(runs.iter().map(|r| r.1).collect());
        let rate_cell = Cell::Value(
            rate,
            format!("{} (median of {})", thousands(rate), runs.len()),
        );
        let cpu_cell = Cell::Value(cpu, format!("{cpu:.3} s (median of {})", runs.len()));
        set_pair(&mut rows, k, rate_cell, cpu_cell);
    }
    rows
}

/// Put the rate and CPU cells of side `k` (0: rnut, 1: C) into the two GET VAR rows.
pub(crate) fn set_pair(rows: &mut [Row], k: usize, rate: Cell, cpu: Cell) {
    match k {
        0 => (rows[0].rnut, rows[1].rnut) = (rate, cpu),
        _ => (rows[0].c, rows[1].c) = (rate, cpu),
    }
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Rows of one measurement kind (several figures from one run, e.g. rate + CPU).
pub(crate) type Figures = Vec<Cell>;

/// Run `f` on each side (rnut then C), filling the given rows.
pub(crate) async fn each_side<F, Fut>(sides: &mut [Side], rows: &mut [Row], name: &str, f: F)
where
    F: Fn(Target, std::result::Result<conn::TlsClient, String>) -> Fut,
    Fut: Future<Output = Result<Figures>>,
{
    for side in sides.iter_mut() {
        let selected = !side
            .down
            .as_deref()
            .is_some_and(|d| d.starts_with("not selected"));
        let cells: Figures = match side.ready().await {
            Err(why) => vec![Cell::Na(why); rows.len()],
            Ok(target) => {
                let r = tokio::time::timeout(Duration::from_secs(300), f(target, side.tls())).await;
                match r {
                    Ok(Ok(cells)) => cells,
                    Ok(Err(e)) => {
                        vec![Cell::Na(format!("{}: {e:#}", side.which.label())); rows.len()]
                    }
                    Err(_) => vec![Cell::Na("timed out after 300 s".into()); rows.len()],
                }
            }
        };
        let shown: Vec<String> = cells
            .iter()
            .map(|c| match c {
                Cell::Value(_, t) | Cell::Partial(t) => t.clone(),
                Cell::Na(w) => format!("n/a ({w})"),
            })
            .collect();
        if selected {
            progress(&format!(
                "{} {name}: {}",
                side.which.label(),
                shown.join(", ")
            ));
        }
        for (row, cell) in rows.iter_mut().zip(cells) {
            match side.which {
                Impl::Rnut => row.rnut = cell,
                Impl::C => row.c = cell,
            }
        }
    }
}
