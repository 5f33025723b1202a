//! upsd stays bounded under abusive clients and drivers (issue 21, items 2 to 4), measured on
//! a real upsd process from /proc: clients that pipeline requests and never read hold a
//! bounded amount of memory each; a driver's burst of 100,000 ADDENUM does not stall the
//! clients of another UPS; a client that resets the connection in the middle of its replies
//! costs a bounded amount of CPU.

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nut_core::sock::{DriverMessage, DriverState};
use rnut_tests::upsd::*;
use rnut_tests::{procfs, wait_until};

/// Variables of the big UPS (the size the campaign used).
const BIG_UPS_VARS: usize = 3000;

/// The sample state plus `extra` variables with values of realistic length.
fn big_state(extra: usize) -> DriverState {
    let mut st = sample_state();
    for i in 0..extra {
        st.apply(&DriverMessage::SetInfo {
            var: format!("bulk.group{}.value{i:05}", i % 17),
            value: format!("reading {i} of a large and chatty device"),
        });
    }
    st
}

/// A upsd serving UPS `test` (`state`) and UPS `other` (the sample state), both ready.
fn serve(test_state: DriverState, other_state: DriverState) -> (NutTree, [FakeDriver; 2], Upsd) {
    let d = NutTree::standard("");
    let test = FakeDriver::start(&d.state(), "fake-test", test_state);
    let other = FakeDriver::start(&d.state(), "fake-other", other_state);
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    wait_ups_ready(&u, "other");
    (d, [test, other], u)
}

/// upsd's CPU seconds so far (all threads).
fn cpu(u: &Upsd) -> f64 {
    procfs::cpu_seconds(u.child.pid()).expect("upsd CPU time")
}

/// upsd's resident memory in bytes.
fn rss(u: &Upsd) -> u64 {
    procfs::rss_bytes(u.child.pid()).expect("upsd VmRSS")
}

/// Wait (bounded) until upsd has stopped working (see [`procfs::wait_idle`]).
fn wait_quiet(u: &Upsd, limit: Duration, poke: impl FnMut() -> bool) -> bool {
    procfs::wait_idle(u.child.pid(), limit, poke).expect("upsd from /proc")
}

/// A client that pipelines `requests` and never reads a reply.
struct Pipeliner {
    stream: TcpStream,
    pending: Vec<u8>,
}

impl Pipeliner {
    fn connect(u: &Upsd, requests: &[u8]) -> Pipeliner {
        let stream = TcpStream::connect(u.addr).expect("connect");
        stream.set_nonblocking(true).expect("nonblocking");
        Pipeliner {
            stream,
            pending: requests.to_vec(),
        }
    }

