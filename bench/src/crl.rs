//! The revocation rows (rnut only): STARTTLS sessions per second at CERTREQUEST REQUIRE with
//! clients presenting a certificate, against a store without a CRL and against the same store
//! holding a CRL of 10,000 entries for the clients' CA (none of them the client's). Both
//! stores are made with nut-certutil's library; the servers are two more rnut upsd on the same
//! driver socket.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use nut_certutil::crl::{CrlTimes, Reason, Revocation, sign_crl};
use nut_certutil::keys::{KeyAlgorithm, PrivateKey};
use nut_certutil::pem::encode as pem;
use nut_certutil::pki::{CertProfile, CertRole, issue, self_signed};
use nut_certutil::revoke::import_crl;
use nut_certutil::store::Store;
use nut_certutil::time::{Duration as D, OffsetDateTime};
use nut_certutil::trust::TrustFlags;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::conn::TlsClient;
use crate::load::{Target, tls_sessions};
use crate::rows::median;
use crate::setup::{Impl, Server, World, get_var_line, list_var_line, spawn_server};
use crate::table::{Cell, Goal, Row, thousands};

/// Entries of the CRL row's CRL.
pub const CRL_ENTRIES: usize = 10_000;

const PASSWORD: &str = "bench-crl-store";
const SERVER: &str = "upsd-require";

/// One REQUIRE setup: its store directory's upsd.conf lines and a client presenting its
/// certificate.
struct Require {
    tls_lines: String,
    client: TlsClient,
}

/// Make a store in `conf/certs` (CA trusted `CT,,`, server certificate for localhost), a
/// client certificate from the same CA, and with `crl` the CA's CRL of [`CRL_ENTRIES`]
/// serials.
fn make(conf: &Path, crl: bool) -> Result<Require> {
    let key = || PrivateKey::generate(KeyAlgorithm::EcdsaP256).context("key");
    let ca_key = key()?;
    let ca = self_signed(
        &ca_key,
        "CN=bench CRL CA",
        &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
    )?;
    let server_key = key()?;
    let mut sp = CertProfile::for_months(CertRole::Server, 12);
    sp.sans = vec!["127.0.0.1".into()];
    let server = issue(&server_key, "CN=localhost", &sp, &ca, &ca_key)?;
    let client_key = key()?;
    let client = issue(
        &client_key,
        "CN=bench client",
        &CertProfile::for_months(CertRole::Client, 12),
        &ca,
        &ca_key,
    )?;
    let dir = conf.join("certs");
    let mut store = Store::create_with_kdf(&dir, PASSWORD, 1000)?;
    let cipher = store.unlock(PASSWORD)?;
    store.add_certificate("bench CRL CA", &ca, "CT,,".parse::<TrustFlags>()?)?;
    store.add_certificate_with_key(&cipher, SERVER, &server, TrustFlags::NONE, &server_key)?;
    if crl {
        let now = OffsetDateTime::now_utc().replace_nanosecond(0)?;
        let entries: Vec<Revocation> = (0..CRL_ENTRIES)
            .map(|i| Revocation {
                serial: format!("{:016x}", 0x7f00_0000_0000_0000u64 + i as u64),
                date: now - D::days(1),
                reason: Reason(1),
            })
            .collect();
        let times = CrlTimes {
            this_update: now,
            next_update: now + D::days(7),
            number: 1,
        };
        let der = sign_crl(&ca, &ca_key, times, &entries)?;
        import_crl(&mut store, &der)?;
    }
    let ca_pem = conf.join("ca.pem");
    rnut_tests::write_file(&ca_pem, &pem("CERTIFICATE", &ca), 0o644);
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(client_key.pkcs8_der().to_vec()));
    let client = TlsClient::with_identity(&ca_pem, vec![CertificateDer::from(client)], key_der)?;
    Ok(Require {
        tls_lines: format!(
            "CERTPATH \"{}\"\nCERTIDENT \"{SERVER}\" \"{PASSWORD}\"\nCERTREQUEST REQUIRE\n",
            dir.display()
        ),
        client,
    })
}

