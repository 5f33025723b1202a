//! The reader of an NSS `sql:` database (cert9.db + key4.db): its certificates, their trust
//! and the private keys, each key attribute's integrity entry checked as NSS does before it
//! hands out a key; a trust object whose integrity entries do not check out is ignored (no
//! trust), with a note.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::NssError;
use super::{crypto, keybuild, objects, trust_objects};

use super::objects::{
    CKA_CERTIFICATE_TYPE, CKA_EC_PARAMS, CKA_ID, CKA_ISSUER, CKA_KEY_TYPE, CKA_LABEL, CKA_MODULUS,
    CKA_NSS_DB, CKA_PUBLIC_EXPONENT, CKA_RSA_PRIVATE, CKA_SERIAL_NUMBER, CKA_VALUE, CKK_EC,
    CKK_RSA, CKO_CERTIFICATE, CKO_NSS_TRUST, CKO_PRIVATE_KEY, CKO_TRUST, Metadata, Object,
};
use crate::keys::PrivateKey;
use crate::trust::TrustFlags;

/// One certificate of the database, with its trust and (if the database holds it) its key.
#[derive(Debug)]
pub struct NssCert {
    /// CKA_LABEL.
    pub nickname: String,
    /// The DER.
    pub der: Vec<u8>,
    /// Trust flags as `certutil -L` shows them (without `u`).
    pub trust: TrustFlags,
    /// The private key with the certificate's CKA_ID.
    pub key: Option<PrivateKey>,
}

/// What an NSS database holds.
#[derive(Debug, Default)]
pub struct NssContents {
    /// Certificates in table order.
    pub certs: Vec<NssCert>,
    /// Private keys without a certificate (not imported).
    pub orphan_keys: usize,
    /// What was skipped or distrusted, one line each.
    pub notes: Vec<String>,
}

/// The database directory of `sql:DIR` or `DIR`, checked.
pub fn locate(dir: &str) -> Result<PathBuf, NssError> {
    let dir = PathBuf::from(crate::db_dir::strip_db_prefix(dir));
    if dir.join("cert9.db").is_file() && dir.join("key4.db").is_file() {
        return Ok(dir);
    }
    if dir.join("cert8.db").is_file() || dir.join("key3.db").is_file() {
        return Err(NssError::LegacyDbm(dir));
    }
    Err(NssError::NotNss(dir))
}

/// The key database's password key, checked. `password` None: the database must have an
/// empty password; a database with an empty password takes any password, as NSS does. `Ok(None)`: the key database was never initialized (no keys).
fn unlock(meta: &Metadata, password: Option<&str>) -> Result<Option<Zeroizing<Vec<u8>>>, NssError> {
    let Some((salt, Some(check))) = meta.get("password") else {
        return Ok(None);
    };
    let try_pw = |pw: &str| -> Result<Option<Zeroizing<Vec<u8>>>, NssError> {
        let pk = crypto::pass_key(salt, pw.as_bytes());
        match crypto::decrypt(check, &pk) {
            Ok(plain) if plain.as_slice() == b"password-check" => Ok(Some(pk)),
            Ok(_) | Err(NssError::WrongPassword) => Ok(None),
            Err(e) => Err(e),
        }
    };
    match password {
        Some(pw) => match try_pw(pw)? {
            Some(pk) => Ok(Some(pk)),
            // NSS never asks for the password of a database whose password is empty: a
            // password given for one (CERTIDENT's) is not checked there either.
            None => try_pw("")?.map(Some).ok_or(NssError::WrongPassword),
        },
        None => try_pw("")?.map(Some).ok_or(NssError::NeedPassword),
    }
}

/// The integrity entry of an attribute (with NSS's pre-2021 misfiled-id fallback).
fn sig<'a>(meta: &'a Metadata, db: &str, id: u32, attr: u32) -> Option<&'a [u8]> {
    [id, id | 0xC000_0000].iter().find_map(|i| {
        meta.get(&format!("sig_{db}_{i:08x}_{attr:08x}"))
            .map(|(item1, _)| item1.as_slice())
    })
}

