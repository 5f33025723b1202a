//! upsd-bench's command line and the plan it makes of it (which rows, how long, which sides).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::push;

/// Benchmark rnut's upsd against Debian's C upsd on the same driver data.
#[derive(Debug, Parser)]
#[command(name = "upsd-bench", version)]
pub(crate) struct Cli {
    /// Small counts and short runs: a smoke run of a few seconds per server.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Run one implementation only.
    #[arg(long, value_enum)]
    pub(crate) only: Option<Only>,
    /// Seconds per timed measurement (default 3, or 0.5 with --quick).
    #[arg(long)]
    pub(crate) duration: Option<f64>,
    /// Where rnut's upsd and nut-certutil are (default: $CARGO_TARGET_DIR/release, else <workspace>/target/release).
    #[arg(long, value_name = "DIR")]
    pub(crate) rnut_bin_dir: Option<PathBuf>,
    /// Which dummy-ups serves the UPS to both servers.
    #[arg(long, value_enum, default_value = "c")]
    pub(crate) driver: DriverArg,
    /// Server key algorithm: each tool's default, or the same on both sides.
    #[arg(long, value_enum, default_value = "default")]
    pub(crate) key: KeyArg,
    /// Keep the temporary directory (configurations, stores, server logs) and print its path.
    #[arg(long)]
    pub(crate) keep: bool,
    /// GET VAR concurrency levels to measure (comma-separated; default 1,10,100,1000).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(u32).range(1..=20000))]
    pub(crate) clients: Vec<u32>,
    /// Measure only these row groups (comma-separated; default all).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub(crate) rows: Vec<RowGroup>,
    /// Repeat each GET VAR measurement this many times (alternating which server goes first)
    /// and report the median rate and CPU: single runs on 2 cores vary by 5-15 %. An even
    /// count gives each server the first place equally often.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=25))]
    pub(crate) repeat: u32,
}

/// The row groups of the table, for `--rows`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RowGroup {
    /// GET VAR throughput and CPU at 1, 10, 100, 1000 clients.
    Getvar,
    /// LIST VAR throughput and latency.
    List,
    /// STARTTLS sessions per second.
    Tls,
    /// GET VAR latency while handshakes stall.
    Stall,
    /// The connect burst.
    Burst,
    /// Idle sessions' RSS.
    Idle,
    /// Server CPU of connections that pipeline LIST VAR and reset.
    Reset,
    /// rnut only: STARTTLS at CERTREQUEST REQUIRE without and with a 10,000-entry CRL.
    Crl,
    /// /metrics scrape p99 with 100 UPSes x 60 variables while 100 NUT clients poll (rnut
    /// only).
    Scrape,
    /// Push vs polling: OL->OB to upsmon's ONBATT, upsd CPU of watchers vs pollers (a world
    /// of its own: 20 of our dummy-ups, our upsmon).
    Push,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Only {
    Rnut,
    C,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DriverArg {
    /// Debian's /lib/nut/dummy-ups (falls back to ours when absent).
    C,
    /// Our dummy-ups from the rnut binary directory.
    Rnut,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum KeyArg {
    Default,
    Rsa,
    Ec,
}

/// Counts and limits of one run.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) dur: Duration,
    /// Row groups to measure (empty: all).
    pub(crate) groups: Vec<RowGroup>,
    pub(crate) repeat: u32,
    pub(crate) getvar_clients: Vec<usize>,
    pub(crate) list_max: usize,
    pub(crate) tls_clients: Vec<usize>,
    pub(crate) stallers: usize,
    pub(crate) stall_clients: usize,
    pub(crate) burst: usize,
    pub(crate) burst_limit: Duration,
    pub(crate) idle_plain: usize,
    pub(crate) idle_tls: usize,
    pub(crate) idle_limit: Duration,
    pub(crate) reset_rounds: usize,
    pub(crate) setup_limit: Duration,
    pub(crate) push: push::PushPlan,
}

impl Plan {
    pub(crate) fn wants(&self, group: RowGroup) -> bool {
        self.groups.is_empty() || self.groups.contains(&group)
    }

    pub(crate) fn new(cli: &Cli) -> Plan {
        let secs = cli
            .duration
            .unwrap_or(if cli.quick { 0.5 } else { 3.0 })
            .clamp(0.1, 600.0);
        let dur = Duration::from_secs_f64(secs);
        if cli.quick {
            Plan {
                dur,
                groups: cli.rows.clone(),
                repeat: cli.repeat,
                getvar_clients: vec![1, 10, 100, 1000],
                list_max: 500,
                tls_clients: vec![1, 10],
                stallers: 50,
                stall_clients: 10,
                burst: 500,
                burst_limit: Duration::from_secs(3),
                idle_plain: 500,
                idle_tls: 200,
                idle_limit: Duration::from_secs(3),
                reset_rounds: 200,
                setup_limit: Duration::from_secs(20),
                push: push::PushPlan {
                    changes: 20,
                    sessions: 200,
                    window: Duration::from_secs(10),
                },
            }
        } else {
            Plan {
                dur,
                groups: cli.rows.clone(),
                repeat: cli.repeat,
                getvar_clients: vec![1, 10, 100, 1000],
                list_max: 200_000,
                tls_clients: vec![1, 10],
                stallers: 50,
                stall_clients: 10,
                burst: 5000,
                // Off the SYN-retry times (1, 3, 7, 15 s after the first SYN).
                burst_limit: Duration::from_secs(20),
                idle_plain: 10_000,
                idle_tls: 10_000,
                // Below upsd's 60 s idle kick, so the first sessions are still there.
                idle_limit: Duration::from_secs(40),
                reset_rounds: 2000,
                setup_limit: Duration::from_secs(60),
                push: push::PushPlan {
                    changes: 200,
                    sessions: 1000,
                    window: Duration::from_secs(30),
                },
            }
        }
    }
}
