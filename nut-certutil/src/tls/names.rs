//! Matching a certificate against a name, as NSS and C NUT do:
//!
//! - a host name (the MONITOR host, or the host part of a CERTHOST certname) is matched by
//!   NSS's rules: against the subjectAltName DNS and IP entries when the certificate has any,
//!   else against the CN; a left-most `*.` wildcard matches one DNS label, never an IP address;
//! - a CERTHOST certname (or a CERTIDENT name) may also match by the string fallback of
//!   tls.md 3.2: the whole subject, or a CN that starts with the name followed by end of
//!   string, `/`, `,` or `\/`. The MONITOR host never matches this way.

use std::net::IpAddr;

use crate::certinfo::CertInfo;

fn normalize(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

/// Host-name comparison with a left-most `*.` wildcard (DNS names only).
pub fn host_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (normalize(pattern), normalize(name));
    if p == n {
        return true;
    }
    if ip_of(name).is_some() {
        return false;
    }
    if let Some(suffix) = p.strip_prefix("*.") {
        if let Some((first, rest)) = n.split_once('.') {
            return !first.is_empty() && rest == suffix && suffix.contains('.');
        }
    }
    false
}

fn ip_of(name: &str) -> Option<IpAddr> {
    name.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Does the certificate carry the host `name` by NSS's rules (SANs when present, else the CN;
/// no wildcard for an IP address)?
pub fn certificate_matches_host(info: &CertInfo, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let has_san = !info.dns_names.is_empty() || !info.ip_addresses.is_empty();
    if has_san {
        return match ip_of(name) {
            Some(ip) => info.ip_addresses.contains(&ip),
            None => info.dns_names.iter().any(|d| host_matches(d, name)),
        };
    }
    match (&info.common_name, ip_of(name)) {
        (Some(cn), Some(ip)) => ip_of(cn) == Some(ip),
        (Some(cn), None) => host_matches(cn, name),
        (None, _) => false,
    }
}

/// Does the certificate carry a CERTHOST certname or CERTIDENT name: as a host name, else by
/// the string fallback (the whole subject, or a CN starting with the name followed by end,
/// `/`, `,` or `\/`)?
pub fn certificate_matches_certname(info: &CertInfo, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    if certificate_matches_host(info, name) || info.subject == name {
        return true;
    }
    let Some(rest) = info
        .common_name
        .as_deref()
        .and_then(|cn| cn.strip_prefix(name))
    else {
        return false;
    };
    rest.is_empty() || rest.starts_with('/') || rest.starts_with(',') || rest.starts_with("\\/")
}

/// The names a certificate carries, for error messages (`CN, SAN, ...`).
pub fn certificate_names(info: &CertInfo) -> String {
    let mut names: Vec<String> = Vec::new();
    if let Some(cn) = &info.common_name {
        names.push(cn.clone());
    }
    for d in &info.dns_names {
        if !names.contains(d) {
            names.push(d.clone());
        }
    }
    for ip in &info.ip_addresses {
        names.push(ip.to_string());
    }
    if names.is_empty() {
        names.push(info.subject.clone());
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, PrivateKey};
    use crate::pki::{self, CertProfile, CertRole};

    fn cert(subject: &str, sans: &[&str]) -> CertInfo {
        let k = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let mut p = CertProfile::for_months(CertRole::Server, 1);
        p.sans = sans.iter().map(|s| s.to_string()).collect();
        CertInfo::parse(&pki::self_signed(&k, subject, &p).expect("cert")).expect("parse")
    }

    #[test]
    fn san_cn_and_string_fallbacks() {
        let c = cert(
            "CN=ups1.example.com,O=X",
            &["ip:10.0.0.1", "*.lab.example.com"],
        );
        // pki puts the CN in the SANs too.
        assert!(certificate_matches_host(&c, "ups1.example.com"));
        assert!(certificate_matches_host(&c, "UPS1.example.com."));
        assert!(certificate_matches_host(&c, "10.0.0.1"));
        assert!(certificate_matches_host(&c, "a.lab.example.com"));
        assert!(!certificate_matches_host(&c, "a.b.lab.example.com"));
        assert!(!certificate_matches_host(&c, "10.0.0.2"));
        assert!(!certificate_matches_host(&c, "ups2.example.com"));
        let n = cert("CN=My nut server,O=MyCompany,ST=MyState,C=US", &[]);
        assert!(certificate_matches_certname(&n, "My nut server"));
        assert!(certificate_matches_certname(
            &n,
            "CN=My nut server,O=MyCompany,ST=MyState,C=US"
        ));
        assert!(!certificate_matches_certname(&n, "My nut"));
        assert!(!certificate_matches_certname(&n, "localhost"));
        let slash = cert("CN=myups/extra", &[]);
        assert!(certificate_matches_certname(&slash, "myups"));
        assert_eq!(
            certificate_names(&c),
            "ups1.example.com, *.lab.example.com, 10.0.0.1"
        );
    }

    /// NSS's rules: with a SAN the CN is ignored; no wildcard matches an IP address; the
    /// string fallbacks are for a CERTHOST certname, never for a host name.
    #[test]
    fn nss_host_rules() {
        // `localhost.` is not a DNS SAN pki would add: the CN stands alone beside the SAN.
        let cn_beside_san = cert("CN=localhost.", &["dns:other.example"]);
        assert!(!certificate_matches_host(&cn_beside_san, "localhost"));
        assert!(certificate_matches_host(&cn_beside_san, "other.example"));
        let cn_only = cert("CN=localhost.", &[]);
        assert!(certificate_matches_host(&cn_only, "localhost"));
        let wild_ip = cert("CN=*.0.0.1", &[]);
        assert!(!certificate_matches_host(&wild_ip, "127.0.0.1"));
        assert!(!certificate_matches_certname(&wild_ip, "127.0.0.1"));
        assert!(!host_matches("*.0.0.1", "127.0.0.1"));
        let ip_cn = cert("CN=127.0.0.1", &[]);
        assert!(certificate_matches_host(&ip_cn, "127.0.0.1"));
        let slash = cert("CN=localhost/evil.example", &[]);
        assert!(!certificate_matches_host(&slash, "localhost"));
        assert!(certificate_matches_certname(&slash, "localhost"));
    }
}
