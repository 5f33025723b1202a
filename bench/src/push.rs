//! The push rows (issue 17 item 1; docs/PROTOCOL-EXTENSIONS.md "Push"), in a world of their
//! own: `UPSES` of our dummy-ups (one `.dev` each), one upsd at a time on their sockets, and
//! our upsmon monitoring every UPS with a NOTIFYCMD that stamps each notification.
//!
//! - Latency: the bench sets `ups.status` to OB on every UPS (SET VAR through upsd to the
//!   driver) and takes the time from just before each SET to the ONBATT stamp, then back to
//!   OL. rnut column: our upsd, which pushes (upsmon polls on each pushed change); C column:
//!   Debian's C upsd, which our upsmon polls every POLLFREQ 5 s as C upsmon would.
//! - CPU: upsd's CPU time while 1,000 sessions watch UPS p0 (a status change every 5 s)
//!   versus 1,000 sessions each polling `GET VAR p0 ups.status` every 5 s.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use rnut_tests::{ChildGuard, procfs};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::table::{Cell, Goal, Row, ms};

/// UPSes changed together in one round (more samples per poll interval).
const UPSES: usize = 20;

/// Gap between the changes of one round.
const STAGGER: Duration = Duration::from_millis(100);

/// POLLFREQ of the polling side (C NUT's default).
const POLLFREQ: u64 = 5;

/// Counts of one push measurement.
#[derive(Debug, Clone, Copy)]
pub struct PushPlan {
    /// OL->OB changes to time (a multiple of [`UPSES`] is used).
    pub changes: usize,
    /// Sessions of the CPU rows.
    pub sessions: usize,
    /// Length of each CPU measurement.
    pub window: Duration,
}

/// The push rows: latency p50/p99 with push and with polling, upsd CPU of watchers and
/// pollers.
pub async fn rows(bin_dir: &Path, plan: PushPlan) -> Vec<Row> {
    let mut lat50 = Row::new(
        "OL->OB to upsmon ONBATT p50 (rnut push, C upsd polled 5 s)",
        Goal::None,
        "",
    );
    let mut lat99 = Row::new(
        "OL->OB to upsmon ONBATT p99 (rnut push, C upsd polled 5 s)",
        Goal::Below(0.050),
        "< 50 ms",
    );
    let mut watch_cpu = Row::new(
        format!("upsd CPU, {} watchers, a change every 5 s", plan.sessions),
        Goal::None,
        "",
    );
    let mut poll_cpu = Row::new(
        format!("upsd CPU, {} clients polling every 5 s", plan.sessions),
        Goal::None,
        "",
    );
    let world = match World::start(bin_dir) {
        Ok(w) => w,
        Err(e) => {
            for r in [&mut lat50, &mut lat99, &mut watch_cpu, &mut poll_cpu] {
                r.rnut = Cell::Na(format!("{e:#}"));
                r.c = Cell::Na(format!("{e:#}"));
            }
            return vec![lat50, lat99, watch_cpu, poll_cpu];
        }
    };
    for side in [Side::Rnut, Side::C] {
        crate::progress(&format!("push rows: {side:?} upsd"));
        let measured = measure_side(&world, side, plan).await;
        let (l50, l99, wcpu, pcpu) = match measured {
            Ok(m) => m,
            Err(e) => {
                let na = Cell::Na(format!("{e:#}"));
                (na.clone(), na.clone(), na.clone(), na)
            }
        };
        let cells = [
            (&mut lat50, l50),
            (&mut lat99, l99),
            (&mut watch_cpu, wcpu),
            (&mut poll_cpu, pcpu),
        ];
        for (row, cell) in cells {
            match side {
                Side::Rnut => row.rnut = cell,
                Side::C => row.c = cell,
            }
        }
    }
    vec![lat50, lat99, watch_cpu, poll_cpu]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Rnut,
    C,
}

async fn measure_side(
    world: &World,
    side: Side,
    plan: PushPlan,
) -> Result<(Cell, Cell, Cell, Cell)> {
    let upsd = world.start_upsd(side)?;
    let lat = {
        let mon = world.start_upsmon()?;
        let lat = latencies(world, plan.changes).await;
        drop(mon);
        lat?
    };
    let p50 = quantile(&lat, 0.5);
    let p99 = quantile(&lat, 0.99);
    let n = lat.len();
    let l50 = Cell::Value(p50, format!("{} (n={n})", ms(p50)));
    let l99 = Cell::Value(p99, ms(p99));
    let wcpu = match side {
        Side::Rnut => cpu_cell(
            cpu_of_sessions(world, &upsd, plan, Mode::Watch).await?,
            plan.window,
        ),
        Side::C => Cell::Na("C upsd has no push".into()),
    };
    let pcpu = cpu_cell(
        cpu_of_sessions(world, &upsd, plan, Mode::Poll).await?,
        plan.window,
    );
    Ok((l50, l99, wcpu, pcpu))
}

