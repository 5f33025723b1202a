//! The protocol commands, one module per family (as C upsd's `net*.c`), and the dispatcher
//! with C upsd's check order: parse, then for commands that need a user USERNAME-REQUIRED /
//! PASSWORD-REQUIRED (before any argument error), then hosts.allow/hosts.deny, then the
//! handler's own checks.

pub mod credentials;
pub mod get;
pub mod info;
pub mod instcmd;
pub mod list;
pub mod login;
pub mod primary;
pub mod set;
pub mod starttls;

use std::sync::Arc;

use nut_core::config::{Secret, UserEntry};
use nut_core::net::{ErrCode, Request};
use nut_core::words::Tokenizer;
use zeroize::Zeroizing;

use crate::auth::{check_limit, password};
use crate::context::ServerContext;
use crate::registry::{Unavailable, Ups, UpsTable};
use crate::session::Session;

/// What the connection loop does after a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read the next line.
    Continue,
    /// Flush, then close (LOGOUT).
    Close,
    /// Flush `OK STARTTLS`, then run the TLS handshake.
    StartTls,
}

/// The request monitoring clients send most, `GET VAR <ups> <var> [...]`, answered
/// synchronously: it needs no credentials and no parsed `Request` (the checks are those of
/// `Request::parse`: at least two arguments after `VAR`, extra words ignored), straight from
/// the words the tokenizer holds. Returns false when the line is something else.
pub fn fast_path(ctx: &ServerContext, session: &mut Session, line: &Tokenizer) -> bool {
    if let (Some(get), Some(sub), Some(ups), Some(var)) =
        (line.word(0), line.word(1), line.word(2), line.word(3))
    {
        if get.eq_ignore_ascii_case("GET") && sub.eq_ignore_ascii_case("VAR") {
            ctx.counters.get_var();
            get::get_var(ctx, session, ups, var);
            return true;
        }
    }
    false
}

/// Run one request line.
pub async fn execute(ctx: &ServerContext, session: &mut Session, words: &[String]) -> Action {
    let request = match Request::parse(words) {
        Ok(r) => r,
        Err(e) => {
            let code = e.code_for_session(session.username.is_some(), session.password.is_some());
            // With credentials present, the host rules come before the argument error.
            if e.needs_login
                && session.username.is_some()
                && session.password.is_some()
                && !host_allowed(ctx, session)
            {
                session.err(ErrCode::AccessDenied);
            } else {
                session.err(code);
            }
            return Action::Continue;
        }
    };
    ctx.counters.command(request.name());
    if request.needs_login() {
        if session.username.is_none() {
            session.err(ErrCode::UsernameRequired);
            return Action::Continue;
        }
        if session.password.is_none() {
            session.err(ErrCode::PasswordRequired);
            return Action::Continue;
        }
        if !host_allowed(ctx, session) {
            session.err(ErrCode::AccessDenied);
            return Action::Continue;
        }
    }
    match request {
        Request::Ver | Request::NetVer | Request::ProtVer | Request::Help => {
            info::run(session, &request)
        }
        Request::StartTls => return starttls::check(ctx, session),
        Request::Username(name) => credentials::username(session, name),
        Request::Password(pw) => credentials::password(session, pw),
        Request::Login { ups } => login::login(ctx, session, &ups).await,
        Request::Logout => return login::logout(session),
        Request::Primary { ups } => primary::primary(ctx, session, &ups, false).await,
        Request::Master { ups } => primary::primary(ctx, session, &ups, true).await,
        Request::Fsd { ups } => primary::fsd(ctx, session, &ups).await,
        Request::GetNumLogins { .. }
        | Request::GetUpsDesc { .. }
        | Request::GetVar { .. }
        | Request::GetType { .. }
        | Request::GetDesc { .. }
        | Request::GetCmdDesc { .. }
        | Request::GetTracking(_) => get::run(ctx, session, &request),
        Request::ListUps
        | Request::ListVar { .. }
        | Request::ListRw { .. }
        | Request::ListCmd { .. }
        | Request::ListEnum { .. }
        | Request::ListRange { .. }
        | Request::ListClient { .. } => list::run(ctx, session, &request),
        Request::SetVar { ups, var, value } => set::set_var(ctx, session, &ups, &var, &value).await,
        Request::SetTracking(on) => set::set_tracking(session, on),
        Request::InstCmd { ups, cmd, param } => {
            instcmd::run(ctx, session, &ups, &cmd, param.as_deref()).await
        }
    }
    Action::Continue
}

fn host_allowed(ctx: &ServerContext, session: &Session) -> bool {
    let allowed = ctx
        .current()
        .hosts
        .permits(session.ip(), session.username.as_deref());
    if !allowed {
        nut_log::warn_throttled!(
            ctx.warnings.hosts_denied,
            "Access denied by hosts.allow/hosts.deny for {}",
            session.who()
        );
    }
    allowed
}

/// Take the session's UPS table snapshot (refreshed if a reload replaced the table). Give it
/// back with [`put_table`]. Between the two, lookups touch no shared lock or counter.
pub fn take_table(ctx: &ServerContext, session: &mut Session) -> (u64, Arc<UpsTable>) {
    let current = ctx.registry.generation();
    match session.snapshot.take() {
        Some((generation, table)) if generation == current => (generation, table),
        _ => ctx.registry.snapshot(),
    }
}

