//! # rnut end-to-end test harness
//!
//! Shared by every test of the end-to-end binary (`tests/tests/e2e/`, a module per area):
//! locating the workspace binaries (building them once if needed), child processes that are
//! always killed, waiting for sockets and files without fixed sleeps, and detecting the
//! reference tools (Debian's C NUT, NSS certutil, openssl).
//!
//! ## Layout
//! - this file: binaries, skips, [`ChildGuard`], waits, ports, files, [`system_lock`];
//! - [`process`]: the one process runner ([`process::Logged`] daemons whose log is kept and
//!   whose bound address is read from it, [`process::output`] for tools run to completion);
//! - [`tree`]: the one temporary NUT tree (conf, state, run);
//! - [`pki`]: the one test PKI made with nut-certutil's library;
//! - per area: [`upsd`] (a real upsd, a fake driver, a protocol client, TLS), [`drivers`]
//!   (a raw driver-socket reader), [`monitor`] (a scripted server, upsmon, a whole stack),
//!   [`certutil`] (stores, TLS exchanges, the nut-certutil CLI), [`http`] (upsd's HTTP
//!   listener), [`lifecycle`] (a PKI made with the CLI), [`nut_user`] (the `nut` user);
//! - [`malleate`] and [`procfs`]: DER re-encoding and /proc readings.
//!
//! Tests that need a reference tool call [`require_tool`]; it returns `false` only when the tool
//! is not installed. Every skip goes through [`skip`]: it prints the reason, records it in
//! `target/test-skips.log` (counted by `scripts/test`), and fails the test instead when
//! `RNUT_TESTS_NO_SKIP=1` (set by `scripts/test` and `.ci/run`), so a green run there checked
//! everything.

pub mod certutil;
pub mod drivers;
pub mod http;
pub mod lifecycle;
pub mod malleate;
pub mod monitor;
pub mod nut_user;
pub mod pki;
pub mod process;
pub mod procfs;
pub mod tree;
pub mod upsd;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// The directory holding the workspace's debug binaries, built once per test process.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = workspace_root();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"));
        // Build every binary of the workspace once; cheap when already up to date. The
        // variables cargo sets for a test process (CARGO_MANIFEST_DIR, CARGO_PKG_NAME, ...)
        // must not reach this cargo: build scripts (ring's) watch some of them, so a
        // different value would rebuild ring, rustls and every binary each time a test
        // process and a plain `cargo build` alternate.
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        for (key, _) in std::env::vars_os() {
            let key_text = key.to_string_lossy();
            if is_test_process_variable(&key_text) {
                cargo.env_remove(&key);
            }
        }
        let status = cargo
            .args(["build", "--workspace", "--bins", "--quiet"])
            .current_dir(&root)
            .status()
            .expect("run cargo build for the workspace binaries");
        assert!(status.success(), "cargo build --workspace --bins failed");
        target.join("debug")
    })
}

/// Whether cargo set this variable for the test process itself (as opposed to the user's
/// cargo configuration such as CARGO_HOME or CARGO_TARGET_DIR).
fn is_test_process_variable(key: &str) -> bool {
    const PREFIXES: [&str; 6] = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "CARGO_CRATE_",
        "CARGO_BIN_",
        "CARGO_CFG_",
        "CARGO_PRIMARY_PACKAGE",
    ];
    PREFIXES.iter().any(|p| key.starts_with(p)) || key == "CARGO_TARGET_TMPDIR" || key == "OUT_DIR"
}

/// The one lock of the test suite for what is global to the machine: every test of the e2e
/// binary runs in one process on libtest's threads, so a test that uses something shared by
/// the whole system holds this guard for as long as it uses it. Today that is C upsmon:
/// Debian's build writes `/run/nut/upsmon.pid` whatever NUT_ALTPIDPATH says, and a second C
/// upsmon started meanwhile finds the first one's PID file and signals it or refuses to start.
/// A test that panicked while holding the lock does not poison it for the others.
pub fn system_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Path of a workspace binary by name (`upsd`, `dummy-ups`, `nut-certutil`, ...).
pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(p.exists(), "binary {} not found at {}", name, p.display());
    p
}

/// The shared reference directory (`../shared` beside the workspace).
pub fn shared_dir() -> PathBuf {
    workspace_root().join("../shared")
}

/// True if `tool` (an absolute path or a name on PATH) exists. Otherwise prints a skip line.
pub fn require_tool(tool: &str) -> bool {
    let found = if tool.starts_with('/') {
        Path::new(tool).exists()
    } else {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false)
    };
    if !found {
        skip(&format!(
            "{tool} is not installed (scripts/test installs it)"
        ));
    }
    found
}

/// The environment variable that turns every skip into a failure.
pub const NO_SKIP_VAR: &str = "RNUT_TESTS_NO_SKIP";

