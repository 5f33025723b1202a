//! Startup in C upsd's order: command line, `-c` commands, user lookup, chroot, upsd.conf,
//! bind the listeners, drop privileges, ups.conf and the driver links, upsd.users, the host
//! rules, the PID file, TLS (after the drop, so the store must be readable by the user).
//! Everything that can fail does so before the first client is served, with one clear line.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use nut_core::config::nut_conf::{Daemon, check_start};
use nut_core::config::paths::{pid_dir, process_env};

use crate::cli::Cli;
use crate::context::ServerContext;
use crate::io::listener;
use crate::registry::UpsRegistry;

/// Entry point of the `upsd` binary.
pub fn main_entry() -> ExitCode {
    let cli = Cli::parse();
    if cli.version {
        println!("{}", nut_core::version::version_line("upsd"));
        return ExitCode::SUCCESS;
    }
    init_logging(&cli);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line: to standard error, and to syslog once upsd is in the background
            // (in the foreground the log already is standard error).
            let line = nut_log::error_line(e.as_ref());
            if nut_log::is_syslog() {
                tracing::error!("{line}");
            }
            eprintln!("upsd: {line}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(cli: &Cli) {
    nut_log::init(nut_log::LogSetup {
        ident: "upsd",
        level: nut_log::level(cli.debug, cli.quiet),
        env_var: "UPSD_LOG",
        // In the background the lines go to syslog, which stamps them itself.
        timestamps: cli.stays_foreground(),
    });
}

/// The user upsd runs as when started as root without `-u` (Debian's RUN_AS_USER).
pub const DEFAULT_USER: &str = "nut";

fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.hash_password {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']);
        let hash = crate::auth::password::hash_argon2id(password)
            .map_err(|e| anyhow::anyhow!("cannot hash: {e}"))?;
        println!("{hash}");
        return Ok(());
    }
    let pidfile = crate::pidfile::path_in(&pid_dir(process_env));
    if let Some(command) = &cli.command {
        let pid = match cli.pid {
            Some(p) => p,
            None => crate::pidfile::read(&crate::pidfile::path_for_command(
                cli.chroot.as_deref(),
                &pid_dir(process_env),
            ))?,
        };
        // A reload is answered through the status file: wait for it, so that a refused
        // reload is an error here too (C upsd only sends the signal). A chrooted upsd
        // wrote it inside its jail.
        let dir = crate::reload_status::dir_seen_by(pid, &pid_dir(process_env));
        let before = crate::reload_status::count_before(&dir, pid);
        crate::pidfile::send_command(command, pid)?;
        if command == "reload" {
            crate::reload_status::wait_answer(
                &dir,
                pid,
                before,
                crate::reload_status::ANSWER_TIMEOUT,
            )?;
        }
        return Ok(());
    }

    // nut.conf's MODE, as Debian's /sbin/upsd wrapper checks it (a missing file is no
    // objection: the C binary itself never reads it).
    for w in check_start(process_env, Daemon::Upsd)? {
        tracing::warn!("{w}");
    }

    // Resolve the user while /etc/passwd is still reachable, then chroot. Started as root
    // without -u, upsd drops to the default user, as C upsd drops to its build's
    // RUN_AS_USER: root must be asked for (`-u root`).
    let user_name = match &cli.user {
        Some(name) => Some(name.clone()),
        None if nix::unistd::geteuid().is_root() => Some(DEFAULT_USER.to_string()),
        None => None,
    };
    let user = match &user_name {
        Some(name) => {
            let u = crate::privileges::resolve_user(name).with_context(|| {
                if cli.user.is_none() {
                    format!(
                        "started as root without -u, upsd runs as the user {DEFAULT_USER:?}; create it \
                         (useradd --system {DEFAULT_USER}) or name another with -u (-u root keeps root)"
                    )
                } else {
                    format!("-u {name}")
                }
            })?;
            let groups = crate::privileges::user_groups(&u)?;
            Some((u, groups))
        }
        None => None,
    };
    raise_fd_limit();
    if let Some(dir) = &cli.chroot {
        crate::privileges::chroot(dir)?;
        tracing::info!("chrooted to {}", dir.display());
    }

    let conf = crate::settings::load_upsd_conf()?;
    let addrs = listener::resolve(&conf.effective_listen(), cli.family())?;
    let listeners = listener::bind_all(&addrs, conf.allow_not_all_listeners)?;
    let http_listeners = crate::http::bind(&conf, cli.family())?;

    if let Some((u, groups)) = &user {
        crate::privileges::drop_to(u, groups)?;
        tracing::info!("running as user {} (uid {}, gid {})", u.name, u.uid, u.gid);
    }

    let ups_conf = crate::settings::load_ups_conf()?;
    if ups_conf.sections.is_empty() && !conf.allow_no_device {
        anyhow::bail!(
            "no UPS is defined in {} (set ALLOW_NO_DEVICE true in upsd.conf to start anyway)",
            ups_conf.file.display()
        );
    }
    let statepath = crate::settings::state_path(&ups_conf, &conf);
    // Users, access rules and the TLS identity: read as the unprivileged user, so a store
    // it cannot read is a startup error here (and a reload reads them the same way).
    let reloadable = crate::settings::load_reloadable(&cli, &conf)?;
    let maxconn = effective_maxconn(conf.maxconn, &conf.file);
    let http_tls = if conf.http.enabled() {
        crate::http::certs::load(&conf)?
    } else {
        crate::http::certs::HttpTls::default()
    };

    if !cli.stays_foreground() {
        // As C upsd: standard streams to /dev/null, log lines to syslog from here on.
        nix::unistd::daemon(true, false).context("cannot go to the background")?;
        nut_log::switch_to_syslog();
    }
    let _pid = if !cli.stays_foreground() || cli.foreground >= 2 {
        Some(crate::pidfile::PidFile::write(&pidfile)?)
    } else {
        None
    };

    let runtime = build_runtime()?;
    runtime.block_on(async move {
        let (trigger, shutdown) = crate::server::shutdown_channel();
        let registry = UpsRegistry::new(&statepath, conf.maxage, conf.trackingdelay);
        registry.sync_sections(&ups_conf.sections, &statepath, &shutdown);
        let ctx = ServerContext::new(registry, reloadable);
        if !http_listeners.is_empty() {
            let shared = crate::http::HttpShared::new(ctx.clone(), http_tls);
            crate::http::spawn(
                shared,
                http_listeners,
                conf.http.maxconn as usize,
                &shutdown,
            )?;
        }
        tracing::info!(
            "upsd {} ready (MAXCONN {maxconn})",
            crate::context::SERVER_VERSION
        );
        crate::server::run(cli, ctx, listeners, maxconn, trigger, shutdown).await
    })?;
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    Ok(())
}

