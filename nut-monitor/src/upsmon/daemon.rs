//! `upsmon` command line and process setup: `-c` signalling, `-K`, config loading, the
//! duplicate-instance check, backgrounding, and the split into a root parent and an
//! unprivileged monitoring child (or one process with `-p`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use nut_core::config::{nut_conf, paths};

use super::powerdown::{self, FlagState};
use super::privsep;
use super::runner::{Runner, ShutdownHook};
use crate::client::{AddrFamily, ConnectOptions};

/// upsmon command line (C NUT's options).
#[derive(Debug, Parser)]
#[command(
    name = "upsmon",
    disable_version_flag = true,
    about = "Network UPS Tools upsmon (rnut)"
)]
pub struct Args {
    /// Send a command to the running instance: fsd, stop or reload (prefixes accepted).
    #[arg(short = 'c', value_name = "cmd")]
    pub command: Option<String>,
    /// Signal this PID instead of the one in the PID file (with -c).
    #[arg(short = 'P', value_name = "pid")]
    pub pid: Option<i32>,
    /// Raise the debug level (repeatable); implies foreground unless -B.
    #[arg(short = 'D', action = clap::ArgAction::Count)]
    pub debug: u8,
    /// Stay in the foreground.
    #[arg(short = 'F')]
    pub foreground: bool,
    /// Go to the background even with -D.
    #[arg(short = 'B')]
    pub background: bool,
    /// Check the POWERDOWNFLAG: exit 0 if a shutdown was initiated, 1 otherwise.
    #[arg(short = 'K')]
    pub check_killpower: bool,
    /// No privilege split: one process running as root.
    #[arg(short = 'p')]
    pub no_split: bool,
    /// The unprivileged user of the monitoring process (overrides RUN_AS_USER).
    #[arg(short = 'u', value_name = "user")]
    pub user: Option<String>,
    /// Configuration file (default: $NUT_CONFPATH/upsmon.conf).
    #[arg(short = 'f', value_name = "file")]
    pub file: Option<PathBuf>,
    /// IPv4 only.
    #[arg(short = '4', conflicts_with = "ipv6")]
    pub ipv4: bool,
    /// IPv6 only.
    #[arg(short = '6')]
    pub ipv6: bool,
    /// Network timeout in seconds (default 10, or NUT_DEFAULT_CONNECT_TIMEOUT).
    #[arg(short = 'W', value_name = "secs")]
    pub timeout: Option<u64>,
    /// Show the version.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    /// Internal: this process is the monitoring child of the split.
    #[arg(long = "privsep-child", hide = true)]
    pub privsep_child: bool,
    /// Internal: this process was started in the background by `upsmon` itself (it logs to
    /// syslog, as C upsmon does once it has forked away).
    #[arg(long = "rnut-background", hide = true)]
    pub in_background: bool,
}

/// Default unprivileged user (Debian's packaging).
const DEFAULT_USER: &str = "nut";

