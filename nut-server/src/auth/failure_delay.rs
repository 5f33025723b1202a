//! A delay before answering a failed authentication, growing with the failures from one
//! address (50 ms, 100 ms, 200 ms ... capped at 5 s) and forgotten after ten quiet minutes.
//! It slows password guessing without blocking anyone else: only the failing connection's
//! task waits, and a success is never delayed. IPv6 clients are counted per /64.
//!
//! A success forgives only the failures of the user name that succeeded: the delay grows
//! with the failures from the address that no success has forgiven. A guesser who knows one
//! password (upsmon's is in every upsmon.conf) cannot keep the delay of the user whose
//! password is guessed at its base by logging in as the known user between guesses; and
//! trying one password on many names grows the delay as well.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const BASE: Duration = Duration::from_millis(50);
const CAP: Duration = Duration::from_secs(5);
const FORGET_AFTER: Duration = Duration::from_secs(600);
/// Bound on remembered addresses (and on remembered address + user name pairs), so a scan
/// from many addresses or with many names cannot grow memory.
const MAX_ENTRIES: usize = 10_000;

/// A failure count and the time of the last failure.
type Count = (u32, Instant);

/// Failure counts per client address, and per address and user name.
#[derive(Debug, Default)]
pub struct FailureDelay {
    entries: Mutex<Tables>,
}

#[derive(Debug, Default)]
struct Tables {
    /// Failures not forgiven, per address (what the delay grows with).
    by_addr: HashMap<IpAddr, Count>,
    /// The same failures per address and user name (what a success of that name forgives).
    /// The name is kept as a keyed hash: fixed size, and no user name list in memory.
    by_name: HashMap<(IpAddr, u64), Count>,
    hasher: std::collections::hash_map::RandomState,
}

impl FailureDelay {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Record a failure of `user` from `addr`; returns how long to wait before answering.
    pub fn record_failure(&self, addr: IpAddr, user: &str) -> Duration {
        let now = Instant::now();
        let mut t = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let name = (key(addr), t.hasher.hash_one(user));
        bump(&mut t.by_name, name, now);
        delay_for(bump(&mut t.by_addr, key(addr), now))
    }

    /// Forgive the failures of `user` from `addr` (after `user` authenticated): the failures
    /// of other names from the same address still count.
    pub fn record_success(&self, addr: IpAddr, user: &str) {
        let mut t = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let name = (key(addr), t.hasher.hash_one(user));
        let Some((forgiven, _)) = t.by_name.remove(&name) else {
            return;
        };
        if let Some(entry) = t.by_addr.get_mut(&key(addr)) {
            entry.0 = entry.0.saturating_sub(forgiven);
            if entry.0 == 0 {
                t.by_addr.remove(&key(addr));
            }
        }
    }
}

/// Count one more failure under `k` in a bounded table; the new count.
fn bump<K: Clone + Eq + std::hash::Hash>(map: &mut HashMap<K, Count>, k: K, now: Instant) -> u32 {
    if map.len() >= MAX_ENTRIES && !map.contains_key(&k) {
        map.retain(|_, (_, last)| now.duration_since(*last) < FORGET_AFTER);
        if map.len() >= MAX_ENTRIES {
            // Forget the least recently failing tenth, never everybody at once (a flood
            // from many addresses must not reset a patient guesser's count).
            crate::bounded_table::drop_oldest_tenth(map, MAX_ENTRIES, |(_, last)| *last);
        }
    }
    let entry = map.entry(k).or_insert((0, now));
    if now.duration_since(entry.1) >= FORGET_AFTER {
        entry.0 = 0;
    }
    entry.0 = entry.0.saturating_add(1);
    entry.1 = now;
    entry.0
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
        assert_eq!(d.record_failure(a, "u"), Duration::from_millis(50));
        assert_eq!(
            d.record_failure(b, "u"),
            Duration::from_millis(100),
            "same /64, same count"
        );
        let guesser: IpAddr = "192.0.2.7".parse().expect("ip");
        for _ in 0..3 {
            d.record_failure(guesser, "u");
        }
        // A flood from many other addresses fills the table.
        for i in 0..(MAX_ENTRIES as u32 + 50) {
            d.record_failure(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)), "u");
        }
        // The flood pushed out the oldest entries, the guesser's included; but the table
        // was never emptied at once: the newest flood entries are still counted.
        let last = IpAddr::V4(std::net::Ipv4Addr::from(
            0x0a00_0000 + MAX_ENTRIES as u32 + 49,
        ));
        assert_eq!(d.record_failure(last, "u"), Duration::from_millis(100));
        let t = d.entries.lock().expect("lock");
        assert!(t.by_addr.len() <= MAX_ENTRIES);
        assert!(t.by_name.len() <= MAX_ENTRIES);
    }

    #[test]
    fn a_flood_of_user_names_stays_bounded() {
        let d = FailureDelay::new();
        let a: IpAddr = "192.0.2.9".parse().expect("ip");
        for i in 0..(MAX_ENTRIES + 50) {
            d.record_failure(a, &format!("name{i}"));
        }
        let t = d.entries.lock().expect("lock");
        assert!(t.by_name.len() <= MAX_ENTRIES);
        assert_eq!(t.by_addr.len(), 1);
    }

    #[test]
    fn a_success_forgives_only_its_own_user_name() {
        let d = FailureDelay::new();
        let a: IpAddr = "127.0.0.1".parse().expect("ip");
        let other: IpAddr = "::1".parse().expect("ip");
        assert_eq!(d.record_failure(a, "victim"), Duration::from_millis(50));
        assert_eq!(d.record_failure(a, "victim"), Duration::from_millis(100));
        assert_eq!(d.record_failure(other, "victim"), Duration::from_millis(50));
        // The guesser logs in with the password it knows: the victim's failures stay.
        d.record_success(a, "upsmon");
        assert_eq!(d.record_failure(a, "victim"), Duration::from_millis(200));
        // A user's own typo is forgiven by its own success; the victim's count stays.
        assert_eq!(d.record_failure(a, "admin"), Duration::from_millis(400));
        d.record_success(a, "admin");
        assert_eq!(d.record_failure(a, "victim"), Duration::from_millis(400));
        // The victim logging in forgives the victim's failures.
        d.record_success(a, "victim");
        assert_eq!(d.record_failure(a, "victim"), Duration::from_millis(50));
    }

    #[test]
    fn spraying_many_names_grows_the_delay_too() {
        let d = FailureDelay::new();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        assert_eq!(d.record_failure(a, "a"), Duration::from_millis(50));
        assert_eq!(d.record_failure(a, "b"), Duration::from_millis(100));
        assert_eq!(d.record_failure(a, "c"), Duration::from_millis(200));
    }
}
