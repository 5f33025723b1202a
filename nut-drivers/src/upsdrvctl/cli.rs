//! upsdrvctl's command line ([`Args`], [`Action`]) and what it takes from the environment
//! ([`Env`]).

use std::path::{Path, PathBuf};

use clap::{ArgAction, Parser, ValueEnum};
use nut_core::config::paths;

/// The action to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Action {
    /// Start drivers.
    Start,
    /// Stop drivers.
    Stop,
    /// Run each driver's kill-power sequence (`-k`), by `sdorder`.
    Shutdown,
    /// Show whether drivers run and answer.
    Status,
    /// List the UPS names of ups.conf.
    List,
}

/// The upsdrvctl command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "upsdrvctl",
    about = "UPS driver controller (rnut)",
    disable_version_flag = true
)]
pub struct Args {
    /// Pass -r <dir> (chroot) to drivers.
    #[arg(short = 'r', value_name = "dir")]
    pub chroot: Option<PathBuf>,
    /// Pass -u <user> to drivers.
    #[arg(short = 'u', value_name = "user")]
    pub user: Option<String>,
    /// Test mode: print what would be done, do nothing.
    #[arg(short = 't')]
    pub test: bool,
    /// Show the version and exit.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    /// Debug upsdrvctl itself (repeatable).
    #[arg(short = 'D', action = ArgAction::Count)]
    pub debug: u8,
    /// Also pass the debug level to the drivers.
    #[arg(short = 'd')]
    pub pass_debug: bool,
    /// Pass -F (repeatable: -FF) to drivers.
    #[arg(short = 'F', action = ArgAction::Count)]
    pub foreground: u8,
    /// Pass -B to drivers.
    #[arg(short = 'B')]
    pub background: bool,
    /// Same as the `list` action.
    #[arg(short = 'l')]
    pub list: bool,
    /// Signal running drivers: reload, reload-or-error, reload-or-exit, exit, dump.
    #[arg(short = 'c', value_name = "command")]
    pub command: Option<String>,
    /// `start|stop|shutdown|status|list [ups]`, or just `[ups]` with -c.
    #[arg(num_args = 0..=2, value_name = "ACTION [UPS]")]
    pub words: Vec<String>,
}

impl Args {
    /// The action and the UPS named on the command line.
    pub fn action_and_ups(&self) -> Result<(Option<Action>, Option<String>), String> {
        let mut words = self.words.iter();
        let action = if self.command.is_some() {
            None
        } else {
            match words.next() {
                Some(w) => Some(Action::from_str(w, true).map_err(|_| {
                    format!("unknown action {w:?}: start, stop, shutdown, status or list")
                })?),
                None => None,
            }
        };
        let ups = words.next().cloned();
        if let Some(extra) = words.next() {
            return Err(format!("unexpected argument {extra:?}"));
        }
        Ok((action, ups))
    }
}

/// Everything upsdrvctl needs from the environment.
#[derive(Debug, Clone)]
pub struct Env {
    /// ups.conf path.
    pub upsconf: PathBuf,
    /// Where driver PID files are.
    pub pidpath: PathBuf,
    /// Where driver sockets are (before ups.conf `statepath`).
    pub statepath_env: Option<PathBuf>,
    /// Default driver directory.
    pub default_driverpath: PathBuf,
    /// `NUT_IGNORE_NOWAIT` set.
    pub ignore_nowait: bool,
}

impl Env {
    /// From the process environment.
    pub fn from_process() -> Env {
        let env = paths::process_env;
        let default_driverpath = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("/lib/nut"));
        Env {
            upsconf: paths::conf_file(env, "ups.conf"),
            pidpath: paths::pid_dir(env),
            statepath_env: env("NUT_STATEPATH")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            default_driverpath,
            ignore_nowait: env("NUT_IGNORE_NOWAIT").is_some_and(|v| !v.is_empty()),
        }
    }
}
