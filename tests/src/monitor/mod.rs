//! Helpers of the `monitor::` and `clients::` tests: a scripted NUT server that records what it
//! receives, upsmon's part of a [`NutTree`] (upsmon.conf, notify and shutdown scripts), our and
//! C's upsmon, and a whole [`Stack`] (dummy-ups and upsd, ours or C's).

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use crate::process::{Logged, capture, run_tool, run_tool_env, stderr, stdout};
pub use crate::tree::NutTree;
use crate::{bin, wait_until, write_file};

/// Replies of the scripted server to one request line.
pub type Script = Arc<dyn Fn(&str) -> Vec<String> + Send + Sync>;

/// A plaintext NUT server that answers from a script and records every request line.
#[derive(Debug)]
pub struct ScriptServer {
    pub addr: SocketAddr,
    pub received: Arc<Mutex<Vec<String>>>,
    pub connections: Arc<Mutex<usize>>,
}

impl ScriptServer {
    pub fn start(script: impl Fn(&str) -> Vec<String> + Send + Sync + 'static) -> ScriptServer {
        Self::start_on(TcpListener::bind("127.0.0.1:0").expect("bind"), script)
    }

    /// Serve on an already bound listener (e.g. `[::1]:0`).
    pub fn start_on(
        listener: TcpListener,
        script: impl Fn(&str) -> Vec<String> + Send + Sync + 'static,
    ) -> ScriptServer {
        let addr = listener.local_addr().expect("addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let script: Script = Arc::new(script);
        let (rec, conns) = (received.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                *conns.lock().unwrap() += 1;
                let (rec, script) = (rec.clone(), script.clone());
                std::thread::spawn(move || serve(stream, rec, script));
            }
        });
        ScriptServer {
            addr,
            received,
            connections,
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }
}

/// A script reply that makes the server close the connection instead of answering.
pub const CLOSE: &str = "<close>";

fn serve(stream: TcpStream, rec: Arc<Mutex<Vec<String>>>, script: Script) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = stream.try_clone().expect("clone");
    let reader = BufReader::new(stream);
    for line in reader.lines() {
        let Ok(line) = line else { break };
        let line = line.trim_end_matches('\r').to_string();
        rec.lock().unwrap().push(line.clone());
        let upper = line.to_ascii_uppercase();
        if upper == "LOGOUT" {
            let _ = writer.write_all(b"OK Goodbye\n");
            break;
        }
        let replies = script(&line);
        // The script can hang up instead of answering.
        if replies.len() == 1 && replies[0] == CLOSE {
            let _ = writer.shutdown(std::net::Shutdown::Both);
            break;
        }
        let mut out = String::new();
        for r in replies {
            out.push_str(&r);
            out.push('\n');
        }
        if writer.write_all(out.as_bytes()).is_err() {
            break;
        }
    }
}

/// The answers a C upsd without TLS gives to the requests every client starts with.
pub fn common_reply(line: &str) -> Option<Vec<String>> {
    let upper = line.to_ascii_uppercase();
    let r = |s: &str| Some(vec![s.to_string()]);
    if upper == "STARTTLS" {
        return r("ERR FEATURE-NOT-CONFIGURED");
    }
    if upper.starts_with("USERNAME ") || upper.starts_with("PASSWORD ") {
        return r("OK");
    }
    None
}

