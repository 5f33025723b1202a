//! The running server: accept loops (one per listener, TCP or Unix socket) under the MAXCONN
//! semaphore, one task per connection, signal handling (SIGTERM/SIGINT/SIGQUIT stop, SIGHUP reloads), and the
//! drain on exit.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixListener};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Semaphore;

use crate::cli::Cli;
use crate::context::ServerContext;
use crate::io::accepting::Listening;
use crate::shutdown::{self, Shutdown, ShutdownTrigger};
use crate::workers::Workers;

/// The refusal sent when MAXCONN connections are open.
pub const MAXCONN_REFUSAL: &[u8] = b"ERR ACCESS-DENIED\n";

/// How long shutdown waits for sessions to finish.
const DRAIN: Duration = Duration::from_secs(3);

/// Run until a stop signal. `listeners` and `local` (the Unix sockets) are already bound
/// (before the privilege drop).
pub async fn run(
    cli: Cli,
    ctx: Arc<ServerContext>,
    listeners: Vec<std::net::TcpListener>,
    local: Vec<std::os::unix::net::UnixListener>,
    maxconn: usize,
    trigger: ShutdownTrigger,
    shutdown: Shutdown,
) -> anyhow::Result<()> {
    let permits = Arc::new(Semaphore::new(maxconn));
    let workers = Arc::new(Workers::start(serving_threads().saturating_sub(1))?);
    tracing::debug!("serving connections on {} threads", workers.len());
    for l in listeners {
        let l = TcpListener::from_std(l)?;
        tokio::spawn(accept_loop(
            l,
            ctx.clone(),
            workers.clone(),
            permits.clone(),
            maxconn,
            shutdown.clone(),
        ));
    }
    for l in local {
        tokio::spawn(accept_loop(
            UnixListener::from_std(l)?,
            ctx.clone(),
            workers.clone(),
            permits.clone(),
            maxconn,
            shutdown.clone(),
        ));
    }
    tokio::spawn(flush_warnings(ctx.clone(), shutdown.clone()));
    tokio::spawn(crate::cert_expiry::daily(ctx.clone(), shutdown.clone()));
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut hup = signal(SignalKind::hangup())?;
    loop {
        tokio::select! {
            _ = term.recv() => { tracing::info!("Signal 15: exiting"); break; }
            _ = int.recv() => { tracing::info!("Signal 2: exiting"); break; }
            _ = quit.recv() => { tracing::info!("Signal 3: exiting"); break; }
            _ = hup.recv() => reload(&cli, &ctx, &shutdown).await,
        }
    }
    trigger.trigger();
    // Wait for the sessions to leave (each holds one permit).
    let max = u32::try_from(maxconn).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(DRAIN, permits.acquire_many(max)).await;
    Ok(())
}

/// Write the summaries of rate-limited warnings whose window has ended, until shutdown.
async fn flush_warnings(ctx: Arc<ServerContext>, mut shutdown: Shutdown) {
    let mut tick = tokio::time::interval(crate::warnings::FLUSH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => ctx.warnings.flush(),
            _ = shutdown.recv() => return ctx.warnings.finish(),
        }
    }
}

