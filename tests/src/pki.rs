//! The one test PKI of the suite, made with nut-certutil's own library (the tests dog-food
//! it): [`Ca`], a CA that issues certificates, and [`TestPki`], a CA with a server certificate
//! for localhost/127.0.0.1 (CN "My nut server"), a client certificate and a rogue CA with its
//! own client, as an rnut store, as PEM files (CERTFILE, CA bundles, client CERTFILE) and as
//! rustls client configs. (`crate::lifecycle::CliPki` makes its PKI with the `nut-certutil`
//! command line instead, as an administrator would: what those tests check.)

use std::path::{Path, PathBuf};
use std::sync::Arc;

use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
use nut_certutil::pem::encode as pem;
use nut_certutil::pki::{CertProfile, CertRole, issue, self_signed};
use nut_certutil::rustls;
use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A CA: its key and DER.
#[derive(Debug)]
pub struct Ca {
    pub key: PrivateKey,
    pub der: Vec<u8>,
    pub subject: String,
}

impl Ca {
    /// A self-signed CA (P-256, one year).
    pub fn new(subject: &str) -> Ca {
        let key = new_key();
        let der = self_signed(
            &key,
            subject,
            &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
        )
        .expect("ca");
        Ca {
            key,
            der,
            subject: subject.to_string(),
        }
    }

    /// Issue a certificate for a new key.
    pub fn issue(&self, subject: &str, profile: &CertProfile) -> (PrivateKey, Vec<u8>) {
        let key = new_key();
        let der = issue(&key, subject, profile, &self.der, &self.key).expect("issue");
        (key, der)
    }
}

fn new_key() -> PrivateKey {
    PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key")
}

/// A one-year server profile for `sans`.
fn server_profile(sans: &[&str]) -> CertProfile {
    let mut profile = CertProfile::for_months(CertRole::Server, 12);
    profile.sans = sans.iter().map(|s| s.to_string()).collect();
    profile
}

pub const STORE_PASSWORD: &str = "st0re pass";
pub const SERVER_NICK: &str = "My nut server";

#[derive(Debug)]
pub struct TestPki {
    pub ca_key: PrivateKey,
    pub ca_der: Vec<u8>,
    /// A CA nobody trusts (`rogue-ca.pem`), and a client certificate it issued.
    pub rogue_ca_der: Vec<u8>,
    pub server_key: PrivateKey,
    pub server_der: Vec<u8>,
    pub client_key: PrivateKey,
    pub client_der: Vec<u8>,
    /// A client certificate from a CA the server does not trust.
    pub rogue_key: PrivateKey,
    pub rogue_der: Vec<u8>,
    /// Where [`Self::in_dir`] wrote the PEM files.
    pub dir: Option<PathBuf>,
}

impl TestPki {
    /// Generate everything (in memory).
    pub fn new() -> TestPki {
        let ca = Ca::new("CN=rnut test CA,O=rnut");
        let (server_key, server_der) = ca.issue(
            "CN=My nut server,O=rnut",
            &server_profile(&["localhost", "127.0.0.1"]),
        );
        let client = CertProfile::for_months(CertRole::Client, 12);
        let (client_key, client_der) = ca.issue("CN=upsmon client,O=rnut", &client);
        let rogue_ca = Ca::new("CN=rogue CA");
        let (rogue_key, rogue_der) = rogue_ca.issue("CN=rogue client", &client);
        TestPki {
            ca_key: ca.key,
            ca_der: ca.der,
            rogue_ca_der: rogue_ca.der,
            server_key,
            server_der,
            client_key,
            client_der,
            rogue_key,
            rogue_der,
            dir: None,
        }
    }

    /// [`Self::new`], with the PEM files in `dir`: `ca.pem`, `rogue-ca.pem`, `upsd.pem` (a
    /// CERTFILE: server certificate, CA, key) and `client.pem` (certificate and key).
    pub fn in_dir(dir: &Path) -> TestPki {
        let mut pki = TestPki::new();
        std::fs::create_dir_all(dir).expect("mkdir");
        pki.dir = Some(dir.to_path_buf());
        pki.write_ca_bundle(&dir.join("ca.pem"));
        crate::write_file(
            &dir.join("rogue-ca.pem"),
            &pem("CERTIFICATE", &pki.rogue_ca_der),
            0o640,
        );
        pki.write_certfile(&dir.join("upsd.pem"));
        crate::write_file(
            &dir.join("client.pem"),
            &(pem("CERTIFICATE", &pki.client_der)
                + &pem("PRIVATE KEY", pki.client_key.pkcs8_der())),
            0o640,
        );
        pki
    }

