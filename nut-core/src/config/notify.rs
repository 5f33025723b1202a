//! upsmon notifications (upsmon.md section 2): the 32 event types (and rnut's CERTEXPIRY) with their ids and stock
//! messages, the NOTIFYFLAG flags, and the NOTIFYMSG format rules.

use std::fmt;

macro_rules! notify_events {
    ($($variant:ident = $id:literal, $name:literal, $msg:literal;)*) => {
        /// The upsmon notification types (upsmon.md section 2), named as in NOTIFYMSG,
        /// NOTIFYFLAG, the `NOTIFYTYPE` environment variable and upssched `AT`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(missing_docs)]
        pub enum NotifyEvent { $($variant,)* }

        impl NotifyEvent {
            /// All events, in the order of their numeric ids.
            pub const ALL: &'static [NotifyEvent] = &[$(NotifyEvent::$variant,)*];

            /// The numeric id of `clients/upsmon.h`.
            pub fn id(self) -> u8 {
                match self { $(NotifyEvent::$variant => $id,)* }
            }

            /// The name (`ONBATT`, `SHUTDOWN_HOSTSYNC`, ...).
            pub fn name(self) -> &'static str {
                match self { $(NotifyEvent::$variant => $name,)* }
            }

            /// The stock message format: `%s` is the UPS system name, a second `%s` the extra
            /// text (alarm or unknown status tokens).
            pub fn stock_message(self) -> &'static str {
                match self { $(NotifyEvent::$variant => $msg,)* }
            }

            /// The event of that exact (upper-case) name.
            pub fn from_name(name: &str) -> Option<NotifyEvent> {
                match name { $($name => Some(NotifyEvent::$variant),)* _ => None }
            }
        }
    };
}

notify_events! {
    Online = 0, "ONLINE", "UPS %s on line power";
    OnBatt = 1, "ONBATT", "UPS %s on battery";
    LowBatt = 2, "LOWBATT", "UPS %s battery is low";
    Fsd = 3, "FSD", "UPS %s: forced shutdown in progress";
    CommOk = 4, "COMMOK", "Communications with UPS %s established";
    CommBad = 5, "COMMBAD", "Communications with UPS %s lost";
    Shutdown = 6, "SHUTDOWN", "Auto logout and shutdown proceeding";
    ReplBatt = 7, "REPLBATT", "UPS %s battery needs to be replaced";
    NoComm = 8, "NOCOMM", "UPS %s is unavailable";
    NoParent = 9, "NOPARENT", "upsmon parent process died - shutdown impossible";
    Cal = 10, "CAL", "UPS %s: calibration in progress";
    NotCal = 11, "NOTCAL", "UPS %s: calibration finished";
    Off = 12, "OFF", "UPS %s: administratively OFF or asleep";
    NotOff = 13, "NOTOFF", "UPS %s: no longer administratively OFF or asleep";
    Bypass = 14, "BYPASS", "UPS %s: on bypass (powered, not protecting)";
    NotBypass = 15, "NOTBYPASS", "UPS %s: no longer on bypass";
    Eco = 16, "ECO", "UPS %s: in ECO mode (as defined by vendor)";
    NotEco = 17, "NOTECO", "UPS %s: no longer in ECO mode";
    Alarm = 18, "ALARM", "UPS %s: one or more active alarms: [%s]";
    NotAlarm = 19, "NOTALARM", "UPS %s is no longer in an alarm state (no active alarms)";
    Over = 20, "OVER", "UPS %s: overloaded";
    NotOver = 21, "NOTOVER", "UPS %s: no longer overloaded";
    Trim = 22, "TRIM", "UPS %s: trimming incoming voltage";
    NotTrim = 23, "NOTTRIM", "UPS %s: no longer trimming incoming voltage";
    Boost = 24, "BOOST", "UPS %s: boosting incoming voltage";
    NotBoost = 25, "NOTBOOST", "UPS %s: no longer boosting incoming voltage";
    ShutdownHostsync = 26, "SHUTDOWN_HOSTSYNC", "Shutdown initiated; primary system is waiting for secondaries to log out or time out";
    SuspendTimejumpUnexpected = 27, "SUSPEND_TIMEJUMP_UNEXPECTED", "Unexpected clock change by %s, treating as wake up from sleep";
    Other = 28, "OTHER", "UPS %s: has at least one unclassified status token: [%s]";
    NotOther = 29, "NOTOTHER", "UPS %s has no unclassified status tokens anymore";
    SuspendStarting = 30, "SUSPEND_STARTING", "OS is entering sleep/suspend/hibernate mode";
    SuspendFinished = 31, "SUSPEND_FINISHED", "OS just finished sleep/suspend/hibernate mode, de-activating obsolete UPS readings to avoid an unfortunate shutdown";
    // rnut extension: a TLS certificate upsmon depends on expires soon (or has expired). The
    // first %s is the MONITOR system (or `upsmon` for its own certificate), the second the
    // sentence. Off unless NOTIFYFLAG CERTEXPIRY asks for it.
    CertExpiry = 32, "CERTEXPIRY", "%s: %s";
}

