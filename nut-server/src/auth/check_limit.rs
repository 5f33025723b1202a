//! A bound on the password-hash checks running at once. An Argon2 check takes ~19 MiB and
//! tens of milliseconds: without a bound, any client that knows a user name (no password
//! needed) could open connections and have upsd run thousands of them in parallel until it
//! runs out of memory. At most twice the CPU count run at a time; a check waits a few
//! seconds for a slot and is refused (`ACCESS-DENIED`) when none frees up.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

/// How long a check waits for a free slot.
pub const WAIT: Duration = Duration::from_secs(5);

static SLOTS: OnceLock<Arc<Semaphore>> = OnceLock::new();

/// How many slow checks may run at once.
pub fn limit() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .saturating_mul(2)
        .max(2)
}

fn slots() -> &'static Arc<Semaphore> {
    SLOTS.get_or_init(|| Arc::new(Semaphore::new(limit())))
}

/// Run a slow (hashing) password check on a blocking thread once a slot is free; `None`
/// when no slot freed up within [`WAIT`].
pub async fn verify_slow(check: impl FnOnce() -> bool + Send + 'static) -> Option<bool> {
    verify_within(slots(), WAIT, check).await
}

/// [`verify_slow`] with its own slots and wait (for tests). The slot is held by the blocking
/// check itself, so a caller that goes away does not free it before the hash is done.
pub async fn verify_within(
    slots: &Arc<Semaphore>,
    wait: Duration,
    check: impl FnOnce() -> bool + Send + 'static,
) -> Option<bool> {
    let permit = tokio::time::timeout(wait, slots.clone().acquire_owned())
        .await
        .ok()?
        .ok()?;
    let check = tokio::task::spawn_blocking(move || {
        let ok = check();
        drop(permit);
        ok
    });
    Some(check.await.unwrap_or(false))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::password;

    #[test]
    fn checks_wait_for_a_slot_and_give_up_when_none_frees() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let stored = password::hash_argon2id("right").expect("hash");
            let check = |supplied: &'static str| {
                let stored = stored.clone();
                move || password::verify(supplied, &stored)
            };
            let slots = Arc::new(Semaphore::new(1));
            let held = slots.clone().acquire_owned().await.expect("permit");
            let wait = Duration::from_millis(100);
            let busy = verify_within(&slots, wait, check("right")).await;
            assert_eq!(busy, None, "no free slot: refused");
            drop(held);
            let ok = verify_within(&slots, wait, check("right")).await;
            assert_eq!(ok, Some(true));
            let wrong = verify_within(&slots, wait, check("wrong")).await;
            assert_eq!(wrong, Some(false));
            assert_eq!(slots.available_permits(), 1, "the slot is given back");
        });
        assert!(limit() >= 2);
    }
}
