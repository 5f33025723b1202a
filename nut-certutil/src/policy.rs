//! Policy rows in the store: which certificate each role presents (CERTIDENT), CERTHOST rows,
//! the default CERTVERIFY / FORCESSL, and upsd's CERTREQUEST level. Directives in upsd.conf /
//! upsmon.conf win over these (see the `policy show` command).

use std::collections::BTreeMap;
use std::fmt;

use nut_core::config::{CertHostRule, CertRequest};
use rusqlite::{OptionalExtension, params};

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

impl Store {
    fn policy_value(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM policy WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn set_policy_value(&mut self, name: &str, value: Option<&str>) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        match value {
            Some(v) => tx.execute(
                "INSERT INTO policy (name, value) VALUES (?1, ?2) \
                 ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                params![name, v],
            )?,
            None => tx.execute("DELETE FROM policy WHERE name = ?1", params![name])?,
        };
        tx.commit()?;
        Ok(())
    }

    /// Read the whole policy.
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
        let mut st = self.conn().prepare(
            "SELECT host, port, cert_name, certverify, forcessl FROM certhost ORDER BY host, port",
        )?;
        p.certhosts = st
            .query_map([], |r| {
                Ok(CertHostRule {
                    host: r.get(0)?,
                    port: r.get(1)?,
                    cert_name: r.get(2)?,
                    certverify: r.get(3)?,
                    forcessl: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
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

    /// Insert or replace a CERTHOST row.
    pub fn set_certhost(&mut self, rule: &CertHostRule) -> Result<(), StoreError> {
        let tx = self.conn_mut().transaction()?;
        tx.execute(
            "INSERT INTO certhost (host, port, cert_name, certverify, forcessl) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT(host, port) DO UPDATE SET cert_name = excluded.cert_name, \
             certverify = excluded.certverify, forcessl = excluded.forcessl",
            params![rule.host, rule.port, rule.cert_name, rule.certverify, rule.forcessl],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Remove a CERTHOST row; false if there was none.
    pub fn delete_certhost(&mut self, host: &str, port: u16) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "DELETE FROM certhost WHERE host = ?1 AND port = ?2",
            params![host, port],
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
            port: 3493,
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
        assert!(s.delete_certhost("localhost", 3493).expect("del"));
        assert!(!s.delete_certhost("localhost", 3493).expect("del"));
        assert_eq!(parse_certrequest("request"), Some(CertRequest::Request));
        assert_eq!(Role::parse("server"), Some(Role::Upsd));
    }
}
