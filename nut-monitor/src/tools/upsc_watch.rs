//! `upsc -w <ups>[@host] [variable]`: print the UPS's variables, then each change as upsd
//! pushes it (push extension, docs/PROTOCOL-EXTENSIONS.md), until the connection ends.
//! Output lines: `<var>: <value>` for a new value, `<var>: (deleted)` for a variable gone,
//! `[<ups>] <STATE>` when the UPS becomes unavailable or available again.

use std::io::Write;
use std::time::Duration;

use nut_core::config::MonitorTarget;
use nut_core::net::push::Notification;

use crate::client::{Client, ClientError, ConnectOptions};

/// A watcher sends a request at least this often: upsd closes sessions silent for 60 s.
const KEEPALIVE: Duration = Duration::from_secs(30);

/// Watch `sys` and print to standard output (flushed per line); returns on error only.
pub async fn watch(
    sys: &MonitorTarget,
    variable: Option<&str>,
    opts: &ConnectOptions,
) -> Result<(), String> {
    let err = |e: ClientError| format!("Error: {e}");
    let mut c = Client::connect(&sys.host, sys.port, opts)
        .await
        .map_err(err)?;
    if !c.offers_watch().await.map_err(err)? {
        return Err(format!(
            "Error: the server at {}:{} does not offer WATCH (push); use upsc without -w",
            sys.host, sys.port
        ));
    }
    c.watch(&sys.ups).await.map_err(err)?;
    let mut out = std::io::stdout().lock();
    let wanted = |var: &str| variable.is_none_or(|v| v.eq_ignore_ascii_case(var));
    // The current values first; changes after WATCH arrive as notifications.
    for (var, value) in c.list_var(&sys.ups).await.map_err(err)? {
        if wanted(&var) {
            let _ = writeln!(out, "{var}: {value}");
        }
    }
    let _ = out.flush();
    loop {
        let next = tokio::time::timeout(KEEPALIVE, c.next_notification()).await;
        let line = match next {
            Err(_) => {
                c.request("PROTVER").await.map_err(err)?;
                continue;
            }
            Ok(Err(e)) => return Err(err(e)),
            Ok(Ok(Notification::Var { var, value, .. })) if wanted(&var) => {
                format!("{var}: {value}")
            }
            Ok(Ok(Notification::DelVar { var, .. })) if wanted(&var) => {
                format!("{var}: (deleted)")
            }
            Ok(Ok(Notification::State { ups, state })) => format!("[{ups}] {}", state.as_str()),
            Ok(Ok(_)) => continue,
        };
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            // Standard output closed (a pipe reader left): done.
            return Ok(());
        }
    }
}
