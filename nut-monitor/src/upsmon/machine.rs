//! The whole-system view of upsmon: every monitored UPS, the poll interval, criticality and
//! the power-value sum that decides a forced shutdown (upsmon.md section 5). Pure: the I/O
//! loop feeds poll results and the clock in, and carries the effects out.

use super::events::{Notification, NotifyEvent};
use super::timing::Timing;
use super::tracker::{Effect, LogLevel, Step, UpsTracker};

/// What one poll of a UPS gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollOutcome {
    /// At least one of the status queries succeeded. `status` is `ups.status` (empty if that
    /// query failed), `buzzwords` the ECO mode buzzwords, `alarm` the `ups.alarm` text.
    Status {
        /// `ups.status`.
        status: String,
        /// `ups.mode.buzzwords` (or the experimental name).
        buzzwords: Option<String>,
        /// `ups.alarm`.
        alarm: Option<String>,
    },
    /// The poll failed (connection, login or every query).
    Failed,
}

/// The state machine of one upsmon instance.
#[derive(Debug, Clone)]
pub struct Monitor {
    timing: Timing,
    sleepval: u64,
    upses: Vec<UpsTracker>,
    effects: Vec<Effect>,
}

impl Monitor {
    /// A monitor for these UPSes (in config order).
    pub fn new(timing: Timing, upses: Vec<UpsTracker>) -> Monitor {
        Monitor {
            sleepval: 5,
            timing,
            upses,
            effects: Vec::new(),
        }
    }

    /// The current poll interval in seconds.
    pub fn sleepval(&self) -> u64 {
        self.sleepval
    }

    /// The settings.
    pub fn timing(&self) -> &Timing {
        &self.timing
    }

    /// Replace the settings (reload). The poll interval follows the new settings in the
    /// current state: POLLFREQALERT while a UPS is in an alert state (the OBLBDURATION
    /// interval while one is OB+LB), else POLLFREQ; a reload mid-outage keeps polling fast.
    pub fn set_timing(&mut self, timing: Timing) {
        let oblb = self.upses.iter().any(|u| u.oblbsince.is_some());
        let alert = self.upses.iter().any(UpsTracker::in_alert);
        self.sleepval = if oblb && timing.oblbduration > 0 {
            gcd(timing.pollfreqalert, timing.oblbduration.unsigned_abs()).max(1)
        } else if alert {
            timing.pollfreqalert
        } else {
            timing.pollfreq
        };
        self.timing = timing;
    }

    /// The UPSes.
    pub fn upses(&self) -> &[UpsTracker] {
        &self.upses
    }

    /// Mutable access to the UPSes (reload applies role and power changes here).
    pub fn upses_mut(&mut self) -> &mut Vec<UpsTracker> {
        &mut self.upses
    }

    /// Take the effects produced since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    fn with_step<R>(
        &mut self,
        now: u64,
        idx: usize,
        f: impl FnOnce(&mut UpsTracker, &mut Step<'_>) -> R,
    ) -> Option<R> {
        let ups = self.upses.get_mut(idx)?;
        let mut step = Step {
            timing: &self.timing,
            sleepval: &mut self.sleepval,
            effects: &mut self.effects,
            now,
        };
        Some(f(ups, &mut step))
    }

    /// Feed the result of polling UPS `idx` at time `now` (seconds).
    pub fn poll(&mut self, idx: usize, outcome: &PollOutcome, now: u64) {
        self.with_step(now, idx, |ups, step| match outcome {
            PollOutcome::Status {
                status,
                buzzwords,
                alarm,
            } => ups.parse_status(status, buzzwords.as_deref(), alarm.as_deref(), step),
            PollOutcome::Failed => ups.gone(step),
        });
    }

    /// The connection to UPS `idx` was closed (by the server or after an error).
    pub fn connection_dropped(&mut self, idx: usize) {
        if let Some(u) = self.upses.get_mut(idx) {
            u.drop_connection();
        }
    }

    /// Record login state of UPS `idx`.
    pub fn set_logged_in(&mut self, idx: usize, logged_in: bool) {
        if let Some(u) = self.upses.get_mut(idx) {
            u.flags.login = logged_in;
            u.flags.cliconnected = logged_in;
        }
    }

    /// Our `FSD <ups>` was accepted for UPS `idx`: notify FSD unless already notified.
    pub fn fsd_set(&mut self, idx: usize, now: u64) {
        let Some(ups) = self.upses.get_mut(idx) else {
            return;
        };
        if ups.lastfsdnotify.is_none() {
            ups.lastfsdnotify = Some(now);
            self.effects.push(Effect::Notify(Notification {
                event: NotifyEvent::Fsd,
                ups: Some(ups.system.clone()),
                extra: None,
            }));
        }
    }

    /// Sum of all power values (checked against MINSUPPLIES at startup and reload).
    pub fn total_power(&self) -> u64 {
        self.upses.iter().map(|u| u.power_value).sum()
    }

