//! The operations both command-line dialects (NSS flags and plain subcommands) share.

use std::path::Path;

use anyhow::{Context, Result, bail};
use nut_certutil::certinfo::{CertInfo, format_time};
use nut_certutil::der::pem;
use nut_certutil::keys::{DEFAULT_KDF_ITERATIONS, KeyAlgorithm, PrivateKey};
use nut_certutil::pki::{self, CertProfile, CertRole, add_months};
use nut_certutil::store::{AddOutcome, CertRecord, Store, strip_db_prefix};
use nut_certutil::trust::TrustFlags;
use time::OffsetDateTime;

use super::io::{PasswordSource, write_output};

/// The store directory from `-d` (with NSS's `sql:`/`dbm:` prefixes removed).
pub fn store_dir(d: Option<&str>) -> Result<std::path::PathBuf> {
    match d {
        Some(d) => Ok(std::path::PathBuf::from(strip_db_prefix(d))),
        None => bail!("no certificate database directory: give -d DIR"),
    }
}

/// Open an existing store for changes.
pub fn open(dir: &Path) -> Result<Store> {
    Ok(Store::open(dir)?)
}

/// Open an existing store for reading only (works with read access alone, e.g. as the `nut`
/// group member that upsd runs as).
pub fn open_ro(dir: &Path) -> Result<Store> {
    Ok(Store::open_read_only(dir)?)
}