/// Decrypt a private attribute and check its integrity entry (MAC over object id 0).
fn private_attr(
    key: &Object,
    attr: u32,
    pk: &[u8],
    meta: &Metadata,
) -> Result<Zeroizing<Vec<u8>>, NssError> {
    let blob = key.get(attr).ok_or_else(|| {
        NssError::Malformed(format!("private key {} lacks attribute {attr:#x}", key.id))
    })?;
    let plain = crypto::decrypt(blob, pk)?;
    let mac = sig(meta, "key", key.id, attr).ok_or_else(|| {
        NssError::Integrity(format!(
            "no integrity entry for attribute {attr:#x} of private key {}",
            key.id
        ))
    })?;
    if !crypto::verify_mac(mac, pk, 0, attr, &plain)? {
        return Err(NssError::Integrity(format!(
            "attribute {attr:#x} of private key {} does not match its integrity entry",
            key.id
        )));
    }
    Ok(plain)
}

/// Check an authenticated plain attribute (MAC over the real object id).
fn authentic(
    obj: &Object,
    db: &str,
    attr: u32,
    pk: &[u8],
    meta: &Metadata,
) -> Result<bool, NssError> {
    let (Some(value), Some(mac)) = (obj.get(attr), sig(meta, db, obj.id, attr)) else {
        return Ok(false);
    };
    crypto::verify_mac(mac, pk, obj.id, attr, value)
}

/// Rebuild one private key.
fn build_key(key: &Object, pk: &[u8], meta: &Metadata) -> Result<PrivateKey, NssError> {
    match key.ulong(CKA_KEY_TYPE) {
        Some(CKK_RSA) => {
            let n = key
                .get(CKA_MODULUS)
                .ok_or_else(|| NssError::Malformed("RSA key without modulus".into()))?;
            let e = key
                .get(CKA_PUBLIC_EXPONENT)
                .ok_or_else(|| NssError::Malformed("RSA key without exponent".into()))?;
            for attr in [CKA_MODULUS, CKA_PUBLIC_EXPONENT] {
                if !authentic(key, "key", attr, pk, meta)? {
                    return Err(NssError::Integrity(format!(
                        "the public part of RSA key {} does not match its integrity entry",
                        key.id
                    )));
                }
            }
            let mut parts: Vec<Zeroizing<Vec<u8>>> = Vec::with_capacity(6);
            for attr in CKA_RSA_PRIVATE {
                parts.push(private_attr(key, attr, pk, meta)?);
            }
            let parts: [Zeroizing<Vec<u8>>; 6] = parts
                .try_into()
                .map_err(|_| NssError::Malformed("RSA key parts".into()))?;
            keybuild::rsa(n, e, &parts)
        }
        Some(CKK_EC) => {
            let curve = key
                .get(CKA_EC_PARAMS)
                .ok_or_else(|| NssError::Malformed("EC key without curve".into()))?;
            let point = key
                .get(CKA_NSS_DB)
                .ok_or_else(|| NssError::Malformed("EC key without its public point".into()))?;
            let scalar = private_attr(key, CKA_VALUE, pk, meta)?;
            keybuild::ec(curve, &scalar, point)
        }
        other => Err(NssError::Unsupported(format!(
            "private key type {other:?} (only RSA and EC)"
        ))),
    }
}

/// Which private keys a read decrypts (each costs PBKDF2 rounds per attribute).
#[derive(Debug, Clone, Copy)]
pub enum KeysWanted<'a> {
    /// Every key (an import).
    All,
    /// Only the keys of the certificates with this nickname (a TLS identity).
    Of(&'a str),
    /// None (trust only).
    Nothing,
}

/// How to read a database.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// The database password; `None`: the database must have an empty one, unless
    /// `trust_as_stored_without_password`.
    pub password: Option<&'a str>,
    /// The keys to decrypt.
    pub keys: KeysWanted<'a>,
    /// Without the password of a database that has one, read certificates and trust as
    /// stored (trust cannot be authenticated without the password key, as NSS itself reads
    /// it when not logged in) instead of failing with [`NssError::NeedPassword`]; no key is
    /// read then.
    pub trust_as_stored_without_password: bool,
}

