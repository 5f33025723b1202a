//! Policy rows in the store: which certificate each role presents (CERTIDENT), CERTHOST rows,
//! the default CERTVERIFY / FORCESSL, and upsd's CERTREQUEST level. Directives in upsd.conf /
//! upsmon.conf win over these, field by field (see the `policy show` command).
//!
//! Every row carries an HMAC-SHA256 keyed from the database password (as trust does), over
//! its canonical text ([`policy_row_text`], [`certhost_row_text`]): changing a row needs the
//! password. A reader that has the password (the store was unlocked) ignores a row whose MAC
//! does not verify, with a warning naming the command that sets it again; a reader without
//! the password reads the rows as stored, as it reads trust.

use std::collections::BTreeMap;
use std::fmt;

use nut_core::config::{CertHostRule, CertRequest};
use rusqlite::{OptionalExtension, params};

use crate::keys::KeyCipher;
use crate::store::{Store, StoreError};

/// A role that presents a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// The server (upsd).
    Upsd,
    /// The monitor and the other clients (upsmon, upsc, ...).
    Upsmon,
}

impl Role {
    /// Parse `upsd` / `server` / `upsmon` / `client`.
    pub fn parse(s: &str) -> Option<Role> {
        match s.to_ascii_lowercase().as_str() {
            "upsd" | "server" => Some(Role::Upsd),
            "upsmon" | "client" | "clients" => Some(Role::Upsmon),
            _ => None,
        }
    }

    /// The key name in the policy table.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Upsd => "upsd",
            Role::Upsmon => "upsmon",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the store says about policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StorePolicy {
    /// CERTIDENT nickname per role.
    pub certident: BTreeMap<Role, String>,
    /// CERTHOST rows, ordered by host and port.
    pub certhosts: Vec<CertHostRule>,
    /// Default CERTVERIFY, if set.
    pub certverify: Option<bool>,
    /// Default FORCESSL, if set.
    pub forcessl: Option<bool>,
    /// upsd's CERTREQUEST, if set.
    pub certrequest: Option<CertRequest>,
    /// What a CRL past its nextUpdate does, if set (default: warn).
    pub crl_stale: Option<CrlStale>,
}

/// What happens to certificates a CRL covers once it is past its nextUpdate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrlStale {
    /// Log a warning and use the CRL anyway (the default).
    #[default]
    Warn,
    /// Refuse every certificate the CRL's CA issued until a fresh CRL is imported.
    Refuse,
}

impl CrlStale {
    /// Parse `warn` / `refuse`.
    pub fn parse(s: &str) -> Option<CrlStale> {
        match s.to_ascii_lowercase().as_str() {
            "warn" => Some(CrlStale::Warn),
            "refuse" => Some(CrlStale::Refuse),
            _ => None,
        }
    }
}

impl fmt::Display for CrlStale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CrlStale::Warn => "warn",
            CrlStale::Refuse => "refuse",
        })
    }
}

/// Parse a CERTREQUEST level: 0/1/2 or NO/REQUEST/REQUIRE (any case).
pub fn parse_certrequest(s: &str) -> Option<CertRequest> {
    CertRequest::parse(&s.to_ascii_uppercase())
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "1" | "yes" | "on" | "true" => Some(true),
        "0" | "no" | "off" | "false" => Some(false),
        _ => None,
    }
}

/// Parse a 0/1 (yes/no, on/off, true/false) flag.
pub fn parse_flag(s: &str) -> Result<bool, StoreError> {
    parse_bool(s).ok_or_else(|| StoreError::Policy(format!("'{s}' is not 0 or 1")))
}

/// The text a policy row's MAC covers.
pub fn policy_row_text(name: &str, value: &str) -> Vec<u8> {
    [b"policy".as_slice(), name.as_bytes(), value.as_bytes()].join(&0u8)
}

