//! What upsmon knows about one monitored UPS, and how one poll result changes it
//! (upsmon.md sections 3 and 4.3/4.4). Pure: time comes in as a number of seconds, effects
//! (notifications and log lines) go out into a list.

use super::events::{Notification, NotifyEvent};
use super::timing::Timing;

/// Log severity of a line produced by the state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum LogLevel {
    Debug,
    Info,
    Notice,
    Warning,
    Error,
    Critical,
}

/// Something the I/O layer must do on behalf of the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Deliver a notification (NOTIFYFLAG/NOTIFYMSG apply).
    Notify(Notification),
    /// Write a log line.
    Log(LogLevel, String),
}

/// Shared context of one state machine step.
pub(crate) struct Step<'a> {
    pub timing: &'a Timing,
    pub sleepval: &'a mut u64,
    pub effects: &'a mut Vec<Effect>,
    pub now: u64,
}

impl Step<'_> {
    fn notify(&mut self, ups: &UpsTracker, event: NotifyEvent, extra: Option<String>) {
        self.effects.push(Effect::Notify(Notification {
            event,
            ups: Some(ups.system.clone()),
            extra,
        }));
    }

    pub(crate) fn log(&mut self, level: LogLevel, message: String) {
        self.effects.push(Effect::Log(level, message));
    }

    fn alert_poll(&mut self) {
        *self.sleepval = self.timing.pollfreqalert;
    }
}

/// The status bits of C NUT's `utype_t` (except PRIMARY, which is the role).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct StatusFlags {
    pub online: bool,
    pub onbatt: bool,
    pub lowbatt: bool,
    pub fsd: bool,
    pub login: bool,
    pub cliconnected: bool,
    pub cal: bool,
    pub off: bool,
    pub bypass: bool,
    pub eco: bool,
    pub alarm: bool,
    pub other: bool,
    pub over: bool,
    pub trim: bool,
    pub boost: bool,
}

/// Per-UPS state. Tri-states are -1 (unknown), 0, 1; timestamps are `None` for "never",
/// which C NUT writes as 0 (the epoch), i.e. infinitely long ago.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsTracker {
    /// The MONITOR system string, used in messages.
    pub system: String,
    /// Power value (0 = monitoring only).
    pub power_value: u64,
    /// Primary role.
    pub primary: bool,
    /// Status bits.
    pub flags: StatusFlags,
    /// Communication tri-state.
    pub commstate: i8,
    /// Line power tri-state.
    pub linestate: i8,
    /// OFF long enough tri-state.
    pub offstate: i8,
    /// Bypass tri-state.
    pub bypassstate: i8,
    /// ECO tri-state.
    pub ecostate: i8,
    /// Alarm tri-state.
    pub alarmstate: i8,
    /// Overload tri-state.
    pub overstate: i8,
    /// Last successful status fetch.
    pub lastpoll: Option<u64>,
    /// Last time the UPS was not OB+LB (or was calibrating).
    pub lastnoncrit: Option<u64>,
    /// Last REPLBATT notification.
    pub lastrbwarn: Option<u64>,
    /// Last NOCOMM notification.
    pub lastncwarn: Option<u64>,
    /// FSD already notified.
    pub lastfsdnotify: Option<u64>,
    /// OFF since.
    pub offsince: Option<u64>,
    /// OB+LB since (OBLBDURATION).
    pub oblbsince: Option<u64>,
    /// OVER since.
    pub oversince: Option<u64>,
    /// Unknown status tokens currently present, in status order.
    pub other_tokens: Vec<String>,
    /// Last alarm text notified.
    pub alarm_text: Option<String>,
}

/// Substring tests of buzzwords that mean ECO mode (the intended test of C NUT).
const ECO_BUZZWORDS: [&str; 4] = [":ECO", ":ESS", ":HE", ":SMART"];

impl UpsTracker {
    /// A UPS as configured, never polled.
    pub fn new(system: &str, power_value: u64, primary: bool) -> UpsTracker {
        UpsTracker {
            system: system.to_string(),
            power_value,
            primary,
            flags: StatusFlags::default(),
            commstate: -1,
            linestate: -1,
            offstate: -1,
            bypassstate: -1,
            ecostate: -1,
            alarmstate: -1,
            overstate: -1,
            lastpoll: None,
            lastnoncrit: None,
            lastrbwarn: None,
            lastncwarn: None,
            lastfsdnotify: None,
            offsince: None,
            oblbsince: None,
            oversince: None,
            other_tokens: Vec::new(),
            alarm_text: None,
        }
    }

    /// Whether any state that wants the fast poll interval is active.
    pub fn in_alert(&self) -> bool {
        let f = &self.flags;
        f.onbatt || f.off || f.bypass || f.alarm || f.cal || f.over || f.trim || f.boost
    }

    fn try_restore_pollfreq(&self, step: &mut Step<'_>) {
        if !self.in_alert() {
            *step.sleepval = step.timing.pollfreq;
        }
    }