/// PBKDF2 iterations for new stores: `NUT_CERTUTIL_KDF_ITERATIONS` (at least 1000; meant for
/// test suites that create many throw-away stores), else the library default.
pub fn kdf_iterations() -> u32 {
    std::env::var("NUT_CERTUTIL_KDF_ITERATIONS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map(|n| n.max(1000))
        .unwrap_or(DEFAULT_KDF_ITERATIONS)
}

/// Create a store.
pub fn create(dir: &Path, pw: &PasswordSource) -> Result<Store> {
    if Store::exists(dir) {
        bail!("a certificate database already exists in {}", dir.display());
    }
    let password = pw.new_password(false)?;
    Ok(Store::create_with_kdf(dir, &password, kdf_iterations())?)
}

/// What a new certificate should be.
#[derive(Debug, Clone)]
pub struct NewCert {
    /// Subject string.
    pub subject: String,
    /// Role (extensions).
    pub role: CertRole,
    /// Validity in months.
    pub months: u32,
    /// Months to shift the start of validity (NSS `-w`).
    pub warp: i32,
    /// Serial.
    pub serial: Option<u64>,
    /// Extra SANs.
    pub sans: Vec<String>,
    /// Key type.
    pub key: KeyAlgorithm,
}

/// Longest validity and largest `-w` shift accepted, in months (100 years).
pub const MAX_MONTHS: i64 = 1200;

impl NewCert {
    /// The issuing profile; an out-of-range validity (`-v`) or shift (`-w`) is refused as NSS
    /// refuses it.
    pub fn profile(&self) -> Result<CertProfile> {
        if self.months == 0 || i64::from(self.months) > MAX_MONTHS {
            bail!(
                "incorrect validity period: -v {} (expected 1 to {MAX_MONTHS} months)",
                self.months
            );
        }
        if i64::from(self.warp).abs() > MAX_MONTHS {
            bail!(
                "incorrect validity period: -w {} (expected -{MAX_MONTHS} to {MAX_MONTHS} months)",
                self.warp
            );
        }
        let mut start = OffsetDateTime::now_utc() - time::Duration::minutes(1);
        if self.warp > 0 {
            start = add_months(start, self.warp as u32);
        } else if self.warp < 0 {
            start -= time::Duration::days(30 * i64::from(-self.warp));
        }
        Ok(CertProfile {
            role: self.role,
            not_before: start,
            not_after: add_months(start, self.months),
            serial: self.serial,
            sans: self.sans.clone(),
        })
    }
}

/// A new key and a certificate for it in the store: self-signed, or signed by `issuer`.
pub fn create_certificate(
    store: &mut Store,
    pw: &PasswordSource,
    nickname: &str,
    trust: TrustFlags,
    issuer: Option<&str>,
    spec: &NewCert,
) -> Result<CertRecord> {
    if store.find_certificate(nickname)?.is_some() {
        bail!(
            "nickname \"{nickname}\" is already used in {}",
            store.dir().display()
        );
    }
    let cipher = pw.unlock(store)?;
    let key = PrivateKey::generate(spec.key)?;
    let profile = spec.profile()?;
    let der = match issuer {
        None => pki::self_signed(&key, &spec.subject, &profile)?,
        Some(issuer) => {
            let ca = store.certificate(issuer)?;
            let ca_key = store.key_for_certificate(&cipher, issuer)?;
            pki::issue(&key, &spec.subject, &profile, &ca.der, &ca_key)?
        }
    };
    store.add_certificate_with_key(&cipher, nickname, &der, trust, &key)?;
    Ok(store.certificate(nickname)?)
}

/// A new key kept in the store and a PKCS#10 request for it (DER).
pub fn create_request(
    store: &mut Store,
    pw: &PasswordSource,
    subject: &str,
    sans: &[String],
    alg: KeyAlgorithm,
) -> Result<Vec<u8>> {
    let cipher = pw.unlock(store)?;
    let key = PrivateKey::generate(alg)?;
    let der = pki::make_request(&key, subject, sans)?;
    store.add_key(&cipher, &key)?;
    Ok(der)
}

/// Sign a request file with the CA `issuer` of the store.
pub fn sign_request(
    store: &Store,
    pw: &PasswordSource,
    issuer: &str,
    request: &[u8],
    spec: &NewCert,
) -> Result<Vec<u8>> {
    let req_der =
        nut_certutil::pem::request(request).context("no certificate request found in the input")?;
    let info = pki::read_request(&req_der)?;
    let ca = store.certificate(issuer)?;
    let cipher = pw.unlock(store)?;
    let ca_key = store.key_for_certificate(&cipher, issuer)?;
    Ok(pki::sign_request(
        &info,
        &spec.profile()?,
        &ca.der,
        &ca_key,
    )?)
}

/// Import the first certificate of `data` (PEM or DER). If the file also holds the private key
/// of that certificate (a CERTFILE PEM), import the key too; further certificates of a chain
/// are imported as `<nickname> #2`, ... when not already present. All in one transaction.
pub fn import(
    store: &mut Store,
    pw: &PasswordSource,
    nickname: &str,
    data: &[u8],
    trust: TrustFlags,
) -> Result<AddOutcome> {
    let certs = nut_certutil::pem::certificates(data);
    let first = certs.first().context("no certificate found in the input")?;
    CertInfo::parse(first)?;
    let chain: Vec<Vec<u8>> = certs[1..].to_vec();
    // Trust is written with its MAC, keyed by the database password.
    if trust.without_user() != TrustFlags::NONE && !store.is_unlocked() {
        pw.unlock(store)?;
    }
    let outcome = match nut_certutil::pem::private_key(data) {
        Some(k) => {
            let key = PrivateKey::from_key_der(&k)?;
            let cipher = pw.unlock(store)?;
            store.add_certificate_chain(nickname, first, trust, Some((&cipher, &key)), &chain)?
        }
        None => store.add_certificate_chain(nickname, first, trust, None, &chain)?,
    };
    Ok(outcome)
}

/// What `import-nss` did.
#[derive(Debug, Default)]
pub struct NssImport {
    /// (nickname, subject, trust as listed, with its key).
    pub imported: Vec<(String, String, String)>,
    /// Notes of the reader and of this import.
    pub notes: Vec<String>,
}

/// The password of an NSS database: from `file` (first line; NSS's `NSS Certificate DB:` or
/// `internal:` token prefix removed), else none (an empty-password database), asking on
/// the terminal when the database turns out to have one.
fn nss_contents(
    dir: &std::path::Path,
    file: Option<&std::path::Path>,
) -> Result<nut_certutil::nssdb::NssContents> {
    use nut_certutil::nssdb::{self, NssError};
    if let Some(f) = file {
        let line = super::io::read_password_file(f)?;
        let pw = ["NSS Certificate DB:", "internal:"]
            .iter()
            .find_map(|p| line.strip_prefix(p))
            .unwrap_or(&line);
        return Ok(nssdb::read(dir, Some(pw))?);
    }
    match nssdb::read(dir, None) {
        Err(NssError::NeedPassword) => {
            let pw = super::io::prompt_hidden(&format!(
                "Enter the password of the NSS database {}: ",
                dir.display()
            ))
            .context("the NSS database has a password: give it with --from-password-file FILE")?;
            Ok(nssdb::read(dir, Some(&pw))?)
        }
        other => Ok(other?),
    }
}

/// Import the certificates (with their trust) and the private keys of an NSS database into
/// the store; `only`: these nicknames (all when empty).
pub fn import_nss(
    store: &mut Store,
    pw: &PasswordSource,
    from: &str,
    from_password_file: Option<&std::path::Path>,
    only: &[String],
) -> Result<NssImport> {
    let dir = nut_certutil::nssdb::locate(from)?;
    let contents = nss_contents(&dir, from_password_file)?;
    let mut report = NssImport {
        notes: contents.notes,
        ..NssImport::default()
    };
    for wanted in only {
        if !contents.certs.iter().any(|c| &c.nickname == wanted) {
            bail!(
                "no certificate \"{wanted}\" in the NSS database {}",
                dir.display()
            );
        }
    }
    // NSS lets several certificates share a nickname (a renewal); the store does not: the
    // newest one still valid (else the newest) is imported, the others are noted.
    let mut certs = contents.certs;
    let now = OffsetDateTime::now_utc();
    let rank = |der: &[u8]| {
        CertInfo::parse(der)
            .ok()
            .map(|x| (x.not_before <= now && now <= x.not_after, x.not_after))
    };
    let mut keep: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, c) in certs.iter().enumerate() {
        let better = match keep.get(&c.nickname) {
            None => true,
            Some(&j) => rank(&c.der) > rank(&certs[j].der),
        };
        if better {
            keep.insert(c.nickname.clone(), i);
        }
    }
    let mut index = 0;
    certs.retain(|c| {
        let kept = keep.get(&c.nickname) == Some(&index);
        if !kept {
            report.notes.push(format!(
                "an older certificate named \"{}\" was not imported (the store keeps one per nickname)",
                c.nickname
            ));
        }
        index += 1;
        kept
    });
    let mut cipher = None;
    for c in certs {
        if !only.is_empty() && !only.contains(&c.nickname) {
            continue;
        }
        if c.nickname.is_empty() {
            report
                .notes
                .push("a certificate without a nickname was skipped".into());
            continue;
        }
        match &c.key {
            Some(key) => {
                if cipher.is_none() {
                    cipher = Some(pw.unlock(store)?);
                }
                let cipher = cipher.as_ref().context("store unlocked")?;
                store.add_certificate_with_key(cipher, &c.nickname, &c.der, c.trust, key)?;
            }
            None => {
                // Trust is written with its MAC, keyed by this store's password.
                if c.trust.without_user() != TrustFlags::NONE && cipher.is_none() {
                    cipher = Some(pw.unlock(store)?);
                }
                store.add_certificate(&c.nickname, &c.der, c.trust)?;
            }
        }
        let rec = store.certificate(&c.nickname)?;
        report.imported.push((
            rec.nickname.clone(),
            rec.subject.clone(),
            rec.effective_trust().to_string(),
        ));
    }
    if contents.orphan_keys > 0 {
        report.notes.push(format!(
            "{} private key(s) without a certificate not imported",
            contents.orphan_keys
        ));
    }
    Ok(report)
}

