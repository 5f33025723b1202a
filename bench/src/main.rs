//! `upsd-bench`: rnut's upsd against Debian's C upsd 2.8.0 on the same driver data, in one
//! run, printing one table (rnut, C, ratio, target). See docs/BENCHMARKS.md.
//!
//! Both servers read the same driver socket (one dummy-ups serving a 44-variable UPS) and
//! listen on OS-picked loopback ports; the measurements alternate between them row by row so
//! that background load hits both alike. Everything is bounded by time and count, and every
//! process started is stopped at the end, also on error or Ctrl-C.

mod cli;
mod conn;
mod crl;
mod load;
mod push;
mod rows;
mod scrape;
mod setup;
mod stress;
mod table;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use rnut_tests::procfs;

use crate::cli::{Cli, DriverArg, KeyArg, Only, Plan, RowGroup};
use crate::load::Target;
use crate::rows::measure_all;
use crate::setup::{DriverKind, Impl, KeyChoice, Server, World};
use crate::table::Row;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let nofile = raise_nofile();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("upsd-bench: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("SIGTERM handler")?;
        tokio::select! {
            r = run(cli, nofile) => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow!("interrupted")),
            _ = term.recv() => Err(anyhow!("terminated")),
        }
    });
    // Leftover client tasks must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("upsd-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Raise RLIMIT_NOFILE (soft to hard; as root also the hard limit) before anything is
/// spawned: the servers inherit it (C upsd's MAXCONN default is this limit). Returns the soft
/// limit in effect.
fn raise_nofile() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    const WANT: u64 = 65_536;
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return 1024;
    };
    if hard < WANT && setrlimit(Resource::RLIMIT_NOFILE, WANT, WANT).is_ok() {
        return WANT;
    }
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return hard;
    }
    soft
}

fn progress(msg: &str) {
    eprintln!("upsd-bench: {msg}");
}

