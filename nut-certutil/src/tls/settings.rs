//! The TLS settings upsd and the clients build their rustls configs from, made from a parsed
//! config file in one place (`From<&UpsdConf>`, `From<&UpsmonConf>`). A field the file does
//! not set is `None`: a store CERTPATH's policy may then decide it; a field the file sets
//! always wins over the store.

use std::path::PathBuf;

use nut_core::config::{CertHostRule, CertIdent, CertRequest, UpsdConf, UpsmonConf};

/// upsd's TLS settings. `Debug` never shows the CERTIDENT password.
#[derive(Debug, Clone, Default)]
pub struct ServerTlsSettings {
    /// CERTPATH: a store (NSS style) or, with CERTFILE, CAs for client verification.
    pub certpath: Option<PathBuf>,
    /// CERTIDENT: the nickname in the store (or the name the CERTFILE certificate must match)
    /// and the store password.
    pub certident: Option<CertIdent>,
    /// CERTFILE: PEM with the certificate chain, then the private key.
    pub certfile: Option<PathBuf>,
    /// CERTREQUEST; `None`: the store's policy, else NO.
    pub certrequest: Option<CertRequest>,
}

impl From<&UpsdConf> for ServerTlsSettings {
    fn from(c: &UpsdConf) -> ServerTlsSettings {
        ServerTlsSettings {
            certpath: c.certpath.clone(),
            certident: c.certident.clone(),
            certfile: c.certfile.clone(),
            certrequest: c.certrequest,
        }
    }
}

/// A client's TLS settings (upsmon, upsc, upscmd, upsrw, a repeater). `Debug` never shows the
/// CERTIDENT password.
#[derive(Debug, Clone, Default)]
pub struct ClientTlsSettings {
    /// CERTPATH: a store, a directory of PEM CA files, or a PEM bundle.
    pub certpath: Option<PathBuf>,
    /// CERTIDENT: the client certificate's nickname (or CERTFILE name) and the store password.
    pub certident: Option<CertIdent>,
    /// CERTFILE: client certificate chain then key, PEM.
    pub certfile: Option<PathBuf>,
    /// CERTHOST rules (see [`nut_core::config::find_certhost`]).
    pub certhosts: Vec<CertHostRule>,
    /// CERTVERIFY; `None`: the store's policy, else off.
    pub certverify: Option<bool>,
    /// FORCESSL; `None`: the store's policy, else off.
    pub forcessl: Option<bool>,
}

impl From<&UpsmonConf> for ClientTlsSettings {
    fn from(c: &UpsmonConf) -> ClientTlsSettings {
        ClientTlsSettings {
            certpath: c.certpath.clone(),
            certident: c.certident.clone(),
            certfile: c.certfile.clone(),
            certhosts: c.certhosts.clone(),
            certverify: c.certverify,
            forcessl: c.forcessl,
        }
    }
}

impl ClientTlsSettings {
    /// The CERTIDENT nickname, when one is given and not empty.
    pub fn certident_name(&self) -> Option<&str> {
        self.certident
            .as_ref()
            .map(|c| c.name.as_str())
            .filter(|n| !n.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Neither the configs nor the settings made from them show a password (issue 13,
    /// finding 8).
    #[test]
    fn debug_of_configs_and_settings_shows_no_secret() {
        let mon = UpsmonConf::parse(
            "MONITOR a@h 1 u monpass primary\nCERTPATH /x\nCERTIDENT 'client' 'idpass'\nCERTVERIFY 1\n",
            Path::new("upsmon.conf"),
        )
        .expect("upsmon.conf");
        let upsd = UpsdConf::parse(
            "CERTPATH /x\nCERTIDENT srv srvpass\n",
            Path::new("upsd.conf"),
        )
        .expect("upsd.conf");
        let client = ClientTlsSettings::from(&mon);
        let server = ServerTlsSettings::from(&upsd);
        assert_eq!(client.certverify, Some(true));
        assert_eq!(client.forcessl, None);
        assert_eq!(client.certident_name(), Some("client"));
        assert_eq!(server.certrequest, None);
        let all = format!("{mon:?} {upsd:?} {client:?} {server:?}");
        for secret in ["monpass", "idpass", "srvpass"] {
            assert!(!all.contains(secret), "{secret} in {all}");
        }
        assert!(all.contains("<redacted>"));
    }
}
