//! Shared pieces of the client tools (upsc, upscmd, upsrw): the TLS options every tool
//! takes, system-name parsing, prompts, JSON strings.

pub mod admin;
pub mod common_args;
pub mod json;
pub mod prompt;
pub mod read_auth;
pub mod tls_args;
pub mod upsc;
pub mod upsc_watch;
pub mod upscmd;
pub mod upsrw;

use nut_core::config::MonitorTarget;

/// `upsname[@hostname[:port]]` (IPv6 hosts in brackets).
pub fn parse_system(text: &str) -> Option<MonitorTarget> {
    MonitorTarget::parse(text).ok()
}

/// `hostname[:port]` (for `upsc -l`).
pub fn parse_host(text: &str) -> Option<(String, u16)> {
    MonitorTarget::parse(&format!("x@{text}"))
        .ok()
        .map(|t| (t.host, t.port))
}

/// A tool's `main`: `-V` prints the version banner; otherwise `run` goes on a single-threaded
/// runtime and an error is printed to stderr as it reads (`Error: ...`), exit code 1.
pub fn run_tool(
    tool: &str,
    version: bool,
    run: impl std::future::Future<Output = anyhow::Result<()>>,
) -> u8 {
    if version {
        println!("{}", nut_core::version::version_line(tool));
        return 0;
    }
    match runtime().and_then(|rt| rt.block_on(run)) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", nut_log::error_line(e.as_ref()));
            1
        }
    }
}

/// Connect with the tool's options, then log in with the read credentials if there are any
/// (servers with `REQUIRE_LOGIN_FOR_READS`).
pub async fn connect_reading(
    host: &str,
    port: u16,
    opts: &crate::client::ConnectOptions,
    creds: Option<&read_auth::ReadCredentials>,
) -> Result<crate::client::Client, crate::client::ClientError> {
    let mut c = crate::client::Client::connect(host, port, opts).await?;
    if let Some(creds) = creds {
        c.authenticate(&creds.user, creds.password.expose()).await?;
    }
    Ok(c)
}

/// The session upscmd and upsrw work in: `upsname[@hostname[:port]]` parsed, then connected
/// with the tool's TLS options, logged in first when read credentials are given.
pub async fn connect_system(
    target: &str,
    tls: &tls_args::TlsArgs,
    creds: Option<&read_auth::ReadCredentials>,
) -> anyhow::Result<(MonitorTarget, crate::client::Client)> {
    let sys = parse_system(target).ok_or_else(|| {
        anyhow::anyhow!(
            "Error: invalid UPS definition.  Required format: upsname[@hostname[:port]]"
        )
    })?;
    let opts = tls
        .connect_options()
        .map_err(|e| anyhow::anyhow!("Error: {e:#}"))?;
    let c = connect_reading(&sys.host, sys.port, &opts, creds)
        .await
        .map_err(|e| anyhow::anyhow!("Error: {e}"))?;
    Ok((sys, c))
}

/// `-u`/`-p` for a command (prompting for what is missing); `None` when the session already
/// logged in with read credentials.
pub fn command_credentials(
    user: Option<String>,
    password: Option<String>,
    logged_in: bool,
) -> anyhow::Result<Option<(String, String)>> {
    if logged_in {
        return Ok(None);
    }
    prompt::credentials(user, password).map(Some)
}

/// Log in with what [`command_credentials`] gave.
pub async fn command_login(
    c: &mut crate::client::Client,
    creds: Option<(String, String)>,
) -> anyhow::Result<()> {
    let Some((user, pass)) = creds else {
        return Ok(());
    };
    c.authenticate(&user, &pass)
        .await
        .map_err(|e| anyhow::anyhow!("Set username/password failed: {e}"))
}

/// A single-threaded runtime for a tool.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Logging for the tools: off (their errors go to stderr as `Error: ...`), unless RUST_LOG
/// asks for it.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(nut_log::Sink)
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_names() {
        let t = parse_system("ups@[::1]:3494").unwrap();
        assert_eq!(
            (t.ups.as_str(), t.host.as_str(), t.port),
            ("ups", "::1", 3494)
        );
        let t = parse_system("ups").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("localhost", 3493));
        assert!(parse_system("@host").is_none());
        assert_eq!(parse_host("h:99"), Some(("h".into(), 99)));
        assert_eq!(parse_host("h:bad"), None);
    }
}
