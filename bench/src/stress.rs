//! The stress rows' load: stalled readers beside live clients, connection bursts, idle
//! sessions held open, and reset rounds; each bounded by time and count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::conn::{self, Lines, TlsClient, within};
use crate::load::{
    GRACE, LATE_GRACE, Latencies, OP_TIMEOUT, Target, getvar_clients, is_var, open_many,
};
use rnut_tests::procfs;

/// Result of the stalled-handshake measurement.
#[derive(Debug)]
pub struct Stall {
    /// GET VAR latencies of the other clients (unanswered requests count with their wait).
    pub lat: Latencies,
    /// The same clients' latencies just before, without stalled handshakes.
    pub baseline: Latencies,
    /// How many stalling clients got `OK STARTTLS`.
    pub stalled_ok: usize,
    pub stallers: usize,
}

/// `stallers` clients connect, send STARTTLS, read OK and go silent; meanwhile `clients`
/// other clients (connected before) send GET VAR one at a time for `dur`.
pub async fn stall(t: &Target, stallers: usize, clients: usize, dur: Duration) -> Result<Stall> {
    let conns = getvar_clients(t, clients, Duration::from_secs(20)).await?;
    // The same clients without stalled handshakes first: the machine's own noise.
    let (baseline, conns) = latency_round(conns, t.get_var.clone(), dur).await;
    if conns.len() < clients {
        bail!("clients failed during the baseline round");
    }
    let (release_tx, release_rx) = watch::channel(false);
    let mut stall_set = JoinSet::new();
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<bool>(stallers.max(1));
    for _ in 0..stallers {
        let addr = t.addr;
        let mut release = release_rx.clone();
        let ready = ready_tx.clone();
        stall_set.spawn(async move {
            let mut held = within(Duration::from_secs(2), conn::connect(addr))
                .await
                .ok();
            let mut ok = false;
            if let Some(c) = held.as_mut() {
                // A server blocked in another handshake never answers: keep the connection
                // open anyway (it stalls too), just stop waiting for the OK.
                ok = within(Duration::from_secs(2), async {
                    Ok(c.request(b"STARTTLS\n").await? == b"OK STARTTLS")
                })
                .await
                .unwrap_or(false);
            }
            let _ = ready.send(ok).await;
            drop(ready);
            // Hold the connection silent until released.
            let _ = release.wait_for(|r| *r).await;
            drop(held);
        });
    }
    drop(ready_tx);
    let mut stalled_ok = 0;
    // Every staller answers within its 2 + 2 s limits; the round starts as soon as all have
    // (it used to wait the whole timeout, which at long --duration values let the server's
    // own handshake limit drop the stallers before the round ended).
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        for _ in 0..stallers {
            match ready_rx.recv().await {
                Some(ok) => stalled_ok += usize::from(ok),
                None => break,
            }
        }
    })
    .await;

    let (lat, _) = latency_round(conns, t.get_var.clone(), dur).await;
    let _ = release_tx.send(true);
    let _ = tokio::time::timeout(GRACE, async {
        while stall_set.join_next().await.is_some() {}
    })
    .await;
    stall_set.abort_all();
    Ok(Stall {
        lat,
        baseline,
        stalled_ok,
        stallers,
    })
}

/// Every connection sends `req` one at a time until `dur` passes; a request unanswered
/// [`LATE_GRACE`] after the end counts with its wait so far. Connections that answered
/// everything are handed back.
async fn latency_round(
    conns: Vec<Lines<TcpStream>>,
    req: Arc<[u8]>,
    dur: Duration,
) -> (Latencies, Vec<Lines<TcpStream>>) {
    let t0 = tokio::time::Instant::now();
    let end = t0 + dur;
    let mut set = JoinSet::new();
    for mut c in conns {
        let req = req.clone();
        set.spawn(async move {
            let mut samples = Vec::new();
            let mut unanswered = 0u64;
            let mut healthy = true;
            while tokio::time::Instant::now() < end {
                let s = tokio::time::Instant::now();
                // A request still open at the end gets LATE_GRACE more to answer; if it does
                // not, it counts as unanswered with its wait so far.
                let limit = end.max(s) + LATE_GRACE;
                match tokio::time::timeout_at(limit, async { is_var(c.request(&req).await?) }).await
                {
                    Ok(Ok(())) => samples.push(s.elapsed().as_secs_f64()),
                    Ok(Err(_)) => {
                        healthy = false;
                        break;
                    }
                    Err(_) => {
                        samples.push(s.elapsed().as_secs_f64());
                        unanswered += 1;
                        healthy = false;
                        break;
                    }
                }
            }
            (samples, unanswered, healthy.then_some(c))
        });
    }
    let mut lat = Latencies::default();
    let mut back = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok((s, u, c)) = r {
            lat.samples.extend(s);
            lat.unanswered += u;
            back.extend(c);
        }
    }
    lat.secs = t0.elapsed().as_secs_f64();
    (lat, back)
}

