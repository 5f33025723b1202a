//! The link to one driver (sock-protocol.md section 5): connect to `STATEPATH/<driver>-<ups>`,
//! send `DUMPALL`, apply every message as it arrives, `PING` when the driver has been quiet
//! for MAXAGE/3, log staleness transitions, and reconnect with backoff when the socket goes
//! away (the UPS's data is dropped then: clients get `DRIVER-NOT-CONNECTED`).
//!
//! The conversation itself (the opening `DUMPALL`, bounded reads, decoding, applying) is
//! nut-core's [`DriverReader`], shared with every other reader of a driver socket; this module
//! adds upsd's part: the lock, the pings, the staleness logs, tracking results and reconnects.
//!
//! A driver that floods the socket cannot stall other work: each read (at most [`reader::READ_SIZE`]
//! bytes) is applied under the UPS's write lock in one short step, and the link yields to the
//! other tasks of its runtime after every read.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nut_core::sock::reader;
use nut_core::sock::{Applied, DriverMessage, DriverReader, IgnoredLine, ServerMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::UpsRegistry;
use super::ups::{Unavailable, Ups};
use crate::shutdown::Shutdown;

/// How often the link looks at the clock (pings, stale transitions).
const TICK: Duration = Duration::from_millis(500);
/// First and longest wait between connection attempts.
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// A failing connect is logged at most this often (C: `SS_CONNFAIL_INT`).
const CONNFAIL_LOG_INTERVAL: Duration = Duration::from_secs(300);

/// Run the link until shutdown or until the UPS is removed.
pub async fn run(registry: Arc<UpsRegistry>, ups: Arc<Ups>, mut shutdown: Shutdown) {
    let mut removed = ups.removed_signal();
    let mut backoff = BACKOFF_MIN;
    let mut last_fail_log: Option<Instant> = None;
    loop {
        if shutdown.is_shutdown() || *removed.borrow() {
            break;
        }
        let socket_name = ups.socket_name();
        let path = registry.statepath().join(&socket_name);
        match UnixStream::connect(&path).await {
            Ok(stream) => {
                backoff = BACKOFF_MIN;
                last_fail_log = None;
                let stop = serve(&registry, &ups, stream, &mut shutdown, &mut removed).await;
                disconnect(&ups).await;
                if stop {
                    break;
                }
                continue;
            }
            Err(e) => {
                if last_fail_log.is_none_or(|t| t.elapsed() >= CONNFAIL_LOG_INTERVAL) {
                    tracing::warn!(
                        "Can't connect to UPS [{}] ({socket_name}): {}",
                        ups.name,
                        explain_connect_failure(&path, &e)
                    );
                    last_fail_log = Some(Instant::now());
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            // Redefined by a reload: try the new socket now.
            _ = ups.link_broken.notified() => {
                backoff = BACKOFF_MIN;
                last_fail_log = None;
                continue;
            }
            _ = shutdown.recv() => break,
            _ = removed.changed() => break,
        }
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
    disconnect(&ups).await;
}

/// The connect error, and for a refused permission why and what to do: the socket's owner
/// and mode against the user upsd runs as (a driver left running as root is the usual cause).
fn explain_connect_failure(path: &Path, e: &std::io::Error) -> String {
    if e.kind() != std::io::ErrorKind::PermissionDenied {
        return e.to_string();
    }
    let me = format!(
        "{}:{}",
        user_name(nix::unistd::geteuid()),
        group_name(nix::unistd::getegid())
    );
    let Ok(meta) = std::fs::metadata(path) else {
        return format!(
            "{e}: upsd runs as {me} and cannot reach {}; make its directory searchable by \
             that user",
            path.display()
        );
    };
    format!(
        "{e}: the socket {} is {}:{} mode {:04o} and upsd runs as {me}; run the driver as \
         upsd's user (`user =` in ups.conf, or upsdrvctl -u), give the socket to upsd's group \
         (`group =` in ups.conf), or chown it",
        path.display(),
        user_name(nix::unistd::Uid::from_raw(meta.uid())),
        group_name(nix::unistd::Gid::from_raw(meta.gid())),
        meta.mode() & 0o7777
    )
}

fn user_name(uid: nix::unistd::Uid) -> String {
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => uid.to_string(),
    }
}

fn group_name(gid: nix::unistd::Gid) -> String {
    match nix::unistd::Group::from_gid(gid) {
        Ok(Some(g)) => g.name,
        _ => gid.to_string(),
    }
}

async fn disconnect(ups: &Ups) {
    ups.set_writer(None).await;
    let mut live = ups.live_mut();
    if live.connected {
        tracing::warn!("UPS [{}]: driver disconnected", ups.name);
    }
    live.connected = false;
    let mirror = &mut *live;
    reader::restart(&mut mirror.state, &mut mirror.dumpdone);
    mirror.state_changed();
    drop(live);
    ups.mark_changed();
}

/// Serve one connection; returns true when the link must stop for good.
async fn serve(
    registry: &UpsRegistry,
    ups: &Arc<Ups>,
    stream: UnixStream,
    shutdown: &mut Shutdown,
    removed: &mut tokio::sync::watch::Receiver<bool>,
) -> bool {
    let (mut rd, mut wr) = stream.into_split();
    if let Err(e) = wr.write_all(DriverReader::opening().as_bytes()).await {
        tracing::warn!("UPS [{}]: cannot send DUMPALL: {e}", ups.name);
        return false;
    }
    {
        let mut live = ups.live_mut();
        let now = Instant::now();
        live.connected = true;
        live.last_heard = now;
        live.last_ping = now;
        let live = &mut *live;
        reader::restart(&mut live.state, &mut live.dumpdone);
        live.state.apply(&DriverMessage::SetInfo {
            var: "ups.status".into(),
            value: "WAIT".into(),
        });
        live.state_changed();
    }
    ups.set_writer(Some(wr)).await;
    ups.mark_changed();
    tracing::info!("Connected to UPS [{}]: {}", ups.name, ups.socket_name());

    let mut conn = DriverReader::new();
    let mut warned = false;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            r = rd.read(conn.buffer()) => match r {
                Ok(0) => return false,
                Ok(n) => {
                    apply_read(registry, ups, &mut conn, n, &mut warned);
                    // A driver that always has more to say must not keep the runtime (and
                    // the client connections it serves) to itself.
                    tokio::task::yield_now().await;
                }
                Err(e) => {
                    tracing::warn!("UPS [{}]: read from driver failed: {e}", ups.name);
                    return false;
                }
            },
            _ = tick.tick() => {
                if !housekeeping(registry, ups).await {
                    return false;
                }
            }
            _ = ups.link_broken.notified() => return false,
            _ = shutdown.recv() => return true,
            _ = removed.changed() => return true,
        }
    }
}

/// Decode and apply everything in one read (`n` bytes) under a single write lock. Messages refused at
/// a bound of the state tree are warned about once per connection (`warned`), then at debug
/// level.
fn apply_read(
    registry: &UpsRegistry,
    ups: &Ups,
    conn: &mut DriverReader,
    n: usize,
    warned: &mut bool,
) {
    let mut msgs = Vec::new();
    conn.decode(n, |line| match line {
        Ok(m) => msgs.push(m),
        Err(IgnoredLine::Unparsed { words, error }) => {
            tracing::debug!(
                "UPS [{}]: ignoring driver line {words:?}: {error}",
                ups.name
            )
        }
        Err(IgnoredLine::Tokenizer(e)) => {
            tracing::debug!("UPS [{}]: driver parse error: {e}", ups.name)
        }
    });
    if msgs.is_empty() {
        return;
    }
    let now = Instant::now();
    let mut guard = ups.live_mut();
    let live = &mut *guard;
    live.last_heard = now;
    let mut changed = false;
    for m in &msgs {
        match reader::apply(&mut live.state, &mut live.dumpdone, m) {
            Applied::TrackingResult { id, code } => {
                tracing::info!("tracking ID: {id}\tresult: {}", result_text(code));
                registry.tracking.complete(id, code);
                registry.counters.tracking_result(code);
            }
            Applied::State(c) => changed |= c,
            Applied::DumpDone => {}
        }
    }
    if changed {
        live.state_changed();
    }
    let refused = live.state.take_refusals();
    drop(guard);
    ups.mark_changed();
    if let Some(r) = refused {
        if std::mem::replace(warned, true) {
            tracing::debug!(
                "UPS [{}]: {} more driver messages refused at the bounds",
                ups.name,
                r.count
            );
        } else {
            tracing::warn!(
                "UPS [{}]: the driver went past the bound of {} ({}): {} message(s) refused; \
                 further refusals from this driver connection are logged at debug level",
                ups.name,
                r.limit,
                r.name,
                r.count
            );
        }
    }
}

fn result_text(code: i32) -> &'static str {
    match code {
        0 => "SUCCESS",
        1 => "UNKNOWN",
        2 => "INVALID-ARGUMENT",
        3 => "FAILED",
        _ => "UNKNOWN",
    }
}

/// PING a quiet driver and log stale transitions. False when the driver is unreachable.
async fn housekeeping(registry: &UpsRegistry, ups: &Ups) -> bool {
    let maxage = registry.maxage();
    let third = Duration::from_secs(maxage.as_secs() / 3);
    let now = Instant::now();
    let (need_ping, stale_now, was_stale) = {
        let live = ups.live();
        let need_ping = now.saturating_duration_since(live.last_heard) > third
            && now.saturating_duration_since(live.last_ping) > third;
        let stale = live.check(maxage, now) == Err(Unavailable::Stale);
        (need_ping, stale, live.logged_stale)
    };
    if stale_now != was_stale {
        if stale_now {
            tracing::warn!("Data for UPS [{}] is stale - check driver", ups.name);
        } else {
            tracing::info!("UPS [{}] data is no longer stale", ups.name);
        }
        ups.live_mut().logged_stale = stale_now;
        ups.mark_changed();
    }
    registry.tracking.expire();
    if need_ping {
        ups.live_mut().last_ping = now;
        if !ups.send_line(&ServerMessage::Ping.to_string()).await {
            return false;
        }
    }
    true
}
