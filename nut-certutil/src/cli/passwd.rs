//! `passwd` / NSS `-W`: change the database password (every key re-encrypted in one
//! transaction).

use std::path::PathBuf;

use anyhow::Result;
use nut_certutil::store::Store;

use super::io::PasswordSource;

/// `passwd` arguments.
#[derive(Debug, clap::Args)]
pub struct PasswdArgs {
    /// File with the new password.
    #[arg(long)]
    new_password_file: Option<PathBuf>,
    /// Set an empty password.
    #[arg(long)]
    empty_password: bool,
}

/// Change the password: the old one from `pw.file` (or the prompt), the new one from
/// `pw.new_file`, `pw.empty` or the prompt.
pub fn run(store: &mut Store, pw: &PasswordSource) -> Result<()> {
    let old = pw.existing(store)?;
    let new = pw.new_password(true)?;
    store.change_password(&old, &new)?;
    Ok(())
}

/// The plain `passwd` subcommand.
pub fn plain(store: &mut Store, pw: &PasswordSource, a: PasswdArgs) -> Result<()> {
    let pw = PasswordSource {
        new_file: a.new_password_file,
        empty: a.empty_password,
        ..pw.clone()
    };
    run(store, &pw)?;
    println!("password changed; every key re-encrypted");
    Ok(())
}
