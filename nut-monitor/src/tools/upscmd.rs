//! `upscmd`: list (`-l`) or run instant commands, optionally waiting for the driver's result
//! (`-w`, `-t`).

use std::time::{Duration, Instant};

use clap::Parser;

use super::tls_args::TlsArgs;
use crate::client::{Client, ClientError, TrackingResult};

/// upscmd command line.
#[derive(Debug, Parser)]
#[command(
    name = "upscmd",
    disable_version_flag = true,
    about = "Administration program to initiate instant commands on UPS hardware."
)]
pub struct Args {
    /// Show available commands on the UPS.
    #[arg(short = 'l')]
    pub list: bool,
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
    /// Show the version.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    /// TLS options.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Credentials for servers that require a login for reads (used for the command too).
    #[command(flatten)]
    pub auth: super::read_auth::ReadAuthArgs,
    /// <upsname>[@<hostname>[:<port>]]
    pub target: Option<String>,
    /// The instant command.
    pub command: Option<String>,
    /// Optional command value (may start with `-`, e.g. a negative number).
    #[arg(allow_hyphen_values = true)]
    pub value: Option<String>,
}

/// Entry point; returns the exit code.
pub fn main() -> u8 {
    super::init_logging();
    let args = Args::parse();
    super::run_tool("upscmd", args.version, run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let Some(target) = args.target.as_deref() else {
        use clap::CommandFactory;
        Args::command().print_help()?;
        return Ok(());
    };
    let creds = args
        .auth
        .resolve(nut_core::config::paths::process_env)
        .map_err(|e| anyhow::anyhow!("Error: {e}"))?;
    let (sys, mut c) = super::connect_system(target, &args.tls, creds.as_ref()).await?;
    let logged_in = creds.is_some();
    let result = session(&mut c, &sys.ups, &args, logged_in).await;
    c.logout().await;
    result
}

async fn session(c: &mut Client, ups: &str, args: &Args, logged_in: bool) -> anyhow::Result<()> {
    if args.list {
        let cmds = c
            .list_cmd(ups)
            .await
            .map_err(|e| anyhow::anyhow!("Error: {e}"))?;
        let mut out = format!("Instant commands supported on UPS [{ups}]:\n\n");
        for cmd in cmds {
            match c.get_cmddesc(ups, &cmd).await {
                Ok(desc) => out.push_str(&format!("{cmd} - {desc}\n")),
                Err(_) => out.push_str(&format!("{cmd}\n")),
            }
        }
        print!("{out}");
        return Ok(());
    }
    let Some(cmd) = args.command.as_deref() else {
        use clap::CommandFactory;
        Args::command().print_help()?;
        return Ok(());
    };
    if !cmd.contains('.') {
        anyhow::bail!("Error: old command names are not supported");
    }
    let creds = super::command_credentials(args.user.clone(), args.password.clone(), logged_in)?;
    super::command_login(c, creds).await?;
    if args.wait {
        c.set_tracking(true)
            .await
            .map_err(|e| anyhow::anyhow!("{}", tracking_refused(&e, "command")))?;
    }
    let id = c
        .instcmd(ups, cmd, args.value.as_deref())
        .await
        .map_err(|e| anyhow::anyhow!("{}", refused(&e, "Instant command failed")))?;
    wait_tracking(c, id, args.wait, args.wait_timeout).await
}

/// How C's tools word a refused request: the server's `ERR` line as it came
/// (`Unexpected response from upsd: ERR ACCESS-DENIED`); other failures with `what`.
pub(crate) fn refused(e: &ClientError, what: &str) -> String {
    match e.server_line() {
        Some(line) => format!("Unexpected response from upsd: {line}"),
        None => format!("{what}: {e}"),
    }
}

/// `SET TRACKING ON` refused, in C's words.
pub(crate) fn tracking_refused(e: &ClientError, kind: &str) -> String {
    match e.server_line() {
        Some(line) => format!("Enabling {kind} status tracking failed. upsd answered: {line}"),
        None => format!("Enabling {kind} status tracking failed: {e}"),
    }
}

/// Print `OK` (or the tracking result) on stderr as C NUT does; with `-w`, poll until the
/// driver answered or the timeout passed.
pub(crate) async fn wait_tracking(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_value_may_be_negative() {
        let a =
            Args::try_parse_from(["upscmd", "ups@host", "shutdown.return", "-5"]).expect("parses");
        assert_eq!(a.command.as_deref(), Some("shutdown.return"));
        assert_eq!(a.value.as_deref(), Some("-5"));
    }
}
