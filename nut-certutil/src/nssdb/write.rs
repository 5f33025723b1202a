//! Writing an NSS `sql:` database (spec nss-db.md section 10), in the shape every NSS since
//! 3.49 reads: a 20-byte global salt (SHA-1 password key), PBES2/AES-256 entries with their
//! integrity entries, and CKO_NSS_TRUST trust objects. For C NUT built with NSS (its
//! `CERTPATH`), from a rnut store.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use x509_parser::prelude::{FromDer, X509Certificate};
use zeroize::Zeroizing;

use super::NssError;
use super::crypto;
use super::objects::{
    CKA_CLASS, CKA_EC_PARAMS, CKA_ID, CKA_ISSUER, CKA_KEY_TYPE, CKA_LABEL, CKA_MODULUS, CKA_NSS_DB,
    CKA_PUBLIC_EXPONENT, CKA_RSA_PRIVATE, CKA_SERIAL_NUMBER, CKA_VALUE, CKK_EC, CKK_RSA,
    CKO_CERTIFICATE, CKO_NSS_TRUST, CKO_PRIVATE_KEY,
};
use super::trust_objects::{NSS_CERT_SHA1_HASH, NSS_STEP_UP, NSS_TRUST_ATTRS, trust_values};
use crate::der::{read_tlv, tlv};
use crate::keys::PrivateKey;
use crate::trust::TrustFlags;

/// The attribute columns of NSS 3.87's object tables (newer NSS adds its own on open).
const COLUMNS: &[u32] = &[
    0x0,
    0x1,
    0x2,
    0x3,
    0x10,
    0x11,
    0x12,
    0x80,
    0x81,
    0x82,
    0x83,
    0x84,
    0x85,
    0x86,
    0x87,
    0x88,
    0x89,
    0x8a,
    0x8b,
    0x90,
    0x100,
    0x101,
    0x102,
    0x103,
    0x104,
    0x105,
    0x106,
    0x107,
    0x108,
    0x109,
    0x10a,
    0x10b,
    0x10c,
    0x110,
    0x111,
    0x120,
    0x121,
    0x122,
    0x123,
    0x124,
    0x125,
    0x126,
    0x127,
    0x128,
    0x129,
    0x130,
    0x131,
    0x132,
    0x133,
    0x134,
    0x160,
    0x161,
    0x162,
    0x163,
    0x164,
    0x165,
    0x166,
    0x170,
    0x180,
    0x181,
    0x200,
    0x201,
    0x202,
    0x210,
    0x300,
    0x301,
    0x302,
    0x400,
    0x401,
    0x402,
    0x403,
    0x404,
    0x405,
    0x406,
    0x480,
    0x481,
    0x482,
    0x500,
    0x501,
    0x502,
    0x503,
    0x4000_0211,
    0x4000_0212,
    0x8000_0001,
    0xce53_4351,
    0xce53_4352,
    0xce53_4353,
    0xce53_4354,
    0xce53_4355,
    0xce53_4356,
    0xce53_4357,
    0xce53_4358,
    0xce53_4364,
    0xce53_4365,
    0xce53_4366,
    0xce53_4367,
    0xce53_4368,
    0xce53_4369,
    0xce53_4373,
    0xce53_4374,
    0xce53_6351,
    0xce53_6352,
    0xce53_6353,
    0xce53_6354,
    0xce53_6355,
    0xce53_6356,
    0xce53_6357,
    0xce53_6358,
    0xce53_6359,
    0xce53_635a,
    0xce53_635b,
    0xce53_635c,
    0xce53_635d,
    0xce53_635e,
    0xce53_635f,
    0xce53_6360,
    0xce53_63b4,
    0xce53_63b5,
    0xd5a0_db00,
];

/// NSS's marker for a present, empty attribute.
const EMPTY: &[u8] = &[0xA5, 0x00, 0x5A];
const TRUE: &[u8] = &[1];
const FALSE: &[u8] = &[0];

/// One certificate to write, with its trust and (if it has one) its key.
#[derive(Debug)]
pub struct ExportItem<'a> {
    pub nickname: &'a str,
    pub der: &'a [u8],
    pub trust: TrustFlags,
    pub key: Option<&'a PrivateKey>,
}

