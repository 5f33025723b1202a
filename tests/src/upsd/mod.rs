//! Helpers of the `upsd::` tests: upsd's standard layout in a [`NutTree`], a real `upsd`
//! process whose address is read from its log, a fake driver serving the driver socket from the
//! test with nut-core's own socket types, and a line-oriented client.

pub mod pki;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::process::{Log, Logged, lines_of};
use crate::{ChildGuard, bin, wait_until};
use nut_core::sock::{DriverMessage, DriverState, ServerMessage, VarFlags};
use nut_core::words::{Event, Tokenizer};

pub use crate::tree::NutTree;

impl NutTree {
    /// The default upsd layout: one UPS `test` served by driver `fake`, users admin/monp/mons,
    /// upsd on a free loopback port. upsd refuses port 0 in LISTEN (a config error), so the
    /// port is picked before it starts; [`Upsd::start`] takes the address from its log.
    pub fn standard(extra_upsd_conf: &str) -> Self {
        let d = NutTree::new();
        d.write_upsd_conf(&format!(
            "LISTEN 127.0.0.1 {}\nMAXAGE 15\n{extra_upsd_conf}",
            crate::free_port()
        ));
        d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n\tdesc = \"Test UPS\"\n[other]\n\tdriver = fake\n\tport = none\n");
        d.write_users(STANDARD_USERS);
        d
    }
}

/// A configuration directory (NUT_CONFPATH) for one UPS `test` that dummy-ups serves from the
/// nut-ddl fixture `dev` (copied as `test.dev`, described as `desc`), a upsd on `port` with
/// `extra` upsd.conf lines, and the standard users: what C's upsd and dummy-ups read as well
/// as ours.
pub fn write_dev_conf(dir: &Path, dev: &str, desc: &str, port: u16, extra: &str) {
    crate::write_file(
        &dir.join("ups.conf"),
        &format!("[test]\n\tdriver = dummy-ups\n\tport = test.dev\n\tdesc = \"{desc}\"\n"),
        0o640,
    );
    crate::write_file(
        &dir.join("upsd.conf"),
        &format!("LISTEN 127.0.0.1 {port}\n{extra}"),
        0o640,
    );
    crate::write_file(&dir.join("upsd.users"), STANDARD_USERS, 0o640);
    std::fs::copy(
        crate::shared_dir().join("fixtures/nut-ddl").join(dev),
        dir.join("test.dev"),
    )
    .expect("copy dev");
}

pub const STANDARD_USERS: &str = "[admin]\n\tpassword = mypass\n\tactions = SET\n\tactions = FSD\n\tinstcmds = ALL\n\
[monp]\n\tpassword = \"P@ss W0rd\"\n\tupsmon primary\n\
[mons]\n\tpassword = secpass\n\tupsmon secondary\n\
[limited]\n\tpassword = lim\n\tinstcmds = test.battery.start\n\
[monitor]\n\tpassword = P@ssW0rd\n\tupsmon primary\n";

/// A running upsd with its captured log.
#[derive(Debug)]
pub struct Upsd {
    pub child: ChildGuard,
    pub log: Log,
    pub addr: SocketAddr,
}

impl Upsd {
    /// Start `upsd -F` with the directory's configuration and wait for its port.
    pub fn start(d: &NutTree) -> Upsd {
        Self::start_with(d, &[], |_| {})
    }

    pub fn start_with(d: &NutTree, args: &[&str], customize: impl FnOnce(&mut Command)) -> Upsd {
        Self::start_spawned(spawn_upsd(d, args, customize))
    }

    /// Start with exactly `args`: no `-u root` added when the tests run as root (upsd then
    /// picks its default user).
    pub fn start_exactly(d: &NutTree, args: &[&str]) -> Upsd {
        Self::start_spawned(spawn_upsd_exactly(d, args, |_| {}))
    }

    fn start_spawned((child, log): (ChildGuard, Log)) -> Upsd {
        Self::from_spawned(child, log)
    }

