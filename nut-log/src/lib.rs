//! # nut-log: how the daemons log
//!
//! C NUT's `upslog` writes to standard error while a program runs in the foreground and to
//! syslog (facility daemon) once it has gone to the background. Every rnut daemon (`upsd`,
//! `upsmon`, the drivers) logs through `tracing` with this crate's writer, which does the
//! same: standard error until [`switch_to_syslog`], then one datagram per record to the
//! local syslog socket, with the record's level as the syslog severity.
//!
//! The socket is `/dev/log`; `RNUT_SYSLOG_SOCKET` in the environment names another one (for
//! tests, and for a chroot with its own log socket). A datagram socket (journald, rsyslog)
//! gets one datagram per line; a stream socket (syslog-ng's `unix-stream()`) gets each line
//! followed by a NUL byte, the framing glibc's `syslog()` uses when it falls back the same
//! way. Sending is best effort: with no socket listening, or a full queue, records are
//! dropped rather than blocking or failing the daemon.
//!
//! Every record leaves as one line of printable text, whatever it holds: control characters
//! are escaped in the sink ([`escape`]), so a peer-supplied string logged anywhere cannot
//! forge a line. Warnings that an outside party can trigger at will go through a
//! [`Throttle`] ([`throttle`]).

pub mod error_line;
pub mod escape;
pub mod throttle;

pub use error_line::error_line;
pub use escape::escape_controls;
pub use throttle::Throttle;

#[doc(hidden)]
pub use tracing as __tracing;

use std::io::Write;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tracing::Level;
use tracing_subscriber::fmt::MakeWriter;

/// Default syslog socket.
pub const SYSLOG_SOCKET: &str = "/dev/log";

/// Facility `daemon` (3), shifted as RFC 3164 wants it.
const FACILITY_DAEMON: u8 = 3 << 3;

static TO_SYSLOG: AtomicBool = AtomicBool::new(false);
static IDENT: OnceLock<String> = OnceLock::new();
static SOCKET: OnceLock<Syslog> = OnceLock::new();

/// Longest a line may wait on a stream socket before it is dropped.
const STREAM_TIMEOUT: Duration = Duration::from_millis(100);

/// The syslog socket and how we are connected to it.
#[derive(Debug)]
struct Syslog {
    path: PathBuf,
    conn: Mutex<Conn>,
}

#[derive(Debug)]
enum Conn {
    Datagram(UnixDatagram),
    Stream(UnixStream),
    /// Nothing listening (yet): tried again at the next line.
    Down,
}

impl Conn {
    /// Datagram first, then stream, as glibc's `openlog` does.
    fn open(path: &Path) -> Conn {
        if let Ok(d) = UnixDatagram::unbound() {
            // Never block the daemon on a full syslog queue.
            if d.set_nonblocking(true).is_ok() && d.connect(path).is_ok() {
                return Conn::Datagram(d);
            }
        }
        match UnixStream::connect(path) {
            Ok(s) if s.set_write_timeout(Some(STREAM_TIMEOUT)).is_ok() => Conn::Stream(s),
            _ => Conn::Down,
        }
    }

    /// Send one line; false when the connection is broken (reopen and try again).
    fn send(&mut self, line: &[u8]) -> bool {
        match self {
            Conn::Datagram(d) => match d.send(line) {
                Ok(_) => true,
                // A full queue: drop the line, the socket is fine.
                Err(e) => e.kind() == std::io::ErrorKind::WouldBlock,
            },
            Conn::Stream(s) => {
                let mut framed = Vec::with_capacity(line.len() + 1);
                framed.extend_from_slice(line);
                framed.push(0);
                // A line cut by the timeout would garble the next one: reconnect after any
                // failure, so the next line starts on a fresh stream.
                s.write_all(&framed).is_ok()
            }
            Conn::Down => false,
        }
    }
}

/// Syslog severities used here (RFC 5424 numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// 2: the host is about to shut down.
    Critical = 2,
    /// 3.
    Error = 3,
    /// 4.
    Warning = 4,
    /// 5: upsmon's notifications.
    Notice = 5,
    /// 6.
    Info = 6,
    /// 7.
    Debug = 7,
}

impl From<&Level> for Severity {
    fn from(level: &Level) -> Severity {
        match *level {
            Level::ERROR => Severity::Error,
            Level::WARN => Severity::Warning,
            Level::INFO => Severity::Info,
            _ => Severity::Debug,
        }
    }
}

/// How a program logs.
#[derive(Debug, Clone, Copy)]
pub struct LogSetup<'a> {
    /// Program name in syslog lines (`upsd`, `upsmon`, `dummy-ups`, ...).
    pub ident: &'a str,
    /// Filter when `env_var` is not set: `info`, `debug`, ...
    pub level: &'a str,
    /// Environment variable holding a `tracing` filter that replaces `level`.
    pub env_var: &'a str,
    /// Prefix standard-error lines with the time (syslog stamps its lines itself).
    pub timestamps: bool,
}

