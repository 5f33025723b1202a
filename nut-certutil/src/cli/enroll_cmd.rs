//! `enroll upsmon|upsd`: issue an identity for a new host with a CA of this database and write
//! everything that host needs into one directory: its own certificate database (an rnut store,
//! PEM files for an OpenSSL-built C NUT, or an NSS database for an NSS-built one) holding its
//! key, its certificate and the CA; the config lines to paste (`upsmon.conf.tls` or
//! `upsd.conf.tls`); and the database password in `password` (mode 0600). The CA's database
//! keeps the certificate under the host's name (to revoke it later). Keys that must never
//! leave their host keep the `request` / `sign` flow instead.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use nut_certutil::keys::{KeyAlgorithm, PrivateKey, random_hex};
use nut_certutil::pem;
use nut_certutil::pki::{self, CertProfile, CertRole};
use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;

use super::database;
use super::io::PasswordSource;

/// Which side the new host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Side {
    /// A monitoring (secondary or primary) host: a client certificate.
    Upsmon,
    /// A upsd host: a server certificate.
    Upsd,
}

/// What kind of certificate database the host gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An rnut store (`certdb/`): for rnut.
    Store,
    /// PEM files (`ca.pem`, `identity.pem`): for rnut or an OpenSSL-built C NUT.
    Pem,
    /// An NSS database (`nssdb/`): for an NSS-built C NUT (Debian's).
    Nss,
}

/// `enroll` arguments.
#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// upsmon (client certificate) or upsd (server certificate).
    #[arg(value_enum)]
    side: Side,
    /// Nickname of the CA (in this database) that issues the identity.
    #[arg(long, short = 'c')]
    ca: String,
    /// The new host's name: the certificate's CN (and DNS SAN) and its nickname.
    #[arg(long = "name")]
    name: String,
    /// Extra SANs (upsd: the names and addresses clients connect to).
    #[arg(long)]
    san: Vec<String>,
    /// Directory to write (must not exist or be empty).
    #[arg(long = "out", short = 'o')]
    out: PathBuf,
    /// Where the directory will live on the new host (the config lines name it); default:
    /// --out, made absolute.
    #[arg(long = "install-dir")]
    install_dir: Option<PathBuf>,
    /// Certificate database kind.
    #[arg(long, value_enum, default_value = "store")]
    format: Format,
    /// upsmon: the server it monitors, HOST[:PORT], for a CERTHOST line.
    #[arg(long)]
    server: Option<String>,
    /// upsmon: the name in that server's certificate (CERTHOST); default: the host.
    #[arg(long = "server-name")]
    server_name: Option<String>,
    /// Validity in months.
    #[arg(long, default_value_t = 12)]
    months: u32,
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn make_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let empty = std::fs::read_dir(out)
            .with_context(|| format!("cannot read {}", out.display()))?
            .next()
            .is_none();
        if !empty {
            bail!("{} is not empty: give a new directory", out.display());
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o750))?;
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o750)
        .create(out)
        .with_context(|| format!("cannot create {}", out.display()))
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    super::io::write_output(Some(path), text.as_bytes(), 0o600)
}

/// A host name for `--name`: it becomes a CN, a nickname and a quoted word of the config
/// lines, so separators, quotes and control characters are refused.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !ok {
        bail!(
            "--name '{}' is not a host name (letters, digits, '.', '-', '_')",
            name.escape_debug()
        );
    }
    Ok(())
}

