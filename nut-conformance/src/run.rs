//! Running the checks: what the run needs to know (target, credentials, TLS options, which
//! state-changing checks are enabled), what it learns about the UPS on the way, and the
//! results, recorded by check id.

use std::time::Duration;

use nut_certutil::tls::ClientTlsSettings;
use nut_monitor::client::ClientError;

use crate::catalog::{CHECKS, CheckDef, Gate, find};
use crate::outcome::Outcome;
use crate::probe::Probe;
use crate::target::Target;

/// A user name and password given on the command line.
#[derive(Clone)]
pub struct Credentials {
    /// User name.
    pub user: String,
    /// Password (never printed: see the `Debug` impl).
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, <hidden>)", self.user)
    }
}

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The server (and UPS).
    pub target: Target,
    /// How long each reply is awaited.
    pub wait: Duration,
    /// A user for reads (servers that want credentials before LIST/GET).
    pub reader: Option<Credentials>,
    /// A user with SET and INSTCMD rights.
    pub admin: Option<Credentials>,
    /// An upsmon (primary) user, for LOGIN / PRIMARY / FSD.
    pub monitor: Option<Credentials>,
    /// State-changing or slow checks named with `--enable`.
    pub enabled: Vec<String>,
    /// The instant command `instcmd.run` runs.
    pub instcmd: Option<String>,
    /// The clients' TLS options (CERTPATH and friends); only `tls.chain` verifies.
    pub tls: ClientTlsSettings,
    /// The name the server certificate must carry (default: the host).
    pub certname: Option<String>,
    /// How long `idle.timeout` waits for the server to hang up.
    pub idle_wait: Duration,
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// `--enable` named an id that is not a check.
    #[error("unknown check id {0:?} (see --list-checks)")]
    UnknownCheck(String),
    /// The server could not be reached at all.
    #[error("cannot connect to {host}:{port}: {source}")]
    Connect {
        /// Host.
        host: String,
        /// Port.
        port: u16,
        /// Why.
        source: ClientError,
    },
}

/// Facts learnt about the UPS, used by later checks.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The UPS under test.
    pub ups: Option<String>,
    /// Its variables (name, value) as LIST VAR gave them.
    pub vars: Vec<(String, String)>,
    /// Its writable variables.
    pub rw: Vec<(String, String)>,
    /// Its instant commands.
    pub cmds: Vec<String>,
}

/// The results of a run, in catalog order.
#[derive(Debug, Clone)]
pub struct Report {
    /// Server tested.
    pub target: Target,
    /// UPS tested.
    pub ups: Option<String>,
    /// Each check with its outcome.
    pub results: Vec<(&'static CheckDef, Outcome)>,
}

impl Report {
    /// 0: no MUST check failed (SHOULD and C-NUT-COMPAT failures are reported, not fatal);
    /// 1: a MUST check failed. (2, usage and connection errors, is the binary's.)
    pub fn exit_code(&self) -> i32 {
        let must_failed = self
            .results
            .iter()
            .any(|(d, o)| o.is_fail() && d.severity == crate::catalog::Severity::Must);
        i32::from(must_failed)
    }

    /// The outcome of one check.
    pub fn outcome(&self, id: &str) -> Option<&Outcome> {
        self.results
            .iter()
            .find(|(d, _)| d.id == id)
            .map(|(_, o)| o)
    }
}

/// The state of a run.
#[derive(Debug)]
pub struct Ctx {
    /// What was asked.
    pub settings: Settings,
    /// What was learnt.
    pub facts: Facts,
    results: Vec<(&'static CheckDef, Outcome)>,
}

impl Ctx {
    /// Whether check `id` is to run (state-changing and slow ones only when enabled). A
    /// check that does not run is recorded as skipped here.
    pub fn wanted(&mut self, id: &str) -> bool {
        let def = find(id).unwrap_or_else(|| panic!("check {id} missing from the catalog"));
        if def.gate == Gate::ReadOnly || self.settings.enabled.iter().any(|e| e == id) {
            return true;
        }
        self.record(id, Outcome::skip(format!("not enabled (--enable {id})")));
        false
    }

    /// Record the outcome of check `id` (the first outcome recorded wins).
    pub fn record(&mut self, id: &str, outcome: Outcome) {
        let def = find(id).unwrap_or_else(|| panic!("check {id} missing from the catalog"));
        if !self.results.iter().any(|(d, _)| d.id == id) {
            self.results.push((def, outcome));
        }
    }

    /// A new plaintext session, with the read-only user's credentials sent when given.
    pub async fn session(&self) -> Result<Probe, String> {
        let mut p = self.bare_session().await?;
        if let Some(c) = &self.settings.reader {
            p.credentials(&c.user, &c.password).await?;
        }
        Ok(p)
    }

    /// A new plaintext session with nothing sent.
    pub async fn bare_session(&self) -> Result<Probe, String> {
        Probe::open(&self.settings.target, self.settings.wait)
            .await
            .map_err(|e| format!("cannot connect: {e}"))
    }

    /// The UPS under test, or the reason checks on it are skipped.
    pub fn ups(&self) -> Result<String, Outcome> {
        self.facts.ups.clone().ok_or_else(|| {
            Outcome::skip("no UPS to test (LIST UPS gave none; name one as UPS@HOST)")
        })
    }
}

/// Run every check against the server.
pub async fn run(settings: Settings) -> Result<Report, RunError> {
    for id in &settings.enabled {
        if find(id).is_none() {
            return Err(RunError::UnknownCheck(id.clone()));
        }
    }
    // One connection first: a server that cannot be reached is a usage/connection error,
    // not a table of failures.
    Probe::open(&settings.target, settings.wait)
        .await
        .map_err(|source| RunError::Connect {
            host: settings.target.host.clone(),
            port: settings.target.port,
            source,
        })?
        .close()
        .await;
    let mut ctx = Ctx {
        facts: Facts {
            ups: settings.target.ups.clone(),
            ..Facts::default()
        },
        settings,
        results: Vec::new(),
    };
    crate::checks::run_all(&mut ctx).await;
    let mut results = Vec::new();
    for def in CHECKS {
        let outcome = ctx
            .results
            .iter()
            .find(|(d, _)| d.id == def.id)
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| Outcome::skip("not reached"));
        results.push((def, outcome));
    }
    Ok(Report {
        target: ctx.settings.target.clone(),
        ups: ctx.facts.ups.clone(),
        results,
    })
}