/// Return the snapshot taken with [`take_table`].
pub fn put_table(session: &mut Session, snapshot: (u64, Arc<UpsTable>)) {
    session.snapshot = Some(snapshot);
}

/// The "avail" check's connected / stale part on an already locked state.
pub fn fresh(ctx: &ServerContext, live: &crate::registry::ups::Live) -> Result<(), ErrCode> {
    live.check(ctx.registry.maxage(), std::time::Instant::now())
        .map_err(|u| match u {
            Unavailable::NotConnected => ErrCode::DriverNotConnected,
            Unavailable::Stale => ErrCode::DataStale,
        })
}

/// The "known" check: the UPS exists in ups.conf.
pub fn known(ctx: &ServerContext, name: &str) -> Result<Arc<Ups>, ErrCode> {
    ctx.registry.get(name).ok_or(ErrCode::UnknownUps)
}

/// The "avail" check: known, driver connected, data fresh.
pub fn avail(ctx: &ServerContext, name: &str) -> Result<Arc<Ups>, ErrCode> {
    let ups = known(ctx, name)?;
    check_fresh(ctx, &ups)?;
    Ok(ups)
}

/// The connected / stale part of the "avail" check.
pub fn check_fresh(ctx: &ServerContext, ups: &Ups) -> Result<(), ErrCode> {
    let maxage = ctx.registry.maxage();
    ups.live()
        .check(maxage, std::time::Instant::now())
        .map_err(|u| match u {
            Unavailable::NotConnected => ErrCode::DriverNotConnected,
            Unavailable::Stale => ErrCode::DataStale,
        })
}

/// Look the session's user up and verify its password. `None` (after the growing delay for
/// this address) when the user does not exist or the password is wrong. Never logs the
/// password.
pub async fn authenticate(ctx: &ServerContext, session: &mut Session) -> Option<UserEntry> {
    let users = ctx.current().users;
    let name = session.username.clone()?;
    let supplied = session.password.clone()?;
    let entry = users.get(&name).cloned();
    // The cached result only holds for the users file it was checked against (a reload may
    // have changed the password).
    let cached = session
        .verified
        .as_ref()
        .filter(|(file, _)| Arc::ptr_eq(file, &users))
        .map(|(_, v)| *v);
    let ok = match cached {
        Some(v) => v,
        None => {
            // The same cost whether the user exists and however its password is kept (see
            // `password::verify_login`), so that the reply time does not tell which names
            // exist.
            let stored = entry.as_ref().and_then(|u| u.password.clone());
            let decoy = password::decoy(
                users
                    .users
                    .iter()
                    .filter_map(|u| u.password.as_ref().map(Secret::expose)),
            )
            .map(Secret::from);
            match check(&supplied, stored, decoy).await {
                Some(v) => {
                    session.verified = Some((users.clone(), v));
                    v
                }
                None => {
                    // Not a verdict on the password: nothing cached, the client may retry.
                    nut_log::warn_throttled!(
                        ctx.warnings.failed_logins,
                        "refusing the login of {}: too many password checks in progress",
                        session.who()
                    );
                    false
                }
            }
        }
    };
    if cached.is_none() {
        // One count per password check, not per command that reuses its verdict.
        ctx.counters.login(ok);
    }
    if ok {
        ctx.failures.record_success(session.ip(), &name);
        entry
    } else {
        let delay = ctx.failures.record_failure(session.ip(), &name);
        nut_log::warn_throttled!(
            ctx.warnings.failed_logins,
            "authentication failed for {} (user unknown or wrong password)",
            session.who()
        );
        tokio::time::sleep(delay).await;
        None
    }
}

/// Verify `supplied` for a user whose stored password is `stored` (`None`: unknown): inline
/// when nothing is hashed, else on a blocking thread within the bound on concurrent checks
/// (`None`: no slot freed up in time).
async fn check(
    supplied: &Zeroizing<String>,
    stored: Option<Secret>,
    decoy: Option<Secret>,
) -> Option<bool> {
    if !password::login_is_slow(
        stored.as_ref().map(Secret::expose),
        decoy.as_ref().map(Secret::expose),
    ) {
        return Some(password::verify_login(
            supplied,
            stored.as_ref().map(Secret::expose),
            None,
        ));
    }
    let supplied = supplied.clone();
    check_limit::verify_slow(move || {
        password::verify_login(
            &supplied,
            stored.as_ref().map(Secret::expose),
            decoy.as_ref().map(Secret::expose),
        )
    })
    .await
}

/// Authenticate and require a right: `ERR ACCESS-DENIED` if either fails.
pub async fn require(
    ctx: &ServerContext,
    session: &mut Session,
    right: impl FnOnce(&UserEntry) -> bool,
    what: &str,
) -> Result<UserEntry, ErrCode> {
    let Some(user) = authenticate(ctx, session).await else {
        return Err(ErrCode::AccessDenied);
    };
    if right(&user) {
        Ok(user)
    } else {
        tracing::warn!("{} is not allowed to {what}", session.who());
        Err(ErrCode::AccessDenied)
    }
}

/// A fresh tracking id (random v4 UUID, upper case).
pub fn new_tracking_id() -> nut_core::net::TrackingId {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS RNG failing is near impossible; fall back to time and a counter, which still
        // gives unique (if guessable) ids. Ids are not secrets.
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes[..8].copy_from_slice(&(t as u64).to_le_bytes());
        bytes[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    }
    nut_core::net::TrackingId::from_random(bytes)
}
