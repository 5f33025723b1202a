//! Shared helpers of the drivers_* tests: a temporary NUT tree (conf, state, run), driver
//! processes, and a raw line reader of a driver socket.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{ChildGuard, bin, private_tempdir, wait_for_unix};

/// A temporary NUT configuration: `conf/` (NUT_CONFPATH), `state/` (0770), `run/`.
#[derive(Debug)]
pub struct NutTree {
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub state: PathBuf,
    pub run: PathBuf,
}

impl NutTree {
    pub fn new() -> NutTree {
        let dir = private_tempdir();
        let conf = dir.path().join("conf");
        let state = dir.path().join("state");
        let run = dir.path().join("run");
        for d in [&conf, &state, &run] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::set_permissions(&state, std::fs::Permissions::from_mode(0o770)).expect("chmod");
        NutTree {
            dir,
            conf,
            state,
            run,
        }
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.conf.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    /// ups.conf with one dummy-ups section per (name, port).
    pub fn ups_conf(&self, sections: &[(&str, &str)]) {
        let mut text = String::new();
        for (name, port) in sections {
            text.push_str(&format!(
                "[{name}]\n  driver = dummy-ups\n  port = {port}\n  desc = \"test {name}\"\n"
            ));
        }
        self.write("ups.conf", &text);
    }

    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("NUT_CONFPATH", &self.conf)
            .env("NUT_STATEPATH", &self.state)
            .env("NUT_ALTPIDPATH", &self.run)
            .env_remove("NUT_IGNORE_NOWAIT");
        c
    }

    /// [`Self::command`] for a driver (or upsdrvctl starting drivers) that must stay root
    /// when the tests run as root (`-u root`): started as root without a user, drivers become
    /// `nut` (as C's do), which cannot enter this private tree.
    pub fn driver(&self, program: &Path) -> Command {
        let mut c = self.command(program);
        c.args(crate::stay_root_args());
        c
    }

    pub fn socket(&self, ups: &str) -> PathBuf {
        self.state.join(format!("dummy-ups-{ups}"))
    }

    /// Start our dummy-ups for a section in the foreground and wait for its socket.
    pub fn start_dummy(&self, ups: &str, extra: &[&str]) -> ChildGuard {
        let mut cmd = if extra.contains(&"-u") {
            self.command(&bin("dummy-ups"))
        } else {
            self.driver(&bin("dummy-ups"))
        };
        cmd.args(["-a", ups, "-F"]).args(extra);
        let child = ChildGuard::spawn("dummy-ups", &mut cmd);
        assert!(
            wait_for_unix(&self.socket(ups), Duration::from_secs(10)),
            "dummy-ups socket for {ups} did not appear"
        );
        child
    }
}

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