/// What upsmon needs in a [`NutTree`]: `conf/upsmon.conf`, and beside `conf/` the notify and
/// shutdown scripts with the files they write.
impl NutTree {
    /// A tree for one upsmon: the notify script records `NOTIFYTYPE UPSNAME` lines in
    /// [`Self::events_file`], the shutdown script its time in [`Self::shutdown_file`].
    pub fn for_upsmon() -> NutTree {
        let d = NutTree::new();
        write_file(
            &d.path().join("notify.sh"),
            &format!(
                "#!/bin/sh\necho \"$NOTIFYTYPE $UPSNAME\" >> {}\n",
                d.events_file().display()
            ),
            0o755,
        );
        write_file(
            &d.path().join("shutdown.sh"),
            &format!(
                "#!/bin/sh\necho \"shutdown $(date +%s%N)\" >> {}\n",
                d.shutdown_file().display()
            ),
            0o755,
        );
        d
    }
    /// `upsmon -c <command>` (stop, reload, fsd) against the upsmon running from this
    /// tree's configuration.
    pub fn upsmon_command(&self, command: &str) -> Output {
        let run = self.run();
        run_tool_env(
            "upsmon",
            &[
                "-c",
                command,
                "-f",
                self.conf_file().to_str().expect("utf-8 path"),
            ],
            &[("NUT_ALTPIDPATH", run.to_str().expect("utf-8 path"))],
        )
    }
    pub fn events_file(&self) -> PathBuf {
        self.path().join("events")
    }
    pub fn shutdown_file(&self) -> PathBuf {
        self.path().join("shutdown-ran")
    }
    pub fn powerdown_flag(&self) -> PathBuf {
        self.path().join("killpower")
    }
    /// upsmon.conf.
    pub fn conf_file(&self) -> PathBuf {
        self.conf().join("upsmon.conf")
    }
    /// NOTIFYTYPE values received, in order.
    pub fn events(&self) -> Vec<String> {
        std::fs::read_to_string(self.events_file())
            .unwrap_or_default()
            .lines()
            .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
            .collect()
    }
    /// When SHUTDOWNCMD first ran (ns since the epoch), if it did.
    pub fn shutdown_time(&self) -> Option<u128> {
        std::fs::read_to_string(self.shutdown_file())
            .ok()?
            .lines()
            .next()?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
    pub fn shutdown_count(&self) -> usize {
        std::fs::read_to_string(self.shutdown_file())
            .unwrap_or_default()
            .lines()
            .count()
    }
    /// upsmon.conf with test timings, our scripts and every event sent to NOTIFYCMD.
    pub fn write_conf(&self, monitors: &str, extra: &str) {
        let mut text = String::new();
        text.push_str(monitors);
        text.push_str(&format!(
            "\nMINSUPPLIES 1\nSHUTDOWNCMD \"{}\"\nNOTIFYCMD \"{}\"\nPOWERDOWNFLAG \"{}\"\n\
             POLLFREQ 1\nPOLLFREQALERT 1\nDEADTIME 3\nHOSTSYNC 3\nFINALDELAY 0\nRUN_AS_USER root\n",
            self.path().join("shutdown.sh").display(),
            self.path().join("notify.sh").display(),
            self.powerdown_flag().display(),
        ));
        for ev in [
            "ONLINE",
            "ONBATT",
            "LOWBATT",
            "FSD",
            "COMMOK",
            "COMMBAD",
            "SHUTDOWN",
            "REPLBATT",
            "NOCOMM",
            "NOPARENT",
            "SHUTDOWN_HOSTSYNC",
        ] {
            text.push_str(&format!("NOTIFYFLAG {ev} SYSLOG+EXEC\n"));
        }
        text.push_str(extra);
        write_file(&self.conf_file(), &text, 0o640);
    }
}

/// Start our upsmon in the foreground with a tree's upsmon.conf.
pub fn start_upsmon(d: &NutTree, extra_args: &[&str]) -> Logged {
    let mut cmd = d.command(&bin("upsmon"));
    cmd.arg("-F").arg("-f").arg(d.conf_file()).args(extra_args);
    Logged::spawn("upsmon", &mut cmd)
}

/// Debian's C upsmon in the foreground as one process (`-F -p -u root` and `debug`, e.g.
/// `-D`), with `dir` as its configuration, state and PID directory (the caller writes
/// `dir/upsmon.conf`). The caller holds [`crate::system_lock`]: C upsmon also writes
/// `/run/nut/upsmon.pid`.
pub fn spawn_c_upsmon(dir: &Path, debug: &str) -> Logged {
    let mut cmd = Command::new("/lib/nut/upsmon");
    cmd.args(["-F", debug, "-p", "-u", "root"])
        .env("NUT_CONFPATH", dir)
        .env("NUT_STATEPATH", dir)
        .env("NUT_ALTPIDPATH", dir);
    Logged::spawn("C upsmon", &mut cmd)
}

/// Start upsmon without `-F` with a tree's upsmon.conf, `extra_args` before `-f`, `env` added
/// and `RNUT_SYSLOG_SOCKET` naming `log`: the command returns once upsmon is in the
/// background; the daemon is found by its PID file.
pub fn start_upsmon_in_background(
    d: &NutTree,
    extra_args: &[&str],
    env: &[(&str, &str)],
    log: &crate::SyslogSink,
) -> crate::DaemonGuard {
    let run = d.run();
    let out = d
        .command(&bin("upsmon"))
        .args(extra_args)
        .arg("-f")
        .arg(d.conf_file())
        .envs(env.iter().copied())
        .env("RNUT_SYSLOG_SOCKET", log.path())
        .stdin(Stdio::null())
        .output()
        .expect("run upsmon");
    assert!(out.status.success(), "{}", stderr(&out));
    crate::daemon_from_pid_file(&run.join("upsmon.pid"), Duration::from_secs(10))
        .expect("background upsmon wrote its PID file")
}

/// A NUT server stack for one test: our dummy-ups (or C's) playing a `.seq` file and our upsd
/// (or C's), in a private directory.
#[derive(Debug)]
pub struct Stack {
    /// The stack's NUT tree (conf, state, run).
    pub tree: NutTree,
    /// upsd's port, picked before upsd starts: neither our upsd nor C's accepts port 0 in
    /// LISTEN and logs the port it bound.
    pub port: u16,
    pub driver: Option<Logged>,
    pub upsd: Option<Logged>,
    pub c_nut: bool,
}

pub const USERS: &str = "[admin]\n\tpassword = mypass\n\tactions = SET\n\tactions = FSD\n\tinstcmds = ALL\n\
[monp]\n\tpassword = \"P@ss W0rd\"\n\tupsmon primary\n\
[mons]\n\tpassword = secpass\n\tupsmon secondary\n\
[monc]\n\tpassword = cpass\n\tupsmon primary\n";

impl Stack {
    /// Write the config: UPS `dummy` playing `seq`, `extra_upsd` appended to upsd.conf.
    pub fn new(seq: &str, extra_upsd: &str) -> Stack {
        let tree = NutTree::new();
        let port = crate::free_port();
        tree.write_ups_conf(
            "[dummy]\n\tdriver = dummy-ups\n\tport = test.seq\n\tdesc = \"Test UPS\"\n",
        );
        tree.write("test.seq", seq);
        tree.write_upsd_conf(&format!("LISTEN 127.0.0.1 {port}\n{extra_upsd}"));
        tree.write_users(USERS);
        Stack {
            tree,
            port,
            driver: None,
            upsd: None,
            c_nut: false,
        }
    }

