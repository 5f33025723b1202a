//! The table of tracked SET / INSTCMD requests (`SET TRACKING ON`): an id is registered as
//! pending before the driver is contacted, the driver's `TRACKING <id> <code>` fills in the
//! result, and entries are forgotten `TRACKINGDELAY` seconds after creation.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bound on live entries: a client issuing commands in a loop cannot grow memory forever.
const MAX_ENTRIES: usize = 100_000;

/// What `GET TRACKING <id>` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackState {
    /// Not answered by the driver yet.
    Pending,
    /// The driver's result code.
    Done(i32),
    /// Never issued, or expired.
    Unknown,
}

#[derive(Debug)]
struct Entry {
    created: Instant,
    result: Option<i32>,
}

/// Tracking ids and their results. Ids are compared case-insensitively.
#[derive(Debug)]
pub struct TrackingTable {
    lifetime: Mutex<Duration>,
    entries: Mutex<HashMap<String, Entry>>,
}

impl TrackingTable {
    /// A table whose entries live `lifetime` (TRACKINGDELAY).
    pub fn new(lifetime: Duration) -> Self {
        TrackingTable {
            lifetime: Mutex::new(lifetime),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Change the lifetime (reload of upsd.conf).
    pub fn set_lifetime(&self, lifetime: Duration) {
        *self.lifetime.lock().unwrap_or_else(|e| e.into_inner()) = lifetime;
    }

    fn lifetime(&self) -> Duration {
        *self.lifetime.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Register a new pending id.
    pub fn insert(&self, id: &str) {
        let lifetime = self.lifetime();
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, e| now.duration_since(e.created) < lifetime);
            if map.len() >= MAX_ENTRIES {
                // Still full: drop the oldest tenth at once, so that a flood of tracked
                // commands costs one sort per 10% of the table, not a scan per command.
                crate::bounded_table::drop_oldest_tenth(&mut map, MAX_ENTRIES, |e| e.created);
            }
        }
        map.insert(
            id.to_ascii_uppercase(),
            Entry {
                created: now,
                result: None,
            },
        );
    }

    /// Record the driver's result for `id` (ignored for unknown ids).
    pub fn complete(&self, id: &str, code: i32) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = map.get_mut(&id.to_ascii_uppercase()) {
            e.result = Some(code);
        }
    }

    /// The state of `id`.
    pub fn get(&self, id: &str) -> TrackState {
        let lifetime = self.lifetime();
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&id.to_ascii_uppercase()) {
            Some(e) if e.created.elapsed() < lifetime => match e.result {
                Some(code) => TrackState::Done(code),
                None => TrackState::Pending,
            },
            _ => TrackState::Unknown,
        }
    }

    /// Drop expired entries (called periodically).
    pub fn expire(&self) {
        let lifetime = self.lifetime();
        let now = Instant::now();
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, e| now.duration_since(e.created) < lifetime);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_is_case_insensitive() {
        let t = TrackingTable::new(Duration::from_secs(60));
        let id = "1BD31808-CB49-4AEC-9D75-D056E6F018D2";
        assert_eq!(t.get(id), TrackState::Unknown);
        t.insert(id);
        assert_eq!(t.get(&id.to_ascii_lowercase()), TrackState::Pending);
        t.complete(&id.to_ascii_lowercase(), 3);
        assert_eq!(t.get(id), TrackState::Done(3));
    }

    #[test]
    fn entries_expire() {
        let t = TrackingTable::new(Duration::from_millis(0));
        t.insert("A");
        assert_eq!(t.get("A"), TrackState::Unknown);
        t.expire();
        t.set_lifetime(Duration::from_secs(5));
        assert_eq!(t.get("A"), TrackState::Unknown);
    }

    #[test]
    fn a_full_table_drops_its_oldest_tenth() {
        let t = TrackingTable::new(Duration::from_secs(3600));
        for i in 0..MAX_ENTRIES {
            t.insert(&format!("id{i}"));
        }
        t.insert("newest");
        let len = t.entries.lock().expect("lock").len();
        assert_eq!(len, MAX_ENTRIES - MAX_ENTRIES / 10 + 1);
        assert_eq!(t.get("id0"), TrackState::Unknown, "the oldest went");
        assert_eq!(t.get("newest"), TrackState::Pending);
        assert_eq!(
            t.get(&format!("id{}", MAX_ENTRIES - 1)),
            TrackState::Pending
        );
    }
}
