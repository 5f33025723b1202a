//! `doctor`: what is wrong with a store (and the config files that use it), one clear line
//! each: expiry, identities without key, server certificates that do not chain to a CA trusted
//! with C, CRLs past (or near) their next update, permissions, and a password that does not
//! open the keys. A CERTFILE, a PEM CERTPATH or an NSS database named by the config files is
//! checked by [`super::doctor_setup`].

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use nut_certutil::certinfo::format_time;
use nut_certutil::policy::Role;
use nut_certutil::store::Store;
use nut_certutil::tls::{
    ClientTlsSettings, ServerTlsSettings, TrustMaterial, Usage, validate_certificate,
};
use nut_core::config::{Secret, UpsdConf, UpsmonConf};
use time::OffsetDateTime;

use super::doctor_setup::{self, Setup};

/// Days before expiry that count as "expiring".
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// Findings of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Lines, in order (`PROBLEM: ...` / `ok: ...` / `note: ...`).
    pub lines: Vec<String>,
    /// Number of problems.
    pub problems: usize,
}

impl Report {
    pub(super) fn problem(&mut self, s: String) {
        self.problems += 1;
        self.lines.push(format!("PROBLEM: {s}"));
    }
    pub(super) fn ok(&mut self, s: String) {
        self.lines.push(format!("ok: {s}"));
    }
    pub(super) fn note(&mut self, s: String) {
        self.lines.push(format!("note: {s}"));
    }
}

/// Days before a CRL's next update that count as "due".
pub const CRL_DUE_DAYS: i64 = 7;

/// Each CRL: past its next update (a problem), due within [`CRL_DUE_DAYS`] (a note), or fine.
fn check_crls(r: &mut Report, store: &Store, now: OffsetDateTime) -> Result<()> {
    for c in store.crls()? {
        let fix = if c.ours {
            "re-sign it: nut-certutil crl update -n CA"
        } else {
            "import a fresh one: nut-certutil crl import -i FILE"
        };
        match c.next_update {
            Some(next) if next < now => r.problem(format!(
                "the CRL of {} ({} entries) is past its next update ({}): {fix}",
                c.issuer,
                c.entries,
                format_time(next)
            )),
            Some(next) if (next - now).whole_days() < CRL_DUE_DAYS => r.note(format!(
                "the CRL of {} is due on {}: {fix}",
                c.issuer,
                format_time(next)
            )),
            _ => r.ok(format!("CRL of {} ({} entries)", c.issuer, c.entries)),
        }
    }
    Ok(())
}

pub(super) fn check_mode(r: &mut Report, path: &Path, what: &str, allow_other_read: bool) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o002 != 0 {
        r.problem(format!("{what} {} is writable by everyone (mode {mode:04o}): anyone could plant a CA; chmod o-w", path.display()));
    } else if mode & 0o020 != 0 {
        r.problem(format!(
            "{what} {} is writable by its group (mode {mode:04o}): chmod g-w",
            path.display()
        ));
    } else if !allow_other_read && mode & 0o004 != 0 {
        r.problem(format!(
            "{what} {} is readable by everyone (mode {mode:04o}): chmod o-r",
            path.display()
        ));
    } else {
        r.ok(format!("{what} {} mode {mode:04o}", path.display()));
    }
}

/// The user upsd and upsmon run as unless told otherwise (Debian's).
const DAEMON_USER: &str = "nut";

/// Can `name` read the store in `dir`? Doctor runs as root, who reads anything.
fn check_reader(r: &mut Report, name: &str, dir: &Path) {
    // Absolute, so that the directories above a relative -d are checked (and named) too.
    let dir = &std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let file = Store::db_path(dir);
    let group = group_of(name);
    let fix = nut_certutil::store::read_fix(dir, &file, group.as_deref().unwrap_or("nut"));
    check_reader_file(r, name, &file, &fix);
}

/// The name of `name`'s primary group.
fn group_of(name: &str) -> Option<String> {
    let user = nix::unistd::User::from_name(name).ok().flatten()?;
    Some(
        nix::unistd::Group::from_gid(user.gid)
            .ok()
            .flatten()
            .map_or_else(|| user.gid.to_string(), |g| g.name),
    )
}

/// Can `name` read `file` (every directory on the way searchable, the file readable)? A
/// refusal is a problem naming the first path refused and `fix`.
pub(super) fn check_reader_file(r: &mut Report, name: &str, file: &Path, fix: &str) {
    let file = &std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let user = match nix::unistd::User::from_name(name) {
        Ok(Some(u)) => u,
        _ => {
            r.note(format!(
                "no user {name} on this host: access to {} not checked for it",
                file.display()
            ));
            return;
        }
    };
    match super::reader_access::first_refused(&user, file) {
        None => r.ok(format!("user {name} can read {}", file.display())),
        Some(path) => r.problem(format!(
            "cannot read {} as user {name}: {fix}",
            path.display()
        )),
    }
}

