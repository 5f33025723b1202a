//! The options every client tool takes (upsc, upscmd, upsrw): `-V`, the TLS options and the
//! read credentials.

use super::read_auth::ReadAuthArgs;
use super::tls_args::TlsArgs;

/// `-V`, TLS, read credentials (flattened into each tool's arguments where `--help` lists
/// them).
#[derive(Debug, clap::Args)]
pub struct CommonArgs {
    /// Show the version.
    #[arg(short = 'V', long = "version")]
    pub version: bool,
    /// TLS options.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Credentials for servers that require a login for reads.
    #[command(flatten)]
    pub auth: ReadAuthArgs,
}
