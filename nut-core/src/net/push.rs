//! The push extension (docs/PROTOCOL-EXTENSIONS.md, "Push"): the words of `CAPABILITIES`,
//! `WATCH` / `UNWATCH`, and the `NOTIFY` lines upsd sends to a watching session between
//! replies. C NUT never sends any of them, so a client that does not ask sees nothing new.

use crate::words::encode_arg;

/// First word of the `CAPABILITIES` reply; the words after it name the extensions.
pub const CAPABILITIES_WORD: &str = "CAPABILITIES";

/// The capability name of `WATCH` / `UNWATCH` / `NOTIFY`.
pub const CAPABILITY_WATCH: &str = "WATCH";

/// First word of every unsolicited line. No reply of the NUT protocol starts with it, so a
/// client tells notifications from replies by this word alone.
pub const NOTIFY_WORD: &str = "NOTIFY";

/// Whether a UPS can answer data requests, as `NOTIFY STATE` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// The driver is connected and its data fresh.
    Ok,
    /// No driver connection (what `ERR DRIVER-NOT-CONNECTED` says).
    DriverNotConnected,
    /// The data is stale (what `ERR DATA-STALE` says).
    DataStale,
}

impl Availability {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Ok => "OK",
            Availability::DriverNotConnected => "DRIVER-NOT-CONNECTED",
            Availability::DataStale => "DATA-STALE",
        }
    }

    fn from_wire(word: &str) -> Option<Availability> {
        match word {
            "OK" => Some(Availability::Ok),
            "DRIVER-NOT-CONNECTED" => Some(Availability::DriverNotConnected),
            "DATA-STALE" => Some(Availability::DataStale),
            _ => None,
        }
    }
}

/// One unsolicited line for a watching session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    /// `NOTIFY VAR <ups> <var> "<value>"`: a variable was set or changed.
    Var {
        /// UPS name as the client sent it in `WATCH`.
        ups: String,
        /// Variable name.
        var: String,
        /// Its new value.
        value: String,
    },
    /// `NOTIFY DELVAR <ups> <var>`: a variable is gone.
    DelVar {
        /// UPS name as the client sent it in `WATCH`.
        ups: String,
        /// Variable name.
        var: String,
    },
    /// `NOTIFY STATE <ups> OK|DRIVER-NOT-CONNECTED|DATA-STALE`: availability changed.
    State {
        /// UPS name as the client sent it in `WATCH`.
        ups: String,
        /// The new availability.
        state: Availability,
    },
}

impl Notification {
    /// The UPS the line is about.
    pub fn ups(&self) -> &str {
        match self {
            Notification::Var { ups, .. }
            | Notification::DelVar { ups, .. }
            | Notification::State { ups, .. } => ups,
        }
    }

    /// The line as upsd sends it, without the newline.
    pub fn to_line(&self) -> String {
        match self {
            Notification::Var { ups, var, value } => format!(
                "{NOTIFY_WORD} VAR {} {} \"{}\"",
                encode_arg(ups),
                encode_arg(var),
                crate::words::escape(value)
            ),
            Notification::DelVar { ups, var } => {
                format!(
                    "{NOTIFY_WORD} DELVAR {} {}",
                    encode_arg(ups),
                    encode_arg(var)
                )
            }
            Notification::State { ups, state } => {
                format!("{NOTIFY_WORD} STATE {} {}", encode_arg(ups), state.as_str())
            }
        }
    }

    /// A notification from the words of a line; `None` when the line is not one (a reply).
    pub fn from_words(words: &[String]) -> Option<Notification> {
        let [first, kind, rest @ ..] = words else {
            return None;
        };
        if first != NOTIFY_WORD {
            return None;
        }
        match (kind.as_str(), rest) {
            ("VAR", [ups, var, value]) => Some(Notification::Var {
                ups: ups.clone(),
                var: var.clone(),
                value: value.clone(),
            }),
            ("DELVAR", [ups, var]) => Some(Notification::DelVar {
                ups: ups.clone(),
                var: var.clone(),
            }),
            ("STATE", [ups, state]) => Some(Notification::State {
                ups: ups.clone(),
                state: Availability::from_wire(state)?,
            }),
            _ => None,
        }
    }
}

/// Whether a reply line (as words) is a notification rather than a reply.
pub fn is_notification(words: &[String]) -> bool {
    words.first().is_some_and(|w| w == NOTIFY_WORD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::words::{Event, Tokenizer};

    fn words(line: &str) -> Vec<String> {
        let mut tok = Tokenizer::new();
        for b in line.bytes().chain(std::iter::once(b'\n')) {
            if let Some(Event::Line(w)) = tok.feed(b) {
                return w;
            }
        }
        panic!("no line in {line:?}");
    }

    #[test]
    fn lines_round_trip_through_the_tokenizer() {
        let all = [
            Notification::Var {
                ups: "my ups".into(),
                var: "ups.status".into(),
                value: "OB \"LB\" \\".into(),
            },
            Notification::DelVar {
                ups: "u".into(),
                var: "x.y".into(),
            },
            Notification::State {
                ups: "u".into(),
                state: Availability::DataStale,
            },
        ];
        for n in all {
            let line = n.to_line();
            assert!(line.starts_with("NOTIFY "), "{line}");
            assert_eq!(Notification::from_words(&words(&line)), Some(n), "{line}");
        }
    }

    #[test]
    fn replies_are_not_notifications() {
        for line in [
            "VAR u ups.status \"OL\"",
            "OK",
            "NOTIFY",
            "NOTIFY STATE u MAYBE",
        ] {
            assert_eq!(Notification::from_words(&words(line)), None, "{line}");
        }
        assert!(is_notification(&words("NOTIFY STATE u MAYBE")));
        assert!(!is_notification(&words("OK WATCH u")));
    }
}
