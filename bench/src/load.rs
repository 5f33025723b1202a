//! The load generator: each measurement opens its own connections on the tokio runtime,
//! runs for a bounded time and count, and reads the server's CPU and memory from /proc.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use tokio::net::TcpStream;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinSet;

use crate::conn::{self, Lines, TlsClient, within};
use rnut_tests::procfs;

/// Time limit of one request or one session inside a measurement.
pub(crate) const OP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long finished workers get to hand back their counts after the stop signal.
pub(crate) const GRACE: Duration = Duration::from_secs(3);

/// How long a latency round waits past its end for the answers still in flight.
pub(crate) const LATE_GRACE: Duration = Duration::from_secs(1);

/// The server under test.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub pid: u32,
    pub get_var: Arc<[u8]>,
    pub list_var: Arc<[u8]>,
}

/// Completed operations over a time span with the server's CPU time.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    pub ops: u64,
    pub secs: f64,
    pub cpu: f64,
    /// CPU seconds the bench process itself (the load generator) used over the span.
    pub client_cpu: f64,
    pub errors: u64,
}

impl Throughput {
    pub fn rate(&self) -> f64 {
        if self.secs > 0.0 {
            self.ops as f64 / self.secs
        } else {
            0.0
        }
    }
    /// Server CPU seconds per `per` operations.
    pub fn cpu_per(&self, per: f64) -> Option<f64> {
        (self.ops > 0).then(|| self.cpu / self.ops as f64 * per)
    }
    /// Load-generator CPU seconds per `per` operations.
    pub fn client_cpu_per(&self, per: f64) -> Option<f64> {
        (self.ops > 0).then(|| self.client_cpu / self.ops as f64 * per)
    }
}

/// Latency samples (seconds) of one measurement.
#[derive(Debug, Clone, Default)]
pub struct Latencies {
    pub(crate) samples: Vec<f64>,
    /// Requests still unanswered when the measurement ended (their wait so far is a sample).
    pub unanswered: u64,
    pub secs: f64,
}

impl Latencies {
    pub fn count(&self) -> usize {
        self.samples.len()
    }
    pub fn answered(&self) -> u64 {
        self.samples.len() as u64 - self.unanswered
    }
    /// The `p`-quantile (0..1), nearest rank.
    pub fn quantile(&self, p: f64) -> Option<f64> {
        if self.samples.is_empty() {
            return None;
        }
        let mut v = self.samples.clone();
        v.sort_by(f64::total_cmp);
        let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
        Some(v[rank - 1])
    }
}

pub(crate) fn is_var(line: &[u8]) -> Result<()> {
    if line.starts_with(b"VAR ") {
        Ok(())
    } else {
        Err(anyhow!(
            "GET VAR answered {:?}",
            String::from_utf8_lossy(line)
        ))
    }
}

/// Open `n` things with at most `parallel` attempts in flight, until `limit` passes or an
/// attempt fails. Returns what was opened and the first error, if any.
pub async fn open_many<T, F, Fut>(
    n: usize,
    parallel: usize,
    limit: Duration,
    open: F,
) -> (Vec<T>, Option<anyhow::Error>)
where
    T: Send + 'static,
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T>> + Send + 'static,
{
    let deadline = tokio::time::Instant::now() + limit;
    let mut set = JoinSet::new();
    let mut out = Vec::with_capacity(n);
    let mut launched = 0;
    let mut first_err = None;
    loop {
        while first_err.is_none() && launched < n && set.len() < parallel {
            let fut = open();
            set.spawn(async move {
                match tokio::time::timeout_at(deadline, fut).await {
                    Ok(r) => r,
                    Err(_) => Err(anyhow!("time limit of {limit:?} reached")),
                }
            });
            launched += 1;
        }
        match set.join_next().await {
            Some(Ok(Ok(t))) => out.push(t),
            Some(Ok(Err(e))) => {
                first_err.get_or_insert(e);
            }
            Some(Err(e)) => {
                first_err.get_or_insert(anyhow!("task failed: {e}"));
            }
            None => break,
        }
    }
    (out, first_err)
}

/// Connect `n` plaintext clients, each checked with one `GET VAR`.
pub(crate) async fn getvar_clients(
    t: &Target,
    n: usize,
    limit: Duration,
) -> Result<Vec<Lines<TcpStream>>> {
    let (conns, err) = open_many(n, 16, limit, || {
        let addr = t.addr;
        let req = t.get_var.clone();
        async move {
            let mut c = conn::connect(addr).await?;
            is_var(c.request(&req).await?)?;
            Ok(c)
        }
    })
    .await;
    if conns.len() < n {
        let why = err.map(|e| format!("{e:#}")).unwrap_or_default();
        bail!("only {}/{} clients connected: {why}", conns.len(), n);
    }
    Ok(conns)
}

