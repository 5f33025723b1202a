//! `nut-conformance`: test a NUT server against the protocol. Exit status: 0 no MUST check
//! failed, 1 a MUST check failed, 2 usage or connection error.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use nut_conformance::{Credentials, Settings, Target, catalog, report};
use nut_monitor::tools::tls_args::TlsArgs;

/// Tell whether a NUT server speaks the network protocol correctly.
#[derive(Debug, Parser)]
#[command(name = "nut-conformance", disable_version_flag = true)]
struct Args {
    /// The server: HOST[:PORT], or UPS@HOST[:PORT] to pick the UPS (default: the first listed).
    #[arg(required_unless_present_any = ["list_checks", "version"])]
    target: Option<String>,
    /// Print the version (`Network UPS Tools nut-conformance ...`, as every rnut tool) and exit.
    #[arg(short = 'V', long = "version")]
    version: bool,
    /// Print the checks (a Markdown table) and exit.
    #[arg(long)]
    list_checks: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Print the result table as Markdown (as in docs/CONFORMANCE.md).
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
    /// Run this state-changing or slow check (repeatable; see --list-checks).
    #[arg(long = "enable", value_name = "ID")]
    enable: Vec<String>,
    /// A read-only user, for servers that want credentials before reads.
    #[arg(long, value_name = "USER")]
    user: Option<String>,
    /// Its password.
    #[arg(long, value_name = "PASS")]
    password: Option<String>,
    /// A user with SET and INSTCMD rights (set.*, instcmd.* checks).
    #[arg(long, value_name = "USER")]
    admin_user: Option<String>,
    /// Its password.
    #[arg(long, value_name = "PASS")]
    admin_password: Option<String>,
    /// An upsmon primary user (login.primary, fsd.set).
    #[arg(long, value_name = "USER")]
    monitor_user: Option<String>,
    /// Its password.
    #[arg(long, value_name = "PASS")]
    monitor_password: Option<String>,
    /// The instant command instcmd.run runs.
    #[arg(long, value_name = "CMD")]
    instcmd: Option<String>,
    /// The name the server certificate must carry (default: the host).
    #[arg(long, value_name = "NAME")]
    certname: Option<String>,
    /// Seconds idle.timeout waits for the server to hang up.
    #[arg(long, value_name = "SECS", default_value_t = 75)]
    idle_wait: u64,
    #[command(flatten)]
    tls: TlsArgs,
}

fn credentials(
    user: &Option<String>,
    password: &Option<String>,
    what: &str,
) -> anyhow::Result<Option<Credentials>> {
    match (user, password) {
        (None, None) => Ok(None),
        (Some(u), Some(p)) => Ok(Some(Credentials {
            user: u.clone(),
            password: p.clone(),
        })),
        _ => anyhow::bail!("{what}: give both the user and the password"),
    }
}

fn settings(a: &Args) -> anyhow::Result<Settings> {
    let text = a.target.as_deref().unwrap_or_default();
    let target = Target::parse(text).with_context(|| format!("target {text:?}"))?;
    let opts = a.tls.connect_options()?;
    Ok(Settings {
        target,
        wait: opts.timeout,
        reader: credentials(&a.user, &a.password, "--user/--password")?,
        admin: credentials(
            &a.admin_user,
            &a.admin_password,
            "--admin-user/--admin-password",
        )?,
        monitor: credentials(
            &a.monitor_user,
            &a.monitor_password,
            "--monitor-user/--monitor-password",
        )?,
        enabled: a.enable.clone(),
        instcmd: a.instcmd.clone(),
        tls: opts.tls.unwrap_or_default(),
        certname: a.certname.clone(),
        idle_wait: Duration::from_secs(a.idle_wait.max(1)),
    })
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    if args.version {
        println!("{}", nut_core::version::version_line("nut-conformance"));
        return ExitCode::SUCCESS;
    }
    if args.list_checks {
        print!("{}", catalog::markdown_table());
        return ExitCode::SUCCESS;
    }
    let result = settings(&args).and_then(|s| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("tokio runtime")?;
        Ok(rt.block_on(nut_conformance::run(s))?)
    });
    match result {
        Ok(r) => {
            if args.json {
                print!("{}", report::json(&r));
            } else if args.markdown {
                print!("{}", report::markdown(&r));
            } else {
                print!("{}", report::table(&r));
            }
            ExitCode::from(u8::try_from(r.exit_code()).unwrap_or(1))
        }
        Err(e) => {
            eprintln!("nut-conformance: {e:#}");
            ExitCode::from(2)
        }
    }
}
