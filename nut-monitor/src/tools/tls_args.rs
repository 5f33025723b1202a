//! TLS options shared by upsc, upscmd and upsrw. C NUT's tools take their TLS settings only
//! from the environment of their build; rnut's take them on the command line or from an
//! upsmon.conf-style file (`-C`), whose CERTPATH, CERTIDENT, CERTFILE, CERTHOST, CERTVERIFY
//! and FORCESSL directives are used (everything else in it is ignored). Command-line options
//! override the file.

use std::path::PathBuf;

use nut_certutil::tls::{CertHostRule, CertIdent};
use nut_core::config::{Secret, parse_certhost_target};

use crate::client::ConnectOptions;

/// The TLS options.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// Read CERTPATH/CERTIDENT/CERTFILE/CERTHOST/CERTVERIFY/FORCESSL from this
    /// upsmon.conf-style file.
    #[arg(short = 'C', long = "tls-config", value_name = "file")]
    pub config: Option<PathBuf>,
    /// Trusted CAs: a certificate store, a directory of PEM files, or a PEM bundle.
    #[arg(long = "certpath", value_name = "path")]
    pub certpath: Option<PathBuf>,
    /// Client certificate: nickname in the store (or CERTFILE name) and its password.
    #[arg(long = "certident", num_args = 2, value_names = ["name", "password"])]
    pub certident: Option<Vec<String>>,
    /// Client certificate chain and key (PEM).
    #[arg(long = "certfile", value_name = "file")]
    pub certfile: Option<PathBuf>,
    /// Per-server rule: host[:port] certname certverify(0|1) forcessl(0|1). Repeatable.
    #[arg(long = "certhost", num_args = 4, value_names = ["host[:port]", "certname", "certverify", "forcessl"], action = clap::ArgAction::Append)]
    pub certhost: Vec<String>,
    /// Verify server certificates (needs --certpath).
    #[arg(long = "certverify")]
    pub certverify: bool,
    /// Refuse to talk without TLS.
    #[arg(long = "forcessl")]
    pub forcessl: bool,
    /// Never try STARTTLS (unless --forcessl).
    #[arg(long = "no-starttls")]
    pub no_starttls: bool,
    /// Network timeout in seconds.
    #[arg(long = "timeout", value_name = "secs", default_value_t = 10)]
    pub timeout: u64,
}

impl TlsArgs {
    /// The connect options these arguments describe.
    pub fn connect_options(&self) -> anyhow::Result<ConnectOptions> {
        // Without a config file, CERTVERIFY and FORCESSL are defaults that a store CERTPATH's
        // policy may decide; the options below (and a config file's directives) win.
        let mut s = crate::upsmon::settings::tls_settings_or_defaults(self.config.as_deref())?;
        if let Some(p) = &self.certpath {
            s.certpath = Some(p.clone());
        }
        if let Some(ident) = &self.certident {
            s.certident = Some(CertIdent {
                name: ident.first().cloned().unwrap_or_default(),
                password: Secret::from(ident.get(1).map_or("", String::as_str)),
            });
        }
        if let Some(f) = &self.certfile {
            s.certfile = Some(f.clone());
        }
        for rule in self.certhost.chunks(4) {
            let [hostport, name, verify, force] = rule else {
                anyhow::bail!("--certhost needs 4 values");
            };
            let (host, port) = parse_certhost_target(hostport)
                .map_err(|_| anyhow::anyhow!("--certhost: invalid host {hostport:?}"))?;
            s.certhosts.push(CertHostRule {
                host,
                port,
                cert_name: name.clone(),
                certverify: zero_one(verify)?,
                forcessl: zero_one(force)?,
            });
        }
        if self.certverify {
            s.certverify = Some(true);
        }
        if self.forcessl {
            s.forcessl = Some(true);
        }
        Ok(ConnectOptions {
            timeout: std::time::Duration::from_secs(self.timeout.max(1)),
            tls: Some(s),
            tryssl: !self.no_starttls,
            ..ConnectOptions::default()
        })
    }
}

fn zero_one(v: &str) -> anyhow::Result<bool> {
    match v {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => anyhow::bail!("--certhost: expected 0 or 1, got {v:?}"),
    }
}
