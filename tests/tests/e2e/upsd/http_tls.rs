//! HTTPS on upsd's HTTP port with its store identity, and client certificates at each
//! HTTP_CERTREQUEST level: REQUIRE refuses no certificate and an untrusted one, REQUEST
//! serves without one but refuses an untrusted one, NO serves anyone over TLS; plaintext on
//! the HTTPS port gets nothing. The expiry of upsd's certificate and of its CA is in
//! `/metrics`.

use std::time::Duration;

use rnut_tests::http::{get_tls, http_addr, sample};
use rnut_tests::upsd::pki::{STORE_PASSWORD, TestPki, store_conf};
use rnut_tests::upsd::{FakeDriver, NutTree, STANDARD_USERS, Upsd, sample_state, wait_ups_ready};

struct Setup {
    _d: NutTree,
    pki: TestPki,
    _drv: FakeDriver,
    u: Upsd,
}

fn start(http_lines: &str) -> Setup {
    let pki = TestPki::new();
    let d = NutTree::new();
    let store = d.path().join("certdb");
    pki.write_store(&store);
    let conf = store_conf(
        rnut_tests::free_port(),
        &store,
        STORE_PASSWORD,
        "CERTREQUEST NO",
    );
    d.write_upsd_conf(&format!(
        "{conf}{}{http_lines}",
        rnut_tests::http::http_listen_line()
    ));
    d.write_ups_conf("[test]\n\tdriver = fake\n\tport = none\n");
    d.write_users(STANDARD_USERS);
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(&d);
    wait_ups_ready(&u, "test");
    Setup {
        _d: d,
        pki,
        _drv: drv,
        u,
    }
}

fn served(r: &Result<rnut_tests::http::HttpAnswer, String>) -> bool {
    matches!(r, Ok(a) if a.status == 200 && a.body.contains("nut_ups_driver_connected"))
}

/// GET /metrics over HTTPS from a client without a certificate, from one whose certificate
/// an untrusted CA issued, and from one the test CA issued, in that order.
fn metrics_by_each_client(
    s: &Setup,
    http: std::net::SocketAddr,
) -> [Result<rnut_tests::http::HttpAnswer, String>; 3] {
    let pki = &s.pki;
    [
        None,
        Some((pki.rogue_der.as_slice(), &pki.rogue_key)),
        Some((pki.client_der.as_slice(), &pki.client_key)),
    ]
    .map(|identity| get_tls(http, pki.client_config(identity), "/metrics"))
}

#[test]
fn https_at_require_serves_only_trusted_client_certificates() {
    let s = start("HTTP_TLS yes\nHTTP_CERTREQUEST REQUIRE\n");
    let http = http_addr(&s.u);
    assert!(s.u.log_text().contains("HTTP listening at https://"));
    let [anon, rogue, good] = metrics_by_each_client(&s, http);
    assert!(!served(&anon), "served without a certificate: {anon:?}");
    assert!(
        !served(&rogue),
        "served an untrusted certificate: {rogue:?}"
    );
    assert!(served(&good), "refused a trusted certificate: {good:?}");
    // Plaintext on the HTTPS port: no HTTP answer.
    let mut plain = std::net::TcpStream::connect(http).expect("connect");
    plain
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let answer = rnut_tests::http::raw_exchange(&mut plain, "GET /metrics HTTP/1.1\r\n\r\n");
    assert!(
        answer.as_ref().map_or(true, |a| a.status == 0),
        "plaintext served on the HTTPS port: {answer:?}"
    );
    // The NUT port is untouched by the HTTP level (CERTREQUEST NO there).
    assert_eq!(s.u.client().cmd("PROTVER"), "1.3");
}

#[test]
fn https_at_request_serves_without_a_certificate_but_refuses_an_untrusted_one() {
    let s = start("HTTP_TLS yes\nHTTP_CERTREQUEST REQUEST\n");
    let http = http_addr(&s.u);
    let [anon, rogue, good] = metrics_by_each_client(&s, http);
    assert!(served(&anon), "refused without a certificate: {anon:?}");
    assert!(
        !served(&rogue),
        "served an untrusted certificate: {rogue:?}"
    );
    assert!(served(&good), "refused a trusted certificate: {good:?}");
}

