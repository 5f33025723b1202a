//! A delay before answering a failed authentication, growing with repeated failures from one
//! address (50 ms, 100 ms, 200 ms ... capped at 5 s) and forgotten after a success or after
//! ten quiet minutes. It slows password guessing without blocking anyone else: only the
//! failing connection's task waits. IPv6 clients are counted per /64.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const BASE: Duration = Duration::from_millis(50);
const CAP: Duration = Duration::from_secs(5);
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Bound on remembered addresses, so a scan from many addresses cannot grow memory.
const MAX_ENTRIES: usize = 10_000;

/// Failure counts per client address.
#[derive(Debug, Default)]
pub struct FailureDelay {
    entries: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl FailureDelay {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record a failure from `addr`; returns how long to wait before answering.
    pub fn record_failure(&self, addr: IpAddr) -> Duration {
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, last)| now.duration_since(*last) < FORGET_AFTER);
            if map.len() >= MAX_ENTRIES {
                // Forget the least recently failing tenth, never everybody at once (a flood
                // from many addresses must not reset a patient guesser's count).
                crate::bounded_table::drop_oldest_tenth(&mut map, MAX_ENTRIES, |(_, last)| *last);
            }
        }
        let entry = map.entry(key(addr)).or_insert((0, now));
        if now.duration_since(entry.1) >= FORGET_AFTER {
            entry.0 = 0;
        }
        entry.0 = entry.0.saturating_add(1);
        entry.1 = now;
        delay_for(entry.0)
    }

    /// Forget the failures of `addr` (after a successful authentication).
    pub fn record_success(&self, addr: IpAddr) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&key(addr));
    }
}

/// Who a failure is counted against: an IPv4 address (IPv4-mapped ones included), or the
/// /64 of an IPv6 address (one host usually has a whole /64 to pick addresses from).
fn key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !((1u128 << 64) - 1),
            )),
        },
    }
}

/// The delay after the `n`-th consecutive failure (n >= 1).
pub fn delay_for(n: u32) -> Duration {
    let shift = n.saturating_sub(1).min(16);
    BASE.saturating_mul(1u32 << shift).min(CAP)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_caps() {
        assert_eq!(delay_for(1), Duration::from_millis(50));
        assert_eq!(delay_for(2), Duration::from_millis(100));
        assert_eq!(delay_for(3), Duration::from_millis(200));
        assert_eq!(delay_for(30), CAP);
    }

    #[test]
    fn ipv6_counts_per_64_and_a_full_table_forgets_the_oldest_only() {
        let d = FailureDelay::new();
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(d.record_failure(a), Duration::from_millis(50));
        assert_eq!(
            d.record_failure(b),
            Duration::from_millis(100),
            "same /64, same count"
        );
        let guesser: IpAddr = "192.0.2.7".parse().expect("ip");
        for _ in 0..3 {
            d.record_failure(guesser);
        }
        // A flood from many other addresses fills the table.
        for i in 0..(MAX_ENTRIES as u32 + 50) {
            d.record_failure(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)));
        }
        // The flood pushed out the oldest entries, the guesser's included; but the table
        // was never emptied at once: the newest flood entries are still counted.
        let last = IpAddr::V4(std::net::Ipv4Addr::from(
            0x0a00_0000 + MAX_ENTRIES as u32 + 49,
        ));
        assert_eq!(d.record_failure(last), Duration::from_millis(100));
        assert!(d.entries.lock().expect("lock").len() <= MAX_ENTRIES);
    }

    #[test]
    fn per_address_and_reset_on_success() {
        let d = FailureDelay::new();
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let b: IpAddr = "::1".parse().expect("ip");
        assert_eq!(d.record_failure(a), Duration::from_millis(50));
        assert_eq!(d.record_failure(a), Duration::from_millis(100));
        assert_eq!(d.record_failure(b), Duration::from_millis(50));
        d.record_success(a);
        assert_eq!(d.record_failure(a), Duration::from_millis(50));
    }
}
