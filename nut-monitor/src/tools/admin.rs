//! What upscmd and upsrw share: their common options (credentials, `-w`/`-t`, `-V`, TLS,
//! read credentials, the target), the session around their work, and C's wording of a
//! refused request and of the tracking result.

use std::time::{Duration, Instant};

use clap::CommandFactory;
use nut_core::config::MonitorTarget;

use super::common_args::CommonArgs;
use crate::client::{Client, ClientError, TrackingResult};

/// The options of upscmd and upsrw after their own first ones (the order `--help` shows).
#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    /// Username for command authentication.
    #[arg(short = 'u', value_name = "username")]
    pub user: Option<String>,
    /// Password for command authentication.
    #[arg(short = 'p', value_name = "password")]
    pub password: Option<String>,
    /// Wait for the completion of the command by the driver.
    #[arg(short = 'w')]
    pub wait: bool,
    /// Timeout of -w in seconds.
    #[arg(short = 't', value_name = "timeout", default_value_t = 10)]
    pub wait_timeout: u64,
    /// `-V`, TLS options, read credentials (used for the command too).
    #[command(flatten)]
    pub common: CommonArgs,
    /// <upsname>[@<hostname>[:<port>]]
    pub target: Option<String>,
}

/// A connected session: the target, the client, whether read credentials logged it in.
#[derive(Debug)]
pub struct Session {
    /// The target as given.
    pub system: MonitorTarget,
    /// The session.
    pub client: Client,
    /// Logged in already (with read credentials): no `-u`/`-p` needed for the command.
    pub logged_in: bool,
}

impl AdminArgs {
    /// Connect to the target (logging in with read credentials when given); `None` after
    /// printing `Tool`'s help when no target was given.
    pub async fn open<Tool: CommandFactory>(&self) -> anyhow::Result<Option<Session>> {
        let Some(target) = self.target.as_deref() else {
            Tool::command().print_help()?;
            return Ok(None);
        };
        let creds = self
            .common
            .auth
            .resolve(nut_core::config::paths::process_env)
            .map_err(|e| anyhow::anyhow!("Error: {e}"))?;
        let (system, client) =
            super::connect_system(target, &self.common.tls, creds.as_ref()).await?;
        Ok(Some(Session {
            system,
            client,
            logged_in: creds.is_some(),
        }))
    }

    /// `-u`/`-p` (prompting for what is missing), unless read credentials logged in.
    pub fn credentials(&self, logged_in: bool) -> anyhow::Result<Option<(String, String)>> {
        super::command_credentials(self.user.clone(), self.password.clone(), logged_in)
    }

    /// With `-w`, `SET TRACKING ON` before the request (`kind`: `command`, `set variable`).
    pub async fn start_tracking(&self, c: &mut Client, kind: &str) -> anyhow::Result<()> {
        if !self.wait {
            return Ok(());
        }
        c.set_tracking(true).await.map_err(|e| {
            let text = match e.server_line() {
                Some(line) => {
                    format!("Enabling {kind} status tracking failed. upsd answered: {line}")
                }
                None => format!("Enabling {kind} status tracking failed: {e}"),
            };
            anyhow::anyhow!("{text}")
        })
    }

    /// The request's outcome (`failed`: C's words for a failure that is no `ERR` line),
    /// then `OK` or, with `-w`, the driver's result.
    pub async fn finish(
        &self,
        c: &mut Client,
        sent: Result<Option<String>, ClientError>,
        failed: &str,
    ) -> anyhow::Result<()> {
        let id = sent.map_err(|e| anyhow::anyhow!("{}", refused(&e, failed)))?;
        wait_tracking(c, id, self.wait, self.wait_timeout).await
    }
}

/// How C's tools word a refused request: the server's `ERR` line as it came
/// (`Unexpected response from upsd: ERR ACCESS-DENIED`); other failures with `what`.
fn refused(e: &ClientError, what: &str) -> String {
    match e.server_line() {
        Some(line) => format!("Unexpected response from upsd: {line}"),
        None => format!("{what}: {e}"),
    }
}

/// Print `OK` (or the tracking result) on stderr as C NUT does; with `-w`, poll until the
/// driver answered or the timeout passed.
async fn wait_tracking(
    c: &mut Client,
    id: Option<String>,
    wait: bool,
    timeout: u64,
) -> anyhow::Result<()> {
    let Some(id) = id.filter(|_| wait) else {
        eprintln!("OK");
        return Ok(());
    };
    let start = Instant::now();
    loop {
        if start.elapsed() >= Duration::from_secs(timeout) {
            anyhow::bail!("Can't receive status tracking information: timeout");
        }
        match c.get_tracking(&id).await {
            Ok(TrackingResult::Pending) => tokio::time::sleep(Duration::from_secs(1)).await,
            Ok(TrackingResult::Success) => {
                eprintln!("SUCCESS");
                return Ok(());
            }
            Ok(TrackingResult::Failed(code)) => anyhow::bail!("ERR {code}"),
            Err(e) => anyhow::bail!("Can't receive status tracking information: {e}"),
        }
    }
}