async fn run(cli: Cli, nofile: u64) -> Result<()> {
    let plan = Plan::new(&cli);
    let load_before = procfs::loadavg();
    let started = std::time::SystemTime::now();
    let bin_dir = cli.rnut_bin_dir.clone().unwrap_or_else(|| {
        // Where `cargo build --release` put them: CARGO_TARGET_DIR when set.
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| rnut_tests::workspace_root().join("target"))
            .join("release")
    });
    let key = match cli.key {
        KeyArg::Default => KeyChoice::Default,
        KeyArg::Rsa => KeyChoice::Rsa,
        KeyArg::Ec => KeyChoice::Ec,
    };
    let driver = match cli.driver {
        DriverArg::C if std::path::Path::new("/lib/nut/dummy-ups").exists() => DriverKind::C,
        _ => DriverKind::Rnut,
    };
    // Leave descriptors for the bench's own client side.
    let maxconn = nofile.saturating_sub(256).max(64);
    let idle_cap = (nofile.saturating_sub(512)) as usize;
    let mut plan = plan;
    if !cli.clients.is_empty() {
        plan.getvar_clients = cli.clients.iter().map(|&n| n as usize).collect();
    }
    plan.idle_plain = plan.idle_plain.min(idle_cap);
    plan.idle_tls = plan.idle_tls.min(idle_cap);
    plan.burst = plan.burst.min(idle_cap);

    let push_rows = if plan.wants(RowGroup::Push) {
        progress("push rows (their own drivers, upsd and upsmon)");
        push::rows(&bin_dir, plan.push).await
    } else {
        Vec::new()
    };
    // Push and scrape rows build worlds of their own: asked for alone, they need neither the
    // shared driver nor C NUT.
    let own_world = |g: &RowGroup| matches!(g, RowGroup::Push | RowGroup::Scrape);
    if !plan.groups.is_empty() && plan.groups.iter().all(own_world) {
        let mut rows = push_rows;
        rows.extend(scrape_rows(&plan, &cli, &bin_dir).await);
        println!(
            "upsd-bench: push / scrape rows only; machine: {} CPUs, load average before {load_before}, after {}",
            procfs::cpus(),
            procfs::loadavg()
        );
        if cfg!(debug_assertions) {
            println!("WARNING: this is a debug build of upsd-bench: the load generator is slow");
        }
        println!();
        print!("{}", table::render(&rows));
        return Ok(());
    }

    progress(&format!("starting the driver ({driver:?} dummy-ups)"));
    let mut world = World::start(driver, &bin_dir)?;
    if cli.keep {
        progress(&format!("keeping {}", world.dir.path().display()));
    }

    let mut sides: Vec<Side> = Vec::new();
    for which in [Impl::Rnut, Impl::C] {
        let wanted = match cli.only {
            Some(Only::Rnut) => which == Impl::Rnut,
            Some(Only::C) => which == Impl::C,
            None => true,
        };
        if !wanted {
            let why = format!(
                "not selected (--only {})",
                if which == Impl::Rnut { "c" } else { "rnut" }
            );
            sides.push(Side {
                which,
                server: None,
                down: Some(why),
            });
            continue;
        }
        let (upsd, certutil) = match which {
            Impl::Rnut => (bin_dir.join("upsd"), bin_dir.join("nut-certutil")),
            Impl::C => (
                PathBuf::from("/lib/nut/upsd"),
                PathBuf::from("/usr/bin/certutil"),
            ),
        };
        progress(&format!("starting {} ({})", which.label(), upsd.display()));
        let server = setup::start_server(&world, which, &upsd, &certutil, key, maxconn).await;
        match server {
            Ok(s) => {
                if let Err(why) = &s.tls {
                    progress(&format!("{}: TLS n/a: {why}", which.label()));
                }
                sides.push(Side {
                    which,
                    server: Some(s),
                    down: None,
                })
            }
            Err(e) => {
                progress(&format!("{}: cannot start: {e:#}", which.label()));
                let hint = if which == Impl::Rnut {
                    " (build it: cargo build --release --workspace --bins)"
                } else {
                    ""
                };
                sides.push(Side {
                    which,
                    server: None,
                    down: Some(format!("{e:#}{hint}")),
                });
            }
        }
    }

    let vars = count_vars(&sides).await;
    let driver_cpu0 = world.driver_cpu();
    let mut rows = measure_all(&plan, &mut sides, vars).await;
    let rnut_up = sides
        .iter()
        .any(|s| s.which == Impl::Rnut && s.server.is_some());
    if plan.wants(RowGroup::Crl) && rnut_up {
        progress("rnut: STARTTLS at REQUIRE without and with a CRL");
        rows.extend(
            crl::rows(
                &world,
                &bin_dir.join("upsd"),
                maxconn,
                10,
                plan.dur,
                plan.repeat,
            )
            .await,
        );
    }
    rows.extend(scrape_rows(&plan, &cli, &bin_dir).await);
    rows.extend(push_rows);
    let driver_cpu = world.driver_cpu().zip(driver_cpu0).map(|(b, a)| b - a);

    let key_desc: Vec<String> = sides
        .iter()
        .filter_map(|s| s.server.as_ref().map(|srv| (s.which, srv)))
        .map(|(w, srv)| {
            let k = if srv.key_desc.is_empty() {
                "no key"
            } else {
                srv.key_desc.as_str()
            };
            format!("{}: {k}", w.label())
        })
        .collect();
    let load_after = procfs::loadavg();
    let driver_desc = world.driver_desc.clone();
    let driver_ok = world.driver_alive();

    // Stop the servers, then the driver.
    for side in &mut sides {
        if let Some(mut s) = side.server.take() {
            s.guard.stop(Duration::from_secs(3));
        }
    }
    world.stop();
    if cli.keep {
        let kept = std::mem::replace(&mut world.dir, rnut_tests::private_tempdir()).keep();
        progress(&format!("kept {}", kept.display()));
    }

    let elapsed = started.elapsed().map(|d| d.as_secs_f64()).unwrap_or(0.0);
    println!(
        "upsd-bench: rnut upsd vs Debian C upsd 2.8.0, same driver socket ({driver_desc}, {} variables, \
         driver CPU during the measurements {}{})",
        vars.map(|v| v.to_string()).unwrap_or_else(|| "?".into()),
        driver_cpu.map_or_else(|| "?".into(), |c| format!("{c:.2} s")),
        if driver_ok {
            ""
        } else {
            ", driver exited during the run"
        }
    );
    println!(
        "machine: {} CPUs, kernel {}, {}; load average before {load_before}, after {load_after}; \
         {:.1} s per timed row, run took {elapsed:.0} s{}",
        procfs::cpus(),
        std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim(),
        cpu_model(),
        plan.dur.as_secs_f64(),
        if cli.quick { " (--quick)" } else { "" }
    );
    println!(
        "server keys: {}; RLIMIT_NOFILE {nofile}, MAXCONN {maxconn}",
        key_desc.join("; ")
    );
    if cfg!(debug_assertions) {
        println!("WARNING: this is a debug build of upsd-bench: the load generator is slow");
    }
    println!();
    print!("{}", table::render(&rows));
    Ok(())
}

