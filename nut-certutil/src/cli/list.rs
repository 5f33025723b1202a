//! `list` / NSS `-L` and `-K`: the certificates with their trust, or the keys.

use anyhow::Result;
use nut_certutil::store::Store;

use super::io::PasswordSource;

/// `list` arguments.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// List keys instead.
    #[arg(long)]
    keys: bool,
}

/// NSS `-L` output.
pub fn format_list(store: &Store) -> Result<String> {
    let mut out = format!(
        "\n{:<60} {:<5}\n{:<60} {:<5}\n\n",
        "Certificate Nickname", "Trust Attributes", "", "SSL,S/MIME,JAR/XPI"
    );
    for (nick, trust) in store.list_trust()? {
        out.push_str(&format!("{:<60} {:<5}\n", nick, trust.to_string()));
    }
    Ok(out)
}

/// `list` output: nickname, trust, and notAfter (marked when expired or within 30 days).
pub fn format_list_with_expiry(store: &Store) -> Result<String> {
    let now = nut_certutil::time::OffsetDateTime::now_utc();
    let soon = now
        + nut_certutil::time::Duration::days(i64::from(
            nut_certutil::tls::expiry::DEFAULT_WARN_DAYS,
        ));
    let mut out = format!(
        "{:<40} {:<10} {:<23}\n",
        "Certificate Nickname", "Trust", "Not After"
    );
    for rec in store.certificates()? {
        let mark = if rec.not_after < now {
            "  EXPIRED"
        } else if rec.not_after <= soon {
            "  expires soon"
        } else {
            ""
        };
        out.push_str(&format!(
            "{:<40} {:<10} {}{mark}\n",
            rec.nickname,
            rec.effective_trust().to_string(),
            nut_certutil::certinfo::format_time(rec.not_after)
        ));
    }
    Ok(out)
}

/// NSS `-K` output (rows; the "Checking token" line goes to stderr).
pub fn format_keys(store: &Store) -> Result<String> {
    let mut out = String::new();
    for (i, k) in store.keys()?.into_iter().enumerate() {
        let name = k
            .nickname
            .map(|n| format!("NSS Certificate DB:{n}"))
            .unwrap_or_else(|| "(orphan)".into());
        out.push_str(&format!(
            "<{:>2}> {:<8.8} {:<42} {}\n",
            i,
            k.algorithm.short_name(),
            k.key_id,
            name
        ));
    }
    Ok(out)
}

/// NSS `-K`: listing the keys needs the database password, as in NSS.
pub fn nss_keys(store: &Store, pw: &PasswordSource) -> Result<()> {
    pw.unlock(store)?;
    eprintln!(
        "certutil: Checking token \"NSS Certificate DB\" in slot \"NSS User Private Key and Certificate Services\""
    );
    print!("{}", format_keys(store)?);
    Ok(())
}

/// The plain `list` subcommand.
pub fn plain(store: &Store, a: ListArgs) -> Result<()> {
    if a.keys {
        print!("{}", format_keys(store)?);
    } else {
        print!("{}", format_list_with_expiry(store)?);
    }
    Ok(())
}