/// The text a CERTHOST row's MAC covers (port 0: every port).
pub fn certhost_row_text(rule: &CertHostRule) -> Vec<u8> {
    let port = rule.port.unwrap_or(0).to_string();
    [
        b"certhost".as_slice(),
        rule.host.as_bytes(),
        port.as_bytes(),
        rule.cert_name.as_bytes(),
        &[u8::from(rule.certverify), u8::from(rule.forcessl)],
    ]
    .join(&0u8)
}

/// A row as stored, with its MAC.
struct Row<T> {
    value: T,
    text: Vec<u8>,
    mac: Option<Vec<u8>>,
}

impl Store {
    /// The database key to sign a policy change with; refused without the password.
    fn policy_key(&self, what: &str) -> Result<KeyCipher, StoreError> {
        self.unlocked_cipher()
            .ok_or_else(|| StoreError::PolicyNeedsPassword(what.to_string()))
    }

    /// With the database key known, a row whose MAC does not verify is dropped with a warning
    /// (once per handle); without it, every row is read as stored.
    fn verified<T>(&self, row: Row<T>, label: &str, fix: &str) -> Option<T> {
        let Some(c) = self.unlocked_cipher() else {
            return Some(row.value);
        };
        if row
            .mac
            .as_deref()
            .is_some_and(|m| c.policy_mac_ok(&row.text, m))
        {
            return Some(row.value);
        }
        if self.first_warning(&format!("policy\0{label}")) {
            tracing::warn!(
                policy = %label,
                "this policy row of the certificate database is not protected by the database \
                 password (set by an older nut-certutil, or changed without the password): it is \
                 ignored; set it again with `nut-certutil -d {} policy set {fix}`",
                self.dir().display()
            );
        }
        None
    }

