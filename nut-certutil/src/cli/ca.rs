//! `ca create`: a self-signed CA, key and certificate in the store (NSS `-S -x -2`).

use anyhow::Result;
use clap::Subcommand;
use nut_certutil::pki::CertRole;
use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;

use super::cert_spec::NewCert;
use super::common_args::KeyArgs;
use super::io::PasswordSource;
use super::issue;

/// `ca` subcommands.
#[derive(Debug, Subcommand)]
pub enum CaCmd {
    /// Create a self-signed CA (key and certificate in the database, trusted "CT,,").
    Create {
        /// Nickname.
        #[arg(short = 'n', long)]
        nickname: String,
        /// Subject.
        #[arg(short = 's', long)]
        subject: String,
        /// Validity in months.
        #[arg(long, default_value_t = 120)]
        months: u32,
        /// Trust flags.
        #[arg(short = 't', long, default_value = "CT,,")]
        trust: String,
        /// Path length constraint.
        #[arg(long)]
        path_len: Option<u8>,
        #[command(flatten)]
        key: KeyArgs,
    },
}

/// The plain `ca` subcommands.
pub fn plain(store: &mut Store, pw: &PasswordSource, cmd: CaCmd) -> Result<()> {
    let CaCmd::Create {
        nickname,
        subject,
        months,
        trust,
        path_len,
        key,
    } = cmd;
    let spec = NewCert::plain(
        subject,
        CertRole::Ca { path_len },
        months,
        Vec::new(),
        key.algorithm()?,
    );
    let rec = issue::run(
        store,
        pw,
        &nickname,
        trust.parse::<TrustFlags>()?,
        None,
        &spec,
    )?;
    println!(
        "created CA \"{}\" ({}), trust {}",
        rec.nickname,
        rec.subject,
        rec.effective_trust()
    );
    Ok(())
}
