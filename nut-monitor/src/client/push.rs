//! The push extension on the client side (docs/PROTOCOL-EXTENSIONS.md, "Push"):
//! `CAPABILITIES`, `WATCH` / `UNWATCH`, and the `NOTIFY` lines the server sends between
//! replies. Against a server without the extension (C upsd) `capabilities` is empty and the
//! caller polls as before.

use std::collections::VecDeque;

use nut_core::net::push::{CAPABILITY_WATCH, Notification, is_notification};
use nut_core::net::{ErrCode, Reply, Request};

use super::{Client, ClientError};

/// Notifications kept while the caller reads replies, at most this many (older ones are
/// dropped, which the caller learns from [`Client::notifications_lost`]).
pub const MAX_PENDING: usize = 1024;

/// Notifications read but not yet taken.
#[derive(Debug, Default)]
pub(super) struct Pending {
    queue: VecDeque<Notification>,
    lost: bool,
}

impl Pending {
    /// Keep `words` if they are a notification (true), else leave them to the caller.
    pub(super) fn keep(&mut self, words: &[String]) -> bool {
        if !is_notification(words) {
            return false;
        }
        // A NOTIFY line of a kind this client does not know is skipped.
        if let Some(n) = Notification::from_words(words) {
            if self.queue.len() >= MAX_PENDING {
                self.queue.pop_front();
                self.lost = true;
            }
            self.queue.push_back(n);
        }
        true
    }
}

impl Client {
    /// `CAPABILITIES`: the extensions the server offers; empty when it does not know the
    /// command (C upsd answers `ERR UNKNOWN-COMMAND`).
    pub async fn capabilities(&mut self) -> Result<Vec<String>, ClientError> {
        match self.request(&Request::Capabilities.to_line()).await {
            Ok(Reply::Capabilities(names)) => Ok(names),
            Ok(_) => Err(ClientError::InvalidResponse),
            Err(ClientError::Server {
                code: ErrCode::UnknownCommand | ErrCode::InvalidArgument,
                ..
            }) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Whether the server offers `WATCH`.
    pub async fn offers_watch(&mut self) -> Result<bool, ClientError> {
        Ok(self
            .capabilities()
            .await?
            .iter()
            .any(|c| c == CAPABILITY_WATCH))
    }

    /// `WATCH <ups>`: from now on the server sends this session the UPS's changes.
    pub async fn watch(&mut self, ups: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Watch { ups: ups.into() }.to_line())
            .await?;
        self.watching = true;
        Ok(())
    }

    /// Whether a `WATCH` succeeded on this session.
    pub fn is_watching(&self) -> bool {
        self.watching
    }

    /// Forget the notifications kept so far (the caller has just read the state anew).
    pub fn clear_notifications(&mut self) {
        self.notifications.queue.clear();
        self.notifications.lost = false;
    }

    /// `UNWATCH <ups>`.
    pub async fn unwatch(&mut self, ups: &str) -> Result<(), ClientError> {
        self.ok_command(&Request::Unwatch { ups: ups.into() }.to_line())
            .await
            .map(drop)
    }

    /// The next notification: one kept while reading replies, else the next line from the
    /// server (waits without a timeout; cancel-safe, so it can be raced against a timer).
    /// Any other line here is a protocol error (no request is outstanding).
    pub async fn next_notification(&mut self) -> Result<Notification, ClientError> {
        if let Some(n) = self.notifications.queue.pop_front() {
            return Ok(n);
        }
        loop {
            let words = self.conn.read_words().await?;
            if !is_notification(&words) {
                return Err(ClientError::Protocol);
            }
            if let Some(n) = Notification::from_words(&words) {
                return Ok(n);
            }
        }
    }

    /// Whether notifications were dropped (more than [`MAX_PENDING`] arrived during one
    /// reply); cleared by the call. A caller that sees true re-reads the state it needs.
    pub fn notifications_lost(&mut self) -> bool {
        std::mem::take(&mut self.notifications.lost)
    }
}