/// Where skips are recorded, one line each, for `scripts/test`'s summary.
pub fn skip_log() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
        .join("test-skips.log")
}

/// A test cannot run here, for `reason`. With `RNUT_TESTS_NO_SKIP=1` this panics (the run
/// must check everything); otherwise it prints `SKIP: reason`, appends the test's name and
/// the reason to [`skip_log`], and returns so the caller can `return`.
pub fn skip(reason: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("unknown test")
        .to_string();
    if std::env::var(NO_SKIP_VAR).is_ok_and(|v| v == "1") {
        panic!("{test} would skip ({reason}), and {NO_SKIP_VAR}=1 forbids skipping");
    }
    eprintln!("SKIP: {reason}");
    record_skip(&format!("{test}: {reason}\n"));
}

fn record_skip(line: &str) {
    let log = skip_log();
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .and_then(|mut f| std::io::Write::write_all(&mut f, line.as_bytes()));
    if let Err(e) = written {
        eprintln!("cannot record the skip in {}: {e}", log.display());
    }
}

/// True when running as root; otherwise records a skip for `why` (see [`skip`]).
pub fn require_root(why: &str) -> bool {
    let root = is_root();
    if !root {
        skip(&format!("{why} needs root (CI runs as root)"));
    }
    root
}

/// True when running as root (CI does).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// `-u root` when the tests run as root (upsd started as root without `-u` drops to `nut`,
/// as C upsd does), nothing otherwise.
pub fn stay_root_args() -> &'static [&'static str] {
    if is_root() { &["-u", "root"] } else { &[] }
}

/// `cmd` (program, arguments, environment, directory) run through `sh` with its address
/// space capped at `kib` KiB (`ulimit -v`): a regression that reads an endless file then
/// fails in the test instead of taking the machine's memory.
pub fn with_address_space_limit(cmd: &Command, kib: u64) -> Command {
    with_ulimit(cmd, 'v', kib)
}

/// `cmd` run through `sh` after `ulimit -<option> <value>` (soft and hard limit).
pub fn with_ulimit(cmd: &Command, option: char, value: u64) -> Command {
    let mut limited = Command::new("sh");
    limited
        .arg("-c")
        .arg(format!("ulimit -{option} {value} && exec \"$0\" \"$@\""))
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => limited.env(key, v),
            None => limited.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        limited.current_dir(dir);
    }
    limited
}

/// A child process that is killed (SIGTERM, then SIGKILL) and reaped when dropped.
#[derive(Debug)]
pub struct ChildGuard {
    child: Option<Child>,
    name: String,
}

impl ChildGuard {
    /// Spawn a command with stdin closed; stdout and stderr are inherited unless set.
    pub fn spawn(name: &str, cmd: &mut Command) -> ChildGuard {
        cmd.stdin(Stdio::null());
        let child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        ChildGuard {
            child: Some(child),
            name: name.to_string(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// Access the child (to take its pipes).
    pub fn child_mut(&mut self) -> &mut Child {
        self.child.as_mut().expect("child present")
    }

    /// Whether the process has exited (reaping it), with its status.
    pub fn try_wait(&mut self) -> Option<std::process::ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    /// Send a signal to the process.
    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.pid() as i32);
        let _ = nix::sys::signal::kill(pid, sig);
    }

    /// Stop the process: SIGTERM, wait up to `grace`, then SIGKILL. Returns its exit status.
    pub fn stop(&mut self, grace: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + grace;
        loop {
            if let Ok(Some(st)) = child.try_wait() {
                return Some(st);
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return child.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait for the process to exit by itself, up to `timeout`.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(st) = self.try_wait() {
                self.child = None;
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// The name given at spawn.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(3));
    }
}

/// Poll `cond` every 20 ms until it is true or `timeout` passes. Returns whether it became true.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until something accepts TCP connections at `addr`.
pub fn wait_for_tcp(addr: SocketAddr, timeout: Duration) -> bool {
    wait_until(timeout, || {
        TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
    })
}

/// Wait until a Unix socket at `path` is listening, without connecting to it.
///
/// A connect-and-close probe is harmless to ours but not to C NUT 2.8.0's drivers: they never
/// drop a socket client that hung up and spin on its end-of-file for the rest of their life,
/// about half a CPU (measured with Debian's dummy-ups), which skews every measurement and slows
/// every later test on the machine. The listening state is read from `/proc/net/unix` instead.
pub fn wait_for_unix(path: &Path, timeout: Duration) -> bool {
    wait_until(timeout, || unix_listening(path))
}

/// Whether a listening Unix socket is bound at `path` (`/proc/net/unix`; where that cannot be
/// read, whether a socket file is there).
pub fn unix_listening(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    /// `__SO_ACCEPTCON` in the table's Flags column: the socket is listening.
    const ACCEPTCON: u32 = 0x1_0000;
    // The socket file must be there (a listener whose file was unlinked does not count).
    if !path.metadata().is_ok_and(|m| m.file_type().is_socket()) {
        return false;
    }
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return true;
    };
    // The path is the rest of the line, printed as bound (it may hold spaces).
    let suffix = format!(" {}", path.display());
    table.lines().skip(1).any(|line| {
        line.ends_with(&suffix)
            && line
                .split_whitespace()
                .nth(3)
                .and_then(|f| u32::from_str_radix(f, 16).ok())
                .is_some_and(|f| f & ACCEPTCON != 0)
    })
}

/// A free loopback TCP port, picked by the OS. Another process could take it before use, so
/// it serves only where a daemon cannot bind port 0 and report the port: our upsd refuses
/// port 0 in LISTEN and HTTP_LISTEN (a config error), C upsd logs the configured port rather
/// than the bound one, and the scripts (scripts/demo, nit-against-rnut) take a port number.
/// Tests still read the address upsd actually listens on from its log
/// ([`process::Logged::listening_addr`]).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Write a file and set its mode.
pub fn write_file(path: &Path, contents: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create parent dir");
    }
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// A temporary directory with mode 0750 (as NUT wants config and state directories).
pub fn private_tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o750)).expect("chmod");
    dir
}