fn ulong(v: u32) -> Vec<u8> {
    v.to_be_bytes().to_vec()
}

/// The parts of a key NSS stores.
enum KeyParts {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
        private: Vec<Zeroizing<Vec<u8>>>,
    },
    Ec {
        curve: Vec<u8>,
        scalar: Zeroizing<Vec<u8>>,
        point: Vec<u8>,
    },
}

fn bad(what: &str) -> NssError {
    NssError::BadKey(what.to_string())
}

/// An unsigned INTEGER's content without leading zeros (NSS's big-integer form).
fn unsigned(content: &[u8]) -> Vec<u8> {
    let first = content
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(content.len().saturating_sub(1));
    content[first..].to_vec()
}

fn key_parts(key: &PrivateKey) -> Result<KeyParts, NssError> {
    const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    let (t, body, _) = read_tlv(key.pkcs8_der()).ok_or_else(|| bad("PKCS#8"))?;
    if t != 0x30 {
        return Err(bad("PKCS#8"));
    }
    let (_, _version, rest) = read_tlv(body).ok_or_else(|| bad("PKCS#8 version"))?;
    let (_, alg, rest) = read_tlv(rest).ok_or_else(|| bad("PKCS#8 algorithm"))?;
    let (_, inner, _) = read_tlv(rest).ok_or_else(|| bad("PKCS#8 key"))?;
    let (_, oid, params) = read_tlv(alg).ok_or_else(|| bad("PKCS#8 algorithm"))?;
    let (t, seq, _) = read_tlv(inner).ok_or_else(|| bad("private key"))?;
    if t != 0x30 {
        return Err(bad("private key"));
    }
    if oid == OID_RSA {
        let mut ints = Vec::new();
        let mut rest = seq;
        while !rest.is_empty() {
            let (t, c, r) = read_tlv(rest).ok_or_else(|| bad("RSA key"))?;
            if t != 0x02 {
                return Err(bad("RSA key"));
            }
            ints.push(unsigned(c));
            rest = r;
        }
        // version, n, e, d, p, q, dP, dQ, qInv
        if ints.len() < 9 {
            return Err(bad("RSA key without CRT parts"));
        }
        let mut it = ints.into_iter().skip(1);
        let n = it.next().ok_or_else(|| bad("RSA n"))?;
        let e = it.next().ok_or_else(|| bad("RSA e"))?;
        let private = it.take(6).map(Zeroizing::new).collect();
        Ok(KeyParts::Rsa { n, e, private })
    } else if oid == OID_EC {
        let curve = params.to_vec();
        let (_, _v, rest) = read_tlv(seq).ok_or_else(|| bad("EC key"))?;
        let (t, scalar, _) = read_tlv(rest).ok_or_else(|| bad("EC scalar"))?;
        if t != 0x04 {
            return Err(bad("EC scalar"));
        }
        Ok(KeyParts::Ec {
            curve,
            scalar: Zeroizing::new(scalar.to_vec()),
            point: key.public_key_raw().to_vec(),
        })
    } else {
        Err(NssError::Unsupported(
            "exporting keys other than RSA and EC".into(),
        ))
    }
}

/// CKA_ID of a public key as NSS computes it: SHA-1 of the RSA modulus or the EC point.
fn cka_id_of_spki(cert: &X509Certificate<'_>) -> Result<Vec<u8>, NssError> {
    let spki = cert.public_key();
    let data: &[u8] = &spki.subject_public_key.data;
    let oid = spki.algorithm.algorithm.to_id_string();
    if oid == "1.2.840.113549.1.1.1" {
        // RSAPublicKey ::= SEQUENCE { modulus, publicExponent }
        let (_, seq, _) = read_tlv(data).ok_or_else(|| bad("RSA public key"))?;
        let (_, n, _) = read_tlv(seq).ok_or_else(|| bad("RSA modulus"))?;
        Ok(crypto::sha1(&unsigned(n)))
    } else {
        Ok(crypto::sha1(data))
    }
}

/// Object ids: random, unique, in 1..0x3FFFFFFF.
struct Ids(HashSet<u32>);

