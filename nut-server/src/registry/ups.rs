//! One UPS as upsd sees it: its ups.conf section, the state tree its driver reported, the
//! link status used by the "available" check, the FSD latch, and the clients logged into it.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use nut_core::sock::DriverState;
use tokio::io::AsyncWriteExt;
use tokio::net::unix::OwnedWriteHalf;
use tokio::sync::{Notify, watch};

/// Why a UPS cannot answer a data request (the "avail" check of net-protocol.md 4.1 after the
/// name is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No driver connection: `ERR DRIVER-NOT-CONNECTED`.
    NotConnected,
    /// Data stale: `ERR DATA-STALE`.
    Stale,
}

/// What the driver link keeps per UPS (guarded by one lock; readers are the sessions).
#[derive(Debug)]
pub struct Live {
    /// A driver socket is connected.
    pub connected: bool,
    /// `DUMPDONE` arrived since the connection.
    pub dumpdone: bool,
    /// Last understood message from the driver.
    pub last_heard: Instant,
    /// Last `PING` sent.
    pub last_ping: Instant,
    /// What the logs last said about staleness (for transition messages only).
    pub logged_stale: bool,
    /// Variables, commands and the driver's DATAOK/DATASTALE.
    pub state: DriverState,
    /// Bumped by the driver link whenever `state` changes (see [`Live::state_changed`]):
    /// the HTTP side reuses what it rendered for a UPS while this stays the same.
    pub version: u64,
}

impl Live {
    fn new() -> Self {
        let now = Instant::now();
        Live {
            connected: false,
            dumpdone: false,
            last_heard: now,
            last_ping: now,
            logged_stale: true,
            state: DriverState::new(),
            version: 0,
        }
    }

    /// Record that `state` changed (a new [`Live::version`]).
    pub fn state_changed(&mut self) {
        self.version = self.version.wrapping_add(1);
    }

    /// sock-protocol.md 5.4 (`sstate_dead`): stale when the dump is done and the driver has
    /// not said DATAOK (whatever the time), or after MAXAGE + 1 s of silence (one second of
    /// grace).
    pub fn check(&self, maxage: Duration, now: Instant) -> Result<(), Unavailable> {
        if !self.connected {
            return Err(Unavailable::NotConnected);
        }
        if self.dumpdone && !self.state.data_ok() {
            return Err(Unavailable::Stale);
        }
        let elapsed = now.saturating_duration_since(self.last_heard);
        if elapsed > maxage + Duration::from_secs(1) {
            return Err(Unavailable::Stale);
        }
        Ok(())
    }
}

/// A client logged into the UPS (`LOGIN`), for `NUMLOGINS` and `LIST CLIENT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LoggedClient {
    session: u64,
    addr: IpAddr,
}

/// One UPS.
#[derive(Debug)]
pub struct Ups {
    /// Section name as written in ups.conf.
    pub name: String,
    /// `<driver>-<name>`: the socket file in STATEPATH (a reload may change it).
    socket_name: RwLock<String>,
    desc: RwLock<Option<String>>,
    live: RwLock<Live>,
    fsd: AtomicBool,
    clients: Mutex<Vec<LoggedClient>>,
    writer: tokio::sync::Mutex<Option<OwnedWriteHalf>>,
    /// Wakes the driver link when a write to the driver failed (it then reconnects).
    pub(crate) link_broken: Notify,
    /// Set to true when the UPS is removed by a reload: its link stops, its clients leave.
    removed: watch::Sender<bool>,
    /// Marked on every change of the state, the availability or the FSD latch: wakes the
    /// sessions that `WATCH` the UPS (they diff against what they last sent).
    changes: watch::Sender<()>,
}

impl Ups {
    /// A UPS from its ups.conf section; not connected, no data.
    pub fn new(name: &str, driver: &str, desc: Option<String>) -> Self {
        Ups {
            name: name.to_string(),
            socket_name: RwLock::new(format!("{driver}-{name}")),
            desc: RwLock::new(desc),
            live: RwLock::new(Live::new()),
            fsd: AtomicBool::new(false),
            clients: Mutex::new(Vec::new()),
            writer: tokio::sync::Mutex::new(None),
            link_broken: Notify::new(),
            removed: watch::channel(false).0,
            changes: watch::channel(()).0,
        }
    }

