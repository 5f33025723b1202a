//! `renew`: re-issue a certificate (same key, or `--new-key`) under its nickname, on top of
//! [`nut_certutil::rotate`].

use std::path::Path;

use anyhow::Result;
use nut_certutil::rotate;

use super::database;
use super::io::PasswordSource;

/// `renew` arguments.
#[derive(Debug, clap::Args)]
pub struct RenewArgs {
    /// Nickname of the certificate to re-issue (issued by a CA of this database).
    nickname: String,
    /// Make a new key instead of keeping the old one.
    #[arg(long)]
    new_key: bool,
    /// Validity in months.
    #[arg(long, default_value_t = 12)]
    months: u32,
}

/// `renew`.
pub fn run(dir: &Path, pw: &PasswordSource, a: RenewArgs) -> Result<()> {
    let mut store = database::open(dir)?;
    let cipher = pw.unlock(&store)?;
    let r = rotate::renew(&mut store, &cipher, &a.nickname, a.new_key, a.months)?;
    println!(
        "re-issued \"{}\" (serial {}, {} key) signed by \"{}\"; the old certificate (serial {}) \
         is now \"{}\": reload upsd, then `revoke \"{}\"`",
        a.nickname,
        r.new_serial,
        if a.new_key { "new" } else { "same" },
        r.ca,
        r.old_serial,
        r.old_nickname,
        r.old_nickname
    );
    Ok(())
}