    /// Write what the server will take now; true if anything was taken.
    fn push(&mut self) -> bool {
        let mut progressed = false;
        while !self.pending.is_empty() {
            match self.stream.write(&self.pending) {
                Ok(n) => {
                    self.pending.drain(..n);
                    progressed = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => panic!("pipelining client: {e}"),
            }
        }
        progressed
    }
}

/// Memory a connection that never reads may hold in upsd, stated: the queued output bound
/// (8 KiB) plus one reply being built (a LIST VAR of the 3,000-variable UPS is ~170 KB of
/// text, and about as much again while it is formatted), rounded up generously for the
/// allocator. Before the fix each such client held ~5 MB (36 whole LIST VAR replies).
const RSS_PER_NON_READER: u64 = 1024 * 1024;

#[test]
fn non_reading_pipeliners_hold_bounded_memory() {
    const CLIENTS: usize = 20;
    const REQUESTS: usize = 20_000;
    let (_d, _drivers, u) = serve(big_state(BIG_UPS_VARS), sample_state());
    // One full LIST first, so the server's one-time allocations are in the baseline.
    let mut c = u.client();
    let list = c.list("LIST VAR test");
    assert!(list.len() > BIG_UPS_VARS, "{} lines", list.len());
    drop(c);
    let before = rss(&u);

    let requests = "LIST VAR test\n".repeat(REQUESTS).into_bytes();
    let mut clients: Vec<Pipeliner> = (0..CLIENTS)
        .map(|_| Pipeliner::connect(&u, &requests))
        .collect();
    let quiet = wait_quiet(&u, Duration::from_secs(120), || {
        clients.iter_mut().fold(false, |any, c| c.push() | any)
    });
    assert!(quiet, "upsd never settled under the pipelining clients");
    let after = rss(&u);
    let grown = after.saturating_sub(before);
    eprintln!(
        "RSS {} kB before, {} kB with {CLIENTS} non-reading clients: {} kB per client",
        before / 1024,
        after / 1024,
        grown / 1024 / CLIENTS as u64
    );
    assert!(
        grown <= RSS_PER_NON_READER * CLIENTS as u64,
        "upsd grew by {} kB for {CLIENTS} clients that never read (bound {} kB each)",
        grown / 1024,
        RSS_PER_NON_READER / 1024
    );
    // The server itself is not stuck: another client is served at once.
    let mut c = u.client();
    assert_eq!(
        c.cmd("GET VAR other ups.status"),
        "VAR other ups.status \"OL\""
    );
}

/// Latency a GET VAR on one UPS may reach while another UPS's driver floods upsd with
/// ADDENUM (C upsd: 313 ms for the same burst on the machine; rnut before the fix:
/// seconds).
const BURST_LATENCY_BOUND: Duration = Duration::from_millis(500);

#[test]
fn an_enum_burst_does_not_stall_other_ups_clients() {
    const VARS: usize = 10;
    const ENUMS_PER_VAR: usize = 10_000;
    let mut burst_state = sample_state();
    for v in 0..VARS {
        burst_state.apply(&DriverMessage::SetInfo {
            var: format!("burst.var{v}"),
            value: "0".into(),
        });
    }
    let (_d, drivers, u) = serve(sample_state(), burst_state);

    // Readers of UPS `test`, on several connections so that whichever serving thread runs
    // the other UPS's driver link also serves some of them.
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let mut c = u.client();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut worst = Duration::ZERO;
                let mut n = 0u64;
                // Bounded: the test stops the readers; the cap is a safety net.
                while !stop.load(Ordering::Relaxed) && n < 10_000_000 {
                    let t = Instant::now();
                    assert_eq!(
                        c.cmd("GET VAR test ups.status"),
                        "VAR test ups.status \"OL\""
                    );
                    worst = worst.max(t.elapsed());
                    n += 1;
                }
                (worst, n)
            })
        })
        .collect();

    let mut burst = String::with_capacity(VARS * ENUMS_PER_VAR * 40);
    for v in 0..VARS {
        for i in 0..ENUMS_PER_VAR {
            burst.push_str(&format!("ADDENUM burst.var{v} \"choice number {i}\"\n"));
        }
    }
    // One past the per-variable bound: refused, with a warning.
    burst.push_str("ADDENUM burst.var0 \"one too many\"\n");
    burst.push_str("SETINFO burst.done yes\n");
    let start = Instant::now();
    drivers[1].push_raw(burst.as_bytes());
    let mut c = u.client();
    let done = wait_until(Duration::from_secs(120), || {
        c.cmd("GET VAR other burst.done").starts_with("VAR ")
    });
    let took = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let mut worst = Duration::ZERO;
    let mut served = 0;
    for r in readers {
        let (w, n) = r.join().expect("reader");
        worst = worst.max(w);
        served += n;
    }
    eprintln!(
        "burst of {} ADDENUM applied in {took:?}; {served} GET VAR on another UPS, worst {worst:?}",
        VARS * ENUMS_PER_VAR + 1
    );
    assert!(done, "the burst was not applied within 120 s");
    assert!(
        worst <= BURST_LATENCY_BOUND,
        "GET VAR on another UPS waited {worst:?} during the burst (bound {BURST_LATENCY_BOUND:?})"
    );
    let enums = c.list("LIST ENUM other burst.var3");
    assert_eq!(enums.len(), ENUMS_PER_VAR + 2, "BEGIN, every enum, END");
    let enums = c.list("LIST ENUM other burst.var0");
    assert_eq!(
        enums.len(),
        ENUMS_PER_VAR + 2,
        "the enum past the bound is refused"
    );
    assert!(
        u.wait_log("burst.var0", Duration::from_secs(5)),
        "no warning about the refused enum: {}",
        u.log_text()
    );
}

/// Open a connection, pipeline `requests`, and reset it at once (SO_LINGER 0), without
/// reading a byte.
fn send_and_reset(u: &Upsd, requests: &[u8]) {
    let mut s = TcpStream::connect(u.addr).expect("connect");
    s.write_all(requests).expect("write");
    let s = socket2::Socket::from(s);
    s.set_linger(Some(Duration::ZERO)).expect("SO_LINGER 0");
    drop(s);
}

#[test]
fn a_reset_mid_reply_stops_the_work() {
    const ROUNDS: usize = 200;
    const PIPELINED: usize = 200;
    let (_d, _drivers, u) = serve(big_state(BIG_UPS_VARS), sample_state());

    // Calibrate: the server CPU of one LIST VAR of this UPS, answered and read.
    let mut c = u.client();
    let n = 30;
    let t0 = cpu(&u);
    for _ in 0..n {
        c.list("LIST VAR test");
    }
    let per_list = (cpu(&u) - t0) / n as f64;
    drop(c);

    let requests = "LIST VAR test\n".repeat(PIPELINED).into_bytes();
    let t0 = cpu(&u);
    for _ in 0..ROUNDS {
        send_and_reset(&u, &requests);
    }
    // The last rounds' work ends when upsd has noticed their resets.
    assert!(
        wait_quiet(&u, Duration::from_secs(120), || false),
        "upsd never settled after the resets"
    );
    let per_round = (cpu(&u) - t0) / ROUNDS as f64;
    eprintln!(
        "{ROUNDS} rounds of {PIPELINED} LIST VAR then RST: {:.2} ms of upsd CPU per round, \
         {:.2} ms per answered LIST VAR",
        per_round * 1e3,
        per_list * 1e3
    );
    // Stated bound: a round costs about one reply (the one whose write meets the reset) plus
    // the connection itself, so on average at most 2.5 replies + 2 ms; before the fix the
    // replies to a whole read of pipelined requests (36 of them fit in its 512 bytes) were
    // built before the first write (measured: 3.6 replies a round on average).
    let bound = 2.5 * per_list + 0.002;
    assert!(
        per_round <= bound,
        "a reset connection cost {:.2} ms of CPU (bound {:.2} ms: 2.5 LIST VAR + 2 ms)",
        per_round * 1e3,
        bound * 1e3
    );
    let mut c = u.client();
    assert_eq!(
        c.cmd("GET VAR other ups.status"),
        "VAR other ups.status \"OL\""
    );
}
