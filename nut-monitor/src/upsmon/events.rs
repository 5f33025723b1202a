//! Notifications produced by the state machine. The event list itself (ids, names, stock
//! messages) is upsmon.conf vocabulary and lives in `nut_core::config`.

pub use nut_core::config::NotifyEvent;
use nut_core::config::upsmon_conf::render_notify_message;

/// One notification produced by the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// What happened.
    pub event: NotifyEvent,
    /// The MONITOR system string (`ups@host`), or `None` for events without a UPS.
    pub ups: Option<String>,
    /// The extra text (alarm text, unknown tokens), for formats with a second `%s`.
    pub extra: Option<String>,
}

impl Notification {
    /// An event that concerns no particular UPS (SHUTDOWN, NOPARENT, ...).
    pub fn global(event: NotifyEvent) -> Notification {
        Notification {
            event,
            ups: None,
            extra: None,
        }
    }

    /// The message for a format (NOTIFYMSG override or the stock message).
    pub fn message(&self, format: &str) -> String {
        render_notify_message(
            format,
            self.ups.as_deref().unwrap_or(""),
            self.extra.as_deref().unwrap_or(""),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_use_stock_formats() {
        let n = Notification {
            event: NotifyEvent::Alarm,
            ups: Some("u@h".into()),
            extra: Some("Replace battery!".into()),
        };
        assert_eq!(
            n.message(n.event.stock_message()),
            "UPS u@h: one or more active alarms: [Replace battery!]"
        );
        let s = Notification::global(NotifyEvent::Shutdown);
        assert_eq!(
            s.message(s.event.stock_message()),
            "Auto logout and shutdown proceeding"
        );
    }
}
