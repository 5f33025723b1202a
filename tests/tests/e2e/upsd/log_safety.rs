//! What outsiders can do to upsd's log: a client certificate whose subject holds a newline
//! and ANSI escapes cannot forge a line or reach a terminal raw, and a burst of connections
//! past MAXCONN writes a bounded number of lines and one summary, not a line per refusal.

use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;

use rnut_tests::upsd::pki::{TlsClient, client_cert_with_cn, store_setup};
use rnut_tests::upsd::*;

/// What a forged line would say, after the newline of the certificate's CN.
const FORGED: &str = " INFO User admin@127.0.0.1 logged into UPS [test]";

/// Whether `line` is a line forged by the certificate (not the escaped text of its subject).
fn is_forged(line: &str) -> bool {
    line.trim_start().starts_with("INFO User admin@")
}

#[test]
fn a_client_certificate_subject_cannot_forge_log_lines() {
    let (_d, pki, _drv, u) = store_setup("CERTREQUEST REQUEST");
    let cn = format!("evil\n{FORGED}\x1b[31m red \x1b[0m\r");

    // Signed by the trusted CA: verified, and its subject is logged at the handshake and at
    // LOGIN.
    let (der, key) = client_cert_with_cn(&pki, &cn, true);
    let mut t = TlsClient::connect(u.addr, pki.client_config(Some((&der, &key))))
        .expect("TLS with the CA-signed certificate");
    assert_eq!(t.cmd("USERNAME monp").unwrap(), "OK");
    assert_eq!(t.cmd("PASSWORD \"P@ss W0rd\"").unwrap(), "OK");
    assert_eq!(t.cmd("LOGIN test").unwrap(), "OK");
    // Self-signed: rejected by the verifier, which logs the subject it rejects.
    let (rogue_der, rogue_key) = client_cert_with_cn(&pki, &cn, false);
    let rogue = TlsClient::connect(u.addr, pki.client_config(Some((&rogue_der, &rogue_key))))
        .and_then(|mut t| t.cmd("PROTVER"));
    assert!(rogue.is_err(), "a self-signed certificate was accepted");

    let logged = |needle: &str| u.wait_log(needle, Duration::from_secs(10));
    assert!(
        logged("User monp@127.0.0.1 logged into UPS [test]"),
        "{}",
        u.log_text()
    );
    assert!(logged("client certificate rejected"), "{}", u.log_text());
    let lines = u.log_lines();
    let forged: Vec<&String> = lines.iter().filter(|l| is_forged(l)).collect();
    assert!(forged.is_empty(), "forged log lines: {forged:?}");
    for l in &lines {
        assert!(
            !l.contains('\x1b') && !l.contains('\r'),
            "a raw control character reached the log: {l:?}"
        );
    }
    // The subject was logged, escaped, on the lines that name it.
    let escaped = format!("evil\\n{FORGED}\\x1b[31m");
    let naming: Vec<&String> = lines.iter().filter(|l| l.contains(&escaped)).collect();
    assert!(
        naming.len() >= 2,
        "expected the handshake, LOGIN and rejection lines to show the escaped subject: {lines:#?}"
    );
}

/// Refusals logged individually or counted in a summary line, over the log so far.
fn refusals_accounted(lines: &[String]) -> (usize, u64, usize) {
    let logged = lines
        .iter()
        .filter(|l| l.contains("refusing connection from"))
        .count();
    let summaries: Vec<u64> = lines
        .iter()
        .filter_map(|l| {
            let rest = l.split("... ").nth(1)?;
            let (n, what) = rest.split_once(' ')?;
            what.starts_with("more connections refused at MAXCONN")
                .then(|| n.parse().ok())?
        })
        .collect();
    (logged, summaries.iter().sum(), summaries.len())
}

#[test]
fn a_burst_past_maxconn_logs_a_few_lines_and_a_summary() {
    const BURST: usize = 500;
    let d = NutTree::standard("MAXCONN 2\n");
    let u = Upsd::start(&d);
    // Two sessions hold MAXCONN.
    let mut held: Vec<Client> = (0..2).map(|_| u.client()).collect();
    for c in &mut held {
        assert_eq!(c.cmd("PROTVER"), "1.3");
    }
    let mut refused = 0;
    for _ in 0..BURST {
        let mut s = TcpStream::connect_timeout(&u.addr, Duration::from_secs(5)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut reply = String::new();
        let _ = s.read_to_string(&mut reply);
        if reply == "ERR ACCESS-DENIED\n" {
            refused += 1;
        }
    }
    assert_eq!(refused, BURST, "every connection past MAXCONN is refused");
    // Every refusal is accounted for, most of them by summary lines (written once the
    // throttle's window is over).
    let complete = rnut_tests::wait_until(Duration::from_secs(40), || {
        let (logged, summed, _) = refusals_accounted(&u.log_lines());
        logged + summed as usize == BURST
    });
    let lines = u.log_lines();
    let (logged, summed, summaries) = refusals_accounted(&lines);
    assert!(
        complete,
        "{logged} refusals logged and {summed} summarised, of {BURST}: {lines:#?}"
    );
    assert!(summaries >= 1, "no summary line: {lines:#?}");
    let about_maxconn = count(&lines, "MAXCONN");
    assert!(
        logged <= 20 && about_maxconn <= 25,
        "the burst wrote {logged} refusal lines, {about_maxconn} lines about MAXCONN"
    );
    // The held sessions were never disturbed.
    for c in &mut held {
        assert_eq!(c.cmd("PROTVER"), "1.3");
    }
}

/// Lines of `lines` containing `needle`.
fn count(lines: &[String], needle: &str) -> usize {
    lines.iter().filter(|l| l.contains(needle)).count()
}

#[test]
fn a_burst_of_rejected_client_certificates_logs_a_few_lines_and_summaries() {
    const BURST: usize = 60;
    let (_d, pki, _drv, u) = store_setup("CERTREQUEST REQUEST");
    let rogue = pki.client_config(Some((&pki.rogue_der, &pki.rogue_key)));
    for _ in 0..BURST {
        let r = TlsClient::connect(u.addr, rogue.clone()).and_then(|mut t| t.cmd("PROTVER"));
        assert!(r.is_err(), "the rogue certificate was accepted");
    }
    // Both warnings a rejected certificate causes are summarised once their window is over:
    // upsd's own at its next timer tick, the verifier's (inside the TLS configuration, no
    // timer) with the next rejection.
    let summaries = [
        "more client certificates rejected in the last",
        "more failed STARTTLS handshakes in the last",
    ];
    let summarised = rnut_tests::wait_until(Duration::from_secs(40), || {
        if summaries.iter().all(|s| u.log_text().contains(s)) {
            return true;
        }
        let _ = TlsClient::connect(u.addr, rogue.clone()).and_then(|mut t| t.cmd("PROTVER"));
        u.wait_log(summaries[0], Duration::from_secs(1)) && u.log_text().contains(summaries[1])
    });
    assert!(summarised, "no summary lines: {}", u.log_text());
    let lines = u.log_lines();
    let rejected = count(&lines, "client certificate rejected");
    let failed = count(&lines, "STARTTLS with client 127.0.0.1 failed");
    assert!(
        rejected <= 20 && failed <= 20,
        "{BURST} rejected certificates wrote {rejected} + {failed} lines"
    );
}
