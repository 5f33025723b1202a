//! A test PKI made with nut-certutil's library: a CA, a server certificate for
//! localhost/127.0.0.1 (CN "My nut server"), a client certificate, and a rogue CA, written as
//! PEM files (CERTFILE for upsd, CA bundles for CERTPATH, a client CERTFILE).

use std::path::{Path, PathBuf};

use nut_certutil::der::pem;
use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
use nut_certutil::pki::{CertProfile, CertRole, issue, self_signed};

#[derive(Debug)]
pub struct Pki {
    pub dir: PathBuf,
    pub ca_key: PrivateKey,
    pub ca_der: Vec<u8>,
}

impl Pki {
    /// Generate everything into `dir`.
    pub fn new(dir: &Path) -> Pki {
        let key = || PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let ca_profile = CertProfile::for_months(CertRole::Ca { path_len: None }, 12);
        let ca_key = key();
        let ca = self_signed(&ca_key, "CN=rnut monitor test CA,O=rnut", &ca_profile).expect("ca");
        let server_key = key();
        let mut sp = CertProfile::for_months(CertRole::Server, 12);
        sp.sans = vec!["localhost".into(), "127.0.0.1".into()];
        let server =
            issue(&server_key, "CN=My nut server,O=rnut", &sp, &ca, &ca_key).expect("server");
        let client_key = key();
        let client = issue(
            &client_key,
            "CN=upsmon client,O=rnut",
            &CertProfile::for_months(CertRole::Client, 12),
            &ca,
            &ca_key,
        )
        .expect("client");
        let rogue_key = key();
        let rogue = self_signed(&rogue_key, "CN=rogue CA", &ca_profile).expect("rogue");

        std::fs::create_dir_all(dir).expect("mkdir");
        let w = |name: &str, text: String| crate::write_file(&dir.join(name), &text, 0o640);
        w("ca.pem", pem("CERTIFICATE", &ca));
        w("rogue-ca.pem", pem("CERTIFICATE", &rogue));
        w(
            "upsd.pem",
            pem("CERTIFICATE", &server)
                + &pem("CERTIFICATE", &ca)
                + &pem("PRIVATE KEY", server_key.pkcs8_der()),
        );
        w(
            "client.pem",
            pem("CERTIFICATE", &client) + &pem("PRIVATE KEY", client_key.pkcs8_der()),
        );
        Pki {
            dir: dir.to_path_buf(),
            ca_key,
            ca_der: ca,
        }
    }

    /// A CERTFILE `name` for upsd (certificate, CA, key) holding a server certificate for
    /// `subject` and `sans` from the test CA, its DER passed through `shape` first. Returns the
    /// path and the certificate as issued (before `shape`).
    pub fn server_certfile(
        &self,
        name: &str,
        subject: &str,
        sans: &[&str],
        shape: impl FnOnce(Vec<u8>) -> Vec<u8>,
    ) -> (String, Vec<u8>) {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let mut profile = CertProfile::for_months(CertRole::Server, 12);
        profile.sans = sans.iter().map(|s| s.to_string()).collect();
        let issued = issue(&key, subject, &profile, &self.ca_der, &self.ca_key).expect("server");
        let text = pem("CERTIFICATE", &shape(issued.clone()))
            + &pem("CERTIFICATE", &self.ca_der)
            + &pem("PRIVATE KEY", key.pkcs8_der());
        crate::write_file(&self.dir.join(name), &text, 0o640);
        (self.file(name), issued)
    }

    pub fn file(&self, name: &str) -> String {
        self.dir
            .join(name)
            .to_str()
            .expect("utf-8 path")
            .to_string()
    }
}