    /// Wait for an upsd spawned by the caller to listen and be ready, at the address upsd
    /// logs (`listening on ADDR`).
    pub fn from_spawned(child: ChildGuard, log: Log) -> Upsd {
        let mut daemon = Logged { child, log };
        let addr = daemon
            .listening_addr(Duration::from_secs(20))
            .unwrap_or_else(|| {
                panic!(
                    "upsd did not report a listening address: {:?}",
                    daemon.lines()
                )
            });
        let Logged { child, log } = daemon;
        let u = Upsd { child, log, addr };
        assert!(
            u.wait_log("ready", Duration::from_secs(20)),
            "upsd did not become ready: {:?}",
            u.log_lines()
        );
        u
    }

    pub fn log_lines(&self) -> Vec<String> {
        lines_of(&self.log)
    }

    pub fn log_text(&self) -> String {
        self.log_lines().join("\n")
    }

    pub fn wait_log(&self, needle: &str, timeout: Duration) -> bool {
        wait_until(timeout, || {
            self.log_lines().iter().any(|l| l.contains(needle))
        })
    }

    pub fn client(&self) -> Client {
        Client::connect(self.addr)
    }
}

/// Spawn upsd (not waiting); returns the child and its log. As root, `-u root` is added
/// unless `args` name a user.
pub fn spawn_upsd(
    d: &NutTree,
    args: &[&str],
    customize: impl FnOnce(&mut Command),
) -> (ChildGuard, Log) {
    let mut all: Vec<&str> = Vec::new();
    if !args.contains(&"-u") {
        all.extend(crate::stay_root_args());
    }
    all.extend(args);
    spawn_upsd_exactly(d, &all, customize)
}

/// Spawn upsd with exactly `args` (after `-F`).
pub fn spawn_upsd_exactly(
    d: &NutTree,
    args: &[&str],
    customize: impl FnOnce(&mut Command),
) -> (ChildGuard, Log) {
    let mut cmd = upsd_command(d, args);
    customize(&mut cmd);
    spawn_logged(&mut cmd)
}

/// `upsd -F <args>` with the directory's configuration (not started).
pub fn upsd_command(d: &NutTree, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin("upsd"));
    cmd.arg("-F")
        .args(args)
        .env("NUT_CONFPATH", d.conf())
        .env("NUT_STATEPATH", d.state())
        .env("NUT_ALTPIDPATH", d.run())
        .env("NUT_DATAPATH", d.conf());
    cmd
}

/// Spawn upsd's `cmd` with its stderr captured as the log.
pub fn spawn_logged(cmd: &mut Command) -> (ChildGuard, Log) {
    let Logged { child, log } = Logged::spawn("upsd", cmd);
    (child, log)
}

/// A line-oriented protocol client over plain TCP.
#[derive(Debug)]
pub struct Client {
    pub reader: BufReader<TcpStream>,
}

impl Client {
    pub fn connect(addr: SocketAddr) -> Client {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Client {
            reader: BufReader::new(s),
        }
    }
    /// Connect from `local` (another loopback address: upsd counts failed logins per
    /// client address).
    pub fn connect_from(addr: SocketAddr, local: std::net::IpAddr) -> Client {
        use socket2::{Domain, Socket, Type};
        let s = Socket::new(Domain::for_address(addr), Type::STREAM, None).expect("socket");
        s.bind(&SocketAddr::new(local, 0).into()).expect("bind");
        s.connect_timeout(&addr.into(), Duration::from_secs(5))
            .expect("connect");
        let s: TcpStream = s.into();
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        Client {
            reader: BufReader::new(s),
        }
    }
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.reader.get_mut().write_all(bytes).expect("write");
    }
    pub fn line(&mut self) -> String {
        let mut l = String::new();
        let n = self.reader.read_line(&mut l).expect("read reply");
        assert!(n > 0, "server closed the connection");
        assert!(l.ends_with('\n'), "reply without newline: {l:?}");
        l.pop();
        l
    }
    /// One request, one reply line.
    pub fn cmd(&mut self, request: &str) -> String {
        self.send_raw(format!("{request}\n").as_bytes());
        self.line()
    }
    /// A LIST request: every line through END LIST (or the single ERR).
    pub fn list(&mut self, request: &str) -> Vec<String> {
        self.send_raw(format!("{request}\n").as_bytes());
        let mut out = vec![self.line()];
        if out[0].starts_with("ERR ") {
            return out;
        }
        loop {
            let l = self.line();
            let end = l.starts_with("END LIST");
            out.push(l);
            if end {
                return out;
            }
        }
    }
    /// True when the server closed the connection (EOF) within the read timeout.
    pub fn is_closed(&mut self) -> bool {
        let mut buf = [0u8; 64];
        matches!(self.reader.read(&mut buf), Ok(0))
    }
    pub fn login(&mut self, user: &str, pass: &str) {
        assert_eq!(self.cmd(&format!("USERNAME {user}")), "OK");
        assert_eq!(
            self.cmd(&format!("PASSWORD {}", nut_core::words::encode_arg(pass))),
            "OK"
        );
    }
}

