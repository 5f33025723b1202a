//! Matching a certificate against a name, as C NUT does for CERTHOST and CERTIDENT:
//! host-name rules against the SANs (DNS and IP), the CN as a host name as fallback, then the
//! string fallback of tls.md 3.2 (the whole subject, or a CN that starts with the name followed
//! by end of string, `/`, `,` or `\/`).

use std::net::IpAddr;

use crate::certinfo::CertInfo;

fn normalize(s: &str) -> String {
    s.trim_end_matches('.').to_ascii_lowercase()
}

/// Host-name comparison with a left-most `*.` wildcard.
pub fn host_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (normalize(pattern), normalize(name));
    if p == n {
        return true;
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

/// Does the certificate carry `name` (SAN DNS/IP, CN fallback, string fallback)?
pub fn certificate_matches_name(info: &CertInfo, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    if let Some(ip) = ip_of(name) {
        if info.ip_addresses.contains(&ip) {
            return true;
        }
    } else if info.dns_names.iter().any(|d| host_matches(d, name)) {
        return true;
    }
    if let Some(cn) = &info.common_name {
        if host_matches(cn, name) {
            return true;
        }
        if let Some(rest) = cn.strip_prefix(name) {
            if rest.is_empty()
                || rest.starts_with('/')
                || rest.starts_with(',')
                || rest.starts_with("\\/")
            {
                return true;
            }
        }
    }
    info.subject == name
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
        assert!(certificate_matches_name(&c, "ups1.example.com"));
        assert!(certificate_matches_name(&c, "UPS1.example.com."));
        assert!(certificate_matches_name(&c, "10.0.0.1"));
        assert!(certificate_matches_name(&c, "a.lab.example.com"));
        assert!(!certificate_matches_name(&c, "a.b.lab.example.com"));
        assert!(!certificate_matches_name(&c, "10.0.0.2"));
        assert!(!certificate_matches_name(&c, "ups2.example.com"));
        let n = cert("CN=My nut server,O=MyCompany,ST=MyState,C=US", &[]);
        assert!(certificate_matches_name(&n, "My nut server"));
        assert!(certificate_matches_name(
            &n,
            "CN=My nut server,O=MyCompany,ST=MyState,C=US"
        ));
        assert!(!certificate_matches_name(&n, "My nut"));
        assert!(!certificate_matches_name(&n, "localhost"));
        let slash = cert("CN=myups/extra", &[]);
        assert!(certificate_matches_name(&slash, "myups"));
        assert_eq!(
            certificate_names(&c),
            "ups1.example.com, *.lab.example.com, 10.0.0.1"
        );
    }
}
