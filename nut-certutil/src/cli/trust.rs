//! `trust` / NSS `-M`: change a certificate's trust flags.

use anyhow::Result;
use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;

use super::io::PasswordSource;

/// `trust` arguments.
#[derive(Debug, clap::Args)]
pub struct TrustArgs {
    /// Nickname.
    nickname: String,
    /// Trust flags, e.g. "CT,,".
    trust: String,
}

/// Set the trust of `nickname`; `trust` is parsed once the store is unlocked (as NSS does).
pub fn run(
    store: &mut Store,
    pw: &PasswordSource,
    nickname: &str,
    trust: impl FnOnce() -> Result<TrustFlags>,
) -> Result<()> {
    // Changing trust needs the database password, as in NSS.
    pw.unlock(store)?;
    store.set_trust(nickname, trust()?)?;
    Ok(())
}

/// The plain `trust` subcommand.
pub fn plain(store: &mut Store, pw: &PasswordSource, a: TrustArgs) -> Result<()> {
    run(store, pw, &a.nickname, || {
        Ok(a.trust.parse::<TrustFlags>()?)
    })
}