    fn policy_value(&self, name: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String, Option<Vec<u8>>)> = self
            .conn()
            .query_row(
                "SELECT value, mac FROM policy WHERE name = ?1",
                params![name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(row.and_then(|(value, mac)| {
            let row = Row {
                text: policy_row_text(name, &value),
                value,
                mac,
            };
            let fix = format!("{} ...", name.replace('.', " "));
            self.verified(row, name, &fix)
        }))
    }

    fn set_policy_value(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError> {
        let key = self.policy_key(name)?;
        let tx = self.conn_mut().transaction()?;
        match value {
            Some(v) => tx.execute(
                "INSERT INTO policy (name, value, mac) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(name) DO UPDATE SET value = excluded.value, mac = excluded.mac",
                params![name, v, key.policy_mac(&policy_row_text(name, v))],
            )?,
            None => tx.execute("DELETE FROM policy WHERE name = ?1", params![name])?,
        };
        tx.commit()?;
        Ok(())
    }

    /// Read the whole policy (rows whose MAC does not verify are left out when the store was
    /// unlocked).
    pub fn policy(&self) -> Result<StorePolicy, StoreError> {
        let mut p = StorePolicy::default();
        for role in [Role::Upsd, Role::Upsmon] {
            if let Some(n) = self.policy_value(&format!("certident.{role}"))? {
                p.certident.insert(role, n);
            }
        }
        p.certverify = self
            .policy_value("certverify")?
            .and_then(|v| parse_bool(&v));
        p.forcessl = self.policy_value("forcessl")?.and_then(|v| parse_bool(&v));
        p.certrequest = self
            .policy_value("certrequest")?
            .and_then(|v| parse_certrequest(&v));
        p.crl_stale = self.crl_stale_policy()?;
        let mut st = self.conn().prepare(
            "SELECT host, port, cert_name, certverify, forcessl, mac FROM certhost ORDER BY host, port",
        )?;
        let rows: Vec<Row<CertHostRule>> = st
            .query_map([], |r| {
                let port: u16 = r.get(1)?;
                let rule = CertHostRule {
                    host: r.get(0)?,
                    port: (port != 0).then_some(port),
                    cert_name: r.get(2)?,
                    certverify: r.get(3)?,
                    forcessl: r.get(4)?,
                };
                Ok(Row {
                    text: certhost_row_text(&rule),
                    value: rule,
                    mac: r.get(5)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        p.certhosts = rows
            .into_iter()
            .filter_map(|row| {
                let target = row.value.target().to_string();
                self.verified(
                    row,
                    &format!("certhost {target}"),
                    &format!("certhost {target} NAME CERTVERIFY FORCESSL"),
                )
            })
            .collect();
        Ok(p)
    }

    /// Set (or clear) the CERTIDENT nickname of a role. The certificate must exist.
    pub fn set_certident(&mut self, role: Role, nickname: Option<&str>) -> Result<(), StoreError> {
        if let Some(n) = nickname {
            self.certificate(n)?;
        }
        self.set_policy_value(&format!("certident.{role}"), nickname)
    }

    /// Set (or clear) the default CERTVERIFY.
    pub fn set_certverify(&mut self, v: Option<bool>) -> Result<(), StoreError> {
        self.set_policy_value("certverify", v.map(|b| if b { "1" } else { "0" }))
    }

    /// Set (or clear) the default FORCESSL.
    pub fn set_forcessl(&mut self, v: Option<bool>) -> Result<(), StoreError> {
        self.set_policy_value("forcessl", v.map(|b| if b { "1" } else { "0" }))
    }

    /// Set (or clear) CERTREQUEST.
    pub fn set_certrequest(&mut self, v: Option<CertRequest>) -> Result<(), StoreError> {
        let s = v.map(|c| c.to_string());
        self.set_policy_value("certrequest", s.as_deref())
    }

    /// The stored stale-CRL policy (rows that do not verify are ignored, as for every row).
    pub fn crl_stale_policy(&self) -> Result<Option<CrlStale>, StoreError> {
        Ok(self
            .policy_value("crl-stale")?
            .and_then(|v| CrlStale::parse(&v)))
    }

    /// Set (or clear) the stale-CRL policy.
    pub fn set_crl_stale(&mut self, v: Option<CrlStale>) -> Result<(), StoreError> {
        let s = v.map(|c| c.to_string());
        self.set_policy_value("crl-stale", s.as_deref())
    }

    /// Insert or replace a CERTHOST row (a rule without a port covers every port of the host).
    pub fn set_certhost(&mut self, rule: &CertHostRule) -> Result<(), StoreError> {
        let key = self.policy_key(&format!("certhost {}", rule.target()))?;
        let mac = key.policy_mac(&certhost_row_text(rule));
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO certhost (host, port, cert_name, certverify, forcessl, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
             ON CONFLICT(host, port) DO UPDATE SET cert_name = excluded.cert_name, \
             certverify = excluded.certverify, forcessl = excluded.forcessl, mac = excluded.mac",
            params![rule.host, rule.port.unwrap_or(0), rule.cert_name, rule.certverify, rule.forcessl, mac],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Remove a CERTHOST row (`port` `None`: the row for every port); false if there was none.
    pub fn delete_certhost(&mut self, host: &str, port: Option<u16>) -> Result<bool, StoreError> {
        self.policy_key(&format!("certhost {host}"))?;
        Ok(self.conn().execute(
            "DELETE FROM certhost WHERE host = ?1 AND port = ?2",
            params![host, port.unwrap_or(0)],
        )? > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_roundtrip() {
        let t = tempfile::tempdir().expect("tmp");
        let mut s = Store::create_with_kdf(t.path(), "", 10).expect("create");
        s.unlock("").expect("unlock");
        assert_eq!(s.policy().expect("p"), StorePolicy::default());
        assert!(matches!(
            s.set_certident(Role::Upsd, Some("missing")),
            Err(StoreError::NoSuchCertificate(_))
        ));
        s.set_certverify(Some(true)).expect("set");
        s.set_forcessl(Some(false)).expect("set");
        s.set_certrequest(parse_certrequest("2")).expect("set");
        let rule = CertHostRule {
            host: "localhost".into(),
            port: Some(3493),
            cert_name: "My nut server".into(),
            certverify: true,
            forcessl: true,
        };
        s.set_certhost(&rule).expect("set");
        s.set_certhost(&CertHostRule {
            certverify: false,
            ..rule.clone()
        })
        .expect("replace");
        let p = s.policy().expect("p");
        assert_eq!(p.certverify, Some(true));
        assert_eq!(p.forcessl, Some(false));
        assert_eq!(p.certrequest, Some(CertRequest::Require));
        assert_eq!(p.certhosts.len(), 1);
        assert!(!p.certhosts[0].certverify);
        assert!(s.delete_certhost("localhost", Some(3493)).expect("del"));
        assert!(!s.delete_certhost("localhost", Some(3493)).expect("del"));
        assert_eq!(parse_certrequest("request"), Some(CertRequest::Request));
        assert_eq!(Role::parse("server"), Some(Role::Upsd));
    }

    fn fresh(dir: &std::path::Path, password: &str) -> Store {
        let s = Store::create_with_kdf(dir, password, 10).expect("create");
        s.unlock(password).expect("unlock");
        s
    }

    #[test]
    fn changing_policy_needs_the_password() {
        let t = tempfile::tempdir().expect("tmp");
        drop(fresh(t.path(), "pw"));
        let mut s = Store::open(t.path()).expect("open");
        let rule = CertHostRule {
            host: "h".into(),
            port: None,
            cert_name: "n".into(),
            certverify: false,
            forcessl: false,
        };
        for r in [
            s.set_certverify(Some(false)),
            s.set_forcessl(None),
            s.set_certrequest(Some(CertRequest::No)),
            s.set_certhost(&rule),
            s.delete_certhost("h", None).map(|_| ()),
        ] {
            assert!(
                matches!(r, Err(StoreError::PolicyNeedsPassword(_))),
                "{r:?}"
            );
        }
        s.unlock("pw").expect("unlock");
        s.set_certhost(&rule).expect("with the password");
        assert_eq!(s.policy().expect("p").certhosts, [rule]);
    }

    /// Rows changed behind the tool's back (raw SQL, as someone who can write the file but
    /// does not know the password would) are ignored by a reader that has the password.
    #[test]
    fn tampered_rows_are_ignored_with_the_password_and_read_as_stored_without() {
        let t = tempfile::tempdir().expect("tmp");
        let mut s = fresh(t.path(), "pw");
        s.set_certverify(Some(true)).expect("set");
        s.set_forcessl(Some(true)).expect("set");
        s.set_certhost(&CertHostRule {
            host: "127.0.0.1".into(),
            port: None,
            cert_name: "upsd".into(),
            certverify: true,
            forcessl: true,
        })
        .expect("set");
        s.conn()
            .execute_batch(
                "UPDATE policy SET value = '0' WHERE name = 'certverify';
                 INSERT INTO policy (name, value) VALUES ('certrequest', 'NO');
                 UPDATE certhost SET certverify = 0, forcessl = 0;",
            )
            .expect("tamper");
        drop(s);
        let ro = Store::open_read_only(t.path()).expect("open");
        let stored = ro.policy().expect("p");
        assert_eq!(stored.certverify, Some(false));
        assert!(!stored.certhosts[0].forcessl);
        ro.unlock("pw").expect("unlock");
        let checked = ro.policy().expect("p");
        assert_eq!(checked.certverify, None, "tampered value ignored");
        assert_eq!(checked.certrequest, None, "row without a MAC ignored");
        assert_eq!(checked.forcessl, Some(true), "intact row kept");
        assert!(
            checked.certhosts.is_empty(),
            "tampered CERTHOST row ignored"
        );
    }
}
