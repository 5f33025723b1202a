//! The warnings an outside party can trigger at will, each under its own rate limit: a burst
//! of refused connections, denied hosts, failed handshakes or failed logins logs its first
//! few lines and then one summary per window (see `nut_log::throttle`), never a line per
//! event.

use std::time::Duration;

use nut_log::Throttle;

/// Warnings of one kind logged per window before the rest are only counted.
pub const BURST: u32 = 5;
/// The window: at most [`BURST`] lines and one summary per kind in this time.
pub const WINDOW: Duration = Duration::from_secs(10);
/// How often the summaries of ended windows are written when no new event brings them.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// One throttle per kind of warning.
#[derive(Debug)]
pub struct Warnings {
    /// Connections refused because MAXCONN connections are open.
    pub maxconn: Throttle,
    /// Commands refused by hosts.allow / hosts.deny.
    pub hosts_denied: Throttle,
    /// STARTTLS handshakes that failed.
    pub handshakes: Throttle,
    /// Failed authentications (and logins refused while the password checks are busy).
    pub failed_logins: Throttle,
    /// Failed accepts (a connection flood that exhausts the descriptors).
    pub accept_errors: Throttle,
}

impl Default for Warnings {
    fn default() -> Self {
        Warnings {
            maxconn: Throttle::new("connections refused at MAXCONN", BURST, WINDOW),
            hosts_denied: Throttle::new("accesses denied by hosts.allow/hosts.deny", BURST, WINDOW),
            handshakes: Throttle::new("failed STARTTLS handshakes", BURST, WINDOW),
            failed_logins: Throttle::new("failed authentications", BURST, WINDOW),
            accept_errors: Throttle::new("failed accepts", BURST, WINDOW),
        }
    }
}

impl Warnings {
    fn all(&self) -> [&Throttle; 5] {
        [
            &self.maxconn,
            &self.hosts_denied,
            &self.handshakes,
            &self.failed_logins,
            &self.accept_errors,
        ]
    }

    /// Write the summaries of the windows that have ended.
    pub fn flush(&self) {
        self.all().iter().for_each(|t| t.flush());
    }

    /// Write the summaries of every window, ended or not (at exit).
    pub fn finish(&self) {
        self.all().iter().for_each(|t| t.finish());
    }
}
