//! `upsdrvctl -F start` (upstream 2.8.1 behaviour): one driver is run in upsdrvctl's place
//! (exec, same PID, so a service manager's signals reach the driver itself); several are
//! started in the foreground and supervised: SIGTERM, SIGINT and SIGQUIT are forwarded to
//! each and upsdrvctl waits for all of them before it exits, SIGHUP, SIGUSR1 and SIGUSR2
//! (reloads) are forwarded too. No driver outlives the upsdrvctl that started it.

use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// One driver to run: the UPS it serves and its command line (program first).
#[derive(Debug, Clone)]
pub struct Driver {
    /// The UPS section name.
    pub ups: String,
    /// Program and arguments.
    pub argv: Vec<String>,
}

/// Replace this process with the driver. Returns only when the exec failed.
pub fn exec(driver: &Driver) -> std::io::Error {
    Command::new(&driver.argv[0])
        .args(&driver.argv[1..])
        .stdin(Stdio::null())
        .exec()
}

/// Start every driver and stay until all have exited; a terminating signal is forwarded to
/// each, and the ones still running after `grace` are killed. True when every driver
/// started and exited with success.
pub fn supervise(drivers: &[Driver], grace: Duration) -> bool {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the supervisor runtime: {e}");
            return false;
        }
    };
    rt.block_on(run(drivers, grace))
}

/// Signals forwarded to the drivers, with whether each ends the supervision.
const FORWARDED: [(Signal, bool); 6] = [
    (Signal::SIGTERM, true),
    (Signal::SIGINT, true),
    (Signal::SIGQUIT, true),
    (Signal::SIGHUP, false),
    (Signal::SIGUSR1, false),
    (Signal::SIGUSR2, false),
];

async fn run(drivers: &[Driver], grace: Duration) -> bool {
    // Handlers before the first child: a signal from now on is never lost.
    let (sig_tx, mut sig_rx) = mpsc::unbounded_channel::<(Signal, bool)>();
    for (sig, ends) in FORWARDED {
        match signal(SignalKind::from_raw(sig as i32)) {
            Ok(mut s) => {
                let tx = sig_tx.clone();
                tokio::spawn(async move {
                    while s.recv().await.is_some() {
                        if tx.send((sig, ends)).is_err() {
                            break;
                        }
                    }
                });
            }
            Err(e) => {
                tracing::error!("cannot handle {}: {e}", sig.as_str());
                return false;
            }
        }
    }
    let (exit_tx, mut exit_rx) = mpsc::unbounded_channel::<(usize, std::io::Result<ExitStatus>)>();
    let mut live: Vec<Option<Pid>> = vec![None; drivers.len()];
    let mut ok = true;
    for (i, d) in drivers.iter().enumerate() {
        let spawned = tokio::process::Command::new(&d.argv[0])
            .args(&d.argv[1..])
            .stdin(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("can't start {}: {e}", d.argv[0]);
                ok = false;
                continue;
            }
        };
        live[i] = child
            .id()
            .and_then(|p| i32::try_from(p).ok())
            .map(Pid::from_raw);
        let tx = exit_tx.clone();
        tokio::spawn(async move {
            let _ = tx.send((i, child.wait().await));
        });
    }
    let mut deadline: Option<tokio::time::Instant> = None;
    while live.iter().any(Option::is_some) {
        let kill_at = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            Some((sig, ends)) = sig_rx.recv() => {
                tracing::info!("{}: forwarding to the drivers", sig.as_str());
                forward(&live, sig);
                if ends && deadline.is_none() {
                    deadline = Some(tokio::time::Instant::now() + grace);
                }
            }
            Some((i, status)) = exit_rx.recv() => {
                live[i] = None;
                ok &= report(&drivers[i].ups, status, deadline.is_some());
            }
            _ = kill_at => {
                tracing::warn!("drivers still running {} s after the signal: killing them", grace.as_secs());
                forward(&live, Signal::SIGKILL);
                deadline = None;
            }
        }
    }
    ok
}

fn forward(live: &[Option<Pid>], sig: Signal) {
    for pid in live.iter().flatten() {
        if let Err(e) = nix::sys::signal::kill(*pid, sig) {
            tracing::debug!("cannot signal driver {pid}: {e}");
        }
    }
}

/// Log how a driver ended; true when that is a success (or the stop we asked for).
fn report(ups: &str, status: std::io::Result<ExitStatus>, stopping: bool) -> bool {
    match status {
        Ok(st) if st.success() => true,
        Ok(st) if stopping => {
            tracing::info!("driver for UPS [{ups}] stopped: {st}");
            true
        }
        Ok(st) => {
            tracing::error!("driver for UPS [{ups}] exited: {st}");
            false
        }
        Err(e) => {
            tracing::error!("waiting for the driver of UPS [{ups}]: {e}");
            false
        }
    }
}
