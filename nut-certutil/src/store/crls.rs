//! Revocation rows: what our CAs revoked (`revoked`: CA + serial, date, reason) and one CRL per
//! CA (`crls`: ours, signed here, or imported), each kept with the fingerprint of the stored CA
//! it verified against. A revocation and the CRL that publishes it are written in one
//! transaction.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::{Store, StoreError, now_unix};
use crate::crl::{ParsedCrl, Reason, Revocation, serial_key};

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
}

fn ts(v: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(v).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

const SELECT: &str = "SELECT ca_fingerprint, issuer, this_update, next_update, crl_number, entries, \
     der, ours FROM crls";

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
    /// CRL, in one transaction.
    pub fn save_crl(
        &mut self,
        ca_fingerprint: &str,
        revocation: Option<&Revocation>,
        crl: &ParsedCrl,
        ours: bool,
    ) -> Result<(), StoreError> {
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
             entries, der, ours, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
             ON CONFLICT(ca_fingerprint) DO UPDATE SET issuer = excluded.issuer, \
             this_update = excluded.this_update, next_update = excluded.next_update, \
             crl_number = excluded.crl_number, entries = excluded.entries, der = excluded.der, \
             ours = excluded.ours, added_at = excluded.added_at",
            params![
                ca_fingerprint,
                crl.issuer,
                crl.this_update.unix_timestamp(),
                crl.next_update.map(|t| t.unix_timestamp()),
                crl.crl_number,
                i64::try_from(crl.entries.len()).unwrap_or(i64::MAX),
                crl.der,
                ours,
                now_unix()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}
