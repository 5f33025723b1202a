//! `show` / NSS `-L -n NICK`: a readable description of one certificate.

use anyhow::Result;
use nut_certutil::certinfo::format_time;
use nut_certutil::store::{CertRecord, Store};

/// `show` arguments.
#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Nickname.
    nickname: String,
}

/// A readable description of a certificate (NSS `-L -n` without `-a`, and `show`).
pub fn describe(rec: &CertRecord) -> Result<String> {
    let i = rec.info()?;
    let mut s = String::new();
    s.push_str(&format!("Nickname: {}\n", rec.nickname));
    s.push_str("Certificate:\n    Data:\n        Version: 3 (0x2)\n");
    s.push_str(&format!("        Serial Number: {}\n", i.serial));
    s.push_str(&format!("        Issuer: \"{}\"\n", i.issuer));
    s.push_str(&format!(
        "        Validity:\n            Not Before: {}\n            Not After : {}\n",
        format_time(i.not_before),
        format_time(i.not_after)
    ));
    s.push_str(&format!("        Subject: \"{}\"\n", i.subject));
    s.push_str(&format!(
        "        Is a CA: {}\n",
        if i.is_ca { "yes" } else { "no" }
    ));
    let mut eku = Vec::new();
    if i.server_auth {
        eku.push("TLS server");
    }
    if i.client_auth {
        eku.push("TLS client");
    }
    s.push_str(&format!("        Usable for: {}\n", eku.join(", ")));
    let mut sans: Vec<String> = i.dns_names.iter().map(|d| format!("DNS:{d}")).collect();
    sans.extend(i.ip_addresses.iter().map(|a| format!("IP:{a}")));
    if !sans.is_empty() {
        s.push_str(&format!("        Subject Alt Names: {}\n", sans.join(", ")));
    }
    s.push_str(&format!(
        "    Fingerprint (SHA-256):\n        {}\n",
        i.fingerprint_colons()
    ));
    s.push_str(&format!(
        "    OpenSSL subject hash: {:08x}\n",
        i.subject_hash
    ));
    s.push_str(&format!(
        "    Private key in database: {}\n    Certificate Trust Flags: {}\n",
        if rec.has_key { "yes" } else { "no" },
        rec.effective_trust()
    ));
    Ok(s)
}

/// The plain `show` subcommand.
pub fn plain(store: &Store, a: ShowArgs) -> Result<()> {
    print!("{}", describe(&store.certificate(&a.nickname)?)?);
    Ok(())
}