    pub fn path(&self) -> &Path {
        self.tree.path()
    }

    /// Make the directories usable by C NUT's `nut` user (it drops privileges).
    pub fn for_c_nut(&mut self) {
        self.c_nut = true;
        let _ = Command::new("chown")
            .arg("-R")
            .arg("nut:nut")
            .arg(self.path())
            .status();
    }

    /// Our dummy-ups for section `ups` of this stack's ups.conf, in the foreground, with the
    /// stack's environment.
    pub fn dummy_ups_command(&self, ups: &str) -> Command {
        let mut cmd = self.tree.driver(&bin("dummy-ups"));
        cmd.args(["-a", ups, "-F"]);
        cmd
    }

    pub fn start_driver(&mut self) {
        let sock = self.tree.socket("dummy");
        let _ = std::fs::remove_file(&sock);
        let mut cmd = if self.c_nut {
            let mut cmd = self.tree.command(Path::new("/lib/nut/dummy-ups"));
            cmd.args(["-a", "dummy", "-F"]);
            cmd
        } else {
            self.dummy_ups_command("dummy")
        };
        self.driver = Some(Logged::spawn("dummy-ups", &mut cmd));
        assert!(
            crate::wait_for_unix(&sock, Duration::from_secs(15)),
            "driver socket"
        );
    }

    pub fn start_upsd(&mut self) {
        let mut cmd = if self.c_nut {
            self.tree.command(Path::new("/lib/nut/upsd"))
        } else {
            let mut ours = self.tree.command(&bin("upsd"));
            ours.args(crate::stay_root_args());
            ours
        };
        cmd.arg("-F");
        let mut upsd = Logged::spawn("upsd", &mut cmd);
        if self.c_nut {
            let addr: SocketAddr = format!("127.0.0.1:{}", self.port).parse().expect("addr");
            assert!(
                crate::wait_for_tcp(addr, Duration::from_secs(15)),
                "C upsd listens"
            );
        } else {
            // Ours says when it listens (and where): no probing connection needed.
            let addr = upsd.listening_addr(Duration::from_secs(15));
            assert!(addr.is_some(), "upsd did not listen: {}", upsd.text());
        }
        self.upsd = Some(upsd);
    }

    pub fn stop_upsd(&mut self) {
        if let Some(mut u) = self.upsd.take() {
            u.child.stop(Duration::from_secs(5));
        }
    }

    pub fn stop_driver(&mut self) {
        if let Some(mut d) = self.driver.take() {
            d.child.stop(Duration::from_secs(5));
        }
    }

    /// Start driver and upsd and wait until `upsc` reads the driver's `ups.status` (upsd
    /// answers `WAIT` until the driver's first dump has arrived).
    pub fn start(&mut self) {
        self.start_driver();
        self.start_upsd();
        let sys = self.system();
        assert!(
            wait_until(Duration::from_secs(20), || {
                let o = run_tool("upsc", &[&sys, "ups.status"]);
                o.status.success() && !stdout(&o).trim().is_empty() && stdout(&o).trim() != "WAIT"
            }),
            "UPS data available"
        );
    }

    pub fn system(&self) -> String {
        format!("dummy@127.0.0.1:{}", self.port)
    }

    /// The `MONITOR` line of a primary upsmon (user `monp`) for this stack's UPS.
    pub fn primary_monitor(&self) -> String {
        format!("MONITOR {} 1 monp \"P@ss W0rd\" primary\n", self.system())
    }

    /// Set the UPS's `ups.status` through upsd as `admin` (upsrw -w: returns once the driver
    /// applied it; dummy-ups accepts any variable).
    pub fn set_status(&self, status: &str) {
        let o = run_tool(
            "upsrw",
            &[
                "-s",
                &format!("ups.status={status}"),
                "-u",
                "admin",
                "-p",
                "mypass",
                "-w",
                &self.system(),
            ],
        );
        assert!(o.status.success(), "upsrw: {} {}", stdout(&o), stderr(&o));
    }

    pub fn status(&self) -> String {
        stdout(&run_tool("upsc", &[&self.system(), "ups.status"]))
            .trim()
            .to_string()
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.stop_upsd();
        self.stop_driver();
    }
}