/// Send raw request lines over a plain TCP connection and read `n_lines` reply lines.
pub fn exchange(addr: SocketAddr, request: &str, n_lines: usize) -> Vec<String> {
    use std::io::{BufRead, BufReader, Write};
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("write");
    let mut r = BufReader::new(s);
    let mut out = Vec::new();
    for _ in 0..n_lines {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        out.push(line.trim_end_matches('\n').to_string());
    }
    out
}

/// A stand-in for the syslog socket: a Unix datagram socket in a private directory that a
/// daemon started with `RNUT_SYSLOG_SOCKET=<path>` sends its lines to once it is in the
/// background.
#[derive(Debug)]
pub struct SyslogSink {
    _dir: tempfile::TempDir,
    path: PathBuf,
    sock: std::os::unix::net::UnixDatagram,
    lines: Vec<String>,
}

impl Default for SyslogSink {
    fn default() -> Self {
        SyslogSink::new()
    }
}

impl SyslogSink {
    pub fn new() -> SyslogSink {
        let dir = private_tempdir();
        let path = dir.path().join("log.sock");
        let sock = std::os::unix::net::UnixDatagram::bind(&path).expect("bind syslog sink");
        sock.set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        SyslogSink {
            _dir: dir,
            path,
            sock,
            lines: Vec::new(),
        }
    }

    /// The socket path (the value of `RNUT_SYSLOG_SOCKET`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every line received so far (reading what has arrived).
    pub fn lines(&mut self) -> &[String] {
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.sock.recv(&mut buf) {
            self.lines
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        &self.lines
    }

    /// The first line (received before or within `timeout`) that satisfies `pred`.
    pub fn wait_line(&mut self, timeout: Duration, pred: impl Fn(&str) -> bool) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(l) = self.lines().iter().find(|l| pred(l)) {
                return Some(l.clone());
            }
            if Instant::now() >= deadline {
                return None;
            }
        }
    }
}

/// A daemon that went to the background, known by its PID (from its PID file): sent SIGTERM
/// and waited for when dropped, SIGKILL if it does not go.
#[derive(Debug)]
pub struct DaemonGuard {
    pub pid: i32,
}

impl DaemonGuard {
    /// Whether the process still runs (a zombie waiting for its reaper does not).
    pub fn alive(&self) -> bool {
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)) else {
            return false;
        };
        // The state follows the parenthesised command name.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    }

    /// SIGTERM, then wait up to `grace` for the process to go; true if it went.
    pub fn stop(&self, grace: Duration) -> bool {
        let pid = nix::unistd::Pid::from_raw(self.pid);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        wait_until(grace, || !self.alive())
    }
}

impl Drop for DaemonGuard {
    fn drop(&mut self) {
        if self.alive() && !self.stop(Duration::from_secs(5)) {
            let pid = nix::unistd::Pid::from_raw(self.pid);
            let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGKILL);
        }
    }
}

/// Wait for a PID file to hold a PID and guard that process.
pub fn daemon_from_pid_file(path: &Path, timeout: Duration) -> Option<DaemonGuard> {
    let mut pid = None;
    wait_until(timeout, || {
        pid = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.trim().parse::<i32>().ok())
            .filter(|p| *p > 0);
        pid.is_some()
    });
    pid.map(|pid| DaemonGuard { pid })
}
