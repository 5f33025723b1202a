//! `upscmd`: list (`-l`) or run instant commands, optionally waiting for the driver's result
//! (`-w`, `-t`).

use clap::Parser;

use super::admin::AdminArgs;
use crate::client::Client;

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
    /// Options shared with upsrw.
    #[command(flatten)]
    pub admin: AdminArgs,
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
    super::run_tool("upscmd", args.admin.common.version, run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let Some(mut s) = args.admin.open::<Args>().await? else {
        return Ok(());
    };
    let result = session(&mut s.client, &s.system.ups, &args, s.logged_in).await;
    s.client.logout().await;
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
    let creds = args.admin.credentials(logged_in)?;
    super::command_login(c, creds).await?;
    args.admin.start_tracking(c, "command").await?;
    let sent = c.instcmd(ups, cmd, args.value.as_deref()).await;
    args.admin.finish(c, sent, "Instant command failed").await
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
