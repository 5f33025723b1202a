//! The UPSes one session watches, and the diff that turns their changes into `NOTIFY` lines.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use nut_core::net::push::{Availability, Notification};
use tokio::sync::watch;

use crate::registry::{Unavailable, Ups};

/// UPSes one session may watch at once (`ERR INVALID-ARGUMENT` past it).
pub const MAX_WATCHES: usize = 16;

/// One watched UPS: the name as the client spelt it, the change signal, and what was sent.
#[derive(Debug)]
struct Watch {
    name: String,
    ups: Arc<Ups>,
    signal: watch::Receiver<()>,
    sent: HashMap<String, String>,
    state: Availability,
}

/// The watches of one session.
#[derive(Debug, Default)]
pub struct Watches {
    list: Vec<Watch>,
}

/// Why a `WATCH` cannot be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WatchError {
    /// The session already watches [`MAX_WATCHES`] UPSes.
    #[error("at most {MAX_WATCHES} UPSes per session")]
    TooMany,
}

impl Watches {
    /// Start watching `ups` (spelt `name` by the client): what it holds now counts as sent,
    /// so only later changes are notified. Watching a UPS again is a no-op.
    pub fn add(
        &mut self,
        name: &str,
        ups: Arc<Ups>,
        maxage: std::time::Duration,
    ) -> Result<(), WatchError> {
        if self.list.iter().any(|w| Arc::ptr_eq(&w.ups, &ups)) {
            return Ok(());
        }
        if self.list.len() >= MAX_WATCHES {
            return Err(WatchError::TooMany);
        }
        let mut signal = ups.change_signal();
        signal.borrow_and_update();
        let (sent, state) = current(&ups, maxage);
        let sent = sent.unwrap_or_default();
        self.list.push(Watch {
            name: name.to_string(),
            ups,
            signal,
            sent,
            state,
        });
        Ok(())
    }

    /// Stop watching the UPS named `name` (case-insensitively); false if it was not watched.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.list.len();
        self.list.retain(|w| !w.ups.name.eq_ignore_ascii_case(name));
        self.list.len() != before
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Completes when a watched UPS changed since the last [`Watches::drain`]. Cancel-safe.
    pub fn changed(&mut self) -> impl Future<Output = ()> + '_ {
        let mut waits: Vec<Pin<Box<dyn Future<Output = bool> + Send + '_>>> = self
            .list
            .iter_mut()
            .map(|w| {
                let f: Pin<Box<dyn Future<Output = bool> + Send + '_>> =
                    Box::pin(async move { w.signal.changed().await.is_ok() });
                f
            })
            .collect();
        std::future::poll_fn(move |cx| {
            let mut i = 0;
            while i < waits.len() {
                match waits[i].as_mut().poll(cx) {
                    Poll::Ready(true) => return Poll::Ready(()),
                    // A closed signal (never: each watch holds its UPS) must not spin.
                    Poll::Ready(false) => {
                        drop(waits.swap_remove(i));
                    }
                    Poll::Pending => i += 1,
                }
            }
            Poll::Pending
        })
    }

    /// Append the `NOTIFY` lines for everything that changed to `out` (coalesced: one line
    /// per variable however often it changed). UPSes removed by a reload are reported as
    /// `DRIVER-NOT-CONNECTED` and dropped from the watches.
    pub fn drain(&mut self, maxage: std::time::Duration, out: &mut Vec<u8>) {
        for w in &mut self.list {
            w.signal.borrow_and_update();
            let (now, state) = current(&w.ups, maxage);
            let mut lines = Vec::new();
            if state != w.state {
                lines.push(Notification::State {
                    ups: w.name.clone(),
                    state,
                });
                w.state = state;
            }
            // While unavailable the values are not compared: back to OK, the client gets
            // what changed since the values it last had.
            let Some(now) = now else {
                write_lines(&lines, out);
                continue;
            };
            for (var, value) in &now {
                if w.sent.get(var) != Some(value) {
                    lines.push(Notification::Var {
                        ups: w.name.clone(),
                        var: var.clone(),
                        value: value.clone(),
                    });
                }
            }
            for var in w.sent.keys() {
                if !now.contains_key(var) {
                    lines.push(Notification::DelVar {
                        ups: w.name.clone(),
                        var: var.clone(),
                    });
                }
            }
            w.sent = now;
            write_lines(&lines, out);
        }
        self.list.retain(|w| !w.ups.is_removed());
    }
}

fn write_lines(lines: &[Notification], out: &mut Vec<u8>) {
    for n in lines {
        out.extend_from_slice(n.to_line().as_bytes());
        out.push(b'\n');
    }
}

/// The values a client would read now (`ups.status` with the FSD prefix) and the
/// availability; no values unless available (as `GET VAR` would answer) and the driver's
/// dump is complete.
fn current(
    ups: &Ups,
    maxage: std::time::Duration,
) -> (Option<HashMap<String, String>>, Availability) {
    if ups.is_removed() {
        return (None, Availability::DriverNotConnected);
    }
    let live = ups.live();
    let state = match live.check(maxage, std::time::Instant::now()) {
        Ok(()) => Availability::Ok,
        Err(Unavailable::NotConnected) => Availability::DriverNotConnected,
        Err(Unavailable::Stale) => Availability::DataStale,
    };
    // Values are compared only once the driver's dump is complete: a reconnecting driver
    // starts from an empty tree, and its half-sent dump is not a change.
    if state != Availability::Ok || !live.dumpdone {
        return (None, state);
    }
    let values = live
        .state
        .vars()
        .map(|v| {
            (
                v.name.clone(),
                ups.status_value(&v.name, &v.value).into_owned(),
            )
        })
        .collect();
    (Some(values), state)
}
