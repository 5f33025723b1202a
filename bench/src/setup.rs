//! The benchmark's world: one temporary directory holding the driver's configuration and the
//! shared state directory, one driver (one socket serving a 44-variable UPS), and one upsd per
//! implementation with its own configuration directory and certificate store, both reading
//! the same driver socket. Every process is held in a [`ChildGuard`].

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use rnut_tests::{ChildGuard, free_port, wait_for_unix, write_file};

use crate::conn::{self, TlsClient};

/// The UPS section every server serves.
pub const UPS: &str = "bench";
/// The variable `GET VAR` asks for.
pub const GET_VAR: &str = "ups.status";
/// How many variables the UPS publishes in total (file + driver-added ones).
pub const WANTED_VARS: usize = 44;
/// Password of both certificate databases (and of the server keys inside them).
const DB_PASSWORD: &str = "bench-db-secret";
/// Server certificate nickname in both databases.
const SERVER_NICK: &str = "upsd-bench";
const CA_NICK: &str = "bench-ca";

/// Variables of the dummy-ups `.dev` file, a plausible line-interactive UPS. C dummy-ups 2.8.0
/// adds 11 of its own (`driver.*`, `device.type`, `device.*` copies of `ups.mfr`, `ups.model`
/// and `ups.serial`), which makes 44 in `LIST VAR`; the bench counts the real number and
/// prints it.
const DEV_VARS: &[(&str, &str)] = &[
    ("battery.charge", "100"),
    ("battery.charge.low", "10"),
    ("battery.charge.warning", "50"),
    ("battery.runtime", "2310"),
    ("battery.runtime.low", "120"),
    ("battery.type", "PbAc"),
    ("battery.voltage", "27.3"),
    ("battery.voltage.nominal", "24.0"),
    ("battery.date", "2024/01/15"),
    ("input.voltage", "230.4"),
    ("input.voltage.nominal", "230"),
    ("input.frequency", "50.0"),
    ("input.transfer.high", "264"),
    ("input.transfer.low", "184"),
    ("input.sensitivity", "medium"),
    ("output.voltage", "230.0"),
    ("output.voltage.nominal", "230"),
    ("output.frequency", "50.0"),
    ("output.current", "1.2"),
    ("ups.mfr", "Bench Power"),
    ("ups.model", "BP-1500"),
    ("ups.serial", "BP1500-000042"),
    ("ups.firmware", "02.14"),
    ("ups.load", "23"),
    ("ups.power", "276"),
    ("ups.power.nominal", "1500"),
    ("ups.realpower", "240"),
    ("ups.realpower.nominal", "900"),
    ("ups.status", "OL"),
    ("ups.temperature", "31.5"),
    ("ups.beeper.status", "enabled"),
    ("ups.delay.shutdown", "20"),
    ("ups.test.result", "Done and passed"),
];

/// Which driver feeds the UPS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriverKind {
    /// Debian's `/lib/nut/dummy-ups`.
    C,
    /// Our `dummy-ups`.
    Rnut,
}

/// Key algorithm of the server certificates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyChoice {
    /// Each tool's default (NSS certutil: RSA 2048; nut-certutil: its own default).
    Default,
    /// RSA 2048 on both sides.
    Rsa,
    /// ECDSA P-256 on both sides.
    Ec,
}

/// Which upsd.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    Rnut,
    C,
}

impl Impl {
    pub fn label(self) -> &'static str {
        match self {
            Impl::Rnut => "rnut",
            Impl::C => "C upsd",
        }
    }
    fn dir_name(self) -> &'static str {
        match self {
            Impl::Rnut => "rnut",
            Impl::C => "c",
        }
    }
}

/// The shared part: temporary directory, state directory, the driver process.
#[derive(Debug)]
pub struct World {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub driver_desc: String,
    driver: Option<ChildGuard>,
}