/// Entry point of the `upsmon` binary.
pub fn main() -> ExitCode {
    let args = Args::parse();
    if args.version {
        println!("{}", nut_core::version::version_line("upsmon"));
        return ExitCode::SUCCESS;
    }
    match run(args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let line = nut_log::error_line(e.as_ref());
            if nut_log::is_syslog() {
                tracing::error!("Fatal error: {line}");
            }
            eprintln!("Fatal error: {line}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(debug: u8, in_background: bool) {
    nut_log::init(nut_log::LogSetup {
        ident: "upsmon",
        level: nut_log::level(debug, 0),
        env_var: "RUST_LOG",
        timestamps: !in_background,
    });
    if in_background {
        nut_log::switch_to_syslog();
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn run(args: Args) -> anyhow::Result<u8> {
    let pid_path = super::pidfile::path(paths::process_env);
    if let Some(cmd) = &args.command {
        let Some(sig) = super::pidfile::command_signal(cmd) else {
            anyhow::bail!("unknown command {cmd:?} for -c (expected fsd, stop or reload)");
        };
        let pid = match args.pid {
            Some(p) => p,
            None => super::pidfile::read(&pid_path)
                .map_err(|e| anyhow::anyhow!("can't read PID file {}: {e}", pid_path.display()))?,
        };
        return match super::pidfile::signal(pid, sig) {
            Ok(()) => Ok(0),
            Err(e) => {
                eprintln!("Signal {sig} to PID {pid} failed: {e}");
                Ok(1)
            }
        };
    }

    // nut.conf's MODE, as Debian's /sbin/upsmon wrapper checks it (a missing file is no
    // objection: the C binary itself never reads it). `-K` only reads a flag file.
    let mode_warnings = if args.check_killpower {
        Vec::new()
    } else {
        nut_conf::check_start(paths::process_env, nut_conf::Daemon::Upsmon)?
    };
    let conf_path = args
        .file
        .clone()
        .unwrap_or_else(|| paths::conf_file(paths::process_env, "upsmon.conf"));
    let conf = super::conf_file::load(&conf_path)?;
    // DEBUG_MIN raises the level the command line asked for, never lowers it.
    let debug_min = conf
        .debug_min
        .map_or(0, |d| u8::try_from(d).unwrap_or(u8::MAX));
    init_logging(args.debug.max(debug_min), args.in_background);
    // Only the process that monitors repeats the config warnings (not the launcher or the
    // privileged parent of the split).
    let foreground = args.foreground || (args.debug > 0 && !args.background);
    let monitoring = args.privsep_child || (args.no_split && foreground);
    if monitoring {
        for w in mode_warnings.iter().chain(&conf.warnings) {
            tracing::warn!("{w}");
        }
    }

    if args.check_killpower {
        if super::pidfile::running(&pid_path) {
            eprintln!("Note: A previous upsmon instance is already running!");
        }
        let Some(flag) = &conf.powerdownflag else {
            eprintln!("POWERDOWNFLAG is not set in {}", conf_path.display());
            return Ok(1);
        };
        return Ok(match powerdown::check(flag) {
            Ok(FlagState::Ours) => 0,
            Ok(FlagState::Absent) => {
                eprintln!("Power down flag is not set");
                1
            }
            Ok(FlagState::Foreign) => {
                eprintln!(
                    "POWERDOWNFLAG ({}) does not contain the upsmon magic string",
                    flag.display()
                );
                1
            }
            Err(e) => {
                eprintln!("Can't read POWERDOWNFLAG ({}): {e}", flag.display());
                1
            }
        });
    }

    if conf.monitors.is_empty() {
        anyhow::bail!(
            "no UPS defined for monitoring - use MONITOR in {}",
            conf_path.display()
        );
    }
    if conf.validate().is_err() {
        anyhow::bail!("insufficient power configured!");
    }
    if monitoring && conf.shutdowncmd.is_none() {
        tracing::warn!("Warning: no shutdown command defined!");
    }

    let net = ConnectOptions {
        timeout: Duration::from_secs(
            args.timeout
                .or_else(|| {
                    std::env::var("NUT_DEFAULT_CONNECT_TIMEOUT")
                        .ok()
                        .and_then(|v| v.parse().ok())
                })
                .unwrap_or(10)
                .max(1),
        ),
        family: if args.ipv4 {
            AddrFamily::V4
        } else if args.ipv6 {
            AddrFamily::V6
        } else {
            AddrFamily::Any
        },
        ..ConnectOptions::default()
    };
    let user = args
        .user
        .clone()
        .or_else(|| conf.run_as_user.clone())
        .unwrap_or_else(|| DEFAULT_USER.into());

    if args.privsep_child {
        // Monitoring child: PID file while still root, then drop privileges, then network.
        super::pidfile::write(&pid_path, std::process::id())?;
        let pipe = privsep::child_pipe()?;
        privsep::drop_privileges(&user)?;
        let rt = runtime()?;
        let code = rt.block_on(async {
            let runner = Runner::new(conf, conf_path, net, ShutdownHook::Parent(pipe), true)?;
            anyhow::Ok(runner.run().await)
        })?;
        let _ = std::fs::remove_file(&pid_path);
        return Ok(u8::try_from(code).unwrap_or(1));
    }

    if super::pidfile::running(&pid_path) {
        anyhow::bail!("A previous upsmon instance is already running!");
    }
    let mut powerdown_enabled = true;
    if let Some(flag) = &conf.powerdownflag {
        match powerdown::clear_at_startup(flag) {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!(
                    "POWERDOWNFLAG ({}) does not contain the upsmon magic string (not a NUT file) - disabling!",
                    flag.display()
                );
                powerdown_enabled = false;
            }
            Err(e) => tracing::warn!("POWERDOWNFLAG ({}): {e}", flag.display()),
        }
    }

    let raw_args: Vec<String> = std::env::args().skip(1).collect();
    if !foreground {
        // No fork() without unsafe: start ourselves again in the foreground, detached into
        // our own process group, and leave.
        let exe = std::env::current_exe()?;
        let mut cmd = std::process::Command::new(exe);
        cmd.args(&raw_args).args(["-F", "--rnut-background"]);
        use std::os::unix::process::CommandExt;
        cmd.process_group(0)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd.spawn()?;
        return Ok(0);
    }

    let flag = conf.powerdownflag.clone().filter(|_| powerdown_enabled);
    if args.no_split {
        super::pidfile::write(&pid_path, std::process::id())?;
        let rt = runtime()?;
        let code = rt.block_on(async {
            let runner = Runner::new(
                conf,
                conf_path,
                net,
                ShutdownHook::Direct,
                powerdown_enabled,
            )?;
            anyhow::Ok(runner.run().await)
        })?;
        let _ = std::fs::remove_file(&pid_path);
        return Ok(u8::try_from(code).unwrap_or(1));
    }

    let (child, pipe) = privsep::spawn_child(&raw_args)?;
    let rt = runtime()?;
    let code = rt.block_on(privsep::parent_loop(
        pipe,
        child,
        conf.shutdowncmd.clone(),
        flag,
        conf.shutdownexit,
    ));
    Ok(u8::try_from(code).unwrap_or(1))
}
