//! Loading the certificate chain and key a side presents: from the store or an NSS database
//! (see `nss_db`; CERTIDENT nickname;
//! the key is decrypted once, with the key the store visit derived) or from a CERTFILE PEM
//! (chain, then key). Decrypted key bytes live in wiped buffers until rustls has parsed them.

use std::path::Path;
use std::sync::Arc;

use rustls::sign::{CertifiedKey, SingleCertAndKey};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use zeroize::Zeroizing;

use super::TlsError;
use super::names::certificate_matches_certname;
use crate::certinfo::CertInfo;
use crate::store::Store;

/// A chain (end entity first) and its key.
pub(crate) struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Zeroizing<PrivateKeyDer<'static>>,
}

impl Identity {
    /// The chain and the parsed signing key for rustls (server or client side). rustls'
    /// `with_single_cert` takes the key bytes by value and drops them unwiped; here ring parses
    /// them by reference from `self.key`, which is wiped when this returns.
    pub fn certified(self) -> Result<Arc<SingleCertAndKey>, TlsError> {
        let signing = rustls::crypto::ring::sign::any_supported_type(&self.key)?;
        let certified = CertifiedKey::new(self.chain, signing);
        match certified.keys_match() {
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {
                Ok(Arc::new(SingleCertAndKey::from(certified)))
            }
            Err(e) => Err(e.into()),
        }
    }
}

/// From a store visit: the CERTIDENT nickname's chain and key. The key is decrypted with the
/// key the visit derived (a store without a password is unlocked here).
pub(crate) fn from_store(store: &Store, nickname: &str) -> Result<Identity, TlsError> {
    let chain = store.chain(nickname)?;
    let leaf = &chain[0];
    if !leaf.has_key {
        return Err(crate::store::StoreError::NoKeyFor(nickname.to_string()).into());
    }
    let cipher = match store.unlocked_cipher() {
        Some(c) => c,
        None => store.unlock("")?,
    };
    let key = store.private_key(&cipher, &leaf.key_id)?;
    Ok(Identity {
        chain: presented_chain(
            chain
                .iter()
                .map(|c| (CertificateDer::from(c.der.clone()), c.subject == c.issuer)),
        ),
        key: key.rustls_key(),
    })
}

/// The chain a side presents, from (certificate, self-issued) end entity first: without a
/// self-signed root (peers have it, or do not trust it anyway).
pub(crate) fn presented_chain(
    chain: impl Iterator<Item = (CertificateDer<'static>, bool)>,
) -> Vec<CertificateDer<'static>> {
    let mut ders = Vec::new();
    for (i, (der, self_issued)) in chain.enumerate() {
        if i > 0 && self_issued {
            break;
        }
        ders.push(der);
    }
    ders
}

/// From a CERTFILE: certificates, then the key. When `name` is given and not empty, the
/// certificate must match it (as C NUT's OpenSSL build checks CERTIDENT).
pub(crate) fn from_certfile(path: &Path, name: Option<&str>) -> Result<Identity, TlsError> {
    // The file holds the key: its bytes are wiped once parsed.
    let data = Zeroizing::new(std::fs::read(path).map_err(|source| TlsError::Io {
        path: path.to_path_buf(),
        source,
    })?);
    let bad = |reason: &str| TlsError::CertFile {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let certs = crate::pem::certificates(&data);
    if certs.is_empty() {
        return Err(bad("no certificate (PEM \"CERTIFICATE\" block) found"));
    }
    let key = match crate::pem::private_key(&data) {
        Some(k) => Zeroizing::new(k),
        None if crate::pem::has_encrypted_key(&data) => {
            return Err(bad(
                "the private key is encrypted; store it unencrypted in a 0640 file, or import it into a certificate database",
            ));
        }
        None => return Err(bad("no private key found after the certificates")),
    };
    let info = CertInfo::parse(&certs[0]).map_err(|e| bad(&e.to_string()))?;
    let pk = crate::keys::PrivateKey::from_key_der(&key).map_err(|e| bad(&e.to_string()))?;
    if pk.key_id() != info.key_id {
        return Err(bad("the private key does not match the first certificate"));
    }
    if let Some(n) = name.filter(|n| !n.is_empty()) {
        if !certificate_matches_certname(&info, n) {
            return Err(TlsError::CertIdentMismatch {
                subject: info.subject,
                name: n.to_string(),
            });
        }
    }
    Ok(Identity {
        chain: certs.into_iter().map(CertificateDer::from).collect(),
        key,
    })
}