impl World {
    /// Write the driver's configuration and start it; wait for its socket.
    pub fn start(kind: DriverKind, rnut_bin: &Path) -> Result<World> {
        let dir = rnut_tests::private_tempdir();
        let root = dir.path().to_path_buf();
        let state = root.join("state");
        let drv = root.join("driver");
        for d in [&state, &drv] {
            std::fs::create_dir_all(d)?;
        }
        write_file(&drv.join("ups.conf"), &ups_conf(), 0o640);
        write_file(&drv.join(format!("{UPS}.dev")), &dev_file(), 0o640);
        let (bin, desc) = match kind {
            DriverKind::C => (PathBuf::from("/lib/nut/dummy-ups"), "C dummy-ups 2.8.0"),
            DriverKind::Rnut => (rnut_bin.join("dummy-ups"), "rnut dummy-ups"),
        };
        if !bin.exists() {
            bail!("driver {} not found", bin.display());
        }
        let log = std::fs::File::create(root.join("driver.log"))?;
        let mut cmd = Command::new(&bin);
        cmd.args(["-a", UPS, "-F"]);
        if nix::unistd::geteuid().is_root() {
            cmd.args(["-u", "root"]);
        }
        cmd.env("NUT_CONFPATH", &drv)
            .env("NUT_STATEPATH", &state)
            .env("NUT_ALTPIDPATH", &drv)
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log));
        let mut guard = spawn_guarded("dummy-ups", &mut cmd)?;
        let sock = state.join(format!("dummy-ups-{UPS}"));
        let ready = wait_for_unix(&sock, Duration::from_secs(15));
        if !ready || guard.try_wait().is_some() {
            bail!(
                "driver socket {} did not appear; driver log:\n{}",
                sock.display(),
                tail(&root.join("driver.log"))
            );
        }
        Ok(World {
            dir,
            state,
            driver_desc: desc.to_string(),
            driver: Some(guard),
        })
    }

    /// Whether the driver is still running.
    pub fn driver_alive(&mut self) -> bool {
        self.driver.as_mut().is_some_and(|g| g.try_wait().is_none())
    }

    /// The driver's CPU seconds so far. It should stay near zero: the driver only answers
    /// the servers' PINGs. A busy driver (C 2.8.0's spin on a hung-up socket client) would
    /// take a core's share from the servers and skew every row.
    pub fn driver_cpu(&self) -> Option<f64> {
        self.driver
            .as_ref()
            .and_then(|g| crate::procfs::cpu_seconds(g.pid()).ok())
    }

    /// Stop the driver (also done on drop).
    pub fn stop(&mut self) {
        if let Some(mut g) = self.driver.take() {
            g.stop(Duration::from_secs(3));
        }
    }
}

impl Drop for World {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One running upsd.
#[derive(Debug)]
pub struct Server {
    pub which: Impl,
    pub addr: SocketAddr,
    pub guard: ChildGuard,
    /// A TLS client for this server, or why TLS is not available.
    pub tls: std::result::Result<TlsClient, String>,
    /// What the TLS probe negotiated (key algorithm, protocol, suite), for the notes.
    pub key_desc: String,
    pub log: PathBuf,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.guard.pid()
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.guard.try_wait().is_none()
    }

    /// The last lines of its log.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }

