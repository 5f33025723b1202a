//! Revocation rows: what our CAs revoked (`revoked`: CA + serial, date, reason) and one CRL per
//! CA (`crls`: ours, signed here, or imported), each kept with the fingerprint of the stored CA
//! it verified against. A revocation and the CRL that publishes it are written in one
//! transaction.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::{Store, StoreError, now_unix};
use crate::crl::{ParsedCrl, Reason, Revocation, serial_key};
use crate::keys::KeyCipher;

/// The text a CRL row's MAC covers: the CA it belongs to and the CRL's digest.
pub(crate) fn crl_row_text(ca_fingerprint: &str, der: &[u8]) -> Vec<u8> {
    let digest = crate::certinfo::der_fingerprint(der);
    [
        b"crl".as_slice(),
        ca_fingerprint.as_bytes(),
        digest.as_bytes(),
    ]
    .join(&0u8)
}

/// Re-key the MAC of every CRL row that verifies under `old` (password change); the others
/// lose theirs (they were not protected: readers with the password refuse their CA).
pub(super) fn remac(
    tx: &rusqlite::Transaction<'_>,
    old: &KeyCipher,
    new: &KeyCipher,
) -> Result<(), StoreError> {
    let rows: Vec<(String, Vec<u8>, Option<Vec<u8>>)> = {
        let mut st = tx.prepare("SELECT ca_fingerprint, der, mac FROM crls")?;
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?
    };
    for (fp, der, mac) in rows {
        let text = crl_row_text(&fp, &der);
        let ok = mac.as_deref().is_some_and(|m| old.policy_mac_ok(&text, m));
        let mac = ok.then(|| new.policy_mac(&text));
        tx.execute(
            "UPDATE crls SET mac = ?1 WHERE ca_fingerprint = ?2",
            params![mac, fp],
        )?;
    }
    Ok(())
}

/// A CRL as stored.
#[derive(Debug, Clone)]
pub struct StoredCrl {
    /// Fingerprint of the CA it verified against.
    pub ca_fingerprint: String,
    /// The CA's subject.
    pub issuer: String,
    /// thisUpdate.
    pub this_update: OffsetDateTime,
    /// nextUpdate, if any.
    pub next_update: Option<OffsetDateTime>,
    /// cRLNumber, hex.
    pub crl_number: Option<String>,
    /// How many certificates it lists.
    pub entries: usize,
    /// The DER.
    pub der: Vec<u8>,
    /// Signed by this store (a CA whose key it holds), not imported.
    pub ours: bool,
    /// The row's MAC (None: written without the password).
    pub(crate) mac: Option<Vec<u8>>,
}

impl StoredCrl {
    /// Whether the row is intact under the database key `cipher`.
    pub(crate) fn mac_ok(&self, cipher: &KeyCipher) -> bool {
        let text = crl_row_text(&self.ca_fingerprint, &self.der);
        self.mac
            .as_deref()
            .is_some_and(|m| cipher.policy_mac_ok(&text, m))
    }
}

fn ts(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(v).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

const SELECT: &str = "SELECT ca_fingerprint, issuer, this_update, next_update, crl_number, entries, \
     der, ours, mac FROM crls";

impl StoredCrl {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredCrl> {
        let entries: i64 = r.get(5)?;
        Ok(StoredCrl {
            ca_fingerprint: r.get(0)?,
            issuer: r.get(1)?,
            this_update: ts(r.get(2)?),
            next_update: r.get::<_, Option<i64>>(3)?.map(ts),
            crl_number: r.get(4)?,
            entries: usize::try_from(entries).unwrap_or(0),
            der: r.get(6)?,
            ours: r.get(7)?,
            mac: r.get(8)?,
        })
    }
}

impl Store {
    /// Every stored CRL, by issuer.
    pub fn crls(&self) -> Result<Vec<StoredCrl>, StoreError> {
        let mut st = self.conn().prepare(&format!("{SELECT} ORDER BY issuer"))?;
        let rows = st
            .query_map([], StoredCrl::from_row)?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The CRL stored for the CA with this fingerprint.
    pub fn crl_of(&self, ca_fingerprint: &str) -> Result<Option<StoredCrl>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("{SELECT} WHERE ca_fingerprint = ?1"),
                params![ca_fingerprint],
                StoredCrl::from_row,
            )
            .optional()?)
    }

    /// What the CA with this fingerprint revoked, oldest first.
    pub fn revocations(&self, ca_fingerprint: &str) -> Result<Vec<Revocation>, StoreError> {
        let mut st = self.conn().prepare(
            "SELECT serial, revoked_at, reason FROM revoked WHERE ca_fingerprint = ?1 \
             ORDER BY revoked_at, serial",
        )?;
        let rows = st
            .query_map(params![ca_fingerprint], |r| {
                Ok(Revocation {
                    serial: r.get(0)?,
                    date: ts(r.get(1)?),
                    reason: Reason(r.get(2)?),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Whether the CA with this fingerprint already revoked `serial`.
    pub fn is_revoked(&self, ca_fingerprint: &str, serial: &str) -> Result<bool, StoreError> {
        Ok(self.conn().query_row(
            "SELECT EXISTS(SELECT 1 FROM revoked WHERE ca_fingerprint = ?1 AND serial = ?2)",
            params![ca_fingerprint, serial_key(serial)],
            |r| r.get(0),
        )?)
    }

    /// Record `revocation` (if any) by the CA `ca_fingerprint` and store `crl` as that CA's
    /// CRL, in one transaction, with its MAC: the store must have been given the password.
    pub fn save_crl(
        &mut self,
        ca_fingerprint: &str,
        revocation: Option<&Revocation>,
        crl: &ParsedCrl,
        ours: bool,
    ) -> Result<(), StoreError> {
        let key = self
            .unlocked_cipher()
            .ok_or_else(|| StoreError::CrlNeedsPassword(crl.issuer.clone()))?;
        let mac = key.policy_mac(&crl_row_text(ca_fingerprint, &crl.der));
        let tx = self.conn_mut().transaction()?;
        if let Some(r) = revocation {
            tx.execute(
                "INSERT INTO revoked (ca_fingerprint, serial, revoked_at, reason) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    ca_fingerprint,
                    serial_key(&r.serial),
                    r.date.unix_timestamp(),
                    r.reason.0
                ],
            )?;
        }
        tx.execute(
            "INSERT INTO crls (ca_fingerprint, issuer, this_update, next_update, crl_number, \
             entries, der, ours, added_at, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
             ON CONFLICT(ca_fingerprint) DO UPDATE SET issuer = excluded.issuer, \
             this_update = excluded.this_update, next_update = excluded.next_update, \
             crl_number = excluded.crl_number, entries = excluded.entries, der = excluded.der, \
             ours = excluded.ours, added_at = excluded.added_at, mac = excluded.mac",
            params![
                ca_fingerprint,
                crl.issuer,
                crl.this_update.unix_timestamp(),
                crl.next_update.map(|t| t.unix_timestamp()),
                crl.crl_number,
                i64::try_from(crl.entries.len()).unwrap_or(i64::MAX),
                crl.der,
                ours,
                now_unix(),
                mac
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}
