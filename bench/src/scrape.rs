//! The scrape rows (issue 16): rnut's upsd with 100 UPSes of 60 variables each (served by
//! fake drivers from this process), 100 NUT clients polling `GET VAR` one request at a time;
//! the clients' p99 without scraping, then with `/metrics` scraped every
//! [`SCRAPE_EVERY`] (sixty times Prometheus' usual 15 s), and the scrapes' own p99. C upsd
//! has no HTTP side: its column is n/a.

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow};
use nut_core::sock::{DriverMessage, DriverState, ServerMessage};
use nut_core::words::{Event, Tokenizer};
use rnut_tests::{ChildGuard, free_port, private_tempdir, procfs, wait_for_tcp, write_file};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::table::{Cell, Goal, Row, ms};

/// UPSes served.
pub const UPSES: usize = 100;
/// Variables per UPS.
pub const VARS: usize = 60;
/// NUT clients polling.
pub const CLIENTS: usize = 100;
/// Time between scrapes.
pub const SCRAPE_EVERY: Duration = Duration::from_millis(250);
/// In the paced rows, the time between two `GET VAR` of one client: 1,000 requests a second
/// from the 100 clients, fifty times what 100 upsmon at POLLFREQ 5 send (the other rows'
/// clients ask again the moment they are answered, which keeps both cores busy: a stress
/// test, not a server's life).
pub const PACED_EVERY: Duration = Duration::from_millis(100);

/// A UPS state of `VARS` variables: the usual ones, then numbered numeric ones.
fn ups_state(i: usize) -> DriverState {
    let mut st = DriverState::new();
    let fixed = [
        ("ups.status", "OL CHRG".to_string()),
        ("battery.charge", format!("{}", 50 + i % 50)),
        ("battery.runtime", format!("{}", 1200 + i)),
        ("ups.load", format!("{}", 10 + i % 60)),
        ("input.voltage", "230.5".to_string()),
        ("device.mfr", "Bench".to_string()),
        ("device.model", format!("Bench {i}")),
    ];
    for (var, value) in &fixed {
        st.apply(&DriverMessage::SetInfo {
            var: (*var).into(),
            value: value.clone(),
        });
    }
    for k in fixed.len()..VARS {
        st.apply(&DriverMessage::SetInfo {
            var: format!("ambient.{k}.temperature"),
            value: format!("{}.{}", 20 + k % 10, i % 10),
        });
    }
    st.apply(&DriverMessage::DataOk);
    st
}

/// How often each fake driver changes a value while [`Flags::churn`] is set.
pub const CHURN_EVERY: Duration = Duration::from_millis(500);

/// What the fake drivers are told by the measurement.
#[derive(Debug, Default)]
struct Flags {
    /// Stop serving.
    stop: AtomicBool,
    /// Change `ambient.7.temperature` every [`CHURN_EVERY`] (the scrape then finds most
    /// UPSes changed, as with real drivers polled every few seconds and scraped every 15 s).
    churn: AtomicBool,
}

