//! Logging: `tracing` to stderr, or to syslog (`/dev/log`) once a background driver has
//! detached from its terminal, as C drivers do.

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::fmt::MakeWriter;

static TO_SYSLOG: AtomicBool = AtomicBool::new(false);
static IDENT: OnceLock<String> = OnceLock::new();

/// Initialise logging for a program: `debug` raises the level (`-D`), `quiet` lowers it.
pub fn init(ident: &str, debug: u8, quiet: u8) {
    let _ = IDENT.set(ident.to_string());
    let level = match (debug, quiet) {
        (0, 0) => "info",
        (0, 1) => "warn",
        (0, _) => "error",
        (1, _) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RNUT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Sink)
        .with_target(false)
        .with_ansi(false)
        .without_time()
        .try_init();
}

/// From now on, log to syslog instead of stderr.
pub fn switch_to_syslog() {
    TO_SYSLOG.store(true, Ordering::SeqCst);
}

#[derive(Debug, Clone, Copy)]
struct Sink;

/// One log record; sent when dropped.
#[derive(Debug)]
pub struct Record {
    buf: Vec<u8>,
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
        if TO_SYSLOG.load(Ordering::Relaxed) {
            let ident = IDENT.get().map(String::as_str).unwrap_or("rnut");
            let text = String::from_utf8_lossy(&self.buf);
            // Facility daemon (3), severity info (6).
            let msg = format!("<30>{ident}[{}]: {}", std::process::id(), text.trim_end());
            if let Ok(sock) = UnixDatagram::unbound() {
                let _ = sock.send_to(msg.as_bytes(), "/dev/log");
            }
        } else {
            let _ = std::io::stderr().write_all(&self.buf);
        }
    }
}

impl<'a> MakeWriter<'a> for Sink {
    type Writer = Record;
    fn make_writer(&'a self) -> Record {
        Record {
            buf: Vec::with_capacity(128),
        }
    }
}