/// Result of the connect burst.
#[derive(Debug)]
pub struct Burst {
    pub n: usize,
    pub served: usize,
    /// Time until the last served connection got its answer.
    pub last: f64,
    /// Served within the target's 2 s.
    pub within_2s: usize,
    pub limit: Duration,
}

/// `n` unpaced connects, each: connect, VER, read, close. Bounded by `limit`.
pub async fn burst(t: &Target, n: usize, limit: Duration) -> Result<Burst> {
    let t0 = tokio::time::Instant::now();
    let deadline = t0 + limit;
    let mut set = JoinSet::new();
    for _ in 0..n {
        let addr = t.addr;
        set.spawn(async move {
            match tokio::time::timeout_at(deadline, conn::ver_session(addr)).await {
                Ok(Ok(c)) => {
                    let when = t0.elapsed().as_secs_f64();
                    drop(c);
                    Some(when)
                }
                _ => None,
            }
        });
    }
    let (mut served, mut last, mut within_2s) = (0, 0.0f64, 0);
    while let Some(r) = set.join_next().await {
        if let Ok(Some(when)) = r {
            served += 1;
            last = last.max(when);
            within_2s += usize::from(when <= 2.0);
        }
    }
    Ok(Burst {
        n,
        served,
        last,
        within_2s,
        limit,
    })
}

/// Result of an idle-sessions measurement.
#[derive(Debug)]
pub struct Idle {
    pub n: usize,
    pub established: usize,
    pub rss_before: u64,
    pub rss_after: u64,
    pub secs: f64,
    pub why_short: Option<String>,
}

/// Hold `n` idle sessions (plaintext after one `VER`, or TLS after STARTTLS + `VER`) and read
/// the server's VmRSS once they are all established. Establishing is bounded by `limit`.
pub async fn idle(t: &Target, n: usize, tls: Option<&TlsClient>, limit: Duration) -> Result<Idle> {
    let rss_before = procfs::rss_bytes(t.pid)?;
    let t0 = Instant::now();
    let addr = t.addr;
    let (established, why_short, rss_after) = match tls {
        None => {
            let (held, err) = open_many(n, 16, limit, || conn::ver_session(addr)).await;
            let rss = procfs::rss_bytes(t.pid)?;
            (held.len(), err, rss)
        }
        Some(tls) => {
            let (held, err) = open_many(n, 16, limit, || {
                let tls = tls.clone();
                async move {
                    let mut c = tls.starttls(addr).await?;
                    conn::expect_ver(c.request(b"VER\n").await?)?;
                    Ok(c)
                }
            })
            .await;
            let rss = procfs::rss_bytes(t.pid)?;
            (held.len(), err, rss)
        }
    };
    Ok(Idle {
        n,
        established,
        rss_before,
        rss_after,
        secs: t0.elapsed().as_secs_f64(),
        why_short: why_short.map(|e| format!("{e:#}")),
    })
}

/// Result of the reset rounds.
#[derive(Debug)]
pub struct Resets {
    pub rounds: usize,
    /// Server CPU seconds over all rounds, until it had stopped working on them.
    pub cpu: f64,
}

/// `rounds` connections that each pipeline `pipelined` LIST VAR and reset at once (SO_LINGER
/// 0, nothing read): the server's CPU until it is idle again (waited for at most `limit`).
pub async fn reset_rounds(
    t: &Target,
    rounds: usize,
    pipelined: usize,
    limit: Duration,
) -> Result<Resets> {
    let requests = t.list_var.repeat(pipelined);
    let cpu0 = procfs::cpu_seconds(t.pid)?;
    for _ in 0..rounds {
        let mut c = within(OP_TIMEOUT, async { Ok(TcpStream::connect(t.addr).await?) }).await?;
        within(OP_TIMEOUT, async { Ok(c.write_all(&requests).await?) }).await?;
        let s = socket2::Socket::from(c.into_std()?);
        s.set_linger(Some(Duration::ZERO))?;
        drop(s);
    }
    let pid = t.pid;
    let idle = tokio::task::spawn_blocking(move || procfs::wait_idle(pid, limit, || false))
        .await
        .map_err(|e| anyhow!("idle wait: {e}"))??;
    if !idle {
        bail!(
            "the server was still busy {} s after the last reset",
            limit.as_secs()
        );
    }
    Ok(Resets {
        rounds,
        cpu: procfs::cpu_seconds(t.pid)? - cpu0,
    })
}
