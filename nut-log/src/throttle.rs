//! A bound on warnings that an outside party can trigger at will.
//!
//! A burst of 5,000 connections refused at MAXCONN must not write 5,000 log lines (it would
//! fill the disk or push the interesting lines out of a rotated log). A [`Throttle`] counts
//! one kind of event: the first `burst` events of a window are logged, the rest are only
//! counted, and once the window is over one summary line says how many were left out
//! (`... 495 more connections refused at MAXCONN in the last 10 s`). The summary is written
//! by the next event of that kind, or by [`Throttle::flush`], which a daemon calls from a
//! periodic timer so that the summary of a burst does not wait for the next burst, and at
//! the latest when the throttle is dropped or [`Throttle::finish`]ed.
//!
//! Use it through [`crate::warn_throttled!`], which formats nothing when the event is only
//! counted.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Rate limit for one kind of warning.
#[derive(Debug)]
pub struct Throttle {
    what: &'static str,
    burst: u32,
    window: Duration,
    state: Mutex<Window>,
}

/// The current window of a throttle.
#[derive(Debug, Default)]
struct Window {
    /// When the first event of the window came; `None` before any event.
    started: Option<Instant>,
    /// Events logged in this window.
    logged: u32,
    /// Events counted but not logged in this window.
    suppressed: u64,
}

/// The line that stands for the events a window left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// How many were left out.
    pub suppressed: u64,
    /// Over how long (from the window's first event).
    pub over: Duration,
}

impl Throttle {
    /// At most `burst` warnings about `what` (a plural noun phrase: "connections refused at
    /// MAXCONN") per `window`.
    pub const fn new(what: &'static str, burst: u32, window: Duration) -> Throttle {
        Throttle {
            what,
            burst,
            window,
            state: Mutex::new(Window {
                started: None,
                logged: 0,
                suppressed: 0,
            }),
        }
    }

    /// One more event: true when it is to be logged. The summary of a window that has ended
    /// is logged first.
    pub fn admit(&self) -> bool {
        self.admit_at(Instant::now())
    }

    /// Log the summary of a window that has ended (call it now and then: a burst's summary
    /// then comes without waiting for the next event).
    pub fn flush(&self) {
        self.flush_at(Instant::now());
    }

    /// Log the summary of the current window now, over or not (at exit: what was left out
    /// is never lost).
    pub fn finish(&self) {
        let now = Instant::now();
        let open = {
            let mut w = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let started = w.started.unwrap_or(now);
            let suppressed = std::mem::take(&mut *w).suppressed;
            (suppressed > 0).then(|| Summary {
                suppressed,
                over: now.saturating_duration_since(started),
            })
        };
        if let Some(s) = &open {
            self.log_summary(s);
        }
    }

    fn admit_at(&self, now: Instant) -> bool {
        let (ended, admitted) = {
            let mut w = self.state.lock().unwrap_or_else(|e| e.into_inner());
            let ended = self.roll(&mut w, now);
            w.started.get_or_insert(now);
            if w.logged < self.burst {
                w.logged += 1;
                (ended, true)
            } else {
                w.suppressed = w.suppressed.saturating_add(1);
                (ended, false)
            }
        };
        if let Some(s) = ended {
            self.log_summary(&s);
        }
        admitted
    }

    fn flush_at(&self, now: Instant) -> Option<Summary> {
        let ended = {
            let mut w = self.state.lock().unwrap_or_else(|e| e.into_inner());
            self.roll(&mut w, now)
        };
        if let Some(s) = &ended {
            self.log_summary(s);
        }
        ended
    }

    /// Close the window if it is over; its summary when it left events out.
    fn roll(&self, w: &mut Window, now: Instant) -> Option<Summary> {
        let started = w.started?;
        let over = now.saturating_duration_since(started);
        if over < self.window {
            return None;
        }
        let suppressed = std::mem::take(&mut *w).suppressed;
        (suppressed > 0).then_some(Summary { suppressed, over })
    }

    /// The summary's text.
    pub fn summary_text(&self, s: &Summary) -> String {
        format!(
            "... {} more {} in the last {} s",
            s.suppressed,
            self.what,
            s.over.as_secs().max(1)
        )
    }

    fn log_summary(&self, s: &Summary) {
        tracing::warn!("{}", self.summary_text(s));
    }
}

impl Drop for Throttle {
    /// A throttle that goes away (a TLS configuration replaced by a reload, a daemon that
    /// exits) says what it left out.
    fn drop(&mut self) {
        self.finish();
    }
}

/// `tracing::warn!` through a [`Throttle`]: the message is formatted only when the event is
/// to be logged.
#[macro_export]
macro_rules! warn_throttled {
    ($throttle:expr, $($arg:tt)+) => {
        if $throttle.admit() {
            $crate::__tracing::warn!($($arg)+);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_logs_its_first_events_then_one_summary() {
        let t = Throttle::new("connections refused", 3, Duration::from_secs(10));
        let t0 = Instant::now();
        let admitted = (0..500)
            .filter(|i| t.admit_at(t0 + Duration::from_millis(*i)))
            .count();
        assert_eq!(admitted, 3);
        assert_eq!(t.flush_at(t0 + Duration::from_secs(5)), None, "window open");
        let s = t
            .flush_at(t0 + Duration::from_secs(11))
            .expect("a summary once the window is over");
        assert_eq!(s.suppressed, 497);
        assert_eq!(
            t.summary_text(&s),
            "... 497 more connections refused in the last 11 s"
        );
        assert_eq!(t.flush_at(t0 + Duration::from_secs(30)), None, "said once");
        // A new window logs again.
        assert!(t.admit_at(t0 + Duration::from_secs(31)));
    }

    #[test]
    fn finish_closes_an_open_window() {
        let t = Throttle::new("x", 1, Duration::from_secs(3600));
        assert!(t.admit());
        assert!(!t.admit());
        t.finish();
        let w = t.state.lock().expect("lock");
        assert_eq!((w.started, w.logged, w.suppressed), (None, 0, 0));
    }

    #[test]
    fn nothing_left_out_means_no_summary() {
        let t = Throttle::new("x", 3, Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(t.admit_at(t0));
        assert!(t.admit_at(t0));
        assert_eq!(t.flush_at(t0 + Duration::from_secs(2)), None);
        assert_eq!(t.flush_at(t0 + Duration::from_secs(3)), None);
    }

    #[test]
    fn the_next_event_after_the_window_brings_the_summary() {
        let t = Throttle::new("x", 1, Duration::from_secs(1));
        let t0 = Instant::now();
        assert!(t.admit_at(t0));
        assert!(!t.admit_at(t0));
        assert!(t.admit_at(t0 + Duration::from_secs(2)), "a new window");
        let w = t.state.lock().expect("lock");
        assert_eq!((w.logged, w.suppressed), (1, 0));
    }
}
