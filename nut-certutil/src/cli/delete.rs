//! `delete` / NSS `-D` and `-F`: delete a certificate (and with `--with-key` / `-F` its key).

use anyhow::Result;
use nut_certutil::store::Store;

use super::io::PasswordSource;

/// `delete` arguments.
#[derive(Debug, clap::Args)]
pub struct DeleteArgs {
    /// Nickname.
    nickname: String,
    /// Delete the private key too.
    #[arg(long)]
    with_key: bool,
}

/// Delete `nickname`, and its key with `with_key` (which needs the password, as in NSS).
pub fn run(store: &mut Store, pw: &PasswordSource, nickname: &str, with_key: bool) -> Result<()> {
    if with_key {
        pw.unlock(store)?;
    }
    store.delete_certificate(nickname, with_key)?;
    Ok(())
}

/// The plain `delete` subcommand.
pub fn plain(store: &mut Store, pw: &PasswordSource, a: DeleteArgs) -> Result<()> {
    run(store, pw, &a.nickname, a.with_key)
}