/// GET VAR throughput: `clients` connections, each sending one request at a time, for `dur`.
///
/// The clients run on one single-threaded runtime per CPU (at most one per client), each
/// on its own thread, connections dealt in turn. The bench's shared multi-threaded runtime
/// made a poor load generator here: with one client, its worker threads settled into one
/// of two hand-offs of the I/O events and every other measurement ran about 30 % slower
/// for either server (measured: 40k / 30k / 41k / 29k req/s in a row against C upsd).
pub async fn get_var(
    t: &Target,
    clients: usize,
    dur: Duration,
    setup: Duration,
) -> Result<Throughput> {
    let threads = clients.min(cpus()).max(1);
    let stop = Arc::new(AtomicBool::new(false));
    let (start_tx, start_rx) = watch::channel(false);
    // Tells the client threads that the counts are no longer awaited: leave at once.
    let (abort_tx, abort_rx) = watch::channel(false);
    let mut ready = Vec::with_capacity(threads);
    let mut done = Vec::with_capacity(threads);
    for k in 0..threads {
        let share = clients / threads + usize::from(k < clients % threads);
        let (ready_tx, ready_rx) = oneshot::channel::<Result<()>>();
        let (done_tx, done_rx) = oneshot::channel::<(u64, u64)>();
        let (t, stop, start, abort) = (t.clone(), stop.clone(), start_rx.clone(), abort_rx.clone());
        std::thread::Builder::new()
            .name(format!("getvar-load-{k}"))
            .spawn(move || client_thread(&t, share, setup, (stop, start, abort), ready_tx, done_tx))
            .map_err(|e| anyhow!("cannot start a load thread: {e}"))?;
        ready.push(ready_rx);
        done.push(done_rx);
    }
    let mut failed = None;
    for r in ready {
        match r.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                failed.get_or_insert(e);
            }
            Err(_) => {
                failed.get_or_insert(anyhow!("a load thread ended before connecting"));
            }
        }
    }
    if let Some(e) = failed {
        let _ = abort_tx.send(true);
        return Err(e);
    }
    let span = match timed_span(t.pid, dur, &stop, start_tx).await {
        Ok(span) => span,
        Err(e) => {
            // The load threads must not run on unbounded: stop and release them.
            stop.store(true, Ordering::Relaxed);
            let _ = abort_tx.send(true);
            return Err(e);
        }
    };
    let (mut ops, mut errors, mut reported) = (0, 0, 0);
    let _ = tokio::time::timeout(GRACE, async {
        for d in done {
            if let Ok((n, e)) = d.await {
                ops += n;
                errors += e;
                reported += 1;
            }
        }
    })
    .await;
    let _ = abort_tx.send(true);
    // A thread that did not report (a request hung past the grace time) would silently take
    // its share of the count with it.
    if reported < threads {
        bail!(
            "{} of {threads} load threads did not finish: a request hung",
            threads - reported
        );
    }
    Ok(span.with(ops, errors))
}

/// Signals a GET VAR client thread follows: stop after the request in flight, start, abort.
type LoadSignals = (
    Arc<AtomicBool>,
    watch::Receiver<bool>,
    watch::Receiver<bool>,
);

/// One load thread: connect `n` clients on a runtime of its own, report readiness, run the
/// request loops from the start signal to the stop flag and hand back (requests, errors).
pub(crate) fn client_thread(
    t: &Target,
    n: usize,
    setup: Duration,
    (stop, start, mut abort): LoadSignals,
    ready: oneshot::Sender<Result<()>>,
    done: oneshot::Sender<(u64, u64)>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(anyhow!("cannot start a load runtime: {e}")));
            return;
        }
    };
    rt.block_on(async move {
        let conns = match getvar_clients(t, n, setup).await {
            Ok(c) => c,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let _ = ready.send(Ok(()));
        let mut set = JoinSet::new();
        for mut c in conns {
            let stop = stop.clone();
            let mut rx = start.clone();
            let req = t.get_var.clone();
            set.spawn(async move {
                let _ = rx.wait_for(|s| *s).await;
                let mut n = 0u64;
                loop {
                    // No per-request timer (it would cost the load generator CPU): a hung
                    // request is bounded by the abort signal, sent after GRACE.
                    let r = match c.request(&req).await {
                        Ok(line) => is_var(line),
                        Err(e) => Err(e),
                    };
                    if r.is_err() {
                        return (n, 1u64);
                    }
                    if stop.load(Ordering::Relaxed) {
                        return (n, 0);
                    }
                    n += 1;
                }
            });
        }
        let totals = async {
            let mut totals = (0, 0);
            add_counts(&mut set, &mut totals).await;
            totals
        };
        tokio::select! {
            t = totals => { let _ = done.send(t); }
            _ = abort.wait_for(|a| *a) => {}
        }
    });
}