impl Ids {
    fn next(&mut self) -> Result<u32, NssError> {
        loop {
            let mut b = [0u8; 4];
            crate::keys::random_bytes(&mut b).map_err(|e| NssError::Malformed(e.to_string()))?;
            let id = (u32::from_be_bytes(b) & 0x3FFF_FFFF).max(1);
            if self.0.insert(id) {
                return Ok(id);
            }
        }
    }
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> NssError + '_ {
    move |e| NssError::Sqlite(path.to_path_buf(), e.to_string())
}

fn create_objects_table(conn: &Connection, table: &str, path: &Path) -> Result<(), NssError> {
    let cols: Vec<String> = COLUMNS.iter().map(|c| format!("a{c:x}")).collect();
    conn.execute_batch(&format!(
        "CREATE TABLE {table} (id PRIMARY KEY UNIQUE ON CONFLICT ABORT, {});
         CREATE INDEX issuer ON {table} (a81);
         CREATE INDEX subject ON {table} (a101);
         CREATE INDEX label ON {table} (a3);
         CREATE INDEX ckaid ON {table} (a102);",
        cols.join(", ")
    ))
    .map_err(sql(path))
}

fn insert(
    conn: &Connection,
    table: &str,
    id: u32,
    attrs: &[(u32, Vec<u8>)],
    path: &Path,
) -> Result<(), NssError> {
    let cols: Vec<String> = attrs.iter().map(|(a, _)| format!("a{a:x}")).collect();
    let marks: Vec<String> = (0..attrs.len()).map(|i| format!("?{}", i + 2)).collect();
    let stmt = format!(
        "INSERT INTO {table} (id, {}) VALUES (?1, {})",
        cols.join(", "),
        marks.join(", ")
    );
    let mut params: Vec<&dyn rusqlite::ToSql> = vec![&id];
    for (_, v) in attrs {
        params.push(v);
    }
    conn.execute(&stmt, params.as_slice()).map_err(sql(path))?;
    Ok(())
}

