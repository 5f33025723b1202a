//! The driver socket server: `STATEPATH/<driver>-<upsname>`, any number of readers, each with
//! its own tokenizer and its own outgoing queue (C `dstate_init`, `sock_read`, `sock_arg`).
//!
//! A reader is dropped, without affecting the others, when it sends a line longer than
//! [`MAX_LINE`], too many lines that are not driver-socket commands in a row, or stops
//! reading while its queue fills up.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use nut_core::sock::{DriverMessage, DriverState, ResultCode, ServerMessage};
use nut_core::words::{Event, Tokenizer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, oneshot};

use crate::device::DeviceRequest;
use crate::dstate::Dstate;
use crate::error::DriverError;
use queue::{Chunk, READER_QUEUE, ReaderTx};

pub(crate) mod queue;

/// Longest request line accepted from a reader; a valid one is far shorter (C formats into
/// 512 bytes).
pub const MAX_LINE: usize = 8192;
/// Unparseable lines in a row after which a reader is dropped.
pub const MAX_BAD_LINES: u32 = 10;
/// Readers served at once; further connections are closed at once.
pub const MAX_READERS: usize = 128;

/// How long a closing reader's last replies (e.g. `OK Goodbye`) may take to leave.
const DRAIN: std::time::Duration = std::time::Duration::from_secs(5);

/// Check the state directory: it must exist and must not be writable by others.
pub fn check_state_dir(dir: &Path) -> Result<(), DriverError> {
    let meta = std::fs::metadata(dir).map_err(|e| DriverError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    if meta.mode() & 0o002 != 0 {
        return Err(DriverError::InsecureStatePath {
            path: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Bind the socket as C does: refuse if a live driver answers there, unlink a stale file,
/// `umask(0007)`, bind, `chmod 0660`, optionally give the file to `gid`.
pub fn bind_socket(
    path: &Path,
    gid: Option<nix::unistd::Gid>,
) -> Result<std::os::unix::net::UnixListener, DriverError> {
    let io = |e| DriverError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    if std::fs::symlink_metadata(path).is_ok() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(DriverError::AlreadyRunning {
                path: path.to_path_buf(),
            });
        }
        tracing::info!(socket = %path.display(), "removing stale socket file");
        std::fs::remove_file(path).map_err(io)?;
    }
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o007));
    let bound = std::os::unix::net::UnixListener::bind(path);
    nix::sys::stat::umask(old);
    let listener = bound.map_err(io)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o660)).map_err(io)?;
    if let Some(gid) = gid {
        nix::unistd::chown(path, None, Some(gid))
            .map_err(|e| io(std::io::Error::from_raw_os_error(e as i32)))?;
    }
    listener.set_nonblocking(true).map_err(io)?;
    Ok(listener)
}

/// The accept loop: serves readers until the task is dropped.
pub(crate) async fn serve(
    listener: UnixListener,
    dstate: Dstate,
    device: std::sync::mpsc::Sender<DeviceRequest>,
    path: PathBuf,
) {
    let open = Arc::new(AtomicUsize::new(0));
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                tracing::warn!(socket = %path.display(), "accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        // Open connections count, not only registered readers: one dropped as stuck still
        // holds its socket until the client closes it.
        if open.load(Ordering::Acquire) >= MAX_READERS {
            tracing::warn!("too many socket readers ({MAX_READERS}); closing a new connection");
            continue;
        }
        open.fetch_add(1, Ordering::AcqRel);
        let open = open.clone();
        let dstate = dstate.clone();
        let device = device.clone();
        tokio::spawn(async move {
            serve_reader(stream, dstate, device).await;
            open.fetch_sub(1, Ordering::AcqRel);
        });
    }
}

async fn serve_reader(
    stream: UnixStream,
    dstate: Dstate,
    device: std::sync::mpsc::Sender<DeviceRequest>,
) {
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::channel::<Chunk>(READER_QUEUE);
    let queued = Arc::new(AtomicUsize::new(0));
    let written = queued.clone();
    let mut writer = tokio::spawn(async move {
        while let Some(chunk) = rx.recv().await {
            if wr.write_all(chunk.as_bytes()).await.is_err() {
                // The reader went away: nothing to do, the read side notices too.
                break;
            }
            written.fetch_sub(chunk.len(), Ordering::AcqRel);
        }
        let _ = wr.shutdown().await;
    });
    let stop = Arc::new(tokio::sync::Notify::new());
    let id = dstate.add_reader(ReaderTx::new(
        tx,
        queued,
        Some(writer.abort_handle()),
        stop.clone(),
    ));
    tracing::debug!(reader = id, "socket reader connected");
    let mut tok = Tokenizer::new();
    let mut buf = vec![0u8; 4096];
    let mut line_len = 0usize;
    let mut bad = 0u32;
    'read: loop {
        let n = tokio::select! {
            r = rd.read(&mut buf) => match r {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            // Dropped as stuck: end the connection, freeing its place among the readers.
            _ = stop.notified() => {
                tracing::debug!(reader = id, "closing the connection of a stuck reader");
                break;
            }
        };
        for &b in &buf[..n] {
            line_len += 1;
            if line_len > MAX_LINE {
                tracing::warn!(
                    reader = id,
                    "dropping socket reader: request line longer than {MAX_LINE} bytes"
                );
                break 'read;
            }
            let words = match tok.feed(b) {
                None => continue,
                Some(Event::Line(words)) => words,
                Some(Event::Error(e)) => {
                    line_len = 0;
                    bad += 1;
                    tracing::debug!(reader = id, "parse error: {e}");
                    if bad >= MAX_BAD_LINES {
                        break 'read;
                    }
                    continue;
                }
            };
            line_len = 0;
            if words.is_empty() {
                continue;
            }
            match ServerMessage::parse(&words) {
                Ok(msg) => {
                    bad = 0;
                    match handle(id, msg, &dstate, &device).await {
                        Flow::Continue => {}
                        Flow::Close => break 'read,
                    }
                }
                Err(e) => {
                    bad += 1;
                    tracing::debug!(reader = id, "ignoring socket line: {e}");
                    if bad >= MAX_BAD_LINES {
                        tracing::warn!(
                            reader = id,
                            "dropping socket reader after {bad} unparseable lines"
                        );
                        break 'read;
                    }
                }
            }
        }
    }
    // Dropping the registration drops the queue's sender: the writer drains what is queued
    // (e.g. `OK Goodbye`) and closes.
    dstate.remove_reader(id);
    // A client that stopped reading must not keep this task (and its queue) forever.
    if tokio::time::timeout(DRAIN, &mut writer).await.is_err() {
        writer.abort();
    }
    tracing::debug!(reader = id, "socket reader gone");
}