    /// `ups_is_gone`: a poll failed (or the status was empty).
    pub(crate) fn gone(&mut self, step: &mut Step<'_>) {
        if self.commstate != 0 {
            self.commstate = 0;
            step.notify(self, NotifyEvent::CommBad, None);
            return;
        }
        let now = step.now;
        let since = |t: Option<u64>| t.map(|t| now.saturating_sub(t)).unwrap_or(u64::MAX);
        let warn = step.timing.nocommwarntime;
        if since(self.lastpoll) >= warn && since(self.lastncwarn) > warn {
            step.notify(self, NotifyEvent::NoComm, None);
            self.lastncwarn = Some(now);
        }
    }

    fn alive(&mut self, step: &mut Step<'_>) {
        self.lastpoll = Some(step.now);
        if self.commstate == 0 {
            step.notify(self, NotifyEvent::CommOk, None);
        }
        self.commstate = 1;
    }

    /// `parse_status`: a poll succeeded with this `ups.status` (possibly empty), the ECO
    /// buzzwords variable (if any) and `ups.alarm` (fetched when the status holds ALARM).
    pub(crate) fn parse_status(
        &mut self,
        status: &str,
        buzzwords: Option<&str>,
        alarm: Option<&str>,
        step: &mut Step<'_>,
    ) {
        if status.trim().is_empty() {
            self.gone(step);
            return;
        }
        self.alive(step);

        // Pre-clearing uses substring tests on the raw string, as C NUT does.
        if !status.contains("LB") {
            self.flags.lowbatt = false;
        }
        if !status.contains("FSD") {
            self.flags.fsd = false;
            self.lastfsdnotify = None;
        }
        if !status.contains("CAL") && self.flags.cal {
            step.notify(self, NotifyEvent::NotCal, None);
            self.flags.cal = false;
            self.try_restore_pollfreq(step);
        }
        if !status.contains("OFF") {
            self.offsince = None;
            self.offstate = 0;
            if self.flags.off {
                step.notify(self, NotifyEvent::NotOff, None);
                self.flags.off = false;
                self.try_restore_pollfreq(step);
            }
        }
        if !status.contains("BYPASS") {
            self.bypassstate = 0;
            if self.flags.bypass {
                step.notify(self, NotifyEvent::NotBypass, None);
                self.flags.bypass = false;
                self.try_restore_pollfreq(step);
            }
        }
        if !status.contains("ALARM") {
            self.alarmstate = 0;
            self.alarm_text = None;
            if self.flags.alarm {
                step.notify(self, NotifyEvent::NotAlarm, None);
                self.flags.alarm = false;
                self.try_restore_pollfreq(step);
            }
        }
        if !status.contains("OVER") {
            self.overstate = 0;
            self.oversince = None;
            if self.flags.over {
                step.notify(self, NotifyEvent::NotOver, None);
                self.flags.over = false;
                self.try_restore_pollfreq(step);
            }
        }
        if !status.contains("TRIM") && self.flags.trim {
            step.notify(self, NotifyEvent::NotTrim, None);
            self.flags.trim = false;
            self.try_restore_pollfreq(step);
        }
        if !status.contains("BOOST") && self.flags.boost {
            step.notify(self, NotifyEvent::NotBoost, None);
            self.flags.boost = false;
            self.try_restore_pollfreq(step);
        }
        let eco_buzz = buzzwords.is_some_and(|b| ECO_BUZZWORDS.iter().any(|w| b.contains(w)));
        let eco_token = status
            .split_whitespace()
            .any(|t| t.eq_ignore_ascii_case("ECO"));
        if eco_buzz {
            self.set_eco(step);
        } else if !eco_token {
            self.ecostate = 0;
            if self.flags.eco {
                step.notify(self, NotifyEvent::NotEco, None);
                self.flags.eco = false;
            }
        }

        let mut seen_other: Vec<String> = Vec::new();
        let mut other_changed = false;
        for token in status.split_whitespace() {
            match token.to_ascii_uppercase().as_str() {
                "OL" => self.on_line(step),
                "OB" => self.on_batt(step),
                "LB" => {
                    if !self.flags.lowbatt {
                        step.notify(self, NotifyEvent::LowBatt, None);
                        self.flags.lowbatt = true;
                    }
                }
                "RB" => {
                    let due = self
                        .lastrbwarn
                        .is_none_or(|t| step.now.saturating_sub(t) > step.timing.rbwarntime);
                    if due {
                        step.notify(self, NotifyEvent::ReplBatt, None);
                        self.lastrbwarn = Some(step.now);
                    }
                }
                "CAL" => {
                    if !self.flags.cal {
                        step.notify(self, NotifyEvent::Cal, None);
                        self.flags.cal = true;
                    }
                }
                "OFF" => self.on_off(step),
                "BYPASS" => {
                    if !self.flags.bypass {
                        step.alert_poll();
                        self.bypassstate = 1;
                        step.notify(self, NotifyEvent::Bypass, None);
                        self.flags.bypass = true;
                    }
                }
                "ECO" => self.set_eco(step),
                "ALARM" => {
                    let text = alarm.unwrap_or("n/a").to_string();
                    if !self.flags.alarm {
                        step.alert_poll();
                        self.alarmstate = 1;
                        step.notify(self, NotifyEvent::Alarm, Some(text.clone()));
                        self.flags.alarm = true;
                        self.alarm_text = Some(text);
                    } else if self.alarm_text.as_deref() != Some(text.as_str()) {
                        step.notify(self, NotifyEvent::Alarm, Some(text.clone()));
                        self.alarm_text = Some(text);
                    }
                }
                "OVER" => {
                    if !self.flags.over {
                        if step.timing.overduration >= 0 {
                            step.alert_poll();
                        }
                        self.oversince = Some(step.now);
                        self.overstate = 1;
                        step.notify(self, NotifyEvent::Over, None);
                        self.flags.over = true;
                    }
                }
                "TRIM" => {
                    if !self.flags.trim {
                        step.notify(self, NotifyEvent::Trim, None);
                        self.flags.trim = true;
                    }
                }
                "BOOST" => {
                    if !self.flags.boost {
                        step.notify(self, NotifyEvent::Boost, None);
                        self.flags.boost = true;
                    }
                }
                "FSD" => {
                    if !self.flags.fsd {
                        if self.lastfsdnotify.is_none() {
                            step.notify(self, NotifyEvent::Fsd, None);
                            self.lastfsdnotify = Some(step.now);
                        }
                        self.flags.fsd = true;
                    }
                }
                "HB" | "CHRG" | "DISCHRG" => {}
                _ => {
                    if !self.other_tokens.iter().any(|t| t == token) {
                        self.other_tokens.push(token.to_string());
                        other_changed = true;
                    }
                    if !seen_other.iter().any(|t| t == token) {
                        seen_other.push(token.to_string());
                    }
                }
            }
            if !(self.flags.onbatt && self.flags.lowbatt) || self.flags.cal {
                self.lastnoncrit = Some(step.now);
            }
        }

        let before = self.other_tokens.len();
        self.other_tokens.retain(|t| seen_other.contains(t));
        if self.other_tokens.len() != before {
            other_changed = true;
        }
        if other_changed {
            if seen_other.is_empty() {
                self.flags.other = false;
                step.notify(self, NotifyEvent::NotOther, None);
            } else {
                self.flags.other = true;
                step.notify(self, NotifyEvent::Other, Some(seen_other.join(" ")));
            }
        }
    }

