//! Graceful shutdown: one `watch` channel the accept loops, the sessions and the driver links
//! all listen to.

use tokio::sync::watch;

/// The sending side, held by the signal handler.
#[derive(Debug, Clone)]
pub struct ShutdownTrigger(watch::Sender<bool>);

/// A receiver each task keeps; `recv` completes once shutdown starts.
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// A new trigger and its first receiver.
pub fn channel() -> (ShutdownTrigger, Shutdown) {
    let (tx, rx) = watch::channel(false);
    (ShutdownTrigger(tx), Shutdown(rx))
}

impl ShutdownTrigger {
    /// Start shutting down.
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }

    /// Another receiver.
    pub fn subscribe(&self) -> Shutdown {
        Shutdown(self.0.subscribe())
    }
}

impl Shutdown {
    /// True once shutdown has started.
    pub fn is_shutdown(&self) -> bool {
        *self.0.borrow()
    }

    /// Wait until shutdown starts (returns at once if it already has).
    pub async fn recv(&mut self) {
        // An error means the trigger is gone: treat that as shutdown too.
        let _ = self.0.wait_for(|v| *v).await;
    }
}