/// What a fake driver received from upsd.
#[derive(Default, Debug)]
pub struct DriverLog {
    pub received: Vec<String>,
}

/// A driver socket served from the test: answers DUMPALL with its state, PING with PONG,
/// records SET / INSTCMD and answers tracked ones with a configurable result code.
#[derive(Debug)]
pub struct FakeDriver {
    pub path: PathBuf,
    pub state: Arc<Mutex<DriverState>>,
    pub log: Arc<Mutex<DriverLog>>,
    pub result_code: Arc<Mutex<Option<i32>>>,
    pub answer_ping: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<UnixStream>>>,
}

impl FakeDriver {
    pub fn start(state_dir: &Path, socket_name: &str, state: DriverState) -> FakeDriver {
        let path = state_dir.join(socket_name);
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path).expect("bind driver socket");
        listener.set_nonblocking(true).expect("nonblocking");
        let fd = FakeDriver {
            path,
            state: Arc::new(Mutex::new(state)),
            log: Arc::new(Mutex::new(DriverLog::default())),
            result_code: Arc::new(Mutex::new(Some(0))),
            answer_ping: Arc::new(AtomicBool::new(true)),
            stop: Arc::new(AtomicBool::new(false)),
            conns: Arc::new(Mutex::new(Vec::new())),
        };
        let (state, log, code, ping, stop, conns) = (
            fd.state.clone(),
            fd.log.clone(),
            fd.result_code.clone(),
            fd.answer_ping.clone(),
            fd.stop.clone(),
            fd.conns.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => {
                        s.set_nonblocking(false).expect("blocking");
                        conns.lock().unwrap().push(s.try_clone().expect("clone"));
                        let (state, log, code, ping) =
                            (state.clone(), log.clone(), code.clone(), ping.clone());
                        std::thread::spawn(move || serve_driver(s, state, log, code, ping));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        fd
    }

    /// Apply a message to the state and broadcast it to connected readers.
    pub fn push(&self, msg: DriverMessage) {
        self.state.lock().unwrap().apply(&msg);
        let line = format!("{msg}\n");
        for c in self.conns.lock().unwrap().iter_mut() {
            let _ = c.write_all(line.as_bytes());
        }
    }

    /// Send raw protocol bytes to connected readers without applying them to the state
    /// (a burst the test's own state need not mirror).
    pub fn push_raw(&self, bytes: &[u8]) {
        for c in self.conns.lock().unwrap().iter_mut() {
            let _ = c.write_all(bytes);
        }
    }

    /// Close every reader connection and stop accepting (the driver went away).
    pub fn kill(&self) {
        self.stop.store(true, Ordering::Relaxed);
        for c in self.conns.lock().unwrap().drain(..) {
            let _ = c.shutdown(std::net::Shutdown::Both);
        }
        let _ = std::fs::remove_file(&self.path);
    }

    pub fn received(&self) -> Vec<String> {
        self.log.lock().unwrap().received.clone()
    }

    pub fn wait_received(&self, needle: &str) -> bool {
        wait_until(Duration::from_secs(10), || {
            self.received().iter().any(|l| l.contains(needle))
        })
    }
}

impl Drop for FakeDriver {
    fn drop(&mut self) {
        self.kill();
    }
}

fn serve_driver(
    mut s: UnixStream,
    state: Arc<Mutex<DriverState>>,
    log: Arc<Mutex<DriverLog>>,
    code: Arc<Mutex<Option<i32>>>,
    ping: Arc<AtomicBool>,
) {
    let mut tok = Tokenizer::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = match s.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        for &b in &buf[..n] {
            let Some(Event::Line(words)) = tok.feed(b) else {
                continue;
            };
            let line = words.join(" ");
            log.lock().unwrap().received.push(line);
            let mut out = String::new();
            match ServerMessage::parse(&words) {
                Ok(ServerMessage::DumpAll) => {
                    for m in state.lock().unwrap().dump_all() {
                        out.push_str(&format!("{m}\n"));
                    }
                }
                Ok(ServerMessage::Ping) if ping.load(Ordering::Relaxed) => out.push_str("PONG\n"),
                Ok(ServerMessage::InstCmd {
                    tracking: Some(id), ..
                })
                | Ok(ServerMessage::Set {
                    tracking: Some(id), ..
                }) => {
                    if let Some(c) = *code.lock().unwrap() {
                        out.push_str(&format!("TRACKING {id} {c}\n"));
                    }
                }
                _ => {}
            }
            if !out.is_empty() && s.write_all(out.as_bytes()).is_err() {
                return;
            }
        }
    }
}

