//! The signals a running upsmon reacts to (upsmon.md section 8), turned into requests the
//! main loop acts on between polls.

use std::time::Duration;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// What a signal asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// SIGTERM, SIGINT, SIGQUIT: clean exit.
    Exit(i32),
    /// SIGHUP: re-read upsmon.conf.
    Reload,
    /// SIGUSR1 (`-c fsd`): forced shutdown.
    ForcedShutdown,
    /// SIGUSR2: ignored.
    Ignored,
}

/// The registered signal streams.
#[derive(Debug)]
pub struct Signals {
    term: Signal,
    int: Signal,
    quit: Signal,
    hup: Signal,
    usr1: Signal,
    usr2: Signal,
}

impl Signals {
    /// Register the handlers (from then on these signals no longer kill the process).
    pub fn register() -> std::io::Result<Signals> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
            quit: signal(SignalKind::quit())?,
            hup: signal(SignalKind::hangup())?,
            usr1: signal(SignalKind::user_defined1())?,
            usr2: signal(SignalKind::user_defined2())?,
        })
    }

    /// Sleep for `duration`, returning early with the first signal that arrives.
    pub async fn sleep(&mut self, duration: Duration) -> Option<Request> {
        tokio::select! {
            _ = tokio::time::sleep(duration) => None,
            _ = self.term.recv() => Some(Request::Exit(15)),
            _ = self.int.recv() => Some(Request::Exit(2)),
            _ = self.quit.recv() => Some(Request::Exit(3)),
            _ = self.hup.recv() => Some(Request::Reload),
            _ = self.usr1.recv() => Some(Request::ForcedShutdown),
            _ = self.usr2.recv() => Some(Request::Ignored),
        }
    }
}
