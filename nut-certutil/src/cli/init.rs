//! `init` / NSS `-N`: create a certificate database.

use std::path::Path;

use anyhow::{Result, bail};
use nut_certutil::store::Store;

use super::database::kdf_iterations;
use super::io::PasswordSource;

/// Create a store in `dir` (refused when one is there already).
pub fn run(dir: &Path, pw: &PasswordSource) -> Result<Store> {
    if Store::exists(dir) {
        bail!("a certificate database already exists in {}", dir.display());
    }
    let password = pw.new_password(false)?;
    Ok(Store::create_with_kdf(dir, &password, kdf_iterations())?)
}

/// `init` arguments.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The directory.
    dir: Option<String>,
    /// No password (as NSS's --empty-password).
    #[arg(long)]
    empty_password: bool,
}

/// The plain `init` subcommand; `global_dir`: `-d`, used when no directory is named.
pub fn plain(global_dir: Option<&str>, pw: &PasswordSource, a: InitArgs) -> Result<()> {
    let dir = super::database::store_dir(a.dir.as_deref().or(global_dir))?;
    let pw = PasswordSource {
        empty: a.empty_password,
        ..pw.clone()
    };
    run(&dir, &pw)?;
    println!("created certificate database in {}", dir.display());
    Ok(())
}