/// Read every certificate, its trust and its key. `password`: the database password (None:
/// the database must have an empty one).
pub fn read(dir: &Path, password: Option<&str>) -> Result<NssContents, NssError> {
    read_with(
        dir,
        &ReadOptions {
            password,
            keys: KeysWanted::All,
            trust_as_stored_without_password: false,
        },
    )
}

/// Read the certificates, their trust and the keys `opts` asks for. Each file is read in one
/// read transaction, opened read-only: a concurrent NSS writer is never disturbed and never
/// seen half-way (a trust object whose integrity entry it has not written yet is refused).
pub fn read_with(dir: &Path, opts: &ReadOptions<'_>) -> Result<NssContents, NssError> {
    let cert_file = dir.join("cert9.db");
    let key_file = dir.join("key4.db");
    let cert_db = objects::open(&cert_file)?;
    let key_db = objects::open(&key_file)?;
    let key_snapshot = objects::snapshot(&key_db, &key_file)?;
    let meta = objects::read_metadata(&key_db, &key_file)?;
    let (pk, authenticate) = match unlock(&meta, opts.password) {
        Err(NssError::NeedPassword) if opts.trust_as_stored_without_password => (None, false),
        Ok(None) if opts.trust_as_stored_without_password => (None, false),
        other => (other?, true),
    };
    let cert_snapshot = objects::snapshot(&cert_db, &cert_file)?;
    let public = objects::read_objects(&cert_db, "nssPublic", &cert_file)?;
    let private = match (&pk, opts.keys) {
        (None, _) | (_, KeysWanted::Nothing) => Vec::new(),
        _ => objects::read_objects(&key_db, "nssPrivate", &key_file)?,
    };
    drop((cert_snapshot, key_snapshot));
    let mut out = NssContents::default();
    if pk.is_none() && authenticate {
        out.notes
            .push("the key database was never initialized: no private keys".into());
    }

    let certs: Vec<&Object> = public
        .iter()
        .filter(|o| o.class() == Some(CKO_CERTIFICATE) && o.ulong(CKA_CERTIFICATE_TYPE) == Some(0))
        .collect();
    // The CKA_IDs whose keys are wanted.
    let wanted: Option<std::collections::HashSet<&[u8]>> = match opts.keys {
        KeysWanted::Of(nick) => Some(
            certs
                .iter()
                .filter(|c| c.get(CKA_LABEL) == Some(nick.as_bytes()))
                .filter_map(|c| c.get(CKA_ID))
                .collect(),
        ),
        _ => None,
    };

    // Keys by CKA_ID.
    let mut keys: HashMap<Vec<u8>, PrivateKey> = HashMap::new();
    if let Some(pk) = &pk {
        for k in private
            .iter()
            .filter(|o| o.class() == Some(CKO_PRIVATE_KEY))
        {
            let id = k.get(CKA_ID).unwrap_or_default();
            if wanted.as_ref().is_some_and(|w| !w.contains(id)) {
                continue;
            }
            match build_key(k, pk, &meta) {
                Ok(key) => {
                    keys.insert(id.to_vec(), key);
                }
                Err(e @ (NssError::Unsupported(_) | NssError::BadKey(_))) => {
                    out.notes.push(format!("private key {} skipped: {e}", k.id));
                }
                Err(e) => return Err(e),
            }
        }
    }

    let mut used: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    for c in &certs {
        let Some(der) = c.get(CKA_VALUE) else {
            out.notes
                .push(format!("certificate object {} has no value: skipped", c.id));
            continue;
        };
        let nickname = String::from_utf8_lossy(c.get(CKA_LABEL).unwrap_or_default()).into_owned();
        let check = if authenticate {
            TrustCheck::Authenticate(pk.as_deref().map(|v| v.as_slice()))
        } else {
            TrustCheck::AsStored
        };
        let trust = cert_trust(c, &public, check, &meta, &nickname, &mut out.notes)?;
        // A renewed certificate may share its key with the old one: each gets it.
        let key = c.get(CKA_ID).and_then(|id| {
            used.insert(id.to_vec());
            keys.get(id).cloned()
        });
        out.certs.push(NssCert {
            nickname,
            der: der.to_vec(),
            trust,
            key,
        });
    }
    out.orphan_keys = keys.keys().filter(|id| !used.contains(*id)).count();
    let skipped = public
        .iter()
        .filter(|o| {
            !matches!(
                o.class(),
                Some(CKO_CERTIFICATE | CKO_TRUST | CKO_NSS_TRUST | 2)
            )
        })
        .count();
    if skipped > 0 {
        out.notes.push(format!(
            "{skipped} other objects (CRLs, S/MIME records, ...) not imported"
        ));
    }
    Ok(out)
}

