//! upsd's own figures for `/metrics` (docs/METRICS.md): relaxed atomics bumped by one-line
//! calls from the NUT code paths, read by the HTTP side. Nothing here takes a lock, and a
//! bump is one uncontended-enough `fetch_add`: the NUT port pays nothing measurable.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use nut_core::net::ErrCode;

/// The command names of C NUT's protocol (`nut_core::net::Request::name`), in the order
/// `/metrics` lists them; rnut's extensions (CAPABILITIES, WATCH, UNWATCH) are not counted.
pub const COMMANDS: [&str; 29] = nut_core::net::Request::NUT_NAMES;

/// The index of `GET VAR` in [`COMMANDS`] (the fast path counts it without a lookup).
const GET_VAR: usize = 14;

/// Tracking results as `/metrics` labels them (the driver's codes 0 to 3, then anything else).
pub const TRACKING_RESULTS: [&str; 5] =
    ["success", "unknown", "invalid_argument", "failed", "other"];

/// How a connection talks: index 0 plaintext, 1 TLS.
pub const TRANSPORTS: [&str; 2] = ["plain", "tls"];

/// What was forwarded to a driver.
pub const FORWARDED: [&str; 2] = ["set", "instcmd"];

/// The counters (one set per upsd, shared by the NUT sessions, the driver links and the
/// HTTP side).
#[derive(Debug, Default)]
pub struct Counters {
    accepted: AtomicU64,
    open: [AtomicI64; 2],
    maxconn_refused: AtomicU64,
    starttls: [AtomicU64; 2],
    logins: [AtomicU64; 2],
    commands: [AtomicU64; COMMANDS.len()],
    errors: [AtomicU64; ErrCode::KNOWN.len()],
    forwarded: [AtomicU64; 2],
    tracking: [AtomicU64; TRACKING_RESULTS.len()],
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn read(c: &[AtomicU64]) -> Vec<u64> {
    c.iter().map(|v| v.load(Ordering::Relaxed)).collect()
}

impl Counters {
    /// A NUT connection was accepted (it starts plaintext).
    pub fn connection_opened(&self) {
        bump(&self.accepted);
        self.open[0].fetch_add(1, Ordering::Relaxed);
    }

    /// A NUT connection ended (`tls`: after a STARTTLS).
    pub fn connection_closed(&self, tls: bool) {
        self.open[usize::from(tls)].fetch_sub(1, Ordering::Relaxed);
    }

    /// A connection refused because MAXCONN connections were open.
    pub fn maxconn_refused(&self) {
        bump(&self.maxconn_refused);
    }

    /// A STARTTLS handshake ended: `ok` moves the connection from plain to TLS.
    pub fn starttls(&self, ok: bool) {
        if ok {
            bump(&self.starttls[0]);
            self.open[0].fetch_sub(1, Ordering::Relaxed);
            self.open[1].fetch_add(1, Ordering::Relaxed);
        } else {
            bump(&self.starttls[1]);
        }
    }

    /// A USERNAME/PASSWORD check ended.
    pub fn login(&self, ok: bool) {
        bump(&self.logins[usize::from(!ok)]);
    }

    /// A parsed command (by `Request::name`) is about to run.
    pub fn command(&self, name: &str) {
        if let Some(i) = COMMANDS.iter().position(|c| *c == name) {
            bump(&self.commands[i]);
        }
    }

    /// A `GET VAR` served by the fast path.
    pub fn get_var(&self) {
        bump(&self.commands[GET_VAR]);
    }

    /// An `ERR <code>` reply was queued.
    pub fn error(&self, code: &ErrCode) {
        if let Some(i) = ErrCode::KNOWN.iter().position(|c| c == code) {
            bump(&self.errors[i]);
        }
    }

    /// A SET (`instcmd` false) or INSTCMD was written to a driver.
    pub fn forwarded(&self, instcmd: bool) {
        bump(&self.forwarded[usize::from(instcmd)]);
    }

    /// A driver answered a tracked command with `code`.
    pub fn tracking_result(&self, code: i32) {
        let i = usize::try_from(code)
            .ok()
            .filter(|&i| i < TRACKING_RESULTS.len() - 1)
            .unwrap_or(TRACKING_RESULTS.len() - 1);
        bump(&self.tracking[i]);
    }

    /// A copy of every figure, for one rendering.
    pub fn snapshot(&self) -> CounterValues {
        CounterValues {
            accepted: self.accepted.load(Ordering::Relaxed),
            open: self
                .open
                .each_ref()
                .map(|v| v.load(Ordering::Relaxed).max(0) as u64),
            maxconn_refused: self.maxconn_refused.load(Ordering::Relaxed),
            starttls: [
                self.starttls[0].load(Ordering::Relaxed),
                self.starttls[1].load(Ordering::Relaxed),
            ],
            logins: [
                self.logins[0].load(Ordering::Relaxed),
                self.logins[1].load(Ordering::Relaxed),
            ],
            commands: read(&self.commands),
            errors: read(&self.errors),
            forwarded: [
                self.forwarded[0].load(Ordering::Relaxed),
                self.forwarded[1].load(Ordering::Relaxed),
            ],
            tracking: read(&self.tracking),
        }
    }
}

/// The counters at one moment (indices as in [`COMMANDS`], `ErrCode::KNOWN`,
/// [`TRANSPORTS`], [`FORWARDED`], [`TRACKING_RESULTS`]; pairs are ok/failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterValues {
    /// NUT connections accepted.
    pub accepted: u64,
    /// Open NUT connections by transport.
    pub open: [u64; 2],
    /// Connections refused at MAXCONN.
    pub maxconn_refused: u64,
    /// STARTTLS handshakes: succeeded, failed.
    pub starttls: [u64; 2],
    /// Logins (USERNAME/PASSWORD checks): succeeded, failed.
    pub logins: [u64; 2],
    /// Commands served, by name.
    pub commands: Vec<u64>,
    /// ERR replies, by code.
    pub errors: Vec<u64>,
    /// SET and INSTCMD written to drivers.
    pub forwarded: [u64; 2],
    /// Tracking results by result.
    pub tracking: Vec<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_var_index_matches_the_name() {
        assert_eq!(COMMANDS[GET_VAR], "GET VAR");
    }

    #[test]
    fn counts_land_where_they_are_listed() {
        let c = Counters::default();
        c.connection_opened();
        c.connection_opened();
        c.starttls(true);
        c.starttls(false);
        c.connection_closed(true);
        c.login(false);
        c.command("LIST UPS");
        c.get_var();
        c.error(&ErrCode::DataStale);
        c.forwarded(true);
        c.tracking_result(3);
        c.tracking_result(42);
        let v = c.snapshot();
        assert_eq!(v.accepted, 2);
        assert_eq!(v.open, [1, 0]);
        assert_eq!(v.starttls, [1, 1]);
        assert_eq!(v.logins, [0, 1]);
        assert_eq!(
            v.commands[COMMANDS
                .iter()
                .position(|n| *n == "LIST UPS")
                .expect("listed")],
            1
        );
        assert_eq!(v.commands[GET_VAR], 1);
        let stale = ErrCode::KNOWN
            .iter()
            .position(|e| *e == ErrCode::DataStale)
            .expect("known");
        assert_eq!(v.errors[stale], 1);
        assert_eq!(v.forwarded, [0, 1]);
        assert_eq!(v.tracking, [0, 0, 0, 1, 1]);
    }
}
