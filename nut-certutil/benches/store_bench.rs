//! Store benchmark (a documented bench binary, `harness = false`):
//!
//! - issue 1,000 ECDSA P-256 certificates (new key, signed by a CA, certificate and sealed
//!   key stored in one transaction each) into a store: target under 5 s;
//! - list a store of 10,000 certificates (open + what `nut-certutil -L` reads and prints):
//!   target under 100 ms.
//!
//! Run: `cargo bench -p nut-certutil --bench store_bench` (release profile).

use std::time::{Duration, Instant};

use nut_certutil::keys::{DEFAULT_KDF_ITERATIONS, KeyAlgorithm, PrivateKey};
use nut_certutil::pki::{self, CertProfile, CertRole};
use nut_certutil::store::Store;
use nut_certutil::trust::TrustFlags;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing special: run a
    // small smoke version then, so the bench stays compiled and exercised.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let (issue_n, list_n) = if smoke { (20, 200) } else { (1_000, 10_000) };
    // NUT_CERTUTIL_BENCH_KEEP=DIR keeps the filled store there (to time `nut-certutil -L` on it).
    let keep = std::env::var_os("NUT_CERTUTIL_BENCH_KEEP").map(std::path::PathBuf::from);
    let tmp = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("nut-certutil-bench-{}", std::process::id()))
    });
    if keep.is_some() {
        assert!(
            !tmp.exists(),
            "NUT_CERTUTIL_BENCH_KEEP must name a directory that does not exist yet"
        );
    } else {
        let _ = std::fs::remove_dir_all(&tmp);
    }

    let t = Instant::now();
    let mut store = Store::create(&tmp, "bench password").expect("create store");
    let created = t.elapsed();
    let t = Instant::now();
    let cipher = store.unlock("bench password").expect("unlock");
    let unlocked = t.elapsed();

    let ca_key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("ca key");
    let ca = pki::self_signed(
        &ca_key,
        "CN=Bench CA",
        &CertProfile::for_months(CertRole::Ca { path_len: None }, 12),
    )
    .expect("ca");
    store
        .add_certificate_with_key(
            &cipher,
            "Bench CA",
            &ca,
            "CT,,".parse().expect("trust"),
            &ca_key,
        )
        .expect("add ca");

    let profile = CertProfile::for_months(CertRole::Server, 12);
    let t = Instant::now();
    for i in 0..issue_n {
        let key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
        let der = pki::issue(
            &key,
            &format!("CN=host{i}.example.com"),
            &profile,
            &ca,
            &ca_key,
        )
        .expect("issue");
        store
            .add_certificate_with_key(&cipher, &format!("host{i}"), &der, TrustFlags::NONE, &key)
            .expect("add");
    }
    let issued = t.elapsed();

    // Fill up to list_n certificates (certificate rows only, one shared key: fast to make).
    let filler_key = PrivateKey::generate(KeyAlgorithm::EcdsaP256).expect("key");
    for i in issue_n..list_n {
        let der = pki::issue(
            &filler_key,
            &format!("CN=filler{i}.example.com"),
            &profile,
            &ca,
            &ca_key,
        )
        .expect("issue");
        store
            .add_certificate(&format!("filler{i}"), &der, TrustFlags::NONE)
            .expect("add");
    }
    drop(store);

    let mut best_list = Duration::MAX;
    let mut best_full = Duration::MAX;
    let mut rows = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let s = Store::open(&tmp).expect("open");
        let list = s.list_trust().expect("list");
        let mut text = String::with_capacity(list.len() * 70);
        for (nick, trust) in &list {
            text.push_str(&format!("{nick:<60} {:<5}\n", trust.to_string()));
        }
        rows = list.len();
        best_list = best_list.min(t.elapsed());
        std::hint::black_box(text);
        let t = Instant::now();
        let full = s.certificates().expect("certificates");
        best_full = best_full.min(t.elapsed());
        std::hint::black_box(full);
    }
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&tmp);
    }

    println!(
        "store create (PBKDF2 {DEFAULT_KDF_ITERATIONS} iterations): {created:?}; unlock: {unlocked:?}"
    );
    println!(
        "issue {issue_n} ECDSA P-256 certificates into the store: {issued:?} ({:?} each){}",
        issued / issue_n as u32,
        if smoke {
            ""
        } else if issued < Duration::from_secs(5) {
            "  [target < 5 s: met]"
        } else {
            "  [target < 5 s: MISSED]"
        }
    );
    println!(
        "list a store of {rows} certificates (open + -L rows): {best_list:?}{}",
        if smoke {
            ""
        } else if best_list < Duration::from_millis(100) {
            "  [target < 100 ms: met]"
        } else {
            "  [target < 100 ms: MISSED]"
        }
    );
    println!("read all {rows} certificate rows with DER: {best_full:?}");
}