/// Write a new NSS database into `dir` (which must not hold one) with `password` (empty:
/// an empty-password database, as `certutil -N --empty-password`).
pub fn write(dir: &Path, password: &str, items: &[ExportItem<'_>]) -> Result<(), NssError> {
    for f in ["cert9.db", "key4.db", "cert8.db", "key3.db"] {
        if dir.join(f).exists() {
            return Err(NssError::Exists(dir.join(f)));
        }
    }
    if !dir.exists() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| NssError::Sqlite(dir.to_path_buf(), e.to_string()))?;
    }
    // Written under temporary names and renamed at the end: a killed export leaves no
    // half-written database under the real names.
    let cert_tmp = dir.join(".cert9.db.partial");
    let key_tmp = dir.join(".key4.db.partial");
    for p in [&cert_tmp, &key_tmp] {
        let _ = std::fs::remove_file(p);
        // Owner-only from the first byte, as NSS creates its files: key4.db holds the keys
        // (with an empty password, readable means usable). SQLite's journals take this mode.
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(p)
            .map_err(|e| NssError::Sqlite(p.clone(), e.to_string()))?;
    }
    let result = write_files(&cert_tmp, &key_tmp, password, items);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&cert_tmp);
        let _ = std::fs::remove_file(&key_tmp);
        return Err(e);
    }
    // key4.db first: a database with keys but no certificates is inert; on any failure both
    // names are cleared again so that a retry is possible.
    let mut placed = Vec::new();
    for (tmp, name) in [(&key_tmp, "key4.db"), (&cert_tmp, "cert9.db")] {
        if let Err(e) = std::fs::rename(tmp, dir.join(name)) {
            for p in placed.iter().chain([&cert_tmp, &key_tmp]) {
                let _ = std::fs::remove_file(p);
            }
            return Err(NssError::Sqlite(dir.join(name), e.to_string()));
        }
        placed.push(dir.join(name));
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_files(
    cert_path: &PathBuf,
    key_path: &PathBuf,
    password: &str,
    items: &[ExportItem<'_>],
) -> Result<(), NssError> {
    let certs = Connection::open(cert_path).map_err(sql(cert_path))?;
    let keys = Connection::open(key_path).map_err(sql(key_path))?;
    create_objects_table(&certs, "nssPublic", cert_path)?;
    create_objects_table(&keys, "nssPrivate", key_path)?;
    keys.execute_batch(
        "CREATE TABLE metaData (id PRIMARY KEY UNIQUE ON CONFLICT REPLACE, item1, item2);",
    )
    .map_err(sql(key_path))?;

    // The password entry: NSS needs iteration count 1 to recognise an empty password.
    let iterations = if password.is_empty() { 1 } else { 10_000 };
    let mut salt = vec![0u8; 20];
    crate::keys::random_bytes(&mut salt).map_err(|e| NssError::Malformed(e.to_string()))?;
    let pk = crypto::pass_key(&salt, password.as_bytes());
    let check = crypto::encrypt(b"password-check", &pk, iterations)?;
    let meta = |id: &str, item1: &[u8], item2: Option<&[u8]>| -> Result<(), NssError> {
        keys.execute(
            "INSERT INTO metaData (id, item1, item2) VALUES (?1, ?2, ?3)",
            rusqlite::params![id, item1, item2],
        )
        .map_err(sql(key_path))?;
        Ok(())
    };
    meta("password", &salt, Some(&check))?;
    let sig = |db: &str, id: u32, attr: u32, mac_id: u32, value: &[u8]| -> Result<(), NssError> {
        let m = crypto::mac(&pk, iterations, mac_id, attr, value)?;
        meta(&format!("sig_{db}_{id:08x}_{attr:08x}"), &m, None)
    };

    let mut cert_ids = Ids(HashSet::new());
    let mut key_ids = Ids(HashSet::new());
    for item in items {
        let (_, cert) = X509Certificate::from_der(item.der)
            .map_err(|e| NssError::Malformed(format!("certificate \"{}\": {e}", item.nickname)))?;
        let issuer = cert.tbs_certificate.issuer.as_raw().to_vec();
        let subject = cert.tbs_certificate.subject.as_raw().to_vec();
        let serial = tlv(0x02, cert.raw_serial());
        let cka_id = cka_id_of_spki(&cert)?;

        // The certificate.
        let id = cert_ids.next()?;
        insert(
            &certs,
            "nssPublic",
            id,
            &[
                (CKA_CLASS, ulong(CKO_CERTIFICATE)),
                (0x1, TRUE.to_vec()),
                (0x2, FALSE.to_vec()),
                (CKA_LABEL, item.nickname.as_bytes().to_vec()),
                (CKA_VALUE, item.der.to_vec()),
                (0x80, ulong(0)),
                (CKA_ISSUER, issuer.clone()),
                (CKA_SERIAL_NUMBER, serial.clone()),
                (0x101, subject),
                (CKA_ID, cka_id.clone()),
                (0x170, TRUE.to_vec()),
            ],
            cert_path,
        )?;

        // Its trust, with the integrity entries NSS checks.
        let id = cert_ids.next()?;
        let values = trust_values(item.trust);
        let step_up = if item.trust.ssl.0 & crate::trust::GOVT_APPROVED_CA != 0 {
            TRUE
        } else {
            FALSE
        };
        let mut attrs = vec![
            (CKA_CLASS, ulong(CKO_NSS_TRUST)),
            (0x1, TRUE.to_vec()),
            (0x2, FALSE.to_vec()),
            (CKA_LABEL, EMPTY.to_vec()),
            (CKA_ISSUER, issuer),
            (CKA_SERIAL_NUMBER, serial),
            (0x170, TRUE.to_vec()),
            (NSS_STEP_UP, step_up.to_vec()),
            (NSS_CERT_SHA1_HASH, crypto::sha1(item.der)),
        ];
        for (attr, v) in NSS_TRUST_ATTRS.iter().zip(values) {
            attrs.push((*attr, ulong(v)));
        }
        insert(&certs, "nssPublic", id, &attrs, cert_path)?;
        for (attr, value) in &attrs {
            if NSS_TRUST_ATTRS.contains(attr) || *attr == NSS_STEP_UP || *attr == NSS_CERT_SHA1_HASH
            {
                sig("cert", id, *attr, id, value)?;
            }
        }

        let Some(key) = item.key else {
            continue;
        };
        let parts = key_parts(key)?;
        // The public key object (lets `certutil -L` show `u` without the password).
        let pub_id = cert_ids.next()?;
        let mut pub_attrs = vec![
            (CKA_CLASS, ulong(2)),
            (0x1, TRUE.to_vec()),
            (0x2, FALSE.to_vec()),
            (CKA_LABEL, EMPTY.to_vec()),
            (0x101, EMPTY.to_vec()),
            (CKA_ID, cka_id.clone()),
            (0x104, FALSE.to_vec()),
            (0x106, FALSE.to_vec()),
            (0x10a, TRUE.to_vec()),
            (0x10b, FALSE.to_vec()),
            (0x10c, TRUE.to_vec()),
            (0x110, EMPTY.to_vec()),
            (0x111, EMPTY.to_vec()),
            (0x163, FALSE.to_vec()),
            (0x164, TRUE.to_vec()),
            (0x170, TRUE.to_vec()),
        ];
        // The private key object.
        let priv_id = key_ids.next()?;
        let mut priv_attrs = vec![
            (CKA_CLASS, ulong(CKO_PRIVATE_KEY)),
            (0x1, TRUE.to_vec()),
            (0x2, TRUE.to_vec()),
            (CKA_LABEL, item.nickname.as_bytes().to_vec()),
            (0x101, EMPTY.to_vec()),
            (CKA_ID, cka_id),
            (0x103, TRUE.to_vec()),
            (0x105, FALSE.to_vec()),
            (0x107, FALSE.to_vec()),
            (0x108, TRUE.to_vec()),
            (0x109, FALSE.to_vec()),
            (0x10c, TRUE.to_vec()),
            (0x110, EMPTY.to_vec()),
            (0x111, EMPTY.to_vec()),
            (0x162, TRUE.to_vec()),
            (0x163, FALSE.to_vec()),
            (0x164, FALSE.to_vec()),
            (0x165, TRUE.to_vec()),
            (0x170, TRUE.to_vec()),
        ];
        let mut encrypted: Vec<(u32, Zeroizing<Vec<u8>>)> = Vec::new();
        match &parts {
            KeyParts::Rsa { n, e, private } => {
                pub_attrs.push((CKA_KEY_TYPE, ulong(CKK_RSA)));
                pub_attrs.push((CKA_MODULUS, n.clone()));
                pub_attrs.push((CKA_PUBLIC_EXPONENT, e.clone()));
                priv_attrs.push((CKA_KEY_TYPE, ulong(CKK_RSA)));
                priv_attrs.push((CKA_MODULUS, n.clone()));
                priv_attrs.push((CKA_PUBLIC_EXPONENT, e.clone()));
                priv_attrs.push((CKA_NSS_DB, n.clone()));
                for (attr, v) in CKA_RSA_PRIVATE.iter().zip(private) {
                    encrypted.push((*attr, v.clone()));
                }
            }
            KeyParts::Ec {
                curve,
                scalar,
                point,
            } => {
                pub_attrs.push((CKA_KEY_TYPE, ulong(CKK_EC)));
                pub_attrs.push((CKA_EC_PARAMS, curve.clone()));
                pub_attrs.push((0x181, tlv(0x04, point)));
                priv_attrs.push((CKA_KEY_TYPE, ulong(CKK_EC)));
                priv_attrs.push((CKA_EC_PARAMS, curve.clone()));
                priv_attrs.push((CKA_NSS_DB, point.clone()));
                encrypted.push((CKA_VALUE, scalar.clone()));
            }
        }
        for (attr, plain) in &encrypted {
            priv_attrs.push((*attr, crypto::encrypt(plain, &pk, iterations)?));
        }
        insert(&certs, "nssPublic", pub_id, &pub_attrs, cert_path)?;
        insert(&keys, "nssPrivate", priv_id, &priv_attrs, key_path)?;
        for (attr, plain) in &encrypted {
            sig("key", priv_id, *attr, 0, plain)?;
        }
        if let KeyParts::Rsa { n, e, .. } = &parts {
            sig("key", priv_id, CKA_MODULUS, priv_id, n)?;
            sig("key", priv_id, CKA_PUBLIC_EXPONENT, priv_id, e)?;
            sig("cert", pub_id, CKA_MODULUS, pub_id, n)?;
            sig("cert", pub_id, CKA_PUBLIC_EXPONENT, pub_id, e)?;
        }
    }
    Ok(())
}