#[test]
fn https_at_no_serves_anyone_and_reports_certificate_expiry() {
    let s = start("HTTP_TLS yes\n");
    let http = http_addr(&s.u);
    let m = get_tls(http, s.pki.client_config(None), "/metrics").expect("HTTPS");
    assert_eq!(m.status, 200);
    let year = 365 * 24 * 3600;
    for (role, subject) in [
        ("identity", "CN=My nut server,O=rnut"),
        ("ca", "CN=rnut test CA,O=rnut"),
    ] {
        let labels = format!("role=\"{role}\",subject=\"{subject}\"");
        let left: i64 = sample(&m.body, "nut_upsd_certificate_expiry_seconds", &labels)
            .unwrap_or_else(|| panic!("no expiry for {labels} in:\n{}", m.body))
            .parse()
            .expect("integer");
        assert!(
            left > year - 40 * 24 * 3600 && left <= year + 24 * 3600,
            "{role}: {left} s left"
        );
    }
}

/// Without HTTP_TLS the port is plain HTTP, and the certificate figures are there all the
/// same (upsd has an identity for STARTTLS).
#[test]
fn plain_http_with_a_tls_identity_still_reports_expiry() {
    let s = start("");
    let http = http_addr(&s.u);
    let m = rnut_tests::http::get(http, "/metrics");
    assert_eq!(m.status, 200);
    assert!(
        m.body
            .contains("nut_upsd_certificate_expiry_seconds{role=\"identity\""),
        "{}",
        m.body
    );
}

/// Every upsd family the example dashboard and alert rules query is one upsd serves (the
/// variable families depend on the UPS and are left aside).
#[test]
fn the_examples_query_only_metrics_upsd_serves() {
    let s = start("");
    let m = rnut_tests::http::get(http_addr(&s.u), "/metrics").body;
    let root = rnut_tests::workspace_root();
    for file in [
        "examples/grafana-dashboard.json",
        "examples/prometheus-alerts.yml",
    ] {
        let text = std::fs::read_to_string(root.join(file)).expect("example");
        let mut names: Vec<&str> = text
            .match_indices("nut_")
            .map(|(i, _)| {
                let rest = &text[i..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                &rest[..end]
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        assert!(names.len() >= 5, "{file}: {names:?}");
        for name in names {
            let variable = ["nut_battery_", "nut_input_", "nut_output_"]
                .iter()
                .any(|p| name.starts_with(p))
                || name == "nut_ups_load_percent";
            let served = m
                .lines()
                .any(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")));
            assert!(
                variable || served,
                "{file} queries {name}, which upsd does not serve"
            );
        }
    }
}

/// The expiry seconds of upsd's identity in `/metrics` over HTTPS.
fn identity_expiry(s: &Setup, pki: &TestPki) -> i64 {
    let m = get_tls(http_addr(&s.u), pki.client_config(None), "/metrics").expect("HTTPS");
    sample(
        &m.body,
        "nut_upsd_certificate_expiry_seconds",
        "role=\"identity\",subject=\"CN=My nut server,O=rnut\"",
    )
    .expect("identity expiry")
    .parse()
    .expect("integer")
}

/// SIGHUP re-reads the HTTPS certificate: a renewed one (two years instead of one) is served
/// and its expiry reported without a restart; HTTPS stays on.
#[test]
fn sighup_serves_and_reports_a_renewed_https_certificate() {
    use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
    use nut_certutil::pki::{CertProfile, CertRole, issue};
    let s = start("HTTP_TLS yes\n");
    let year = 365 * 24 * 3600;
    assert!(identity_expiry(&s, &s.pki) < year + 24 * 3600);

    let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    let mut profile = CertProfile::for_months(CertRole::Server, 24);
    profile.sans = vec!["localhost".into(), "127.0.0.1".into()];
    let der = issue(
        &key,
        "CN=My nut server,O=rnut",
        &profile,
        &s.pki.ca_der,
        &s.pki.ca_key,
    )
    .expect("renewed certificate");
    let store = s._d.path().join("certdb");
    std::fs::remove_dir_all(&store).expect("remove the old store");
    // The same CA, the renewed server certificate.
    let renewed = TestPki {
        ca_key: PrivateKey::from_pkcs8(s.pki.ca_key.pkcs8_der()).expect("ca key"),
        ca_der: s.pki.ca_der.clone(),
        server_key: key,
        server_der: der,
        ..TestPki::new()
    };
    renewed.write_store(&store);
    s.u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        s.u.wait_log("HTTP: certificates reloaded", Duration::from_secs(10)),
        "{}",
        s.u.log_text()
    );
    let left = identity_expiry(&s, &renewed);
    assert!(
        left > 2 * year - 40 * 24 * 3600,
        "{left} s left after the renewal"
    );
    let page = get_tls(http_addr(&s.u), renewed.client_config(None), "/").expect("HTTPS");
    assert_eq!(page.status, 200);
}