/// The filter level of NUT's `-D` (repeatable: raises) and `-q` (repeatable: lowers) flags.
pub fn level(debug: u8, quiet: u8) -> &'static str {
    match (debug, quiet) {
        (0, 0) => "info",
        (0, 1) => "warn",
        (0, _) => "error",
        (1, _) => "debug",
        _ => "trace",
    }
}

/// Install the global `tracing` subscriber (once; later calls do nothing).
pub fn init(setup: LogSetup<'_>) {
    let _ = IDENT.set(setup.ident.to_string());
    // Connect to the syslog socket now, as C's openlog(LOG_NDELAY): a daemon that chroots
    // later (`upsd -r`, a driver's `chroot`) keeps its log.
    let _ = socket();
    let filter = tracing_subscriber::EnvFilter::try_from_env(setup.env_var)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(setup.level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Sink)
        .with_target(false)
        .with_ansi(false);
    if setup.timestamps {
        let _ = builder.try_init();
    } else {
        let _ = builder.without_time().try_init();
    }
}

/// From now on, send records to syslog instead of standard error (the program has gone to
/// the background).
pub fn switch_to_syslog() {
    TO_SYSLOG.store(true, Ordering::SeqCst);
}

/// Whether records go to syslog.
pub fn is_syslog() -> bool {
    TO_SYSLOG.load(Ordering::Relaxed)
}

/// Send one line to syslog now, whatever the current destination of records (upsmon's
/// notifications go to syslog in the foreground too, as in C).
pub fn syslog(severity: Severity, message: &str) {
    let target = socket();
    let ident = IDENT.get().map(String::as_str).unwrap_or("rnut");
    let line = format!(
        "<{}>{ident}[{}]: {}",
        FACILITY_DAEMON + severity as u8,
        std::process::id(),
        escape_controls(message.trim_end())
    );
    let mut conn = target.conn.lock().unwrap_or_else(|e| e.into_inner());
    if !conn.send(line.as_bytes()) {
        // The syslog daemon restarted (a new socket at the same path) or was not there yet:
        // once more, if the path is reachable from here (not after a chroot).
        *conn = Conn::open(&target.path);
        let _ = conn.send(line.as_bytes());
    }
}

fn socket() -> &'static Syslog {
    SOCKET.get_or_init(|| {
        let path = std::env::var_os("RNUT_SYSLOG_SOCKET")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(SYSLOG_SOCKET));
        let conn = Mutex::new(Conn::open(&path));
        Syslog { path, conn }
    })
}

/// The message of a formatted record without its level word: syslog carries the level as
/// the line's severity.
fn message_of(formatted: &str) -> &str {
    let text = formatted.trim_start();
    for level in ["ERROR ", "WARN ", "INFO ", "DEBUG ", "TRACE "] {
        if let Some(rest) = text.strip_prefix(level) {
            return rest.trim_start();
        }
    }
    text
}

/// The writer of every record: standard error or syslog (see [`switch_to_syslog`]), one line
/// of printable text per record (control characters escaped). Public for programs that
/// install their own subscriber (the client tools).
#[derive(Debug, Clone, Copy)]
pub struct Sink;

/// One formatted record; written out when dropped.
#[derive(Debug)]
pub struct Record {
    buf: Vec<u8>,
    severity: Severity,
}

impl Write for Record {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Record {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        if is_syslog() {
            syslog(
                self.severity,
                message_of(&String::from_utf8_lossy(&self.buf)),
            );
        } else {
            let line = escape::as_log_line(&String::from_utf8_lossy(&self.buf));
            let _ = std::io::stderr().write_all(line.as_bytes());
        }
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = Record;
    fn make_writer(&'a self) -> Record {
        Record {
            buf: Vec::with_capacity(128),
            severity: Severity::Info,
        }
    }
    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Record {
        Record {
            buf: Vec::with_capacity(128),
            severity: Severity::from(meta.level()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syslog_lines_carry_the_message_without_the_level_word() {
        assert_eq!(
            message_of(" INFO signal SIGTERM: exiting\n"),
            "signal SIGTERM: exiting\n"
        );
        assert_eq!(message_of("ERROR a: b"), "a: b");
        assert_eq!(message_of("WARN  two spaces"), "two spaces");
        assert_eq!(message_of("INFORMATION kept"), "INFORMATION kept");
    }

    #[test]
    fn debug_raises_and_quiet_lowers_the_level() {
        assert_eq!(level(0, 0), "info");
        assert_eq!(level(0, 1), "warn");
        assert_eq!(level(0, 3), "error");
        assert_eq!(level(1, 2), "debug");
        assert_eq!(level(2, 0), "trace");
    }

    #[test]
    fn levels_map_to_syslog_severities() {
        assert_eq!(Severity::from(&Level::ERROR), Severity::Error);
        assert_eq!(Severity::from(&Level::WARN), Severity::Warning);
        assert_eq!(Severity::from(&Level::INFO), Severity::Info);
        assert_eq!(Severity::from(&Level::DEBUG), Severity::Debug);
        assert_eq!(Severity::from(&Level::TRACE), Severity::Debug);
    }
}