    /// Wait until the server answers `GET VAR` with the `.dev` file's value (driver link up,
    /// data loaded, not stale).
    pub async fn wait_ready(&mut self, limit: Duration) -> Result<()> {
        let deadline = Instant::now() + limit;
        let req = get_var_line();
        let expected = format!(
            "VAR {UPS} {GET_VAR} \"{}\"",
            dev_value(GET_VAR).unwrap_or("")
        );
        let mut last = anyhow!("not tried");
        while Instant::now() < deadline {
            if !self.alive() {
                bail!("{} exited; log:\n{}", self.which.label(), self.log_tail());
            }
            let attempt = conn::within(Duration::from_secs(2), async {
                let mut c = conn::connect(self.addr).await?;
                let line = c.request(req.as_bytes()).await?;
                // The driver publishes `WAIT` until it has read the .dev file.
                if line == expected.as_bytes() {
                    Ok(())
                } else {
                    Err(anyhow!(
                        "GET VAR answered {:?}",
                        String::from_utf8_lossy(line)
                    ))
                }
            })
            .await;
            match attempt {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(last.context(format!("{} not ready within {limit:?}", self.which.label())))
    }
}

/// `GET VAR bench ups.status\n`.
pub fn get_var_line() -> String {
    format!("GET VAR {UPS} {GET_VAR}\n")
}

/// `LIST VAR bench\n`.
pub fn list_var_line() -> String {
    format!("LIST VAR {UPS}\n")
}

fn ups_conf() -> String {
    format!("[{UPS}]\n  driver = dummy-ups\n  port = {UPS}.dev\n  desc = \"upsd-bench UPS\"\n")
}

/// The value the `.dev` file gives a variable.
fn dev_value(var: &str) -> Option<&'static str> {
    DEV_VARS.iter().find(|(k, _)| *k == var).map(|(_, v)| *v)
}

fn dev_file() -> String {
    let mut s = String::from("# upsd-bench: a static 44-variable UPS\n");
    for (k, v) in DEV_VARS {
        s.push_str(&format!("{k}: {v}\n"));
    }
    s
}

/// Configure and start one upsd on a free loopback port, with a certificate store made by
/// `certutil` (NSS's for C, ours for rnut). A store that cannot be made leaves TLS `n/a`.
pub async fn start_server(
    world: &World,
    which: Impl,
    upsd: &Path,
    certutil: &Path,
    key: KeyChoice,
    maxconn: u64,
) -> Result<Server> {
    if !upsd.exists() {
        bail!("{} not found", upsd.display());
    }
    let conf = world.dir.path().join(which.dir_name());
    std::fs::create_dir_all(&conf)?;
    set_mode(&conf, 0o750)?;

    let store = conf.join("certs");
    let (tls_lines, tls) = match make_store(certutil, &store, key) {
        Ok(ca_pem) => match TlsClient::from_ca_pem(&ca_pem) {
            Ok(client) => (
                format!(
                    "CERTPATH \"{}\"\nCERTIDENT \"{SERVER_NICK}\" \"{DB_PASSWORD}\"\n",
                    store.display()
                ),
                Ok(client),
            ),
            Err(e) => (String::new(), Err(format!("{e:#}"))),
        },
        Err(e) => (String::new(), Err(format!("certificate store: {e:#}"))),
    };
    let mut server = spawn_server(world, which, upsd, &conf, &tls_lines, tls, maxconn).await?;
    if server.tls.is_ok() {
        server.key_desc = format!("{}, password-protected database", server.key_desc);
    }
    Ok(server)
}

/// Write upsd.conf in `conf` (a fresh port, MAXCONN, `tls_lines`), start `upsd` from it, wait
/// until it serves the driver's data, and probe one TLS session with `tls`.
pub async fn spawn_server(
    world: &World,
    which: Impl,
    upsd: &Path,
    conf: &Path,
    tls_lines: &str,
    tls: std::result::Result<TlsClient, String>,
    maxconn: u64,
) -> Result<Server> {
    write_file(&conf.join("ups.conf"), &ups_conf(), 0o640);
    write_file(
        &conf.join("upsd.users"),
        "[bench]\n  password = bench-user-secret\n",
        0o600,
    );
    let port = free_port();
    let addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], port));
    write_file(
        &conf.join("upsd.conf"),
        &format!("LISTEN 127.0.0.1 {port}\nMAXCONN {maxconn}\n{tls_lines}"),
        0o640,
    );
    let name = conf
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let log = world.dir.path().join(format!("upsd-{name}.log"));
    let logf = std::fs::File::create(&log)?;
    let mut cmd = Command::new(upsd);
    cmd.arg("-F");
    if nix::unistd::geteuid().is_root() {
        cmd.args(["-u", "root"]);
    }
    let piddir = conf.join("run");
    std::fs::create_dir_all(&piddir)?;
    cmd.env("NUT_CONFPATH", conf)
        .env("NUT_STATEPATH", &world.state)
        .env("NUT_ALTPIDPATH", &piddir)
        .stdout(Stdio::from(logf.try_clone()?))
        .stderr(Stdio::from(logf));
    let guard = spawn_guarded(&format!("upsd ({}, {name})", which.label()), &mut cmd)?;
    let mut server = Server {
        which,
        addr,
        guard,
        tls,
        key_desc: String::new(),
        log,
    };
    server.wait_ready(Duration::from_secs(20)).await?;
    if let Ok(client) = &server.tls {
        match conn::within(Duration::from_secs(10), client.probe(server.addr)).await {
            Ok(desc) => server.key_desc = desc,
            Err(e) => server.tls = Err(format!("STARTTLS session failed: {e:#}")),
        }
    }
    Ok(server)
}