fn cpu_cell(cpu: f64, window: Duration) -> Cell {
    let pct = cpu / window.as_secs_f64() * 100.0;
    Cell::Value(
        cpu,
        format!("{cpu:.2} s / {:.0} s ({pct:.1} %)", window.as_secs_f64()),
    )
}

fn quantile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

fn epoch_ns() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The processes and files of the push rows.
struct World {
    dir: tempfile::TempDir,
    bin_dir: PathBuf,
    port: u16,
    _drivers: Vec<ChildGuard>,
}

impl World {
    fn start(bin_dir: &Path) -> Result<World> {
        let dir = rnut_tests::private_tempdir();
        let p = dir.path();
        for d in ["conf", "state", "run", "mon"] {
            std::fs::create_dir_all(p.join(d))?;
        }
        let mut ups_conf = String::new();
        for i in 0..UPSES {
            ups_conf.push_str(&format!(
                "[p{i}]\n\tdriver = dummy-ups\n\tport = p{i}.dev\n"
            ));
            rnut_tests::write_file(&p.join(format!("conf/p{i}.dev")), "ups.status: OL\n", 0o644);
        }
        rnut_tests::write_file(&p.join("conf/ups.conf"), &ups_conf, 0o644);
        let port = rnut_tests::free_port();
        rnut_tests::write_file(
            &p.join("conf/upsd.conf"),
            &format!("LISTEN 127.0.0.1 {port}\nMAXCONN 4096\n"),
            0o644,
        );
        rnut_tests::write_file(
            &p.join("conf/upsd.users"),
            "[admin]\n\tpassword = adminpw\n\tactions = SET\n[mon]\n\tpassword = monpw\n\tupsmon primary\n",
            0o640,
        );
        // C upsd runs as `nut`.
        let _ = Command::new("chown")
            .arg("-R")
            .arg("nut:nut")
            .arg(p)
            .status();
        let mut world = World {
            dir,
            bin_dir: bin_dir.to_path_buf(),
            port,
            _drivers: Vec::new(),
        };
        for i in 0..UPSES {
            let mut cmd = Command::new(bin_dir.join("dummy-ups"));
            cmd.args(["-a", &format!("p{i}"), "-F", "-u", "root"]);
            world.env(&mut cmd);
            cmd.stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            world
                ._drivers
                .push(ChildGuard::spawn("dummy-ups", &mut cmd));
        }
        for i in 0..UPSES {
            let sock = world.dir.path().join(format!("state/dummy-ups-p{i}"));
            if !rnut_tests::wait_for_unix(&sock, Duration::from_secs(20)) {
                bail!(
                    "dummy-ups p{i} did not start (is {} built?)",
                    bin_dir.display()
                );
            }
        }
        // C upsd (user nut) connects to the sockets our dummy-ups made as root.
        let _ = Command::new("chown")
            .arg("-R")
            .arg("nut:nut")
            .arg(world.dir.path().join("state"))
            .status();
        Ok(world)
    }

    fn env(&self, cmd: &mut Command) {
        let p = self.dir.path();
        cmd.env("NUT_CONFPATH", p.join("conf"))
            .env("NUT_STATEPATH", p.join("state"))
            .env("NUT_ALTPIDPATH", p.join("run"));
    }

    fn addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    fn start_upsd(&self, side: Side) -> Result<ChildGuard> {
        let mut cmd = match side {
            Side::Rnut => {
                let mut c = Command::new(self.bin_dir.join("upsd"));
                c.args(["-F", "-u", "root"]);
                c
            }
            Side::C => {
                let mut c = Command::new("/lib/nut/upsd");
                c.arg("-F");
                c
            }
        };
        self.env(&mut cmd);
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        let guard = ChildGuard::spawn("upsd", &mut cmd);
        if !rnut_tests::wait_for_tcp(self.addr(), Duration::from_secs(20)) {
            bail!("upsd ({side:?}) does not listen");
        }
        Ok(guard)
    }

