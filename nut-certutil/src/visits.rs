//! Counters of store opens and password key derivations made by the current thread. A TLS
//! setup opens the store once and derives the key at most once (`tls::store_visit`); tests
//! read these counters to hold it to that. Per thread, so tests running in parallel do not
//! see each other's visits; the cost is one thread-local increment per open or derivation.

use std::cell::Cell;

thread_local! {
    static OPENS: Cell<u64> = const { Cell::new(0) };
    static DERIVATIONS: Cell<u64> = const { Cell::new(0) };
}

pub(crate) fn count_open() {
    OPENS.with(|c| c.set(c.get() + 1));
}

pub(crate) fn count_derivation() {
    DERIVATIONS.with(|c| c.set(c.get() + 1));
}

/// Store opens and key derivations made by this thread so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Visits {
    /// Connections opened on a store (read-write, read-only or new).
    pub opens: u64,
    /// PBKDF2 key derivations (each costs the store's full iteration count).
    pub derivations: u64,
}

/// The counts of this thread.
pub fn on_this_thread() -> Visits {
    Visits {
        opens: OPENS.with(Cell::get),
        derivations: DERIVATIONS.with(Cell::get),
    }
}

impl std::ops::Sub for Visits {
    type Output = Visits;
    fn sub(self, earlier: Visits) -> Visits {
        Visits {
            opens: self.opens - earlier.opens,
            derivations: self.derivations - earlier.derivations,
        }
    }
}