    /// The driver socket's file name in STATEPATH.
    pub fn socket_name(&self) -> String {
        self.socket_name
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A reload gave the section another driver (or its name another case): serve the new
    /// socket. The entry stays, as in C upsd: logged-in clients, NUMLOGINS and the FSD latch
    /// are kept; the data is dropped and read again from the new driver.
    pub fn redefine(&self, socket_name: &str) {
        *self.socket_name.write().unwrap_or_else(|e| e.into_inner()) = socket_name.to_string();
        // The link drops its connection (or its back-off) and connects to the new name.
        self.link_broken.notify_one();
    }

    /// ups.conf `desc`.
    pub fn desc(&self) -> Option<String> {
        self.desc.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Update the description (reload).
    pub fn set_desc(&self, desc: Option<String>) {
        *self.desc.write().unwrap_or_else(|e| e.into_inner()) = desc;
    }

    /// Read access to the live state.
    pub fn live(&self) -> RwLockReadGuard<'_, Live> {
        self.live.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access to the live state (the driver link only).
    pub(crate) fn live_mut(&self) -> std::sync::RwLockWriteGuard<'_, Live> {
        self.live.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The FSD latch.
    pub fn fsd(&self) -> bool {
        self.fsd.load(Ordering::Relaxed)
    }

    /// Set the FSD latch (`FSD <ups>`); it stays until upsd restarts or the section goes.
    pub fn set_fsd(&self) {
        self.fsd.store(true, Ordering::Relaxed);
        self.mark_changed();
    }

    /// Wake the watchers of this UPS (after the state, its availability or FSD changed).
    /// Costs one atomic and a wake-up per watching session; nothing without watchers.
    pub(crate) fn mark_changed(&self) {
        self.changes.send_modify(|_| {});
    }

    /// A receiver woken by [`Ups::mark_changed`], for a session that watches the UPS.
    pub fn change_signal(&self) -> watch::Receiver<()> {
        self.changes.subscribe()
    }

    /// `ups.status` as clients see it: `FSD ` prefixed while the latch is set.
    pub fn status_value<'a>(&self, var: &str, value: &'a str) -> std::borrow::Cow<'a, str> {
        if self.fsd() && var.eq_ignore_ascii_case("ups.status") {
            std::borrow::Cow::Owned(format!("FSD {value}"))
        } else {
            std::borrow::Cow::Borrowed(value)
        }
    }

    /// Record a LOGIN from a session.
    pub fn add_client(&self, session: u64, addr: IpAddr) {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(LoggedClient { session, addr });
    }

    /// Forget a session's LOGIN (disconnect).
    pub fn remove_client(&self, session: u64) {
        self.clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|c| c.session != session);
    }

    /// `NUMLOGINS`.
    pub fn numlogins(&self) -> usize {
        self.clients.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Addresses of logged-in clients, most recently connected first (C upsd's client list
    /// order).
    pub fn client_addrs(&self) -> Vec<IpAddr> {
        let mut list = self
            .clients
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        list.sort_by_key(|c| std::cmp::Reverse(c.session));
        list.into_iter().map(|c| c.addr).collect()
    }

    /// Install the write half of a new driver connection.
    pub(crate) async fn set_writer(&self, w: Option<OwnedWriteHalf>) {
        *self.writer.lock().await = w;
    }

    /// Write one line (without newline) to the driver in one write. False when there is no
    /// connection or the write failed (the link then reconnects).
    pub async fn send_line(&self, line: &str) -> bool {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        let mut guard = self.writer.lock().await;
        let Some(w) = guard.as_mut() else {
            return false;
        };
        match w.write_all(&buf).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("write to UPS [{}] driver failed: {e}", self.name);
                *guard = None;
                self.link_broken.notify_one();
                false
            }
        }
    }

    /// Mark the UPS removed (reload): its link stops and logged-in clients are disconnected.
    pub fn remove(&self) {
        let _ = self.removed.send(true);
        self.mark_changed();
    }

    /// Whether a reload removed the UPS.
    pub fn is_removed(&self) -> bool {
        *self.removed.borrow()
    }

    /// A receiver that turns true when the UPS is removed.
    pub fn removed_signal(&self) -> watch::Receiver<bool> {
        self.removed.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nut_core::sock::DriverMessage;

    #[test]
    fn staleness_rules() {
        let maxage = Duration::from_secs(15);
        let mut live = Live::new();
        let now = Instant::now();
        assert_eq!(live.check(maxage, now), Err(Unavailable::NotConnected));
        live.connected = true;
        live.last_heard = now;
        // Before DUMPDONE a talking driver is alive.
        assert_eq!(live.check(maxage, now), Ok(()));
        live.dumpdone = true;
        assert_eq!(live.check(maxage, now), Err(Unavailable::Stale));
        live.state.apply(&DriverMessage::DataOk);
        assert_eq!(live.check(maxage, now), Ok(()));
        // Grace second, then stale.
        assert_eq!(
            live.check(maxage, now + Duration::from_millis(15_500)),
            Ok(())
        );
        assert_eq!(
            live.check(maxage, now + Duration::from_millis(16_500)),
            Err(Unavailable::Stale)
        );
        // DATASTALE wins in the grace second too, as in C's sstate_dead.
        live.state.apply(&DriverMessage::DataStale);
        assert_eq!(
            live.check(maxage, now + Duration::from_millis(15_500)),
            Err(Unavailable::Stale)
        );
    }

    #[test]
    fn fsd_prefix_and_clients() {
        let ups = Ups::new("myups", "dummy-ups", None);
        assert_eq!(ups.socket_name(), "dummy-ups-myups");
        assert_eq!(ups.status_value("ups.status", "OL"), "OL");
        ups.set_fsd();
        assert_eq!(ups.status_value("UPS.STATUS", "OL"), "FSD OL");
        assert_eq!(ups.status_value("ups.load", "10"), "10");
        ups.add_client(1, "127.0.0.1".parse().expect("ip"));
        ups.add_client(2, "::1".parse().expect("ip"));
        assert_eq!(ups.numlogins(), 2);
        assert_eq!(ups.client_addrs()[0].to_string(), "::1");
        ups.remove_client(2);
        assert_eq!(ups.numlogins(), 1);
    }
}