pub(crate) fn cpus() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Start the workers, wait `dur`, stop them; CPU from /proc around the span.
pub(crate) async fn measure(
    pid: u32,
    dur: Duration,
    stop: &AtomicBool,
    start: watch::Sender<bool>,
    mut set: JoinSet<(u64, u64)>,
) -> Result<Throughput> {
    let span = timed_span(pid, dur, stop, start).await?;
    // Counted as they come in: a worker that hangs past GRACE loses only its own share.
    let mut totals = (0, 0);
    let _ = tokio::time::timeout(GRACE, add_counts(&mut set, &mut totals)).await;
    let (ops, errors) = totals;
    set.abort_all();
    Ok(span.with(ops, errors))
}

/// Add the (operations, errors) of each worker of `set` to `totals` as it finishes.
pub(crate) async fn add_counts(set: &mut JoinSet<(u64, u64)>, totals: &mut (u64, u64)) {
    while let Some(r) = set.join_next().await {
        if let Ok((n, e)) = r {
            totals.0 += n;
            totals.1 += e;
        }
    }
}

/// The measured time span and the CPU spent in it.
pub(crate) struct Span {
    secs: f64,
    cpu: f64,
    client_cpu: f64,
}

impl Span {
    fn with(self, ops: u64, errors: u64) -> Throughput {
        Throughput {
            ops,
            secs: self.secs,
            cpu: self.cpu,
            client_cpu: self.client_cpu,
            errors,
        }
    }
}

/// Send the start signal, wait `dur` and set `stop`; the server's and the bench's own CPU
/// from /proc around the span.
pub(crate) async fn timed_span(
    pid: u32,
    dur: Duration,
    stop: &AtomicBool,
    start: watch::Sender<bool>,
) -> Result<Span> {
    let cpu0 = procfs::cpu_seconds(pid)?;
    let own0 = procfs::own_cpu_seconds()?;
    let t0 = Instant::now();
    let _ = start.send(true);
    tokio::time::sleep(dur).await;
    stop.store(true, Ordering::Relaxed);
    let secs = t0.elapsed().as_secs_f64();
    Ok(Span {
        secs,
        cpu: procfs::cpu_seconds(pid)? - cpu0,
        client_cpu: procfs::own_cpu_seconds()? - own0,
    })
}

/// LIST VAR from one client, one request at a time, for `dur` or `max` requests. Returns the
/// latencies and the number of lines of the last reply (BEGIN and END included).
pub async fn list_var(
    t: &Target,
    dur: Duration,
    max: usize,
) -> Result<(Latencies, Throughput, usize)> {
    let mut c = conn::connect(t.addr).await?;
    let mut lat = Latencies::default();
    let mut lines = 0;
    let cpu0 = procfs::cpu_seconds(t.pid)?;
    let own0 = procfs::own_cpu_seconds()?;
    let t0 = Instant::now();
    while t0.elapsed() < dur && lat.count() < max {
        let s = Instant::now();
        let n = within(OP_TIMEOUT, async {
            c.send(&t.list_var).await?;
            let mut n = 0;
            loop {
                let line = c.next_line().await?;
                n += 1;
                if line.starts_with(b"END LIST") {
                    return Ok(n);
                }
                if line.starts_with(b"ERR") {
                    bail!("LIST VAR answered {:?}", String::from_utf8_lossy(line));
                }
            }
        })
        .await?;
        lat.samples.push(s.elapsed().as_secs_f64());
        lines = n;
    }
    lat.secs = t0.elapsed().as_secs_f64();
    let cpu = procfs::cpu_seconds(t.pid)? - cpu0;
    let client_cpu = procfs::own_cpu_seconds()? - own0;
    let tp = Throughput {
        ops: lat.count() as u64,
        secs: lat.secs,
        cpu,
        client_cpu,
        errors: 0,
    };
    Ok((lat, tp, lines))
}

/// Full STARTTLS sessions (connect, STARTTLS, handshake, VER, close) from `clients` loops.
pub async fn tls_sessions(
    t: &Target,
    tls: &TlsClient,
    clients: usize,
    dur: Duration,
) -> Result<Throughput> {
    let stop = Arc::new(AtomicBool::new(false));
    let (start_tx, start_rx) = watch::channel(false);
    let mut set = JoinSet::new();
    for _ in 0..clients {
        let stop = stop.clone();
        let mut rx = start_rx.clone();
        let tls = tls.clone();
        let addr = t.addr;
        set.spawn(async move {
            let _ = rx.wait_for(|s| *s).await;
            let (mut n, mut errors) = (0u64, 0u64);
            while !stop.load(Ordering::Relaxed) {
                match within(OP_TIMEOUT, tls.session(addr)).await {
                    Ok(()) if !stop.load(Ordering::Relaxed) => n += 1,
                    Ok(()) => {}
                    Err(_) => {
                        errors += 1;
                        if errors > 100 {
                            break;
                        }
                    }
                }
            }
            (n, errors)
        });
    }
    measure(t.pid, dur, &stop, start_tx, set).await
}
