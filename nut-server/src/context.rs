//! What every session shares: the UPS registry, the reloadable users / access rules /
//! descriptions / TLS acceptor (if configured), the failure-delay table and the rate limits
//! of the warnings outsiders can trigger.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use nut_core::config::UpsdUsers;
use tokio_rustls::TlsAcceptor;

use crate::auth::failure_delay::FailureDelay;
use crate::auth::hosts_access::HostsAccess;
use crate::descriptions::Descriptions;
use crate::registry::UpsRegistry;
use crate::warnings::Warnings;

/// The version upsd reports (`VER`, `server.version`): the C NUT release whose protocol and
/// behaviour rnut reproduces, tagged with rnut's own version.
pub const SERVER_VERSION: &str = nut_core::version::VERSION;

/// The parts of the configuration that a reload replaces.
#[derive(Clone)]
pub struct Reloadable {
    /// upsd.users.
    pub users: Arc<UpsdUsers>,
    /// hosts.allow / hosts.deny.
    pub hosts: Arc<HostsAccess>,
    /// cmdvartab.
    pub descriptions: Arc<Descriptions>,
    /// STARTTLS acceptor (certificate, key, CERTREQUEST level); `None` when no certificate
    /// is configured. A reload swaps it for new handshakes; live TLS sessions keep theirs.
    pub tls: Option<TlsAcceptor>,
    /// upsd.conf `REQUIRE_LOGIN_FOR_READS`.
    pub require_login_for_reads: bool,
    /// The certificates that TLS depends on, checked daily for expiry.
    pub cert_expiry: Option<Arc<crate::cert_expiry::CertExpiry>>,
}

impl std::fmt::Debug for Reloadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloadable")
            .field("users", &self.users)
            .field("hosts", &self.hosts)
            .field("descriptions", &self.descriptions)
            .field("tls", &self.tls.is_some())
            .field("require_login_for_reads", &self.require_login_for_reads)
            .finish()
    }
}

/// Shared server state.
pub struct ServerContext {
    /// The UPSes.
    pub registry: Arc<UpsRegistry>,
    reloadable: RwLock<Reloadable>,
    /// `require_login_for_reads` of the current [`Reloadable`], readable without the lock
    /// on the GET VAR fast path.
    reads_need_login: AtomicBool,
    /// Growing delays after failed authentications.
    pub failures: FailureDelay,
    /// Rate limits of the warnings outsiders can trigger.
    pub warnings: Warnings,
    /// upsd's own figures for `/metrics`.
    pub counters: Arc<crate::counters::Counters>,
    next_session: AtomicU64,
}

impl std::fmt::Debug for ServerContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerContext")
            .field("registry", &self.registry)
            .field("tls", &self.tls().is_some())
            .finish_non_exhaustive()
    }
}

impl ServerContext {
    /// A context.
    pub fn new(registry: Arc<UpsRegistry>, reloadable: Reloadable) -> Arc<Self> {
        Arc::new(ServerContext {
            counters: registry.counters.clone(),
            registry,
            reads_need_login: AtomicBool::new(reloadable.require_login_for_reads),
            reloadable: RwLock::new(reloadable),
            failures: FailureDelay::new(),
            warnings: Warnings::default(),
            next_session: AtomicU64::new(1),
        })
    }

    /// A context for unit tests: no users, every host allowed, no descriptions, no TLS.
    #[cfg(test)]
    pub(crate) fn for_tests(registry: Arc<UpsRegistry>) -> Arc<Self> {
        let users = nut_core::config::UpsdUsers::parse("", std::path::Path::new("upsd.users"))
            .expect("an empty upsd.users parses");
        ServerContext::new(
            registry,
            Reloadable {
                users: Arc::new(users),
                hosts: Arc::new(crate::auth::hosts_access::HostsAccess::permissive()),
                descriptions: Arc::new(crate::descriptions::Descriptions::default()),
                tls: None,
                require_login_for_reads: false,
                cert_expiry: None,
            },
        )
    }

    /// A new session id (increasing: later connections get larger ids).
    pub fn next_session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    /// The current users, rules and descriptions.
    pub fn current(&self) -> Reloadable {
        self.reloadable
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The current descriptions.
    pub fn descriptions(&self) -> Arc<Descriptions> {
        self.reloadable
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .descriptions
            .clone()
    }

    /// The current STARTTLS acceptor, `None` when no certificate is configured.
    pub fn tls(&self) -> Option<TlsAcceptor> {
        self.reloadable
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .tls
            .clone()
    }

    /// Replace users, rules, descriptions and the TLS acceptor (reload); live sessions keep
    /// going, TLS sessions with the certificate they were opened with.
    pub fn replace(&self, next: Reloadable) {
        let mut current = self.reloadable.write().unwrap_or_else(|e| e.into_inner());
        self.reads_need_login
            .store(next.require_login_for_reads, Ordering::Relaxed);
        *current = next;
    }

    /// Whether every read needs valid credentials (`REQUIRE_LOGIN_FOR_READS`).
    pub fn reads_need_login(&self) -> bool {
        self.reads_need_login.load(Ordering::Relaxed)
    }
}