    /// The directory of [`Self::in_dir`].
    pub fn dir(&self) -> &Path {
        self.dir.as_deref().expect("a TestPki made by in_dir")
    }

    /// The path of file `name` in [`Self::dir`], as text (for config lines).
    pub fn file(&self, name: &str) -> String {
        self.dir()
            .join(name)
            .to_str()
            .expect("utf-8 path")
            .to_string()
    }

    /// A CERTFILE `name` in [`Self::dir`] for upsd (certificate, CA, key) holding a server
    /// certificate for `subject` and `sans` from the test CA, its DER passed through `shape`
    /// first. Returns the path and the certificate as issued (before `shape`).
    pub fn server_certfile(
        &self,
        name: &str,
        subject: &str,
        sans: &[&str],
        shape: impl FnOnce(Vec<u8>) -> Vec<u8>,
    ) -> (String, Vec<u8>) {
        let key = new_key();
        let issued = issue(
            &key,
            subject,
            &server_profile(sans),
            &self.ca_der,
            &self.ca_key,
        )
        .expect("server");
        let text = pem("CERTIFICATE", &shape(issued.clone()))
            + &pem("CERTIFICATE", &self.ca_der)
            + &pem("PRIVATE KEY", key.pkcs8_der());
        crate::write_file(&self.dir().join(name), &text, 0o640);
        (self.file(name), issued)
    }

    /// An rnut store in `dir`: the CA trusted for server and client certificates (`CT,,`),
    /// the server certificate with its key under SERVER_NICK.
    pub fn write_store(&self, dir: &Path) {
        std::fs::create_dir_all(dir).expect("mkdir");
        let mut store = Store::create(dir, STORE_PASSWORD).expect("create store");
        let cipher = store.unlock(STORE_PASSWORD).expect("unlock");
        store
            .add_certificate(
                "rnut test CA",
                &self.ca_der,
                "CT,,".parse::<TrustFlags>().expect("trust"),
            )
            .expect("add ca");
        store
            .add_certificate_with_key(
                &cipher,
                SERVER_NICK,
                &self.server_der,
                ",,".parse::<TrustFlags>().expect("trust"),
                &self.server_key,
            )
            .expect("add server");
    }

    /// CERTFILE: server certificate, CA, then the key, in one PEM file (mode 0640).
    pub fn write_certfile(&self, path: &Path) {
        let mut text = pem("CERTIFICATE", &self.server_der);
        text.push_str(&pem("CERTIFICATE", &self.ca_der));
        text.push_str(&pem("PRIVATE KEY", self.server_key.pkcs8_der()));
        crate::write_file(path, &text, 0o640);
    }

    /// The CA as a PEM bundle file (an OpenSSL-style CERTPATH).
    pub fn write_ca_bundle(&self, path: &Path) -> PathBuf {
        crate::write_file(path, &pem("CERTIFICATE", &self.ca_der), 0o644);
        path.to_path_buf()
    }

    /// A client config trusting the test CA, optionally presenting a certificate.
    pub fn client_config(
        &self,
        identity: Option<(&[u8], &PrivateKey)>,
    ) -> Arc<rustls::ClientConfig> {
        self.client_config_chain(identity.map(|(der, key)| (vec![der.to_vec()], key)))
    }

    /// A client config trusting the test CA, optionally presenting a chain (end entity first).
    pub fn client_config_chain(
        &self,
        identity: Option<(Vec<Vec<u8>>, &PrivateKey)>,
    ) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from(self.ca_der.clone()))
            .expect("root");
        let b = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .expect("versions")
        .with_root_certificates(roots);
        let cfg = match identity {
            Some((chain, key)) => b
                .with_client_auth_cert(
                    chain.into_iter().map(CertificateDer::from).collect(),
                    PrivateKeyDer::try_from(key.pkcs8_der().to_vec()).expect("key der"),
                )
                .expect("client auth"),
            None => b.with_no_client_auth(),
        };
        Arc::new(cfg)
    }
}

impl Default for TestPki {
    fn default() -> Self {
        Self::new()
    }
}