impl NotifyEvent {
    /// The flags an event has without a NOTIFYFLAG line: SYSLOG+WALL, as in C NUT, except
    /// for rnut's extension events, which are off (existing scripts see nothing new).
    pub fn default_flags(self) -> NotifyFlags {
        match self {
            NotifyEvent::CertExpiry => NotifyFlags::NONE,
            _ => NotifyFlags::DEFAULT,
        }
    }
}

impl fmt::Display for NotifyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Longest notification text upsmon produces (C buffer of 512 bytes).
pub const NOTIFY_MAX_LEN: usize = 511;

/// Fill a NOTIFYMSG format: the first `%s` takes `system`, the second `extra`; `%%` is `%`.
/// The result is cut to [`NOTIFY_MAX_LEN`] bytes (on a character boundary). Formats are
/// checked at parse time, so nothing else can appear; a stray `%` is copied as is.
pub fn render_notify_message(format: &str, system: &str, extra: &str) -> String {
    let mut out = String::with_capacity(format.len() + system.len() + extra.len());
    let mut args = [system, extra].into_iter();
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.peek() {
                Some('s') => {
                    chars.next();
                    out.push_str(args.next().unwrap_or(""));
                    continue;
                }
                Some('%') => {
                    chars.next();
                    out.push('%');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    if out.len() > NOTIFY_MAX_LEN {
        let mut cut = NOTIFY_MAX_LEN;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// A NOTIFYMSG format may use `%s` at most twice and `%%`; any other `%` conversion would be
/// a printf hazard in C and is refused.
pub(crate) fn check_notify_format(format: &str) -> Result<(), String> {
    let mut count = 0;
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c == '%' {
            match chars.next() {
                Some('s') => count += 1,
                Some('%') => {}
                other => {
                    return Err(format!(
                        "only %s and %% may appear in a message, found %{}",
                        other.map(String::from).unwrap_or_default()
                    ));
                }
            }
        }
    }
    if count > 2 {
        return Err(format!(
            "at most two %s may appear in a message, found {count}"
        ));
    }
    Ok(())
}

/// NOTIFYFLAG flags: `SYSLOG`, `WALL`, `EXEC`, `IGNORE`, combined with `+`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NotifyFlags(u8);

impl NotifyFlags {
    /// Log the message (LOG_NOTICE).
    pub const SYSLOG: NotifyFlags = NotifyFlags(1);
    /// Send the message to all terminals (`wall`).
    pub const WALL: NotifyFlags = NotifyFlags(2);
    /// Run NOTIFYCMD with the message.
    pub const EXEC: NotifyFlags = NotifyFlags(4);
    /// Do nothing (overrides the others).
    pub const IGNORE: NotifyFlags = NotifyFlags(8);
    /// No flag at all.
    pub const NONE: NotifyFlags = NotifyFlags(0);
    /// The default for every event: `SYSLOG+WALL`.
    pub const DEFAULT: NotifyFlags = NotifyFlags(1 | 2);

    const NAMES: [(&'static str, NotifyFlags); 4] = [
        ("SYSLOG", NotifyFlags::SYSLOG),
        ("WALL", NotifyFlags::WALL),
        ("EXEC", NotifyFlags::EXEC),
        ("IGNORE", NotifyFlags::IGNORE),
    ];

    /// `SYSLOG+WALL+EXEC` style (case-sensitive, as upstream). `None` on an unknown or empty
    /// flag.
    pub fn parse(text: &str) -> Option<NotifyFlags> {
        let mut flags = NotifyFlags::NONE;
        for part in text.split('+') {
            let (_, f) = Self::NAMES.iter().find(|(n, _)| *n == part)?;
            flags = flags | *f;
        }
        Some(flags)
    }

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: NotifyFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for NotifyFlags {
    type Output = NotifyFlags;
    fn bitor(self, rhs: NotifyFlags) -> NotifyFlags {
        NotifyFlags(self.0 | rhs.0)
    }
}

impl fmt::Display for NotifyFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Self::NAMES
            .iter()
            .filter(|(_, fl)| self.contains(*fl))
            .map(|(n, _)| *n)
            .collect();
        if names.is_empty() {
            f.write_str("NONE")
        } else {
            f.write_str(&names.join("+"))
        }
    }
}

impl fmt::Debug for NotifyFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NotifyFlags({self})")
    }
}