    fn events(&self) -> PathBuf {
        self.dir.path().join("mon/events")
    }

    fn start_upsmon(&self) -> Result<ChildGuard> {
        let mon = self.dir.path().join("mon");
        let _ = std::fs::remove_file(self.events());
        rnut_tests::write_file(
            &mon.join("notify.sh"),
            &format!(
                "#!/bin/sh\necho \"$NOTIFYTYPE $UPSNAME $(date +%s%N)\" >> {}\n",
                self.events().display()
            ),
            0o755,
        );
        let mut conf = String::new();
        for i in 0..UPSES {
            conf.push_str(&format!(
                "MONITOR p{i}@127.0.0.1:{} 0 mon monpw primary\n",
                self.port
            ));
        }
        conf.push_str(&format!(
            "MINSUPPLIES 0\nSHUTDOWNCMD \"/bin/true\"\nNOTIFYCMD \"{}\"\nPOWERDOWNFLAG \"{}\"\n\
             POLLFREQ {POLLFREQ}\nPOLLFREQALERT {POLLFREQ}\nDEADTIME 30\nRUN_AS_USER root\n\
             NOTIFYFLAG ONBATT EXEC\nNOTIFYFLAG ONLINE EXEC\n",
            mon.join("notify.sh").display(),
            mon.join("killpower").display()
        ));
        rnut_tests::write_file(&mon.join("upsmon.conf"), &conf, 0o640);
        let mut cmd = Command::new(self.bin_dir.join("upsmon"));
        cmd.args(["-F", "-u", "root", "-f"])
            .arg(mon.join("upsmon.conf"))
            .env("NUT_ALTPIDPATH", &mon)
            .env("NUT_STATEPATH", &mon)
            .env("NUT_CONFPATH", &mon)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        Ok(ChildGuard::spawn("upsmon", &mut cmd))
    }

    /// Stamps (ns since the epoch) of `event` per UPS index.
    fn stamps(&self, event: &str) -> Vec<Option<u128>> {
        let mut out = vec![None; UPSES];
        let text = std::fs::read_to_string(self.events()).unwrap_or_default();
        for l in text.lines() {
            let mut w = l.split_whitespace();
            let (Some(ev), Some(ups), Some(ts)) = (w.next(), w.next(), w.next()) else {
                continue;
            };
            if ev != event {
                continue;
            }
            let idx = ups
                .strip_prefix('p')
                .and_then(|r| r.split('@').next())
                .and_then(|n| n.parse::<usize>().ok());
            if let (Some(i), Ok(ts)) = (idx, ts.parse::<u128>()) {
                if i < UPSES {
                    out[i] = Some(ts);
                }
            }
        }
        out
    }
}

/// An authenticated admin session for SET VAR.
struct Admin {
    stream: BufReader<TcpStream>,
}

impl Admin {
    async fn connect(addr: std::net::SocketAddr) -> Result<Admin> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        let mut a = Admin {
            stream: BufReader::new(s),
        };
        a.cmd("USERNAME admin").await?;
        a.cmd("PASSWORD adminpw").await?;
        Ok(a)
    }

    async fn cmd(&mut self, line: &str) -> Result<String> {
        self.stream
            .get_mut()
            .write_all(format!("{line}\n").as_bytes())
            .await?;
        let mut reply = String::new();
        tokio::time::timeout(Duration::from_secs(10), self.stream.read_line(&mut reply))
            .await
            .context("reply timed out")??;
        if !reply.starts_with("OK") {
            bail!("{line}: {}", reply.trim());
        }
        Ok(reply)
    }

    async fn set_status(&mut self, ups: usize, status: &str) -> Result<()> {
        self.cmd(&format!("SET VAR p{ups} ups.status \"{status}\""))
            .await
            .map(drop)
    }
}