async fn accept_loop<L: Listening>(
    listener: L,
    ctx: Arc<ServerContext>,
    workers: Arc<Workers>,
    permits: Arc<Semaphore>,
    maxconn: usize,
    mut shutdown: Shutdown,
) {
    loop {
        let accepted = tokio::select! {
            r = listener.next() => r,
            _ = shutdown.recv() => return,
        };
        match accepted {
            Ok((mut stream, peer)) => match permits.clone().try_acquire_owned() {
                Ok(permit) => {
                    let ctx = ctx.clone();
                    let sd = shutdown.clone();
                    workers.serve(stream, move |stream| async move {
                        L::serve(ctx, stream, peer, sd).await;
                        drop(permit);
                    });
                }
                Err(_) => {
                    ctx.counters.maxconn_refused();
                    nut_log::warn_throttled!(
                        ctx.warnings.maxconn,
                        "refusing connection from {peer}: MAXCONN ({maxconn}) connections are open"
                    );
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(
                            Duration::from_secs(1),
                            stream.write_all(MAXCONN_REFUSAL),
                        )
                        .await;
                    });
                }
            },
            Err(e) => {
                // EMFILE and friends: back off briefly instead of spinning.
                nut_log::warn_throttled!(ctx.warnings.accept_errors, "accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// SIGHUP: re-read ups.conf, upsd.conf (LISTEN changes need a restart), upsd.users, the
/// host rules, cmdvartab and the TLS identity (certificate store or CERTFILE, CERTREQUEST):
/// a renewed certificate is served to new STARTTLS sessions without a restart. Live sessions
/// keep going, TLS ones with the certificate they started with; on any error (a store that
/// no longer opens, a wrong key password) the old configuration stays in force, all of it.
///
/// The files are read and the key decrypted on a blocking thread: the runtime that runs the
/// accept loops, the driver links and a share of the sessions keeps serving meanwhile.
pub async fn reload(cli: &Cli, ctx: &ServerContext, shutdown: &Shutdown) {
    tracing::info!("Reloading configuration");
    let cli = cli.clone();
    let loaded = tokio::task::spawn_blocking(move || load_for_reload(&cli)).await;
    let result = match loaded {
        Ok(Ok(next)) => apply_reload(ctx, next, shutdown),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(anyhow::anyhow!("the reload task failed: {e}")),
    };
    let dir = nut_core::config::paths::pid_dir(nut_core::config::paths::process_env);
    match result {
        Ok(()) => {
            tracing::info!("Configuration reloaded");
            crate::reload_status::record(&dir, Ok(()));
        }
        Err(e) => {
            let reason = nut_log::error_line(e.as_ref());
            tracing::error!("reload failed, keeping the previous configuration: {reason}");
            crate::reload_status::record(&dir, Err(&reason));
        }
    }
}

/// Everything a reload reads, read before anything is applied.
struct NextConfig {
    conf: nut_core::config::UpsdConf,
    ups: nut_core::config::UpsConf,
    reloadable: crate::context::Reloadable,
}

fn load_for_reload(cli: &Cli) -> anyhow::Result<NextConfig> {
    let conf = crate::settings::load_upsd_conf()?;
    let ups = crate::settings::load_ups_conf()?;
    let reloadable = crate::settings::load_reloadable(cli, &conf)?;
    Ok(NextConfig {
        conf,
        ups,
        reloadable,
    })
}

fn apply_reload(ctx: &ServerContext, next: NextConfig, shutdown: &Shutdown) -> anyhow::Result<()> {
    // Deny by default: a reload never turns TLS off. A removed or commented-out CERTFILE /
    // CERTPATH line would otherwise leave every client without FORCESSL in plaintext.
    if ctx.tls().is_some() && next.reloadable.tls.is_none() {
        anyhow::bail!(
            "TLS is no longer configured in {}: turning STARTTLS off needs a restart",
            next.conf.file.display()
        );
    }
    let statepath = crate::settings::state_path(&next.ups, &next.conf);
    ctx.registry
        .set_timing(next.conf.maxage, next.conf.trackingdelay);
    ctx.registry
        .sync_sections(&next.ups.sections, &statepath, shutdown);
    ctx.replace(next.reloadable);
    Ok(())
}

/// How many threads serve connections: `UPSD_THREADS` (rnut tuning knob), else one per CPU.
fn serving_threads() -> usize {
    nut_core::config::paths::process_env("UPSD_THREADS")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .min(256)
}

/// A new shutdown pair (re-exported for the startup code).
pub fn shutdown_channel() -> (ShutdownTrigger, Shutdown) {
    shutdown::channel()
}
