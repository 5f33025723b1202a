//! The copies of each UPS's variables kept between two reads of the HTTP side: a UPS is
//! copied again only when its driver changed the state ([`Live::version`]), its FSD latch
//! changed (it shows in `ups.status`), or a reload made a new registry generation. With 100
//! UPSes of 60 variables, an unchanged world costs 100 lookups instead of 12,000 string
//! copies.
//!
//! The entries are taken out of the cache for the length of one read and put back after it
//! (the lock is held for neither the copies nor a render): two reads at once each work on
//! their own set (the second starts empty and copies), and whichever finishes last leaves
//! its set. Only the UPSes of the current table are ever kept.

use std::collections::HashMap;
use std::sync::Mutex;

use super::view::UpsData;
use crate::registry::ups::{Live, Ups};

/// The shared cache (one per HTTP listener set).
#[derive(Debug, Default)]
pub struct ViewCache {
    slot: Mutex<Copies>,
}

/// One read's entries: the generation they belong to and a copy per UPS name.
#[derive(Debug, Default)]
pub struct Copies {
    generation: u64,
    /// Entries left from the previous read (taken out as they are used).
    previous: HashMap<String, Entry>,
    /// Entries of this read (what is put back).
    current: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    version: u64,
    fsd: bool,
    data: UpsData,
}

impl ViewCache {
    /// Take the entries for a read of registry generation `generation` (none when the
    /// generation differs: a reload may have replaced any UPS).
    pub fn take(&self, generation: u64) -> Copies {
        let mut slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let mut copies = std::mem::take(&mut *slot);
        if copies.generation != generation {
            copies.previous.clear();
        }
        copies.generation = generation;
        copies
    }

    /// Put back what a read used.
    pub fn put(&self, copies: Copies) {
        let mut copies = copies;
        copies.previous = std::mem::take(&mut copies.current);
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = copies;
    }
}

impl Copies {
    /// The UPS's data: the previous read's copy while the state version and the FSD latch
    /// are the same, else `copy(ups, live)` (called under the UPS's read lock).
    pub fn get_or_insert(
        &mut self,
        ups: &Ups,
        live: &Live,
        copy: impl FnOnce(&Ups, &Live) -> UpsData,
    ) -> UpsData {
        let fsd = ups.fsd();
        let entry = match self.previous.remove(&ups.name) {
            Some(e) if e.version == live.version && e.fsd == fsd => e,
            _ => Entry {
                version: live.version,
                fsd,
                data: copy(ups, live),
            },
        };
        let data = entry.data.clone();
        self.current.insert(ups.name.clone(), entry);
        data
    }
}
