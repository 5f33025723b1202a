//! Delivering notifications (upsmon.md 2.1): NOTIFYMSG/stock text, then per NOTIFYFLAG:
//! SYSLOG (the log, and `/dev/log` when present), WALL (`wall` with the text on stdin) and
//! EXEC (NOTIFYCMD with `NOTIFYTYPE` and `UPSNAME` in the environment and the text as last
//! argument). IGNORE suppresses everything.
//!
//! WALL and EXEC run on a worker task, one after the other, so the main loop never blocks
//! and a NOTIFYCMD sees the events in the order they happened (C NUT forks one process per
//! event and gives no such guarantee).

use std::collections::BTreeMap;
use std::time::Duration;

use nut_core::config::{NotifyFlags, UpsmonConf};
use tokio::io::AsyncWriteExt;
use tokio::sync::{mpsc, oneshot};

use super::events::{Notification, NotifyEvent};

/// How notifications are rendered and delivered (the NOTIFY* part of upsmon.conf).
#[derive(Debug, Clone, Default)]
pub struct NotifyConfig {
    /// NOTIFYMSG overrides.
    pub messages: BTreeMap<NotifyEvent, String>,
    /// NOTIFYFLAG settings (default SYSLOG+WALL).
    pub flags: BTreeMap<NotifyEvent, NotifyFlags>,
    /// NOTIFYCMD argv.
    pub notifycmd: Option<Vec<String>>,
}

impl NotifyConfig {
    /// The NOTIFY* settings of a config.
    pub fn from_conf(conf: &UpsmonConf) -> NotifyConfig {
        NotifyConfig {
            messages: conf.notifymsg.clone(),
            flags: conf.notifyflags.clone(),
            notifycmd: conf.notifycmd.clone(),
        }
    }

    fn flags(&self, event: NotifyEvent) -> NotifyFlags {
        self.flags
            .get(&event)
            .copied()
            .unwrap_or(event.default_flags())
    }

    /// The text of a notification.
    pub fn render(&self, n: &Notification) -> String {
        let format = self
            .messages
            .get(&n.event)
            .map(String::as_str)
            .unwrap_or(n.event.stock_message());
        n.message(format)
    }
}

enum Job {
    Wall(String),
    Exec {
        argv: Vec<String>,
        event: NotifyEvent,
        ups: String,
        message: String,
    },
    Flush(oneshot::Sender<()>),
}

/// The notification sink of a running upsmon.
#[derive(Debug)]
pub struct Notifier {
    config: NotifyConfig,
    jobs: mpsc::UnboundedSender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

/// Longest time one WALL or NOTIFYCMD may run before it is left behind.
const JOB_TIMEOUT: Duration = Duration::from_secs(30);

impl Notifier {
    /// Start the worker (needs a tokio runtime).
    pub fn start(config: NotifyConfig) -> Notifier {
        let (tx, mut rx) = mpsc::unbounded_channel::<Job>();
        tokio::spawn(async move {
            while let Some(job) = rx.recv().await {
                match job {
                    Job::Wall(message) => {
                        let _ = tokio::time::timeout(JOB_TIMEOUT, run_wall(&message)).await;
                    }
                    Job::Exec {
                        argv,
                        event,
                        ups,
                        message,
                    } => {
                        let run = run_exec(&argv, event, &ups, &message);
                        if tokio::time::timeout(JOB_TIMEOUT, run).await.is_err() {
                            tracing::warn!(
                                "NOTIFYCMD {} for {} still running after 30 s",
                                argv.first().map(String::as_str).unwrap_or(""),
                                event
                            );
                        }
                    }
                    Job::Flush(done) => {
                        let _ = done.send(());
                    }
                }
            }
        });
        Notifier { config, jobs: tx }
    }

    /// Replace the settings (reload).
    pub fn set_config(&mut self, config: NotifyConfig) {
        self.config = config;
    }

    /// Deliver one notification.
    pub fn notify(&self, n: &Notification) {
        let flags = self.config.flags(n.event);
        if flags.contains(NotifyFlags::IGNORE) {
            return;
        }
        let message = self.config.render(n);
        if flags.contains(NotifyFlags::SYSLOG) {
            // In the background the log itself is syslog: one line, not two.
            if !nut_log::is_syslog() {
                tracing::info!(target: "upsmon", event = n.event.name(), "{message}");
            }
            nut_log::syslog(nut_log::Severity::Notice, &message);
        }
        if flags.contains(NotifyFlags::WALL) {
            let _ = self.jobs.send(Job::Wall(message.clone()));
        }
        if flags.contains(NotifyFlags::EXEC) {
            if let Some(argv) = self.config.notifycmd.as_ref().filter(|a| !a.is_empty()) {
                let _ = self.jobs.send(Job::Exec {
                    argv: argv.clone(),
                    event: n.event,
                    ups: n.ups.clone().unwrap_or_default(),
                    message,
                });
            }
        }
    }

    /// Wait until every queued WALL/EXEC job has run (or `timeout` passed).
    pub async fn flush(&self, timeout: Duration) {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Job::Flush(tx)).is_ok() {
            let _ = tokio::time::timeout(timeout, rx).await;
        }
    }
}

/// Send a wall message; a missing `wall` is only logged. Callers bound it with a timeout;
/// a `wall` still running then is killed.
pub async fn run_wall(message: &str) {
    let child = tokio::process::Command::new("wall")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(format!("{message}\n").as_bytes()).await;
            }
            let _ = child.wait().await;
        }
        Err(e) => tracing::debug!("wall: {e}"),
    }
}

async fn run_exec(argv: &[String], event: NotifyEvent, ups: &str, message: &str) {
    let Some((prog, args)) = argv.split_first() else {
        return;
    };
    let status = tokio::process::Command::new(prog)
        .args(args)
        .arg(message)
        .env("NOTIFYTYPE", event.name())
        .env("UPSNAME", ups)
        .stdin(std::process::Stdio::null())
        .status()
        .await;
    match status {
        Ok(s) if !s.success() => tracing::warn!("NOTIFYCMD {prog} for {event} exited with {s}"),
        Ok(_) => {}
        Err(e) => tracing::error!("NOTIFYCMD {prog} for {event} failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn exec_runs_notifycmd_in_order_with_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("events");
        let script = dir.path().join("notify.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$NOTIFYTYPE|$UPSNAME|$1\" >> {}\n",
                out.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();

        let mut config = NotifyConfig {
            notifycmd: Some(vec![script.display().to_string()]),
            ..NotifyConfig::default()
        };
        config.flags.insert(NotifyEvent::OnBatt, NotifyFlags::EXEC);
        config.flags.insert(NotifyEvent::LowBatt, NotifyFlags::EXEC);
        config
            .flags
            .insert(NotifyEvent::Online, NotifyFlags::IGNORE);
        config
            .messages
            .insert(NotifyEvent::LowBatt, "low on %s!".into());
        let n = Notifier::start(config);
        let ev = |event| Notification {
            event,
            ups: Some("u@h".into()),
            extra: None,
        };
        n.notify(&ev(NotifyEvent::OnBatt));
        n.notify(&ev(NotifyEvent::Online));
        n.notify(&ev(NotifyEvent::LowBatt));
        n.flush(Duration::from_secs(10)).await;
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            text,
            "ONBATT|u@h|UPS u@h on battery\nLOWBATT|u@h|low on u@h!\n"
        );
    }
}
