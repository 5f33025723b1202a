//! `doctor` for what a config file names besides an rnut store: a CERTFILE (a certificate
//! chain and its private key in PEM, as C NUT's OpenSSL build reads it), a PEM CERTPATH (a
//! directory of CA files or one bundle) and an NSS database used directly as CERTPATH. Each is
//! loaded the way the daemon loads it (the same library calls), so a setup doctor passes is
//! one upsd or upsmon can start with; then expiry, permissions and readability as the daemons'
//! user are checked, as for a store.

use std::path::{Path, PathBuf};

use nut_certutil::store::Store;
use nut_certutil::tls::expiry::{WatchedCert, notices};
use nut_certutil::tls::{
    CertPathKind, ClientTls, ClientTlsSettings, ServerTlsSettings, TrustMaterial, build_server_tls,
};
use time::OffsetDateTime;

use super::doctor::{EXPIRY_WARNING_DAYS, Report, check_mode, check_reader_file};

/// What one config file sets up, when it is not (only) an rnut store.
#[derive(Debug)]
pub enum Setup {
    /// upsd.conf's TLS directives.
    Server(ServerTlsSettings),
    /// upsmon.conf's TLS directives.
    Client(ClientTlsSettings),
}

impl Setup {
    fn role(&self) -> &'static str {
        match self {
            Setup::Server(_) => "upsd",
            Setup::Client(_) => "upsmon",
        }
    }

    fn certfile(&self) -> Option<&Path> {
        match self {
            Setup::Server(s) => s.certfile.as_deref(),
            Setup::Client(s) => s.certfile.as_deref(),
        }
    }

    fn certpath(&self) -> Option<&Path> {
        match self {
            Setup::Server(s) => s.certpath.as_deref(),
            Setup::Client(s) => s.certpath.as_deref(),
        }
    }

    /// Whether doctor's store checks cover this setup entirely (a store CERTPATH, no
    /// CERTFILE): then there is nothing more to check here.
    pub fn is_store_only(&self) -> bool {
        self.certfile().is_none() && self.certpath().is_none_or(Store::exists)
    }
}

/// Check one config file's setup (see the module docs); `readers` are the users the daemons
/// read files as.
pub fn check(r: &mut Report, setup: &Setup, readers: &[String], now: OffsetDateTime) {
    let role = setup.role();
    if let Some(file) = setup.certfile() {
        check_mode(
            r,
            file,
            &format!("{role} CERTFILE (holds the private key)"),
            false,
        );
        for name in readers {
            let fix = format!("chown root:nut {0} && chmod 0640 {0}", file.display());
            check_reader_file(r, name, file, &fix);
        }
    }
    if let Some(path) = setup.certpath().filter(|p| !Store::exists(p)) {
        check_certpath(r, role, path, readers, now);
    }
    // The whole setup, loaded as the daemon loads it.
    let loaded = match setup {
        Setup::Server(s) => build_server_tls(s).map(|t| t.watched),
        Setup::Client(s) => ClientTls::load(s).map(|t| t.watched().to_vec()),
    };
    match loaded {
        Ok(watched) => {
            r.ok(format!("{role}'s TLS setup loads as {role} loads it"));
            expiry(r, &watched, now, &format!("{role}'s TLS setup"));
        }
        Err(e) => r.problem(format!("{role}'s TLS setup does not load: {e}")),
    }
}

/// A CERTPATH that is no rnut store: a PEM directory, a PEM bundle or an NSS database.
fn check_certpath(
    r: &mut Report,
    role: &str,
    path: &Path,
    readers: &[String],
    now: OffsetDateTime,
) {
    let trust = match TrustMaterial::load(path) {
        Ok(t) => t,
        Err(e) => {
            r.problem(format!(
                "{role} CERTPATH {} cannot be read: {e}",
                path.display()
            ));
            return;
        }
    };
    let what = match trust.kind {
        CertPathKind::PemDirectory => "PEM CA directory",
        CertPathKind::PemBundle => "PEM CA bundle",
        CertPathKind::NssDb => "NSS database",
        CertPathKind::Store => "certificate database",
    };
    // Anyone who can write here can plant a CA: the same rule as a store's directory.
    check_mode(r, path, &format!("{role} CERTPATH ({what})"), true);
    for file in files_of(path, trust.kind) {
        // An NSS database holds keys: not for everyone to read.
        let other_read = trust.kind != CertPathKind::NssDb;
        check_mode(r, &file, &format!("{role} CERTPATH file"), other_read);
        for name in readers {
            let fix = format!("chgrp nut {0} && chmod g+r {0}", file.display());
            check_reader_file(r, name, &file, &fix);
        }
    }
    let mut cas: Vec<WatchedCert> = Vec::new();
    for der in trust.server_anchors.iter().chain(&trust.client_anchors) {
        cas.extend(WatchedCert::of(der.as_ref(), false));
    }
    cas.dedup();
    if cas.is_empty() {
        r.problem(format!(
            "{role} CERTPATH {} ({what}) holds no CA certificate: nothing can be verified",
            path.display()
        ));
        return;
    }
    let before = r.problems;
    expiry(r, &cas, now, &format!("{role} CERTPATH {}", path.display()));
    if r.problems == before {
        r.ok(format!(
            "{role} CERTPATH {} ({what}): {} CA certificate(s), none expired or expiring within \
             {EXPIRY_WARNING_DAYS} days",
            path.display(),
            cas.len()
        ));
    }
}

/// The files of a PEM directory (its regular files) or the bundle itself; an NSS database's
/// cert9.db and key4.db.
fn files_of(path: &Path, kind: CertPathKind) -> Vec<PathBuf> {
    match kind {
        CertPathKind::PemDirectory => {
            let mut out: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|d| {
                    d.filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|p| p.is_file())
                        .collect()
                })
                .unwrap_or_default();
            out.sort();
            out
        }
        CertPathKind::NssDb => ["cert9.db", "key4.db"]
            .iter()
            .map(|f| path.join(f))
            .filter(|p| p.exists())
            .collect(),
        _ => vec![path.to_path_buf()],
    }
}

/// One problem per certificate expired or expiring within [`EXPIRY_WARNING_DAYS`].
fn expiry(r: &mut Report, watched: &[WatchedCert], now: OffsetDateTime, whose: &str) {
    let window = u32::try_from(EXPIRY_WARNING_DAYS).unwrap_or(30);
    for n in notices(watched, now, window) {
        r.problem(format!("{whose}: {}", n.sentence()));
    }
}
