//! A test PKI made with nut-certutil's library: a CA, a server certificate for
//! localhost/127.0.0.1 (CN "My nut server"), a client certificate, and a rogue CA, written as
//! PEM files (CERTFILE for upsd, CA bundles for CERTPATH, a client CERTFILE).

use std::path::{Path, PathBuf};

use nut_certutil::der::pem;
use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
use nut_certutil::pki::{CertProfile, CertRole, issue, self_signed};

pub struct Pki {
    pub dir: PathBuf,
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
        let w = |name: &str, text: String| rnut_tests::write_file(&dir.join(name), &text, 0o640);
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
        }
    }

    pub fn file(&self, name: &str) -> String {
        self.dir
            .join(name)
            .to_str()
            .expect("utf-8 path")
            .to_string()
    }
}
