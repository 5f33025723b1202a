//! upsmon's failover across the servers of one MONITOR line (`MONITOR a@h1,a@h2 <pv>
//! <user>:<password> <role>`, docs/PROTOCOL-EXTENSIONS.md "Failover"):
//!
//! - connecting tries the servers in the order written and keeps the first that answers
//!   (authenticated, logged in, PRIMARY granted for a primary);
//! - upsmon stays on that server while it answers (no switching back by itself);
//! - when its session breaks before the status was read, the other servers are tried at
//!   once (the lost one last), with a warning and without any notification: the UPS is not
//!   lost while one server reports it;
//! - only when no server answers is the poll a failure, with the usual COMMBAD / NOCOMM and
//!   dead-UPS handling; COMMOK follows when any server answers again.

use nut_core::config::{MonitorSpec, MonitorTarget};

use crate::client::{Client, ClientError, ConnectOptions};

/// The servers to try, in the line's order, with `lost` (the one just lost) moved last.
pub(super) fn connect_order<'a>(
    spec: &'a MonitorSpec,
    lost: Option<&(String, u16)>,
) -> Vec<&'a MonitorTarget> {
    let is_lost = |s: &MonitorTarget| lost.is_some_and(|(h, p)| s.host == *h && s.port == *p);
    let mut order: Vec<&MonitorTarget> = spec.servers().filter(|s| !is_lost(s)).collect();
    order.extend(spec.servers().filter(|s| is_lost(s)));
    order
}

/// The UPS name on the server `client` is connected to.
pub(super) fn ups_name<'a>(spec: &'a MonitorSpec, client: &Client) -> &'a str {
    spec.servers()
        .find(|s| s.host == client.host() && s.port == client.port())
        .unwrap_or(&spec.system)
        .ups
        .as_str()
}

/// Log the server a failover line now uses (nothing for a one-server line).
pub(super) fn log_using(spec: &MonitorSpec, server: &MonitorTarget, lost: Option<&(String, u16)>) {
    if spec.alternates.is_empty() {
        return;
    }
    match lost {
        Some((h, p)) => tracing::warn!(
            "UPS [{}]: failed over from {h}:{p} to {}:{}",
            spec.system_text,
            server.host,
            server.port
        ),
        None => tracing::info!(
            "UPS [{}]: using server {}:{}",
            spec.system_text,
            server.host,
            server.port
        ),
    }
}

/// As a primary shutting down: set FSD on the line's servers other than `active` (the one
/// the session uses, already done), so that secondaries watching the UPS through another upsd
/// see it too. Best effort, each server within the connect options' timeout; failures are
/// logged.
pub(super) async fn fsd_elsewhere(
    spec: &MonitorSpec,
    active: Option<(&str, u16)>,
    net: &ConnectOptions,
) {
    let others = spec
        .servers()
        .filter(|s| active.is_none_or(|(h, p)| s.host != h || s.port != p));
    for server in others {
        let set = async {
            let mut c = Client::connect(&server.host, server.port, net).await?;
            c.authenticate(&spec.user, spec.password.expose()).await?;
            let r = c.fsd(&server.ups).await;
            c.logout().await;
            r
        };
        match set.await {
            Ok(()) => tracing::info!(
                "Set FSD on UPS [{}] through {}:{}",
                spec.system_text,
                server.host,
                server.port
            ),
            Err(e) => tracing::error!(
                "FSD set on UPS {} through {}:{} failed: {e}",
                spec.system_text,
                server.host,
                server.port
            ),
        }
    }
}

/// Log a server of a failover line that did not answer (a one-server line logs the poll
/// failure as before).
pub(super) fn log_no_answer(spec: &MonitorSpec, server: &MonitorTarget, e: &ClientError) {
    if !spec.alternates.is_empty() {
        tracing::warn!(
            "UPS [{}]: server {}:{} does not answer - {e}",
            spec.system_text,
            server.host,
            server.port
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(line: &str) -> MonitorSpec {
        nut_core::config::UpsmonConf::parse(line, std::path::Path::new("upsmon.conf"))
            .expect("upsmon.conf")
            .monitors
            .remove(0)
    }

    fn hosts(order: &[&MonitorTarget]) -> Vec<String> {
        order
            .iter()
            .map(|s| format!("{}:{}", s.host, s.port))
            .collect()
    }

    #[test]
    fn servers_in_written_order_with_the_lost_one_last() {
        let s = spec("MONITOR a@h1,a@h2:4000,b@h3 1 u:p primary\n");
        assert_eq!(
            hosts(&connect_order(&s, None)),
            ["h1:3493", "h2:4000", "h3:3493"]
        );
        let lost = ("h1".to_string(), 3493);
        assert_eq!(
            hosts(&connect_order(&s, Some(&lost))),
            ["h2:4000", "h3:3493", "h1:3493"]
        );
        let one = spec("MONITOR a@h1 1 u p primary\n");
        assert_eq!(hosts(&connect_order(&one, Some(&lost))), ["h1:3493"]);
    }
}
