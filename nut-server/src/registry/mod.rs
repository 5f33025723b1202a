//! The UPS registry: every ups.conf section with the state its driver reports, behind a
//! cheap read path (a read lock on an `Arc`'d table, then a read lock on the one UPS), fed
//! by one driver-link task per UPS. Reload swaps the table; sessions keep the `Arc<Ups>`
//! they hold.

pub mod driver_link;
#[cfg(test)]
mod link_tests;
pub mod tracking;
pub mod ups;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use nut_core::config::UpsSection;
use nut_core::words::fold_case;

use crate::shutdown::Shutdown;
use tracking::TrackingTable;
pub use ups::{Unavailable, Ups};

/// The UPS list in ups.conf order, with a case-insensitive index.
#[derive(Debug, Default)]
pub struct UpsTable {
    list: Vec<Arc<Ups>>,
    index: HashMap<String, usize>,
}

impl UpsTable {
    fn new(list: Vec<Arc<Ups>>) -> Self {
        let index = list
            .iter()
            .enumerate()
            .map(|(i, u)| (fold_case(&u.name).into_owned(), i))
            .collect();
        UpsTable { list, index }
    }

    /// All UPSes in ups.conf order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<Ups>> {
        self.list.iter()
    }

    /// A UPS by name, case-insensitively.
    pub fn get(&self, name: &str) -> Option<&Arc<Ups>> {
        self.index
            .get(fold_case(name).as_ref())
            .map(|&i| &self.list[i])
    }

    /// Number of UPSes.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True without UPSes.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Shared state of the server's UPS side.
#[derive(Debug)]
pub struct UpsRegistry {
    table: RwLock<Arc<UpsTable>>,
    statepath: RwLock<PathBuf>,
    maxage_ms: AtomicU64,
    /// Bumped whenever the table is replaced, so sessions can keep a snapshot of it and
    /// look UPSes up without touching any shared lock or reference count.
    generation: AtomicU64,
    /// Tracked SET / INSTCMD results.
    pub tracking: TrackingTable,
    /// upsd's counters (the same as [`crate::context::ServerContext::counters`]).
    pub counters: Arc<crate::counters::Counters>,
}

impl UpsRegistry {
    /// An empty registry.
    pub fn new(statepath: &Path, maxage: Duration, trackingdelay: Duration) -> Arc<Self> {
        Arc::new(UpsRegistry {
            table: RwLock::new(Arc::new(UpsTable::default())),
            statepath: RwLock::new(statepath.to_path_buf()),
            maxage_ms: AtomicU64::new(u64::try_from(maxage.as_millis()).unwrap_or(u64::MAX)),
            generation: AtomicU64::new(0),
            tracking: TrackingTable::new(trackingdelay),
            counters: Arc::default(),
        })
    }

    /// The current table.
    pub fn table(&self) -> Arc<UpsTable> {
        self.table.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The table's generation (changes on every reload).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current table with its generation.
    pub fn snapshot(&self) -> (u64, Arc<UpsTable>) {
        let guard = self.table.read().unwrap_or_else(|e| e.into_inner());
        (self.generation.load(Ordering::Acquire), guard.clone())
    }

    /// A UPS by name.
    pub fn get(&self, name: &str) -> Option<Arc<Ups>> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// MAXAGE.
    pub fn maxage(&self) -> Duration {
        Duration::from_millis(self.maxage_ms.load(Ordering::Relaxed))
    }

    /// Change MAXAGE and TRACKINGDELAY (reload).
    pub fn set_timing(&self, maxage: Duration, trackingdelay: Duration) {
        self.maxage_ms.store(
            u64::try_from(maxage.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
        self.tracking.set_lifetime(trackingdelay);
    }

    /// The directory of the driver sockets.
    pub fn statepath(&self) -> PathBuf {
        self.statepath
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Make the table match ups.conf (startup and reload): sections that stay keep their
    /// entry, clients and FSD latch (`desc` is updated; a new driver socket, from another
    /// `driver` or a change of case in the name, is reconnected and its data read again, as
    /// C upsd's `ups_update` does); new ones get a driver link; removed ones stop their link
    /// and disconnect their clients.
    /// Sections without `driver` or `port` are skipped with a warning, as in C upsd.
    pub fn sync_sections(
        self: &Arc<Self>,
        sections: &[UpsSection],
        statepath: &Path,
        shutdown: &Shutdown,
    ) {
        *self.statepath.write().unwrap_or_else(|e| e.into_inner()) = statepath.to_path_buf();
        let old = self.table();
        let mut list: Vec<Arc<Ups>> = Vec::with_capacity(sections.len());
        let mut fresh = Vec::new();
        for s in sections {
            if s.driver.is_empty() || s.port.is_empty() {
                tracing::warn!(
                    "Warning: ignoring incomplete configuration for UPS [{}]",
                    s.name
                );
                continue;
            }
            if list.iter().any(|u| u.name.eq_ignore_ascii_case(&s.name)) {
                tracing::warn!("ignoring duplicate UPS section [{}]", s.name);
                continue;
            }
            let socket = format!("{}-{}", s.driver, s.name);
            match old.get(&s.name) {
                Some(existing) => {
                    if existing.socket_name() != socket {
                        tracing::info!(
                            "UPS [{}]: driver socket {} -> {socket}",
                            existing.name,
                            existing.socket_name()
                        );
                        existing.redefine(&socket);
                    }
                    existing.set_desc(s.desc.clone());
                    list.push(existing.clone());
                }
                None => {
                    let ups = Arc::new(Ups::new(&s.name, &s.driver, s.desc.clone()));
                    fresh.push(ups.clone());
                    list.push(ups);
                }
            }
        }
        for gone in old.iter() {
            if !list.iter().any(|u| Arc::ptr_eq(u, gone)) {
                tracing::info!("UPS [{}] removed from the configuration", gone.name);
                gone.remove();
            }
        }
        {
            let mut guard = self.table.write().unwrap_or_else(|e| e.into_inner());
            *guard = Arc::new(UpsTable::new(list));
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        for ups in fresh {
            tokio::spawn(driver_link::run(self.clone(), ups, shutdown.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_lookup_is_case_insensitive_and_ordered() {
        let t = UpsTable::new(vec![
            Arc::new(Ups::new("Zeta", "dummy-ups", None)),
            Arc::new(Ups::new("alpha", "x", None)),
        ]);
        assert_eq!(t.get("zeta").map(|u| u.name.as_str()), Some("Zeta"));
        assert_eq!(t.get("ALPHA").map(|u| u.name.as_str()), Some("alpha"));
        assert!(t.get("nope").is_none());
        let names: Vec<_> = t.iter().map(|u| u.name.clone()).collect();
        assert_eq!(names, ["Zeta", "alpha"]);
        assert_eq!(t.len(), 2);
    }
}
