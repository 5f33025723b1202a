//! Helpers of the `drivers::` tests: a raw line reader of a driver socket (the tree and the
//! driver processes are [`crate::tree::NutTree`]'s).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

pub use crate::tree::NutTree;

/// A raw reader of a driver socket: sends lines, reads exact lines.
#[derive(Debug)]
pub struct RawReader {
    pub stream: UnixStream,
    pending: Vec<u8>,
}

impl RawReader {
    pub fn connect(path: &Path) -> RawReader {
        let stream =
            UnixStream::connect(path).unwrap_or_else(|e| panic!("connect {}: {e}", path.display()));
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .expect("timeout");
        RawReader {
            stream,
            pending: Vec::new(),
        }
    }

    pub fn send(&mut self, text: &str) {
        self.stream
            .write_all(text.as_bytes())
            .expect("write to driver socket");
    }

    /// The next complete line (without `\n`) within `limit`; None on timeout or EOF.
    pub fn line(&mut self, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=pos).collect();
                return Some(String::from_utf8_lossy(&line[..line.len() - 1]).into_owned());
            }
            if Instant::now() >= deadline {
                return None;
            }
            let mut buf = [0u8; 8192];
            match self.stream.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return None,
            }
        }
    }

    /// Lines until (and including) one equal to `last`.
    pub fn lines_until(&mut self, last: &str, limit: Duration) -> Vec<String> {
        let deadline = Instant::now() + limit;
        let mut out = Vec::new();
        while let Some(l) = self.line(deadline.saturating_duration_since(Instant::now())) {
            let done = l == last;
            out.push(l);
            if done {
                return out;
            }
        }
        panic!("no {last:?} within {limit:?}; got {out:?}");
    }

    /// Wait for a line matching `pred`, returning it (other lines are skipped).
    pub fn wait_line(&mut self, limit: Duration, pred: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + limit;
        while let Some(l) = self.line(deadline.saturating_duration_since(Instant::now())) {
            if pred(&l) {
                return Some(l);
            }
        }
        None
    }

    pub fn dump_all(&mut self) -> Vec<String> {
        self.send("DUMPALL\n");
        self.lines_until("DUMPDONE", Duration::from_secs(10))
    }

    /// Whether the driver closed this connection (EOF) within `limit`.
    pub fn closed_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut buf = [0u8; 8192];
        while Instant::now() < deadline {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => return true,
            }
        }
        false
    }
}

/// Value of `SETINFO <var> "<value>"` in a dump (unescaped by the shared tokenizer).
pub fn dump_value(lines: &[String], var: &str) -> Option<String> {
    lines.iter().find_map(|l| {
        let w = nut_core::words::split_line(l).ok()?;
        (w.len() == 3 && w[0] == "SETINFO" && w[1] == var).then(|| w[2].clone())
    })
}