    fn on_line(&mut self, step: &mut Step<'_>) {
        self.try_restore_pollfreq_without_batt(step);
        if self.flags.online {
            return;
        }
        if self.linestate != -1 {
            step.notify(self, NotifyEvent::Online, None);
        }
        self.linestate = 1;
        self.flags.online = true;
        self.flags.onbatt = false;
    }

    /// On line power the battery no longer counts as an alert state.
    fn try_restore_pollfreq_without_batt(&self, step: &mut Step<'_>) {
        let f = &self.flags;
        if !(f.off || f.bypass || f.alarm || f.cal || f.over || f.trim || f.boost) {
            *step.sleepval = step.timing.pollfreq;
        }
    }

    fn on_batt(&mut self, step: &mut Step<'_>) {
        if self.flags.onbatt {
            return;
        }
        step.alert_poll();
        self.linestate = 0;
        step.notify(self, NotifyEvent::OnBatt, None);
        self.flags.onbatt = true;
        self.flags.online = false;
    }

    fn on_off(&mut self, step: &mut Step<'_>) {
        let offduration = step.timing.offduration;
        if self.flags.off {
            if offduration > 0 && self.offstate != 1 {
                let since = self
                    .offsince
                    .map(|t| step.now.saturating_sub(t))
                    .unwrap_or(0);
                if since > offduration.unsigned_abs() {
                    self.offstate = 1;
                    let msg = format!(
                        "UPS [{}] is reported as (administratively) OFF for more than {} sec",
                        self.system, offduration
                    );
                    step.log(LogLevel::Warning, msg);
                }
            }
            return;
        }
        step.alert_poll();
        self.offsince = Some(step.now);
        if offduration == 0 {
            self.offstate = 1;
        }
        step.notify(self, NotifyEvent::Off, None);
        self.flags.off = true;
    }

    fn set_eco(&mut self, step: &mut Step<'_>) {
        if self.flags.eco {
            return;
        }
        self.ecostate = 1;
        step.notify(self, NotifyEvent::Eco, None);
        self.flags.eco = true;
    }

    /// `drop_connection`: the session is gone; the next loop reconnects.
    pub fn drop_connection(&mut self) {
        self.commstate = 0;
        self.flags.login = false;
        self.flags.cliconnected = false;
    }
}