/// `enroll`.
pub fn run(dir: &Path, pw: &PasswordSource, a: EnrollArgs) -> Result<()> {
    check_name(&a.name)?;
    if !(1..=nut_certutil::rotate::MAX_MONTHS).contains(&a.months) {
        bail!(
            "--months {} is out of range (1..={})",
            a.months,
            nut_certutil::rotate::MAX_MONTHS
        );
    }
    let mut ca_store = database::open(dir)?;
    let cipher = pw.unlock(&ca_store)?;
    if ca_store.find_certificate(&a.name)?.is_some() {
        bail!(
            "nickname \"{}\" is already used in {}: the CA keeps what it issued under the host's name",
            a.name,
            dir.display()
        );
    }
    let ca = ca_store.certificate(&a.ca)?;
    let ca_key = ca_store.key_for_certificate(&cipher, &a.ca)?;
    let role = match a.side {
        Side::Upsmon => CertRole::Client,
        Side::Upsd => CertRole::Server,
    };
    let mut profile = CertProfile::for_months(role, a.months);
    profile.sans = a.san.clone();
    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256)?;
    let subject = format!("CN={}", a.name);
    let der = pki::issue(&key, &subject, &profile, &ca.der, &ca_key)?;

    make_out_dir(&a.out)?;
    // The CA host keeps the certificate (not the key): to revoke or renew it by name later.
    ca_store.add_certificate(&a.name, &der, TrustFlags::NONE)?;
    let install = match &a.install_dir {
        Some(p) => p.clone(),
        None => std::path::absolute(&a.out)?,
    };
    let password = random_hex(16)?;
    write_private(&a.out.join("password"), &format!("{password}\n"))?;
    // upsd verifies client certificates with T; upsmon verifies servers with C.
    let ca_trust = match a.side {
        Side::Upsmon => "C,,",
        Side::Upsd => "CT,,",
    };
    let nick = a.name.as_str();
    let mut lines = format!(
        "# {} TLS lines for {nick}, written by nut-certutil enroll (CA \"{}\")\n",
        match a.side {
            Side::Upsmon => "upsmon.conf",
            Side::Upsd => "upsd.conf",
        },
        a.ca
    );
    let build_store = |at: &Path| -> Result<()> {
        let mut s = Store::create_with_kdf(at, &password, database::kdf_iterations())?;
        let c = s.unlock(&password)?;
        s.add_certificate(&a.ca, &ca.der, ca_trust.parse::<TrustFlags>()?)?;
        s.add_certificate_with_key(&c, nick, &der, TrustFlags::NONE, &key)?;
        Ok(())
    };
    match a.format {
        Format::Store => {
            build_store(&a.out.join("certdb"))?;
            lines.push_str(&format!(
                "CERTPATH {}\nCERTIDENT {} {}\n",
                quote(&install.join("certdb").display().to_string()),
                quote(nick),
                quote(&password)
            ));
        }
        Format::Nss => {
            let staging = a.out.join(".staging");
            build_store(&staging)?;
            let staged = Store::open(&staging)?;
            let pwfile = a.out.join("password");
            let src = PasswordSource {
                file: Some(pwfile),
                ..Default::default()
            };
            let to = a.out.join("nssdb");
            let written =
                super::export_nss::run(&staged, &src, &to.display().to_string(), &password, &[]);
            drop(staged);
            std::fs::remove_dir_all(&staging)?;
            written?;
            lines.push_str(&format!(
                "CERTPATH {}\nCERTIDENT {} {}\n",
                quote(&install.join("nssdb").display().to_string()),
                quote(nick),
                quote(&password)
            ));
        }
        Format::Pem => {
            // No database, so no password: the key file is the secret (0600).
            std::fs::remove_file(a.out.join("password"))?;
            super::io::write_output(
                Some(&a.out.join("ca.pem")),
                pem::encode("CERTIFICATE", &ca.der).as_bytes(),
                0o644,
            )?;
            write_private(
                &a.out.join("identity.pem"),
                &(pem::encode("CERTIFICATE", &der)
                    + &pem::encode("CERTIFICATE", &ca.der)
                    + &pem::encode("PRIVATE KEY", key.pkcs8_der())),
            )?;
            lines.push_str(&format!(
                "CERTPATH {}\nCERTFILE {}\n",
                quote(&install.join("ca.pem").display().to_string()),
                quote(&install.join("identity.pem").display().to_string())
            ));
        }
    }
    match a.side {
        Side::Upsmon => {
            if let Some(server) = &a.server {
                let host = server
                    .rsplit_once(':')
                    .filter(|(_, p)| p.parse::<u16>().is_ok())
                    .map_or(server.as_str(), |(h, _)| h);
                let name = a.server_name.as_deref().unwrap_or(host);
                lines.push_str(&format!("CERTHOST {server} {} 1 1\n", quote(name)));
            }
            lines.push_str("CERTVERIFY 1\nFORCESSL 1\n");
        }
        Side::Upsd => lines.push_str("CERTREQUEST REQUIRE\n"),
    }
    let conf_name = match a.side {
        Side::Upsmon => "upsmon.conf.tls",
        Side::Upsd => "upsd.conf.tls",
    };
    // The lines carry the database password (CERTIDENT): 0600.
    write_private(&a.out.join(conf_name), &lines)?;
    println!(
        "enrolled \"{nick}\" (signed by \"{}\") in {}: copy the directory to {} on the new host, \
         paste {conf_name} into its config, and make it readable by the user NUT runs as",
        a.ca,
        a.out.display(),
        install.display()
    );
    Ok(())
}
