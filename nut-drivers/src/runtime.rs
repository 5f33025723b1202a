//! The driver main program (C `drivers/main.c`): command line, configuration, background,
//! device open, privileges, socket, PID file, signals, and the clean exit that removes the
//! socket and the PID file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use nut_core::config::paths;
use tokio::signal::unix::{SignalKind, signal};

use crate::backend::{DeviceBackend, DriverContext};
use crate::config::{DriverArgs, DriverConfig};
use crate::control::command_signal;
pub use crate::control::read_pid_file;
use crate::device::{self, DeviceExit, DeviceLoop, DeviceRequest};
use crate::dstate::Dstate;
use crate::error::DriverError;
use crate::{daemon, logging, privs, server};

/// Run a driver with the process's command line and environment; returns the exit code.
pub fn run<B: DeviceBackend>(driver: &str, backend: B) -> ExitCode {
    let args = DriverArgs::parse();
    if args.version {
        println!(
            "Network UPS Tools {driver} {} ({})",
            backend.version(),
            nut_core::version::VERSION
        );
        return ExitCode::SUCCESS;
    }
    logging::init(driver, args.debug, args.quiet);
    match run_args(driver, args, backend) {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run_args<B: DeviceBackend>(
    driver: &str,
    args: DriverArgs,
    backend: B,
) -> Result<ExitCode, DriverError> {
    if args.daemon_child {
        daemon::detach();
    }
    let config = DriverConfig::load(driver, &args, paths::process_env, backend.options())?;
    if let Some(cmd) = &args.command {
        return signal_running(&config, cmd, args.pid);
    }
    if args.backgrounds() && !args.daemon_child && !args.killpower {
        return daemon::spawn_and_wait(driver);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| DriverError::Io {
            path: PathBuf::from("tokio runtime"),
            source: e,
        })?;
    rt.block_on(serve(driver.to_string(), args, config, backend))
}

/// `-c <command>`: signal the running instance named by the PID file (or `-P`).
fn signal_running(
    config: &DriverConfig,
    cmd: &str,
    pid: Option<i32>,
) -> Result<ExitCode, DriverError> {
    let sig = command_signal(cmd).map_err(DriverError::Usage)?;
    let pid = match pid {
        Some(p) => p,
        None => read_pid_file(&config.pid_file())?,
    };
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig)
        .map_err(|e| DriverError::Usage(format!("cannot signal process {pid}: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

/// Write this process's id atomically (temp file + rename): `upsdrvctl stop` or `-c exit`
/// reading it at that moment sees the old file or the whole new one, never an empty one.
fn write_pid_file(path: &Path) -> std::io::Result<()> {
    let tmp = path.with_extension("pid.tmp");
    std::fs::write(&tmp, format!("{}\n", std::process::id()))?;
    std::fs::rename(&tmp, path)
}

/// Files to remove at exit.
struct Cleanup {
    socket: Option<PathBuf>,
    pid_file: Option<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for p in [self.socket.take(), self.pid_file.take()]
            .into_iter()
            .flatten()
        {
            if let Err(e) = std::fs::remove_file(&p) {
                tracing::debug!("cannot remove {}: {e}", p.display());
            }
        }
    }
}

async fn serve<B: DeviceBackend>(
    driver: String,
    args: DriverArgs,
    config: DriverConfig,
    mut backend: B,
) -> Result<ExitCode, DriverError> {
    tracing::info!(
        "Network UPS Tools {driver} {} ({})",
        backend.version(),
        nut_core::version::VERSION
    );
    let dstate = Dstate::new();
    dstate.set_ignorelb(config.ignorelb);
    let ctx = DriverContext {
        dstate: dstate.clone(),
        config: config.clone(),
    };
    dstate.setinfo("driver.state", "init.starting");
    dstate.setinfo("device.type", "ups");
    device::publish_core(&ctx, backend.version());

    if args.killpower {
        tracing::info!("kill power requested (-k)");
        backend.open(&ctx)?;
        let res = backend.shutdown(&ctx);
        backend.cleanup(&ctx);
        res?;
        return Ok(ExitCode::SUCCESS);
    }

    dstate.setinfo("driver.state", "init.device");
    backend.open(&ctx)?;

    // Look everything up before a chroot hides /etc/passwd and /etc/group.
    let user = privs::wanted_user(config.user.as_deref())
        .map(privs::lookup_user)
        .transpose()?;
    let groups = user.as_ref().map(privs::user_groups).transpose()?;
    let gid = config.group.as_deref().map(privs::group_id).transpose()?;
    if let Some(dir) = &config.chroot {
        privs::chroot_to(dir)?;
    }
    if let (Some(u), Some(groups)) = (&user, &groups) {
        privs::become_user(u, groups)?;
    }

    device::publish_defaults_overrides(&ctx);
    dstate.setinfo("driver.state", "init.info");
    backend.init_info(&ctx)?;

    let heartbeat = Arc::new(AtomicU64::new(0));
    let interval_secs = Arc::new(AtomicU64::new(config.pollinterval.as_secs().max(1)));
    let started = Instant::now();
    let reload_args = args.clone();
    let reload_driver = driver.clone();
    let options = backend.options();
    let mut dl = DeviceLoop {
        backend,
        ctx: ctx.clone(),
        loader: Box::new(move || {
            DriverConfig::load(&reload_driver, &reload_args, paths::process_env, options)
        }),
        heartbeat: heartbeat.clone(),
        interval_secs: interval_secs.clone(),
        started,
    };
    let mut failing = false;
    dl.cycle(&mut failing);
    device::publish_device_mirrors(&ctx);

    if let Some(n) = args.dump {
        // Discovery mode (C `-d`): no socket, no PID file; print the tree and leave.
        for _ in 1..n.max(1) {
            std::thread::sleep(dl.interval());
            dl.cycle(&mut failing);
        }
        print!("{}", server::upsc_text(&dstate));
        dl.backend.cleanup(&dl.ctx);
        return Ok(ExitCode::SUCCESS);
    }

    // Handlers first: a SIGTERM from now on still removes the socket and the PID file.
    let sig = |k: SignalKind| {
        signal(k).map_err(|e| DriverError::Io {
            path: PathBuf::from("signal handler"),
            source: e,
        })
    };
    let mut term = sig(SignalKind::terminate())?;
    let mut int = sig(SignalKind::interrupt())?;
    let mut quit = sig(SignalKind::quit())?;
    let mut hup = sig(SignalKind::hangup())?;
    let mut usr1 = sig(SignalKind::user_defined1())?;
    let mut usr2 = sig(SignalKind::user_defined2())?;
    let mut urg = sig(SignalKind::from_raw(
        nix::sys::signal::Signal::SIGURG as i32,
    ))?;
    server::check_state_dir(&config.statepath)?;
    let socket_path = config.socket_path();
    let std_listener = server::bind_socket(&socket_path, gid)?;
    let mut cleanup = Cleanup {
        socket: Some(socket_path.clone()),
        pid_file: None,
    };
    let listener =
        tokio::net::UnixListener::from_std(std_listener).map_err(|e| DriverError::Io {
            path: socket_path.clone(),
            source: e,
        })?;
    tracing::info!(socket = %socket_path.display(), "serving the driver socket");

    if args.daemon_child || args.foreground >= 2 {
        let pid_file = config.pid_file();
        match write_pid_file(&pid_file) {
            Ok(()) => cleanup.pid_file = Some(pid_file),
            Err(e) => tracing::warn!("cannot write PID file {}: {e}", pid_file.display()),
        }
    }

    let (done_tx, mut done_rx) = tokio::sync::oneshot::channel();
    let (dev_tx, dev_handle) = device::spawn(dl, done_tx).map_err(|e| DriverError::Io {
        path: PathBuf::from("device thread"),
        source: e,
    })?;
    let server_task = tokio::spawn(server::serve(
        listener,
        dstate.clone(),
        dev_tx.clone(),
        socket_path.clone(),
    ));
    dstate.setinfo("driver.state", "quiet");
    if args.daemon_child {
        daemon::notify_ready();
    }

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut code = ExitCode::SUCCESS;
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!("signal SIGTERM: exiting"); break; }
            _ = int.recv() => { tracing::info!("signal SIGINT: exiting"); break; }
            _ = quit.recv() => { tracing::info!("signal SIGQUIT: exiting"); break; }
            _ = hup.recv() => {
                tracing::info!("signal SIGHUP: reloading");
                let _ = dev_tx.send(DeviceRequest::Reload { exit_if_restart: false });
            }
            _ = usr1.recv() => {
                tracing::info!("signal SIGUSR1: reload-or-exit");
                let _ = dev_tx.send(DeviceRequest::Reload { exit_if_restart: true });
            }
            // reload-or-restart: a change that needs a restart ends the driver cleanly (socket
            // and PID file removed) for upsdrvctl or the service manager to start it again;
            // the driver does not re-execute itself (it may be chrooted, without privileges).
            _ = usr2.recv() => {
                tracing::info!("signal SIGUSR2: reload-or-restart");
                let _ = dev_tx.send(DeviceRequest::Reload { exit_if_restart: true });
            }
            _ = urg.recv() => {
                print!("{}", server::upsc_text(&dstate));
            }
            exit = &mut done_rx => {
                match exit {
                    Ok(DeviceExit::ExitForReload(why)) => tracing::info!("exiting for reload: {why}"),
                    Ok(DeviceExit::Stopped) => {}
                    Err(_) => { tracing::error!("the device thread died"); code = ExitCode::FAILURE; }
                }
                server_task.abort();
                let _ = dev_handle.join();
                return Ok(code);
            }
            _ = tick.tick() => {
                // A device thread stuck in I/O must not look alive: C would stop answering PING.
                let age = started.elapsed().as_secs().saturating_sub(heartbeat.load(Ordering::Relaxed));
                // The interval in force now: a reload may have lengthened it.
                let interval = interval_secs.load(Ordering::Relaxed).max(1);
                if age > interval.saturating_mul(3).saturating_add(15) && dstate.datastale() {
                    tracing::warn!("device thread has not finished an update for {age} s: data is stale");
                }
            }
        }
    }
    server_task.abort();
    let _ = dev_tx.send(DeviceRequest::Stop);
    if dev_handle.join().is_err() {
        code = ExitCode::FAILURE;
    }
    drop(cleanup);
    Ok(code)
}
