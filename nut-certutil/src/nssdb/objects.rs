//! The PKCS#11 objects of cert9.db (`nssPublic`) and key4.db (`nssPrivate`, `metaData`),
//! read with the column list found at run time (spec nss-db.md sections 1 and 2).

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::NssError;

/// CKA_CLASS.
pub const CKA_CLASS: u32 = 0x000;
/// CKA_LABEL (the nickname).
pub const CKA_LABEL: u32 = 0x003;
/// CKA_VALUE: certificate DER, or the encrypted EC scalar.
pub const CKA_VALUE: u32 = 0x011;
/// CKA_CERTIFICATE_TYPE.
pub const CKA_CERTIFICATE_TYPE: u32 = 0x080;
/// CKA_ISSUER.
pub const CKA_ISSUER: u32 = 0x081;
/// CKA_SERIAL_NUMBER (the whole INTEGER TLV).
pub const CKA_SERIAL_NUMBER: u32 = 0x082;
/// CKA_KEY_TYPE.
pub const CKA_KEY_TYPE: u32 = 0x100;
/// CKA_ID: links a certificate to its key.
pub const CKA_ID: u32 = 0x102;
/// RSA n.
pub const CKA_MODULUS: u32 = 0x120;
/// RSA e.
pub const CKA_PUBLIC_EXPONENT: u32 = 0x122;
/// RSA d, p, q, dP, dQ, qInv (encrypted).
pub const CKA_RSA_PRIVATE: [u32; 6] = [0x123, 0x124, 0x125, 0x126, 0x127, 0x128];
/// EC curve OID (TLV).
pub const CKA_EC_PARAMS: u32 = 0x180;
/// CKA_NSS_DB on private keys: the public value (RSA modulus, or the raw EC point).
pub const CKA_NSS_DB: u32 = 0xD5A0_DB00;

/// CKO_CERTIFICATE.
pub const CKO_CERTIFICATE: u32 = 1;
/// CKO_PRIVATE_KEY.
pub const CKO_PRIVATE_KEY: u32 = 3;
/// CKO_TRUST (PKCS#11 3.2, NSS >= 3.114).
pub const CKO_TRUST: u32 = 0xB;
/// CKO_NSS_TRUST (the vendor trust object).
pub const CKO_NSS_TRUST: u32 = 0xCE53_4353;
/// CKO_NSS_CRL.
pub const CKO_NSS_CRL: u32 = 0xCE53_4351;
/// CKK_RSA.
pub const CKK_RSA: u32 = 0;
/// CKK_EC.
pub const CKK_EC: u32 = 3;

/// What NSS stores for a present, empty attribute.
const EXPLICIT_NULL: &[u8] = &[0xA5, 0x00, 0x5A];

/// One PKCS#11 object: its handle and its attributes.
#[derive(Debug, Clone, Default)]
pub struct Object {
    pub id: u32,
    pub attrs: HashMap<u32, Vec<u8>>,
}

impl Object {
    /// An attribute's bytes.
    pub fn get(&self, attr: u32) -> Option<&[u8]> {
        self.attrs.get(&attr).map(Vec::as_slice)
    }

    /// A CK_ULONG attribute (4 bytes big-endian).
    pub fn ulong(&self, attr: u32) -> Option<u32> {
        let b: [u8; 4] = self.get(attr)?.try_into().ok()?;
        Some(u32::from_be_bytes(b))
    }

    /// CKA_CLASS.
    pub fn class(&self) -> Option<u32> {
        self.ulong(CKA_CLASS)
    }
}

/// Open an NSS SQLite file read-only, leaving a running NSS user undisturbed.
pub fn open(path: &Path) -> Result<Connection, NssError> {
    let err = |e: rusqlite::Error| NssError::Sqlite(path.to_path_buf(), e.to_string());
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    // A writer's lock is waited for (bounded), not failed on.
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(err)?;
    Ok(conn)
}

/// Hold a read transaction on `conn` until the guard drops: every read in between sees one
/// state of the file, whatever a concurrent writer does.
pub fn snapshot<'c>(conn: &'c Connection, file: &Path) -> Result<Snapshot<'c>, NssError> {
    conn.execute_batch("BEGIN DEFERRED")
        .map_err(|e| NssError::Sqlite(file.to_path_buf(), e.to_string()))?;
    Ok(Snapshot(conn))
}

/// A read transaction, ended on drop.
#[derive(Debug)]
pub struct Snapshot<'c>(&'c Connection);

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        let _ = self.0.execute_batch("COMMIT");
    }
}

/// Every object of an object table (`nssPublic` or `nssPrivate`).
pub fn read_objects(conn: &Connection, table: &str, file: &Path) -> Result<Vec<Object>, NssError> {
    let err = |e: rusqlite::Error| NssError::Sqlite(file.to_path_buf(), e.to_string());
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table}"))
        .map_err(err)?;
    // Column names: `id`, then `a<hex attribute type>`.
    let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let columns: Vec<Option<u32>> = names
        .iter()
        .map(|c| {
            c.strip_prefix('a')
                .and_then(|h| u32::from_str_radix(h, 16).ok())
        })
        .collect();
    let id_col = names
        .iter()
        .position(|c| c == "id")
        .ok_or_else(|| NssError::Malformed(format!("{table} has no id column")))?;
    let mut rows = stmt.query([]).map_err(err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(err)? {
        let id: i64 = row.get(id_col).map_err(err)?;
        let mut obj = Object {
            id: u32::try_from(id).map_err(|_| NssError::Malformed(format!("object id {id}")))?,
            attrs: HashMap::new(),
        };
        for (i, attr) in columns.iter().enumerate() {
            let Some(attr) = attr else { continue };
            let value: Option<Vec<u8>> = match row.get_ref(i).map_err(err)? {
                rusqlite::types::ValueRef::Null => None,
                rusqlite::types::ValueRef::Blob(b) => Some(b.to_vec()),
                rusqlite::types::ValueRef::Text(t) => Some(t.to_vec()),
                rusqlite::types::ValueRef::Integer(n) => Some(n.to_be_bytes().to_vec()),
                rusqlite::types::ValueRef::Real(_) => None,
            };
            if let Some(v) = value {
                let v = if v == EXPLICIT_NULL { Vec::new() } else { v };
                obj.attrs.insert(*attr, v);
            }
        }
        out.push(obj);
    }
    Ok(out)
}

/// The `metaData` rows of key4.db: id -> (item1, item2).
pub type Metadata = HashMap<String, (Vec<u8>, Option<Vec<u8>>)>;

/// Read the `metaData` table of key4.db.
pub fn read_metadata(conn: &Connection, file: &Path) -> Result<Metadata, NssError> {
    let err = |e: rusqlite::Error| NssError::Sqlite(file.to_path_buf(), e.to_string());
    let mut stmt = conn
        .prepare("SELECT id, item1, item2 FROM metaData")
        .map_err(err)?;
    // Whatever SQLite type a value was stored with, its bytes are what counts.
    fn bytes(v: rusqlite::types::ValueRef<'_>) -> Option<Vec<u8>> {
        match v {
            rusqlite::types::ValueRef::Blob(b) | rusqlite::types::ValueRef::Text(b) => {
                Some(b.to_vec())
            }
            _ => None,
        }
    }
    let rows = stmt
        .query_map([], |r| {
            Ok((
                bytes(r.get_ref(0)?)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default(),
                bytes(r.get_ref(1)?).unwrap_or_default(),
                bytes(r.get_ref(2)?),
            ))
        })
        .map_err(err)?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, a, b) = row.map_err(err)?;
        out.insert(id, (a, b));
    }
    Ok(out)
}