    /// `recalc()`: returns true when too few supplies are healthy and a forced shutdown must
    /// start now.
    pub fn recalc(&mut self, now: u64) -> bool {
        let mut val_ol: u64 = 0;
        for idx in 0..self.upses.len() {
            let deadtime = self.timing.deadtime;
            let critical = self
                .with_step(now, idx, |ups, step| {
                    let silent = ups
                        .lastpoll
                        .is_none_or(|t| now.saturating_sub(t) > deadtime);
                    if silent && ups.flags.onbatt && !ups.flags.lowbatt {
                        step.log(
                            LogLevel::Debug,
                            format!("Promoting dead UPS: {}", ups.system),
                        );
                        ups.flags.lowbatt = true;
                    }
                    is_critical(ups, step)
                })
                .unwrap_or(false);
            if critical {
                self.effects.push(Effect::Log(
                    LogLevel::Debug,
                    format!("Critical UPS: {}", self.upses[idx].system),
                ));
            } else {
                val_ol += self.upses[idx].power_value;
            }
        }
        if val_ol < self.timing.minsupplies {
            self.effects.push(Effect::Log(
                LogLevel::Critical,
                format!(
                    "Too few UPS(es) are healthy ({val_ol}<{}), initiating forced shutdown",
                    self.timing.minsupplies
                ),
            ));
            return true;
        }
        false
    }
}

/// `is_ups_critical` (upsmon.md 5.1), first matching rule wins.
fn is_critical(ups: &mut UpsTracker, step: &mut Step<'_>) -> bool {
    let t = step.timing.clone();
    let now = step.now;
    let sys = ups.system.clone();
    if ups.flags.fsd {
        return true;
    }
    if ups.commstate == 0 {
        let f = &ups.flags;
        if f.trim || f.boost {
            step.log(
                LogLevel::Warning,
                format!(
                    "UPS [{sys}] was last known to be trimming or boosting voltage and currently is not communicating"
                ),
            );
        }
        if ups.overstate == 1 || ups.flags.over {
            let lasted = ups.oversince.map(|s| now.saturating_sub(s)).unwrap_or(0);
            if t.overduration >= 0 && lasted >= t.overduration.unsigned_abs() {
                step.log(
                    LogLevel::Warning,
                    format!(
                        "UPS [{sys}] was last known to be OVERLOADED and currently is not communicating, assuming dead"
                    ),
                );
                return true;
            }
            step.log(
                LogLevel::Warning,
                format!(
                    "UPS [{sys}] was last known to be OVERLOADED and currently is not communicating"
                ),
            );
        }
        if (ups.alarmstate == 1 || ups.flags.alarm) && t.alarmcritical {
            step.log(
                LogLevel::Warning,
                format!(
                    "UPS [{sys}] was last known to be in ALARM state and currently is not communicating, assuming dead"
                ),
            );
            return true;
        }
        if ups.flags.cal {
            step.log(
                LogLevel::Warning,
                format!(
                    "UPS [{sys}] was last known to be calibrating and currently is not communicating, assuming dead"
                ),
            );
            return true;
        }
        if ups.bypassstate == 1 || ups.flags.bypass {
            step.log(
                LogLevel::Warning,
                format!(
                    "UPS [{sys}] was last known to be on BYPASS and currently is not communicating, assuming dead"
                ),
            );
            return true;
        }
        if ups.offstate == 1 || (t.offduration >= 0 && ups.flags.off) {
            step.log(
                LogLevel::Warning,
                format!(
                    "UPS [{sys}] was last known to be (administratively) OFF and currently is not communicating, assuming dead"
                ),
            );
            return true;
        }
        if ups.linestate == 0 {
            step.log(
                LogLevel::Warning,
                format!(
                    "UPS [{sys}] was last known to be not fully online and currently is not communicating"
                ),
            );
        }
    }
    if ups.flags.off && t.offduration >= 0 && ups.offstate == 1 {
        step.log(
            LogLevel::Warning,
            format!("UPS [{sys}] is reported as (administratively) OFF"),
        );
        return true;
    }
    if !(ups.flags.onbatt && ups.flags.lowbatt) {
        if ups.oblbsince.take().is_some() && !ups.in_alert() {
            *step.sleepval = t.pollfreq;
        }
        return false;
    }
    if ups.flags.cal {
        step.log(
            LogLevel::Warning,
            format!(
                "UPS [{sys}] is OB+LB now, but it is also calibrating - not declaring a critical state"
            ),
        );
        return false;
    }
    if t.oblbduration > 0 {
        let dur = t.oblbduration.unsigned_abs();
        match ups.oblbsince {
            None => {
                ups.oblbsince = Some(now);
                *step.sleepval = gcd(t.pollfreqalert, dur).max(1);
                return false;
            }
            Some(since) if now.saturating_sub(since) < dur => return false,
            Some(_) => {}
        }
    }
    if ups.primary {
        return true;
    }
    let waited = ups
        .lastnoncrit
        .map(|l| now.saturating_sub(l))
        .unwrap_or(u64::MAX);
    if waited > t.hostsync {
        let shown = if waited == u64::MAX { now } else { waited };
        step.log(
            LogLevel::Warning,
            format!("Giving up on the primary for UPS [{sys}] after {shown} sec since last comms"),
        );
        return true;
    }
    false
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}