/// The scrape rows when asked for (rnut only: C upsd has no HTTP side).
async fn scrape_rows(plan: &Plan, cli: &Cli, bin_dir: &std::path::Path) -> Vec<Row> {
    if !plan.wants(RowGroup::Scrape) || cli.only == Some(Only::C) {
        return Vec::new();
    }
    progress("scrape rows: upsd with 100 UPSes x 60 variables");
    // Three times the row duration: enough scrapes for a p99 at SCRAPE_EVERY.
    scrape::rows(bin_dir, plan.dur * 3).await
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// One implementation's column: its server, or why there is none (any more).
struct Side {
    which: Impl,
    server: Option<Server>,
    down: Option<String>,
}

impl Side {
    /// Ready for the next measurement? Otherwise the reason (kept for later rows).
    async fn ready(&mut self) -> std::result::Result<Target, String> {
        if let Some(why) = &self.down {
            return Err(why.clone());
        }
        let Some(server) = self.server.as_mut() else {
            return Err("not started".into());
        };
        if let Err(e) = server.wait_ready(Duration::from_secs(15)).await {
            let why = format!("server not answering: {e:#}");
            self.down = Some(why.clone());
            return Err(why);
        }
        Ok(Target {
            addr: server.addr,
            pid: server.pid(),
            get_var: Arc::from(setup::get_var_line().into_bytes()),
            list_var: Arc::from(setup::list_var_line().into_bytes()),
        })
    }

    fn tls(&self) -> std::result::Result<conn::TlsClient, String> {
        match self.server.as_ref().map(|s| &s.tls) {
            Some(Ok(c)) => Ok(c.clone()),
            Some(Err(why)) => Err(why.clone()),
            None => Err("not started".into()),
        }
    }
}

/// Number of variables in `LIST VAR` (asked from the first server up).
async fn count_vars(sides: &[Side]) -> Option<usize> {
    for s in sides {
        let Some(server) = &s.server else { continue };
        let t = Target {
            addr: server.addr,
            pid: server.pid(),
            get_var: Arc::from(Vec::new()),
            list_var: Arc::from(setup::list_var_line().into_bytes()),
        };
        if let Ok((_, _, lines)) = load::list_var(&t, Duration::from_secs(5), 1).await {
            let vars = lines.saturating_sub(2);
            if vars != setup::WANTED_VARS {
                progress(&format!(
                    "note: the UPS has {vars} variables, not {}",
                    setup::WANTED_VARS
                ));
            }
            return Some(vars);
        }
    }
    None
}