/// Inputs of a doctor run.
#[derive(Debug, Default)]
pub struct DoctorInput {
    /// The store (or taken from a config file's CERTPATH).
    pub dir: Option<PathBuf>,
    /// Password file.
    pub password_file: Option<PathBuf>,
    /// upsd.conf to check too.
    pub upsd_conf: Option<PathBuf>,
    /// upsmon.conf to check too.
    pub upsmon_conf: Option<PathBuf>,
}

/// Run every check.
pub fn run(input: &DoctorInput) -> Result<Report> {
    let mut r = Report::default();
    let mut idents: Vec<(String, String, Option<Secret>)> = Vec::new(); // (role, nickname, password)
    let mut dir = input.dir.clone();
    // The users the daemons read the store as: upsd's and upsmon's default `nut`, and
    // upsmon.conf's RUN_AS_USER.
    let mut readers = vec![DAEMON_USER.to_string()];
    let mut setups: Vec<Setup> = Vec::new();
    for (path, role) in [(&input.upsd_conf, "upsd"), (&input.upsmon_conf, "upsmon")] {
        let Some(path) = path else { continue };
        let text = nut_core::config::read_config_text(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let (certpath, certident, setup) = if role == "upsd" {
            let c = UpsdConf::parse(&text, path)?;
            let setup = Setup::Server(ServerTlsSettings::from(&c));
            (c.certpath, c.certident, setup)
        } else {
            let c = UpsmonConf::parse(&text, path)?;
            readers.extend(c.run_as_user.clone());
            let setup = Setup::Client(ClientTlsSettings::from(&c));
            (c.certpath, c.certident, setup)
        };
        if !setup.is_store_only() {
            setups.push(setup);
        }
        if let Some(ci) = certident {
            if !ci.password.is_empty() {
                check_mode(
                    &mut r,
                    path,
                    &format!("{role} config (holds the CERTIDENT password)"),
                    false,
                );
            }
            idents.push((role.to_string(), ci.name, Some(ci.password)));
        }
        if dir.is_none() {
            dir = certpath.filter(|p| Store::exists(p));
        }
    }
    readers.dedup();
    let now = OffsetDateTime::now_utc();
    for setup in &setups {
        doctor_setup::check(&mut r, setup, &readers, now);
    }
    let dir = match dir {
        Some(dir) => dir,
        // CERTFILE / PEM / NSS set-ups only: their checks are the whole report.
        None if !setups.is_empty() => return Ok(r),
        None => anyhow::bail!(
            "no certificate database: give -d DIR (or a config file whose CERTPATH is one, or \
             names a CERTFILE, a PEM CA directory or bundle, or an NSS database)"
        ),
    };
    // Read-write when the store's owner runs it: opening settles a leftover write-ahead log
    // or rollback journal (what read-only readers such as upsd cannot do); else read-only.
    let store = Store::open(&dir).or_else(|_| Store::open_read_only(&dir))?;
    check_mode(&mut r, &dir, "store directory", true);
    for name in &readers {
        check_reader(&mut r, name, &dir);
    }
    for suffix in ["", "-wal", "-shm"] {
        let p = PathBuf::from(format!("{}{suffix}", Store::db_path(&dir).display()));
        if p.exists() {
            check_mode(&mut r, &p, "store file", false);
        }
    }
    let policy = store.policy()?;
    for (role, nick) in &policy.certident {
        if !idents.iter().any(|(r, _, _)| r == role.as_str()) {
            idents.push((role.to_string(), nick.clone(), None));
        }
    }

    let certs = store.certificates()?;
    let before = r.problems;
    for c in &certs {
        let days = (c.not_after - now).whole_days();
        if c.not_after <= now {
            r.problem(format!(
                "certificate \"{}\" ({}) expired on {}",
                c.nickname,
                c.subject,
                format_time(c.not_after)
            ));
        } else if days < EXPIRY_WARNING_DAYS {
            r.problem(format!(
                "certificate \"{}\" ({}) expires on {} (in {days} days)",
                c.nickname,
                c.subject,
                format_time(c.not_after)
            ));
        } else if c.not_before > now {
            r.problem(format!(
                "certificate \"{}\" is not valid before {}",
                c.nickname,
                format_time(c.not_before)
            ));
        }
    }
    if !certs.is_empty() && r.problems == before {
        r.ok(format!(
            "{} certificate(s), none expired or expiring within {EXPIRY_WARNING_DAYS} days",
            certs.len()
        ));
    }

    check_crls(&mut r, &store, now)?;

    for (role, nick, _) in &idents {
        match store.find_certificate(nick)? {
            None => r.problem(format!(
                "CERTIDENT of {role} names \"{nick}\", which is not in the store"
            )),
            Some(c) if !c.has_key => r.problem(format!(
                "CERTIDENT of {role} \"{nick}\" has no private key in the store"
            )),
            Some(_) => r.ok(format!("CERTIDENT of {role} \"{nick}\" has its key")),
        }
    }

    let trust = TrustMaterial::from_store(&store)?;
    let unix_now = rustls_pki_types::UnixTime::now();
    for c in certs.iter().filter(|c| c.has_key && !c.is_ca) {
        let info = c.info()?;
        let is_upsd_ident = idents
            .iter()
            .any(|(r, n, _)| r == Role::Upsd.as_str() && n == &c.nickname);
        if !(info.server_auth && (is_upsd_ident || !info.client_auth || idents.is_empty())) {
            continue;
        }
        if c.effective_trust().ssl.trusted_peer() {
            continue;
        }
        match validate_certificate(&trust, &c.der, Usage::Server, unix_now) {
            Ok(()) => r.ok(format!(
                "server certificate \"{}\" chains to a CA trusted with C",
                c.nickname
            )),
            // A revoked certificate kept after a rotation is not a fault of the setup.
            Err(e) if e.contains(" was revoked on ") => {
                r.note(format!("server certificate \"{}\": {e}", c.nickname))
            }
            Err(e) => r.problem(format!(
                "server certificate \"{}\" does not chain to a CA trusted with C: {e}",
                c.nickname
            )),
        }
    }

    // The password: from -f, a config's CERTIDENT, or the empty password.
    let mut passwords: Vec<(String, zeroize::Zeroizing<String>)> = Vec::new();
    if let Some(f) = &input.password_file {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("cannot read {}", f.display()))?;
        passwords.push((
            format!("password file {}", f.display()),
            zeroize::Zeroizing::new(text.lines().next().unwrap_or("").to_string()),
        ));
    }
    for (role, _, pw) in &idents {
        if let Some(pw) = pw {
            passwords.push((
                format!("{role} CERTIDENT password"),
                zeroize::Zeroizing::new(pw.expose().to_string()),
            ));
        }
    }
    if store.has_empty_password() && passwords.is_empty() {
        passwords.push((
            "empty password".into(),
            zeroize::Zeroizing::new(String::new()),
        ));
    }
    if passwords.is_empty() {
        r.note("password not checked: give it with -f FILE".into());
    }
    for (what, pw) in passwords {
        match store.unlock(&pw) {
            Err(_) => r.problem(format!(
                "the {what} does not open the keys of {}",
                dir.display()
            )),
            Ok(cipher) => {
                let mut bad = 0;
                for k in store.keys()? {
                    if store.private_key(&cipher, &k.key_id).is_err() {
                        bad += 1;
                    }
                }
                if bad > 0 {
                    r.problem(format!(
                        "{bad} private key(s) cannot be decrypted with the {what}"
                    ));
                } else {
                    r.ok(format!("the {what} opens every key"));
                }
            }
        }
    }
    // With the password known, policy rows and trust that their MAC does not protect show as
    // lost (`policy` was read before the password was given: as stored).
    if store.is_unlocked() && store.policy()? != policy {
        r.problem(
            "some policy rows are not protected by the database password (set by an older \
             nut-certutil, or changed without the password): upsd and the clients ignore them; \
             compare `nut-certutil -d DIR policy show` with and without -f, and set them again \
             with `nut-certutil -d DIR policy set ...`"
                .into(),
        );
    }
    if store.is_unlocked() {
        let verified = store.certificates()?;
        for (nickname, stored) in store.list_trust()? {
            let Some(rec) = verified.iter().find(|c| c.nickname == nickname) else {
                continue;
            };
            if rec.trust.without_user() != stored.without_user() {
                r.problem(format!(
                    "the trust of \"{nickname}\" ({}) is not protected by the database password \
                     (set by an older nut-certutil, or changed without the password): upsd and \
                     the clients ignore it; set it again with `nut-certutil -M -d DIR -n \
                     \"{nickname}\" -t TRUST`",
                    stored.without_user()
                ));
            }
        }
    }
    Ok(r)
}

/// `doctor` arguments.
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// upsd.conf to check with the store.
    #[arg(long)]
    upsd_conf: Option<PathBuf>,
    /// upsmon.conf to check with the store.
    #[arg(long)]
    upsmon_conf: Option<PathBuf>,
}

/// The plain `doctor` subcommand: every finding, then exit code 1 when any is a problem.
/// `dir`: `-d` as given (else the config files' CERTPATH).
pub fn plain(dir: Option<&str>, password_file: Option<PathBuf>, a: DoctorArgs) -> Result<i32> {
    let input = DoctorInput {
        dir: dir
            .map(|d| super::database::store_dir(Some(d)))
            .transpose()?,
        password_file,
        upsd_conf: a.upsd_conf,
        upsmon_conf: a.upsmon_conf,
    };
    let report = run(&input)?;
    for l in &report.lines {
        println!("{l}");
    }
    if report.problems > 0 {
        println!("{} problem(s) found", report.problems);
        return Ok(1);
    }
    println!("no problem found");
    Ok(0)
}