/// The main thread's runtime: signals, driver links, the accept loops and its share of the
/// connections (the other serving runtimes are started by [`crate::workers::Workers`]).
fn build_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")
}

/// Lift the soft open-file limit to the hard limit: 10,000 idle clients need the descriptors.
fn raise_fd_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        if soft < hard {
            let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
        }
    }
}

/// C upsd's default MAXCONN is the open-file limit; keep some descriptors for drivers and
/// listeners.
fn default_maxconn() -> usize {
    use nix::sys::resource::{Resource, getrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, _)) => {
            usize::try_from(soft.saturating_sub(64).clamp(64, 1_000_000)).unwrap_or(1_000_000)
        }
        Err(_) => 1024,
    }
}

/// MAXCONN as served: the configured value (at most `MAX_MAXCONN`, the parser's bound), but
/// never more than the open-file limit can hold: past it, accept() would fail with EMFILE
/// instead of the client getting `ERR ACCESS-DENIED`. A lowered value is logged.
fn effective_maxconn(configured: Option<u64>, file: &std::path::Path) -> usize {
    let limit = default_maxconn();
    let Some(wanted) = configured else {
        return limit;
    };
    let wanted = usize::try_from(wanted).unwrap_or(usize::MAX).max(1);
    if wanted > limit {
        tracing::warn!(
            "{}: MAXCONN {wanted} is more than the open-file limit allows ({limit} after the \
             descriptors kept for listeners and drivers): serving at most {limit} connections \
             (raise the limit, e.g. LimitNOFILE= in the service, to serve more)",
            file.display()
        );
        return limit;
    }
    wanted
}
