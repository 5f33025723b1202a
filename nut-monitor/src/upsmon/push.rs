//! upsmon's use of the push extension (docs/PROTOCOL-EXTENSIONS.md, "Push"): after LOGIN,
//! a session whose server offers `WATCH` watches its UPS, and a pushed change of what the
//! state machine reads (`ups.status`, `ups.alarm`, the ECO buzzwords, availability) makes
//! upsmon poll that UPS at once instead of at the next POLLFREQ. Polling goes on as before
//! (it is what DEADTIME and the state machine count on); against a server without the
//! extension (C upsd) nothing changes.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use nut_core::net::push::Notification;

use crate::client::{Client, ClientError};

/// The variables whose change means "poll now".
const WATCHED_VARS: [&str; 4] = [
    "ups.status",
    "ups.alarm",
    "ups.mode.buzzwords",
    "experimental.ups.mode.buzzwords",
];

/// Ask the server to push the UPS's changes, if it offers that. Errors that broke the
/// session are returned; a refusal only leaves the session polling.
pub(super) async fn start(client: &mut Client, ups: &str, system: &str) -> Result<(), ClientError> {
    match client.offers_watch().await {
        Ok(true) => {}
        Ok(false) => {
            tracing::debug!("UPS [{system}]: the server does not push changes; polling");
            return Ok(());
        }
        Err(e) if e.is_fatal() => return Err(e),
        Err(_) => return Ok(()),
    }
    match client.watch(ups).await {
        Ok(()) => {
            tracing::info!("UPS [{system}]: the server pushes changes (WATCH)");
            Ok(())
        }
        Err(e) if e.is_fatal() => Err(e),
        Err(e) => {
            tracing::warn!("UPS [{system}]: WATCH refused ({e}); polling");
            Ok(())
        }
    }
}

fn matters(n: &Notification) -> bool {
    match n {
        Notification::Var { var, .. } | Notification::DelVar { var, .. } => {
            WATCHED_VARS.iter().any(|w| w.eq_ignore_ascii_case(var))
        }
        Notification::State { .. } => true,
    }
}

/// Completes with the index of a watching session that received a change that matters (or
/// broke: the poll then finds out); never when no session watches. Cancel-safe.
pub(super) async fn next_change(conns: &mut [Option<Client>]) -> usize {
    type Wait<'a> = Pin<Box<dyn Future<Output = usize> + Send + 'a>>;
    let mut waits: Vec<Wait<'_>> = conns
        .iter_mut()
        .enumerate()
        .filter_map(|(idx, c)| c.as_mut().filter(|c| c.is_watching()).map(|c| (idx, c)))
        .map(|(idx, c)| {
            let w: Wait<'_> = Box::pin(async move {
                loop {
                    match c.next_notification().await {
                        Ok(n) if !matters(&n) => continue,
                        Ok(_) | Err(_) => return idx,
                    }
                }
            });
            w
        })
        .collect();
    if waits.is_empty() {
        return std::future::pending().await;
    }
    std::future::poll_fn(move |cx| {
        for w in waits.iter_mut() {
            if let Poll::Ready(idx) = w.as_mut().poll(cx) {
                return Poll::Ready(idx);
            }
        }
        Poll::Pending
    })
    .await
}