/// Start rnut's upsd at REQUIRE from a new store under `name` (with the CRL or not).
pub async fn start(
    world: &World,
    upsd: &Path,
    name: &str,
    crl: bool,
    maxconn: u64,
) -> Result<Server> {
    let conf = world.dir.path().join(name);
    std::fs::create_dir_all(&conf)?;
    let r = make(&conf, crl)?;
    let server = spawn_server(
        world,
        Impl::Rnut,
        upsd,
        &conf,
        &r.tls_lines,
        Ok(r.client),
        maxconn,
    )
    .await?;
    if let Err(why) = &server.tls {
        anyhow::bail!("REQUIRE session failed: {why}");
    }
    Ok(server)
}

/// How long a setup may take.
pub const SETUP_LIMIT: Duration = Duration::from_secs(60);

/// Measure STARTTLS sessions/s with `clients` clients at REQUIRE, without and with the CRL,
/// `repeat` times each (alternating which goes first); medians. Both servers are stopped
/// before this returns.
pub async fn rows(
    world: &World,
    upsd: &Path,
    maxconn: u64,
    clients: usize,
    dur: Duration,
    repeat: u32,
) -> Vec<Row> {
    let label = |what: &str| format!("STARTTLS sessions/s at REQUIRE, {clients} cl., {what}");
    let mut plain = Row::new(label("no CRL"), Goal::None, "");
    let mut with = Row::new(
        label(&format!("{}-entry CRL", thousands(CRL_ENTRIES as f64))),
        Goal::None,
        "within 10 % of no CRL",
    );
    let only = |r: &mut Row| r.c = Cell::Na("rnut only".into());
    only(&mut plain);
    only(&mut with);
    let started = tokio::time::timeout(SETUP_LIMIT, async {
        let a = start(world, upsd, "rnut-require", false, maxconn).await?;
        let b = start(world, upsd, "rnut-require-crl", true, maxconn).await?;
        anyhow::Ok((a, b))
    })
    .await;
    let (mut a, mut b) = match started {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => {
            plain.rnut = Cell::Na(format!("{e:#}"));
            with.rnut = Cell::Na(format!("{e:#}"));
            return vec![plain, with];
        }
        Err(_) => {
            plain.rnut = Cell::Na("setup timed out".into());
            with.rnut = Cell::Na("setup timed out".into());
            return vec![plain, with];
        }
    };
    let mut rates = (Vec::new(), Vec::new());
    let mut errors = String::new();
    for i in 0..repeat.max(1) {
        let order: [(&Server, bool); 2] = if i % 2 == 0 {
            [(&a, false), (&b, true)]
        } else {
            [(&b, true), (&a, false)]
        };
        for (server, crl) in order {
            let Ok(client) = &server.tls else { continue };
            let t = Target {
                addr: server.addr,
                pid: server.pid(),
                get_var: Arc::from(get_var_line().into_bytes()),
                list_var: Arc::from(list_var_line().into_bytes()),
            };
            match tls_sessions(&t, client, clients, dur).await {
                Ok(tp) if tp.ops > 0 => {
                    if crl { &mut rates.1 } else { &mut rates.0 }.push(tp.rate());
                }
                Ok(tp) => errors = format!("no session completed ({} errors)", tp.errors),
                Err(e) => errors = format!("{e:#}"),
            }
        }
    }
    a.guard.stop(Duration::from_secs(3));
    b.guard.stop(Duration::from_secs(3));
    let cell = |v: &[f64]| {
        if v.is_empty() {
            Cell::Na(errors.clone())
        } else {
            let m = median(v.to_vec());
            Cell::Value(m, thousands(m))
        }
    };
    plain.rnut = cell(&rates.0);
    with.rnut = match (cell(&rates.0), cell(&rates.1)) {
        (Cell::Value(p, _), Cell::Value(w, text)) if p > 0.0 => {
            let diff = (w / p - 1.0) * 100.0;
            let verdict = if diff >= -10.0 { "ok" } else { "MISSED" };
            Cell::Value(w, format!("{text} ({diff:+.1} % vs no CRL: {verdict})"))
        }
        (_, c) => c,
    };
    vec![plain, with]
}