/// How a trust object is checked.
#[derive(Clone, Copy)]
enum TrustCheck<'a> {
    /// Against its integrity entries with the password key (`None`: no key database, so no
    /// trust).
    Authenticate(Option<&'a [u8]>),
    /// Read as stored (no password given for a database that has one).
    AsStored,
}

/// The trust of a certificate: its CKO_TRUST object if there is one, else its CKO_NSS_TRUST,
/// else none; a trust object whose integrity entries fail is ignored with a note.
fn cert_trust(
    cert: &Object,
    public: &[Object],
    check: TrustCheck<'_>,
    meta: &Metadata,
    nickname: &str,
    notes: &mut Vec<String>,
) -> Result<TrustFlags, NssError> {
    let same = |o: &&Object| {
        o.get(CKA_ISSUER) == cert.get(CKA_ISSUER)
            && o.get(CKA_SERIAL_NUMBER) == cert.get(CKA_SERIAL_NUMBER)
    };
    let obj = public
        .iter()
        .filter(same)
        .find(|o| o.class() == Some(CKO_TRUST))
        .or_else(|| {
            public
                .iter()
                .filter(same)
                .find(|o| o.class() == Some(CKO_NSS_TRUST))
        });
    let Some(obj) = obj else {
        return Ok(TrustFlags::NONE);
    };
    let Some((levels, step_up)) = trust_objects::levels(obj) else {
        return Ok(TrustFlags::NONE);
    };
    let flags = trust_objects::flags(levels, step_up);
    if flags == TrustFlags::NONE {
        return Ok(flags);
    }
    let pk = match check {
        TrustCheck::AsStored => return Ok(flags),
        TrustCheck::Authenticate(pk) => pk,
    };
    // Distrust can only deny: it is kept whatever its integrity entries say, as a store
    // keeps it.
    let refuse = |why: &str, notes: &mut Vec<String>| {
        let kept = flags.distrust_only();
        let keeping = if kept == TrustFlags::NONE {
            String::new()
        } else {
            format!("; its distrust {kept} is kept")
        };
        notes.push(format!(
            "\"{nickname}\": trust {flags} not imported ({why}){keeping}"
        ));
        Ok(kept)
    };
    let Some(pk) = pk else {
        return refuse("cannot be authenticated without the key database", notes);
    };
    for attr in trust_objects::trust_attributes(obj) {
        if obj.get(*attr).is_some() && !authentic(obj, "cert", *attr, pk, meta)? {
            return refuse("its integrity entry does not match", notes);
        }
    }
    // The trust object names its certificate by issuer and serial, which are not
    // authenticated; the certificate hash is: it must be there and match this DER.
    let Some((hash_attr, sha256)) = trust_objects::certificate_hash(obj) else {
        return refuse("unknown trust object", notes);
    };
    let der = cert.get(CKA_VALUE).unwrap_or_default();
    let want = if sha256 {
        crypto::sha256(der)
    } else {
        crypto::sha1(der)
    };
    match obj.get(hash_attr) {
        Some(h) if h == want.as_slice() => Ok(flags),
        Some(_) => refuse("its certificate hash names another certificate", notes),
        None => refuse("it carries no certificate hash", notes),
    }
}