/// Wait (bounded) until every UPS has an `event` stamp newer than `after`.
async fn wait_all(world: &World, event: &str, after: u128, limit: Duration) -> Result<Vec<u128>> {
    let deadline = Instant::now() + limit;
    loop {
        let stamps = world.stamps(event);
        if stamps.iter().all(|s| s.is_some_and(|t| t > after)) {
            return Ok(stamps.into_iter().flatten().collect());
        }
        if Instant::now() > deadline {
            bail!("not every UPS reported {event} within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// OL->OB latencies over `changes` changes (rounded up to whole rounds of [`UPSES`]).
async fn latencies(world: &World, changes: usize) -> Result<Vec<f64>> {
    let limit = Duration::from_secs(POLLFREQ * 3 + 10);
    let mut admin = Admin::connect(world.addr()).await?;
    // upsmon logs in and reads every UPS once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut out = Vec::new();
    let rounds = changes.div_ceil(UPSES);
    let mut seed = epoch_ns() as u64 | 1;
    for _ in 0..rounds {
        // A random phase against the poll schedule (else each round would start just after
        // a poll, the worst case of polling): uniform in [0, POLLFREQ).
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let phase = Duration::from_millis(seed % (POLLFREQ * 1000));
        tokio::time::sleep(phase).await;
        let mut t0 = Vec::with_capacity(UPSES);
        let base = epoch_ns();
        for i in 0..UPSES {
            // One change at a time (a power event seen by one UPS), not a burst that
            // upsmon would work through one UPS after the other.
            if i > 0 {
                tokio::time::sleep(STAGGER).await;
            }
            t0.push(epoch_ns());
            admin.set_status(i, "OB").await?;
        }
        let t1 = wait_all(world, "ONBATT", base, limit).await?;
        out.extend(
            t0.iter()
                .zip(&t1)
                .map(|(a, b)| (b.saturating_sub(*a)) as f64 / 1e9),
        );
        let base = epoch_ns();
        for i in 0..UPSES {
            admin.set_status(i, "OL").await?;
        }
        wait_all(world, "ONLINE", base, limit).await?;
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Watch,
    Poll,
}

/// upsd's CPU seconds over the window with `plan.sessions` watchers or pollers of p0, while
/// p0's status changes every 5 s.
async fn cpu_of_sessions(
    world: &World,
    upsd: &ChildGuard,
    plan: PushPlan,
    mode: Mode,
) -> Result<f64> {
    let addr = world.addr();
    let received = Arc::new(AtomicU64::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..plan.sessions {
        let s = TcpStream::connect(addr)
            .await
            .map_err(|e| anyhow!("session {i}: {e}"))?;
        let received = received.clone();
        let offset = Duration::from_secs(POLLFREQ).mul_f64(i as f64 / plan.sessions as f64);
        tasks.spawn(session(s, mode, offset, received));
    }
    // Let the sessions settle (WATCH sent, first polls spread out).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut admin = Admin::connect(addr).await?;
    let cpu0 = procfs::cpu_seconds(upsd.pid())?;
    let start = Instant::now();
    let mut ob = true;
    while start.elapsed() < plan.window {
        admin.set_status(0, if ob { "OB" } else { "OL" }).await?;
        ob = !ob;
        let left = plan.window.saturating_sub(start.elapsed());
        tokio::time::sleep(left.min(Duration::from_secs(5))).await;
    }
    let cpu = procfs::cpu_seconds(upsd.pid())? - cpu0;
    tasks.abort_all();
    if received.load(Ordering::Relaxed) == 0 {
        bail!("the {mode:?} sessions received nothing");
    }
    admin.set_status(0, "OL").await?;
    Ok(cpu)
}

/// One watcher (WATCH p0, read what comes, PROTVER every 30 s) or poller (GET VAR every
/// POLLFREQ, starting after `offset`).
async fn session(s: TcpStream, mode: Mode, offset: Duration, received: Arc<AtomicU64>) {
    let (rd, mut wr) = s.into_split();
    let mut lines = BufReader::new(rd).lines();
    let first = match mode {
        Mode::Watch => "WATCH p0\n",
        Mode::Poll => "GET VAR p0 ups.status\n",
    };
    tokio::time::sleep(offset).await;
    if wr.write_all(first.as_bytes()).await.is_err() {
        return;
    }
    let period = match mode {
        Mode::Watch => Duration::from_secs(30),
        Mode::Poll => Duration::from_secs(POLLFREQ),
    };
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        tokio::select! {
            l = lines.next_line() => match l {
                Ok(Some(_)) => { received.fetch_add(1, Ordering::Relaxed); }
                _ => return,
            },
            _ = tick.tick() => {
                let req: &[u8] = match mode {
                    Mode::Watch => b"PROTVER\n",
                    Mode::Poll => b"GET VAR p0 ups.status\n",
                };
                if wr.write_all(req).await.is_err() {
                    return;
                }
            }
        }
    }
}