/// One fake driver socket: answers DUMPALL with its state and PING with PONG, and changes a
/// value now and then while asked to.
fn serve_driver(listener: UnixListener, state: DriverState, flags: Arc<Flags>) {
    let dump: String = state.dump_all().iter().map(|m| format!("{m}\n")).collect();
    listener.set_nonblocking(true).ok();
    while !flags.stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((s, _)) => {
                let dump = dump.clone();
                let flags = flags.clone();
                std::thread::spawn(move || answer(s, &dump, &flags));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn answer(mut s: UnixStream, dump: &str, flags: &Flags) {
    let _ = s.set_nonblocking(false);
    let _ = s.set_read_timeout(Some(CHURN_EVERY / 5));
    let mut tok = Tokenizer::new();
    let mut buf = [0u8; 1024];
    let mut changed = Instant::now();
    let mut round = 0u32;
    while !flags.stop.load(Ordering::Relaxed) {
        if flags.churn.load(Ordering::Relaxed) && changed.elapsed() >= CHURN_EVERY {
            changed = Instant::now();
            round += 1;
            let line = format!(
                "SETINFO ambient.7.temperature \"{}.{}\"\n",
                20 + round % 10,
                round % 7
            );
            if s.write_all(line.as_bytes()).is_err() {
                return;
            }
        }
        let n = match s.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => continue,
            Err(_) => return,
        };
        for &b in &buf[..n] {
            let Some(Event::Line(words)) = tok.feed(b) else {
                continue;
            };
            let reply = match ServerMessage::parse(&words) {
                Ok(ServerMessage::DumpAll) => dump,
                Ok(ServerMessage::Ping) => "PONG\n",
                _ => continue,
            };
            if s.write_all(reply.as_bytes()).is_err() {
                return;
            }
        }
    }
}

/// The measured rows.
pub async fn rows(rnut_bin: &Path, dur: Duration) -> Vec<Row> {
    let mut scrape = Row::new(
        format!("/metrics scrape p99 ({UPSES} UPS x {VARS} vars, {CLIENTS} NUT clients)"),
        Goal::Below(0.010),
        "< 10 ms",
    );
    let mut quiet = Row::new(
        format!("GET VAR p99, {CLIENTS} clients, no scraping"),
        Goal::None,
        "",
    );
    let mut busy = Row::new(
        format!(
            "GET VAR p99, {CLIENTS} clients, scraped every {} ms",
            SCRAPE_EVERY.as_millis()
        ),
        Goal::None,
        "~ no scraping",
    );
    let mut alone = Row::new(
        format!("/metrics scrape alone, {ALONE} in a row: p50, upsd CPU/scrape"),
        Goal::None,
        "",
    );
    let mut churn = Row::new(
        format!(
            "/metrics scrape p99, every UPS changing every {} ms",
            CHURN_EVERY.as_millis()
        ),
        Goal::None,
        "",
    );
    let mut churn_getvar = Row::new(
        format!("GET VAR p99, {CLIENTS} clients, scraped, UPSes changing"),
        Goal::None,
        "",
    );
    let mut paced = Row::new(
        format!(
            "/metrics scrape p99, {CLIENTS} clients each polling every {} ms",
            PACED_EVERY.as_millis()
        ),
        Goal::Below(0.010),
        "< 10 ms",
    );
    let mut paced_getvar = Row::new(
        format!(
            "GET VAR p99, {CLIENTS} clients every {} ms: no scraping / scraped",
            PACED_EVERY.as_millis()
        ),
        Goal::None,
        "",
    );
    let na = || Cell::Na("C upsd has no HTTP side".into());
    for row in [
        &mut scrape,
        &mut quiet,
        &mut busy,
        &mut alone,
        &mut churn,
        &mut churn_getvar,
        &mut paced,
        &mut paced_getvar,
    ] {
        row.c = na();
    }
    match measure(rnut_bin, dur).await {
        Ok(m) => {
            scrape.rnut = Cell::Value(
                m.scrape_p99,
                format!(
                    "{} (p50 {}, {} scrapes, {} kB)",
                    ms(m.scrape_p99),
                    ms(m.scrape_p50),
                    m.scrapes,
                    m.scrape_bytes / 1024
                ),
            );
            quiet.rnut = Cell::Value(m.quiet_p99, ms(m.quiet_p99));
            busy.rnut = Cell::Value(m.busy_p99, ms(m.busy_p99));
            alone.rnut = Cell::Value(
                m.alone_p50,
                format!("{}, CPU {}", ms(m.alone_p50), ms(m.alone_cpu)),
            );
            churn.rnut = Cell::Value(
                m.churn_p99,
                format!("{} (p50 {})", ms(m.churn_p99), ms(m.churn_p50)),
            );
            churn_getvar.rnut = Cell::Value(m.churn_getvar_p99, ms(m.churn_getvar_p99));
            paced.rnut = Cell::Value(
                m.paced_p99,
                format!("{} (p50 {})", ms(m.paced_p99), ms(m.paced_p50)),
            );
            paced_getvar.rnut = Cell::Value(
                m.paced_busy_p99,
                format!("{} / {}", ms(m.paced_quiet_p99), ms(m.paced_busy_p99)),
            );
        }
        Err(e) => {
            let why = format!("{e:#}");
            for row in [
                &mut scrape,
                &mut quiet,
                &mut busy,
                &mut alone,
                &mut churn,
                &mut churn_getvar,
                &mut paced,
                &mut paced_getvar,
            ] {
                row.rnut = Cell::Na(why.clone());
            }
        }
    }
    vec![
        scrape,
        quiet,
        busy,
        churn,
        churn_getvar,
        paced,
        paced_getvar,
        alone,
    ]
}

/// Scrapes back to back without NUT clients, for the cost of one scrape.
pub const ALONE: usize = 50;

struct Measured {
    scrape_p99: f64,
    scrape_p50: f64,
    /// The same while every UPS changes a value every CHURN_EVERY.
    churn_p99: f64,
    churn_p50: f64,
    churn_getvar_p99: f64,
    alone_p50: f64,
    /// upsd's CPU time per scrape over the ALONE scrapes.
    alone_cpu: f64,
    scrapes: usize,
    scrape_bytes: usize,
    quiet_p99: f64,
    busy_p99: f64,
    /// With the clients paced at PACED_EVERY: scrapes, and GET VAR without / with scraping.
    paced_p99: f64,
    paced_p50: f64,
    paced_quiet_p99: f64,
    paced_busy_p99: f64,
}

async fn measure(rnut_bin: &Path, dur: Duration) -> Result<Measured> {
    let dir = private_tempdir();
    for d in ["conf", "state", "run"] {
        std::fs::create_dir_all(dir.path().join(d)).context("mkdir")?;
    }
    let (nut_port, http_port) = (free_port(), free_port());
    write_file(
        &dir.path().join("conf/upsd.conf"),
        &format!("LISTEN 127.0.0.1 {nut_port}\nHTTP_LISTEN 127.0.0.1 {http_port}\nMAXAGE 15\n"),
        0o640,
    );
    let mut ups_conf = String::new();
    for i in 0..UPSES {
        ups_conf.push_str(&format!("[u{i:03}]\n\tdriver = fake\n\tport = none\n"));
    }
    write_file(&dir.path().join("conf/ups.conf"), &ups_conf, 0o640);
    write_file(&dir.path().join("conf/upsd.users"), "", 0o640);
    let flags = Arc::new(Flags::default());
    for i in 0..UPSES {
        let path = dir.path().join(format!("state/fake-u{i:03}"));
        let l = UnixListener::bind(&path).with_context(|| format!("bind {}", path.display()))?;
        let flags = flags.clone();
        std::thread::spawn(move || serve_driver(l, ups_state(i), flags));
    }
    let _stop_drivers = StopOnDrop(flags.clone());
    let mut cmd = Command::new(rnut_bin.join("upsd"));
    cmd.arg("-F")
        .args(rnut_tests::stay_root_args())
        .env("NUT_CONFPATH", dir.path().join("conf"))
        .env("NUT_STATEPATH", dir.path().join("state"))
        .env("NUT_ALTPIDPATH", dir.path().join("run"))
        .env("UPSD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let upsd = ChildGuard::spawn("upsd (scrape)", &mut cmd);
    let nut = std::net::SocketAddr::from(([127, 0, 0, 1], nut_port));
    let http = std::net::SocketAddr::from(([127, 0, 0, 1], http_port));
    if !wait_for_tcp(nut, Duration::from_secs(20)) || !wait_for_tcp(http, Duration::from_secs(5)) {
        return Err(anyhow!("upsd with {UPSES} UPSes did not start"));
    }
    wait_all_fresh(http).await?;

    let quiet = poll(nut, dur, None, None).await?;
    let busy = poll(nut, dur, Some(http), None).await?;
    flags.churn.store(true, Ordering::Relaxed);
    let churned = poll(nut, dur, Some(http), None).await?;
    flags.churn.store(false, Ordering::Relaxed);
    // The churn just changed every UPS: one scrape first, so the paced rows start, like the
    // first ones, from what upsd made for unchanged UPSes (the churn row is the other case).
    tokio::task::spawn_blocking(move || scrape(http))
        .await
        .context("scrape task")??;
    let paced_quiet = poll(nut, dur, None, Some(PACED_EVERY)).await?;
    let paced_busy = poll(nut, dur, Some(http), Some(PACED_EVERY)).await?;
    let (paced_scrapes, _) = paced_busy.1.context("scrapes")?;
    let (churn_scrapes, _) = churned.1.context("scrapes")?;
    let (scrapes, bytes) = busy.1.context("scrapes")?;
    let pid = upsd.pid();
    let (alone, alone_cpu) = tokio::task::spawn_blocking(move || scrape_alone(http, pid))
        .await
        .context("scrape task")??;
    Ok(Measured {
        scrape_p99: quantile(&scrapes, 0.99),
        scrape_p50: quantile(&scrapes, 0.5),
        churn_p99: quantile(&churn_scrapes, 0.99),
        churn_p50: quantile(&churn_scrapes, 0.5),
        churn_getvar_p99: quantile(&churned.0, 0.99),
        alone_p50: quantile(&alone, 0.5),
        alone_cpu,
        scrapes: scrapes.len(),
        scrape_bytes: bytes,
        quiet_p99: quantile(&quiet.0, 0.99),
        busy_p99: quantile(&busy.0, 0.99),
        paced_p99: quantile(&paced_scrapes, 0.99),
        paced_p50: quantile(&paced_scrapes, 0.5),
        paced_quiet_p99: quantile(&paced_quiet.0, 0.99),
        paced_busy_p99: quantile(&paced_busy.0, 0.99),
    })
}

struct StopOnDrop(Arc<Flags>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.store(true, Ordering::Relaxed);
    }
}

fn quantile(samples: &[f64], p: f64) -> f64 {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Until every UPS has fresh data and its whole dump (each one's last variable is in the
/// scrape: a UPS whose link has just connected is fresh before its dump arrives), within
/// 30 s.
async fn wait_all_fresh(http: std::net::SocketAddr) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let last_var = format!("nut_ambient_{}_temperature_celsius{{", VARS - 1);
    loop {
        let body = tokio::task::spawn_blocking(move || scrape(http))
            .await
            .context("scrape task")??;
        let stale = body
            .lines()
            .filter(|l| l.starts_with("nut_ups_data_stale{") && l.ends_with(" 1"))
            .count();
        let dumped = body.lines().filter(|l| l.starts_with(&last_var)).count();
        if stale == 0 && dumped == UPSES {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(anyhow!(
                "after 30 s, {stale} UPSes still stale and {dumped} of {UPSES} fully dumped"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One `GET /metrics` (Connection: close), blocking: the response. The scraper runs on a
/// thread of its own, so the 100 polling clients' runtime never delays reading the scrape
/// (the figure is upsd's, not the load generator's).
fn scrape(http: std::net::SocketAddr) -> Result<String> {
    let mut s = std::net::TcpStream::connect_timeout(&http, Duration::from_secs(10))
        .context("connect HTTP")?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    let _ = s.set_nodelay(true);
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")?;
    let mut all = Vec::new();
    s.read_to_end(&mut all).context("scrape read")?;
    let text = String::from_utf8(all).context("scrape not UTF-8")?;
    if !text.starts_with("HTTP/1.1 200") {
        return Err(anyhow!("scrape answered {:?}", text.lines().next()));
    }
    Ok(text)
}

/// Scrape every [`SCRAPE_EVERY`] until `stop`: each scrape's time (connect to last byte)
/// and the last body's size.
fn scrape_loop(http: std::net::SocketAddr, stop: &AtomicBool) -> Result<(Vec<f64>, usize)> {
    let mut lat = Vec::new();
    let mut bytes = 0;
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let t = Instant::now();
        bytes = scrape(http)?.len();
        lat.push(t.elapsed().as_secs_f64());
        // Pacing, not synchronisation: the next scrape is due SCRAPE_EVERY after this one's
        // start (at once if this one took longer).
        next += SCRAPE_EVERY;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    Ok((lat, bytes))
}

/// [`ALONE`] scrapes one after the other: their times, and upsd's CPU time per scrape.
fn scrape_alone(http: std::net::SocketAddr, pid: u32) -> Result<(Vec<f64>, f64)> {
    let cpu_before = procfs::cpu_seconds(pid)?;
    let mut lat = Vec::with_capacity(ALONE);
    for _ in 0..ALONE {
        let t = Instant::now();
        scrape(http)?;
        lat.push(t.elapsed().as_secs_f64());
    }
    let cpu = procfs::cpu_seconds(pid)? - cpu_before;
    Ok((lat, cpu / ALONE as f64))
}

type Polled = (Vec<f64>, Option<(Vec<f64>, usize)>);

/// `CLIENTS` connections polling GET VAR for `dur` (their latencies), and with `http` a
/// scraper every SCRAPE_EVERY meanwhile (its latencies and the body size). Without `pace`
/// a client asks again as soon as it is answered; with it, once per `pace` (the clients'
/// starts spread over one period).
async fn poll(
    nut: std::net::SocketAddr,
    dur: Duration,
    http: Option<std::net::SocketAddr>,
    pace: Option<Duration>,
) -> Result<Polled> {
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::with_capacity(CLIENTS);
    for c in 0..CLIENTS {
        let stop = stop.clone();
        let s = TcpStream::connect(nut).await.context("connect NUT")?;
        let _ = s.set_nodelay(true);
        tasks.push(tokio::spawn(async move {
            let (r, mut w) = s.into_split();
            let mut r = BufReader::new(r);
            let req = format!("GET VAR u{:03} ups.load\n", c % UPSES);
            let mut line = String::new();
            let mut lat = Vec::new();
            let mut ticks = pace.map(|p| {
                let start = tokio::time::Instant::now() + p.mul_f64(c as f64 / CLIENTS as f64);
                let mut i = tokio::time::interval_at(start, p);
                i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                i
            });
            while !stop.load(Ordering::Relaxed) {
                if let Some(i) = ticks.as_mut() {
                    i.tick().await;
                }
                let t = Instant::now();
                w.write_all(req.as_bytes()).await?;
                line.clear();
                r.read_line(&mut line).await?;
                if !line.starts_with("VAR ") {
                    return Err(anyhow!("GET VAR answered {line:?}"));
                }
                lat.push(t.elapsed().as_secs_f64());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let scraper = http.map(|http| {
        let stop = stop.clone();
        std::thread::spawn(move || scrape_loop(http, &stop))
    });
    tokio::time::sleep(dur).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.context("client task")??);
    }
    let scraped = match scraper {
        Some(s) => Some(
            s.join()
                .map_err(|_| anyhow!("the scraper thread panicked"))??,
        ),
        None => None,
    };
    Ok((all, scraped))
}