/// Make a password-protected certificate database in `store` with NSS-style command lines:
/// a self-signed CA, a server certificate for `localhost`/127.0.0.1 signed by it; export the
/// CA as PEM. Returns the CA PEM path.
fn make_store(certutil: &Path, store: &Path, key: KeyChoice) -> Result<PathBuf> {
    if !certutil.exists() {
        bail!("{} not found", certutil.display());
    }
    let base = store
        .parent()
        .ok_or_else(|| anyhow!("store has no parent"))?;
    std::fs::create_dir_all(store)?;
    set_mode(store, 0o700)?;
    let pwfile = base.join("dbpass.txt");
    write_file(&pwfile, &format!("{DB_PASSWORD}\n"), 0o600);
    let noise = base.join("noise.bin");
    let mut bytes = vec![0u8; 2048];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .context("read /dev/urandom")?;
    std::fs::write(&noise, &bytes)?;

    let d = store.to_string_lossy().to_string();
    let f = pwfile.to_string_lossy().to_string();
    let z = noise.to_string_lossy().to_string();
    let key_args: Vec<&str> = match key {
        KeyChoice::Default => vec![],
        KeyChoice::Rsa => vec!["-k", "rsa", "-g", "2048"],
        KeyChoice::Ec => vec!["-k", "ec", "-q", "nistp256"],
    };
    let limit = Duration::from_secs(60);
    run_tool(certutil, &["-N", "-d", &d, "-f", &f], "", limit)?;
    let mut ca: Vec<&str> = vec![
        "-S",
        "-d",
        &d,
        "-f",
        &f,
        "-z",
        &z,
        "-n",
        CA_NICK,
        "-s",
        "CN=upsd-bench CA,O=rnut",
        "-x",
        "-t",
        "CT,C,C",
        "-v",
        "120",
        "-m",
        "1",
        "-2",
    ];
    ca.extend(&key_args);
    run_tool(certutil, &ca, "y\n-1\ny\n", limit)?;
    let mut srv: Vec<&str> = vec![
        "-S",
        "-d",
        &d,
        "-f",
        &f,
        "-z",
        &z,
        "-n",
        SERVER_NICK,
        "-s",
        "CN=localhost,O=rnut",
        "-c",
        CA_NICK,
        "-t",
        ",,",
        "-v",
        "120",
        "-m",
        "2",
        "--extSAN",
        "dns:localhost,ip:127.0.0.1",
    ];
    srv.extend(&key_args);
    run_tool(certutil, &srv, "", limit)?;
    let pem = run_tool(certutil, &["-L", "-d", &d, "-n", CA_NICK, "-a"], "", limit)?;
    let ca_pem = base.join("ca.pem");
    std::fs::write(&ca_pem, pem)?;
    Ok(ca_pem)
}

/// Run a tool with stdin text and a time limit; its stdout, or an error with its stderr.
fn run_tool(tool: &Path, args: &[&str], stdin: &str, limit: Duration) -> Result<Vec<u8>> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("run {}", tool.display()))?;
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.as_bytes());
    }
    // Read the pipes on threads so a chatty tool cannot block on a full pipe.
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = std::io::Read::read_to_end(p, &mut v);
        }
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = std::io::Read::read_to_end(p, &mut v);
        }
        v
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} {} timed out after {limit:?}",
                tool.display(),
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    if !status.success() {
        bail!(
            "{} {} failed ({status}): {}",
            tool.display(),
            args.first().copied().unwrap_or(""),
            String::from_utf8_lossy(&err).trim()
        );
    }
    Ok(out)
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("chmod {}", path.display()))
}

/// Spawn into a [`ChildGuard`], turning a spawn failure into an error instead of a panic.
fn spawn_guarded(name: &str, cmd: &mut Command) -> Result<ChildGuard> {
    let program = PathBuf::from(cmd.get_program());
    if !program.exists() {
        bail!("{name}: {} not found", program.display());
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ChildGuard::spawn(name, cmd)
    }))
    .map_err(|_| anyhow!("cannot spawn {name} ({})", program.display()))
}

/// The last 20 lines of a log file.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