/// A realistic dummy UPS state (as dummy-ups serves from a .dev file), fresh (DATAOK).
pub fn sample_state() -> DriverState {
    let mut st = DriverState::new();
    let set = |st: &mut DriverState, var: &str, value: &str| {
        st.apply(&DriverMessage::SetInfo {
            var: var.into(),
            value: value.into(),
        });
    };
    set(&mut st, "battery.charge", "100");
    set(&mut st, "device.mfr", "Dummy Manufacturer");
    set(&mut st, "device.model", "Dummy UPS");
    set(&mut st, "driver.name", "dummy-ups");
    set(&mut st, "input.transfer.low", "103");
    set(&mut st, "input.transfer.high", "280");
    set(&mut st, "ups.id", "Shelf \"A\" \\ rack #3");
    set(&mut st, "ups.status", "OL");
    set(&mut st, "ups.load", "23");
    set(&mut st, "ups.delay.shutdown", "20");
    let apply = |st: &mut DriverState, m: DriverMessage| {
        st.apply(&m);
    };
    apply(
        &mut st,
        DriverMessage::SetFlags {
            var: "ups.id".into(),
            flags: VarFlags::RW.union(VarFlags::STRING),
        },
    );
    apply(
        &mut st,
        DriverMessage::SetAux {
            var: "ups.id".into(),
            n: 32,
        },
    );
    apply(
        &mut st,
        DriverMessage::SetFlags {
            var: "input.transfer.low".into(),
            flags: VarFlags::RW,
        },
    );
    apply(
        &mut st,
        DriverMessage::AddEnum {
            var: "input.transfer.low".into(),
            value: "103".into(),
        },
    );
    apply(
        &mut st,
        DriverMessage::AddEnum {
            var: "input.transfer.low".into(),
            value: "100".into(),
        },
    );
    apply(
        &mut st,
        DriverMessage::SetFlags {
            var: "input.transfer.high".into(),
            flags: VarFlags::RW,
        },
    );
    apply(
        &mut st,
        DriverMessage::AddRange {
            var: "input.transfer.high".into(),
            min: 250,
            max: 290,
        },
    );
    apply(
        &mut st,
        DriverMessage::SetFlags {
            var: "ups.delay.shutdown".into(),
            flags: VarFlags::RW.union(VarFlags::NUMBER),
        },
    );
    for c in ["load.off", "test.battery.start", "beeper.toggle"] {
        apply(&mut st, DriverMessage::AddCmd { cmd: c.into() });
    }
    apply(&mut st, DriverMessage::DataOk);
    st
}

/// Wait until `GET VAR <ups> ups.status` stops answering an error other than `expect_err`.
/// Wait until upsd serves the driver's own `ups.status` (before the driver's first dump is
/// complete upsd answers with its placeholder `WAIT`).
pub fn wait_ups_ready(u: &Upsd, ups: &str) {
    let ok = wait_until(Duration::from_secs(15), || {
        let mut c = u.client();
        let reply = c.cmd(&format!("GET VAR {ups} ups.status"));
        reply.starts_with("VAR ") && !reply.ends_with("\"WAIT\"")
    });
    assert!(ok, "UPS {ups} never became available: {}", u.log_text());
}

pub fn elapsed_ms(t: Instant) -> u128 {
    t.elapsed().as_millis()
}