/// Give the store its password when that needs no prompt (a store with an empty password, or
/// a password file given with `-f`), so that trust is read verified: trust whose MAC does not
/// check is then read as none. A wrong password in the file is an error.
pub fn unlock_for_trust(store: &Store, pw: &PasswordSource) -> Result<()> {
    if store.is_unlocked() {
        return Ok(());
    }
    if store.has_empty_password() {
        store.unlock("")?;
    } else if pw.file.is_some() {
        pw.unlock(store)?;
    }
    Ok(())
}

/// Write the store's certificates (with trust) and their keys into a new NSS database for
/// C NUT; `only`: these nicknames (all when empty). Returns the nicknames written.
pub fn export_nss(
    store: &Store,
    pw: &PasswordSource,
    to: &str,
    to_password: &str,
    only: &[String],
) -> Result<Vec<String>> {
    use nut_certutil::nssdb::write::{ExportItem, write};
    let dir = std::path::PathBuf::from(nut_certutil::store::strip_db_prefix(to));
    // Only verified trust goes into the NSS database (where it would be signed anew).
    let cipher = pw.unlock(store)?;
    let records: Vec<_> = store
        .certificates()?
        .into_iter()
        .filter(|r| only.is_empty() || only.contains(&r.nickname))
        .collect();
    for wanted in only {
        if !records.iter().any(|r| &r.nickname == wanted) {
            bail!("no certificate \"{wanted}\" in the store");
        }
    }
    let mut keys = Vec::new();
    if records.iter().any(|r| r.has_key) {
        for r in &records {
            let key = if r.has_key {
                Some(store.key_for_certificate(&cipher, &r.nickname)?)
            } else {
                None
            };
            // NSS keys are RSA or EC here: another kind stays behind, its certificate goes.
            let key = key.filter(|k| {
                let ok = matches!(
                    k.algorithm(),
                    KeyAlgorithm::Rsa(_) | KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384
                );
                if !ok {
                    eprintln!(
                        "note: the key of \"{}\" ({}) is not exported: NSS export takes RSA and EC keys",
                        r.nickname,
                        k.algorithm().short_name()
                    );
                }
                ok
            });
            keys.push(key);
        }
    } else {
        keys.resize_with(records.len(), || None);
    }
    let items: Vec<ExportItem<'_>> = records
        .iter()
        .zip(&keys)
        .map(|(r, k)| ExportItem {
            nickname: &r.nickname,
            der: &r.der,
            trust: r.trust,
            key: k.as_ref(),
        })
        .collect();
    write(&dir, to_password, &items)?;
    Ok(records.into_iter().map(|r| r.nickname).collect())
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

/// Export a certificate as PEM or DER.
pub fn export_cert(rec: &CertRecord, ascii: bool, out: Option<&Path>) -> Result<()> {
    if ascii {
        write_output(out, pem("CERTIFICATE", &rec.der).as_bytes(), 0o644)
    } else {
        write_output(out, &rec.der, 0o644)
    }
}

/// An OpenSSL-style CERTFILE: the certificate, its chain (without the root), then the key.
pub fn export_certfile(
    store: &Store,
    pw: &PasswordSource,
    nickname: &str,
    out: Option<&Path>,
) -> Result<()> {
    let chain = store.chain(nickname)?;
    let cipher = pw.unlock(store)?;
    let key = store.key_for_certificate(&cipher, nickname)?;
    let mut text = zeroize::Zeroizing::new(String::new());
    for (i, c) in chain.iter().enumerate() {
        if i > 0 && c.subject == c.issuer {
            break;
        }
        text.push_str(&pem("CERTIFICATE", &c.der));
    }
    text.push_str(&pem("PRIVATE KEY", key.pkcs8_der()));
    write_output(out, text.as_bytes(), 0o640)
}

/// A directory of CA certificates named by OpenSSL subject hash (`<hash>.0`, `.1` on
/// collision), for clients built with OpenSSL. Exports the CAs trusted with C (and P peers).
pub fn export_ca_dir(store: &Store, dir: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for rec in store.certificates()? {
        let ssl = rec.trust.ssl;
        if !(ssl.trusted_server_ca() || ssl.trusted_peer()) || ssl.distrusted() {
            continue;
        }
        let info = rec.info()?;
        let mut n = 0;
        let name = loop {
            let candidate = format!("{:08x}.{n}", info.subject_hash);
            let path = dir.join(&candidate);
            match std::fs::read(&path) {
                Ok(existing)
                    if nut_certutil::pem::certificates(&existing).first() == Some(&rec.der) =>
                {
                    break candidate;
                }
                Ok(_) => n += 1,
                Err(_) => break candidate,
            }
        };
        write_output(
            Some(&dir.join(&name)),
            pem("CERTIFICATE", &rec.der).as_bytes(),
            0o644,
        )?;
        written.push(name);
    }
    Ok(written)
}