enum Flow {
    Continue,
    Close,
}

/// Queue a reply for reader `id`: its messages come from the state (dumps) or are fixed.
fn reply_with(
    dstate: &Dstate,
    id: u64,
    msgs: impl FnOnce(&DriverState) -> Vec<DriverMessage>,
) -> Flow {
    if dstate.reply_with(id, msgs) {
        Flow::Continue
    } else {
        Flow::Close
    }
}

fn reply(dstate: &Dstate, id: u64, msg: DriverMessage) -> Flow {
    reply_with(dstate, id, |_| vec![msg])
}

async fn handle(
    id: u64,
    msg: ServerMessage,
    dstate: &Dstate,
    device: &std::sync::mpsc::Sender<DeviceRequest>,
) -> Flow {
    match msg {
        ServerMessage::DumpAll => reply_with(dstate, id, |s| s.dump_all()),
        ServerMessage::DumpValue(var) => reply_with(dstate, id, |s| s.dump_value(&var)),
        ServerMessage::DumpStatus => reply_with(dstate, id, |s| s.dump_value("ups.status")),
        ServerMessage::Ping => reply(dstate, id, DriverMessage::Pong),
        ServerMessage::GetPid => reply(
            dstate,
            id,
            DriverMessage::Pid(std::process::id().to_string()),
        ),
        ServerMessage::NoBroadcast => {
            dstate.set_broadcast(id, false);
            Flow::Continue
        }
        ServerMessage::Broadcast(n) => {
            dstate.set_broadcast(id, n.is_none_or(|n| n >= 1));
            Flow::Continue
        }
        ServerMessage::Logout => {
            let _ = reply(dstate, id, DriverMessage::Goodbye);
            Flow::Close
        }
        ServerMessage::InstCmd {
            cmd,
            param,
            tracking,
        } => {
            tracing::info!(
                reader = id,
                "instant command {cmd}{}",
                param
                    .as_deref()
                    .map(|p| format!(" [{p}]"))
                    .unwrap_or_default()
            );
            let request = |reply| DeviceRequest::InstCmd { cmd, param, reply };
            run_tracked(dstate, id, tracking, device, request).await
        }
        ServerMessage::Set {
            var,
            value,
            tracking,
        } => {
            tracing::info!(reader = id, "set {var}");
            let request = |reply| DeviceRequest::SetVar { var, value, reply };
            run_tracked(dstate, id, tracking, device, request).await
        }
    }
}

/// Hand an `INSTCMD` or `SET` to the device thread, wait for its result and answer the
/// reader's `TRACKING` id with it (nothing without one). A device thread gone is `FAILED`.
async fn run_tracked(
    dstate: &Dstate,
    id: u64,
    tracking: Option<String>,
    device: &std::sync::mpsc::Sender<DeviceRequest>,
    request: impl FnOnce(oneshot::Sender<ResultCode>) -> DeviceRequest,
) -> Flow {
    let (tx, rx) = oneshot::channel();
    let code = if device.send(request(tx)).is_ok() {
        rx.await.unwrap_or(ResultCode::Failed)
    } else {
        ResultCode::Failed
    };
    match tracking {
        Some(tid) => reply(
            dstate,
            id,
            DriverMessage::Tracking {
                id: tid,
                code: code.code(),
            },
        ),
        None => Flow::Continue,
    }
}

/// Text of a whole dump, for `-d`/SIGURG style dumps in upsc format (`var: value`).
pub fn upsc_text(dstate: &Dstate) -> String {
    let snap = dstate.snapshot();
    let mut out = String::new();
    for v in snap.vars() {
        out.push_str(&v.name);
        out.push_str(": ");
        out.push_str(&v.value);
        out.push('\n');
    }
    out
}
