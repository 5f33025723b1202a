//! pki-examples: the documented PKI walkthroughs of rnut as runnable scripts.
//!
//! - `nss-walkthrough.sh NUT_CERTUTIL OUTDIR`: NUT's security guide, NSS command lines verbatim.
//! - `openssl-style.sh NUT_CERTUTIL OUTDIR`: CERTFILE PEM and a `<hash>.0` CA directory.
//! - `lifecycle-enroll.sh`, `lifecycle-revoke.sh`, `lifecycle-rotate.sh`: enrolling new
//!   hosts, revoking a certificate and handing out the CRL, rotating upsd's certificate.
//! - `conf/`: example upsd.conf / upsmon.conf for both styles.
//!
//! The end-to-end tests (`tests/tests/e2e/certutil/examples.rs`) run both scripts and finish with a
//! real TLS handshake between a server and a client configured from what the scripts wrote.

use std::path::PathBuf;

/// The directory holding the scripts.
pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Path of the NSS walkthrough script.
pub fn nss_walkthrough_script() -> PathBuf {
    examples_dir().join("nss-walkthrough.sh")
}

/// Path of the OpenSSL-style script.
pub fn openssl_style_script() -> PathBuf {
    examples_dir().join("openssl-style.sh")
}
