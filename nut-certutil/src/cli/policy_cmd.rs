//! `policy set` / `policy show`: the store's policy rows, and the effective policy once
//! upsd.conf / upsmon.conf are taken into account (the files win), with where each value came
//! from.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use nut_certutil::policy::{CrlStale, Role, StorePolicy, parse_certrequest, parse_flag};
use nut_certutil::store::Store;
use nut_certutil::tls::CertHostRule;
use nut_core::config::{UpsdConf, UpsmonConf};

use super::database::{open, open_ro, store_dir, unlock_for_trust};
use super::io::PasswordSource;

/// Split `host[:port]` (with `[v6]:port`); no port: the rule covers every port of the host.
pub fn parse_host_port(s: &str) -> Result<(String, Option<u16>)> {
    nut_core::config::parse_certhost_target(s).with_context(|| format!("bad host[:port] '{s}'"))
}

/// `policy set KEY VALUE...` and `policy unset KEY`.
pub fn set(store: &mut Store, words: &[String]) -> Result<()> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["certident", role, nickname] => {
            let role = Role::parse(role)
                .with_context(|| format!("unknown role '{role}' (upsd or upsmon)"))?;
            store.set_certident(role, Some(nickname))?;
        }
        ["certverify", v] => store.set_certverify(Some(parse_flag(v)?))?,
        ["forcessl", v] => store.set_forcessl(Some(parse_flag(v)?))?,
        ["certrequest", v] => {
            let level = parse_certrequest(v)
                .with_context(|| format!("'{v}' is not 0/1/2 or NO/REQUEST/REQUIRE"))?;
            store.set_certrequest(Some(level))?;
        }
        ["crl-stale", v] => {
            let p = CrlStale::parse(v).with_context(|| format!("'{v}' is not refuse or warn"))?;
            store.set_crl_stale(Some(p))?;
        }
        ["certhost", hostport, name, verify, force] => {
            let (host, port) = parse_host_port(hostport)?;
            store.set_certhost(&CertHostRule {
                host,
                port,
                cert_name: name.to_string(),
                certverify: parse_flag(verify)?,
                forcessl: parse_flag(force)?,
            })?;
        }
        _ => bail!(
            "usage: policy set certident upsd|upsmon NICKNAME | certverify 0|1 | forcessl 0|1 | \
             certrequest NO|REQUEST|REQUIRE | crl-stale refuse|warn | \
             certhost HOST[:PORT] NAME CERTVERIFY FORCESSL"
        ),
    }
    Ok(())
}

/// `policy unset KEY [ARGS]`.
pub fn unset(store: &mut Store, words: &[String]) -> Result<()> {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    match w.as_slice() {
        ["certident", role] => {
            let role = Role::parse(role).with_context(|| format!("unknown role '{role}'"))?;
            store.set_certident(role, None)?;
        }
        ["certverify"] => store.set_certverify(None)?,
        ["forcessl"] => store.set_forcessl(None)?,
        ["certrequest"] => store.set_certrequest(None)?,
        ["crl-stale"] => store.set_crl_stale(None)?,
        ["certhost", hostport] => {
            let (h, p) = parse_host_port(hostport)?;
            if !store.delete_certhost(&h, p)? {
                bail!("no CERTHOST row for {hostport}");
            }
        }
        _ => bail!(
            "usage: policy unset certident ROLE | certverify | forcessl | certrequest | crl-stale | certhost HOST[:PORT]"
        ),
    }
    Ok(())
}

/// The line of the first `directive` in a config file text.
fn directive_line(text: &str, directive: &str) -> Option<usize> {
    nut_core::words::tokenize_text(text.as_bytes())
        .into_iter()
        .find_map(|(n, r)| match r {
            Ok(words)
                if words
                    .first()
                    .is_some_and(|w| w.eq_ignore_ascii_case(directive)) =>
            {
                Some(n)
            }
            _ => None,
        })
}

struct Conf {
    path: PathBuf,
    text: String,
}

impl Conf {
    fn read(path: &Path) -> Result<Conf> {
        Ok(Conf {
            path: path.to_path_buf(),
            text: nut_core::config::read_config_text(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        })
    }

    fn from(&self, directive: &str) -> Option<String> {
        directive_line(&self.text, directive).map(|n| format!("{}:{n}", self.path.display()))
    }
}

fn row(out: &mut String, name: &str, value: &str, source: &str) {
    out.push_str(&format!("{name:<20} {value:<40} ({source})\n"));
}

/// A role's CERTIDENT row: the config file's directive, else the store's, else none.
fn certident_row(
    out: &mut String,
    conf: Option<&Conf>,
    file_ident: Option<&str>,
    store_ident: Option<&String>,
    store_src: &str,
) {
    let (ident, src) = match (file_ident, store_ident) {
        (Some(name), _) => (
            name.to_string(),
            conf.and_then(|c| c.from("CERTIDENT")).unwrap_or_default(),
        ),
        (None, Some(n)) => (n.clone(), store_src.to_string()),
        (None, None) => ("(none)".into(), "not set".into()),
    };
    row(out, "CERTIDENT", &ident, &src);
}

/// `policy show`: the effective policy and the source of every value.
pub fn show(
    store: Option<&Store>,
    upsd_conf: Option<&Path>,
    upsmon_conf: Option<&Path>,
) -> Result<String> {
    let sp = match store {
        Some(s) => s.policy()?,
        None => StorePolicy::default(),
    };
    let store_src = store
        .map(|s| format!("store {}", s.dir().display()))
        .unwrap_or_else(|| "store".into());
    let mut out = String::new();

    out.push_str("[upsd]\n");
    let upsd = upsd_conf.map(Conf::read).transpose()?;
    let upsd_parsed = match &upsd {
        Some(c) => Some(UpsdConf::parse(&c.text, &c.path)?),
        None => None,
    };
    let file_ident = upsd_parsed.as_ref().and_then(|u| u.certident.as_ref());
    let store_ident = sp.certident.get(&Role::Upsd);
    let file_ident = file_ident.map(|ci| ci.name.as_str());
    certident_row(&mut out, upsd.as_ref(), file_ident, store_ident, &store_src);
    let (level, src) = match (
        upsd.as_ref().and_then(|c| c.from("CERTREQUEST")),
        sp.certrequest,
    ) {
        (Some(src), _) => (
            upsd_parsed
                .as_ref()
                .and_then(|u| u.certrequest)
                .unwrap_or_default()
                .to_string(),
            src,
        ),
        (None, Some(l)) => (l.to_string(), store_src.clone()),
        (None, None) => ("NO".into(), "default".into()),
    };
    row(&mut out, "CERTREQUEST", &level, &src);
    match sp.crl_stale {
        Some(p) => row(&mut out, "CRL-STALE", &p.to_string(), &store_src),
        None => row(&mut out, "CRL-STALE", "warn", "default"),
    }
    for (name, val) in [
        (
            "CERTFILE",
            upsd_parsed.as_ref().and_then(|u| u.certfile.clone()),
        ),
        (
            "CERTPATH",
            upsd_parsed.as_ref().and_then(|u| u.certpath.clone()),
        ),
    ] {
        if let Some(v) = val {
            row(
                &mut out,
                name,
                &v.display().to_string(),
                &upsd.as_ref().and_then(|c| c.from(name)).unwrap_or_default(),
            );
        }
    }

    out.push_str("\n[upsmon]\n");
    let mon = upsmon_conf.map(Conf::read).transpose()?;
    let mon_parsed = match &mon {
        Some(c) => Some(UpsmonConf::parse(&c.text, &c.path)?),
        None => None,
    };
    let file_ident = mon_parsed.as_ref().and_then(|u| u.certident.as_ref());
    let store_ident = sp.certident.get(&Role::Upsmon);
    let file_ident = file_ident.map(|ci| ci.name.as_str());
    certident_row(&mut out, mon.as_ref(), file_ident, store_ident, &store_src);
    for (name, file_val, store_val) in [
        (
            "CERTVERIFY",
            mon_parsed.as_ref().map(|m| m.certverify),
            sp.certverify,
        ),
        (
            "FORCESSL",
            mon_parsed.as_ref().map(|m| m.forcessl),
            sp.forcessl,
        ),
    ] {
        let (v, src) = match (mon.as_ref().and_then(|c| c.from(name)), store_val) {
            (Some(src), _) => (file_val.flatten().unwrap_or(false), src),
            (None, Some(v)) => (v, store_src.clone()),
            (None, None) => (false, "default".into()),
        };
        row(&mut out, name, if v { "1" } else { "0" }, &src);
    }
    let file_hosts = mon_parsed
        .as_ref()
        .map(|m| m.certhosts.clone())
        .unwrap_or_default();
    let mut hosts: Vec<(CertHostRule, String)> = Vec::new();
    for h in &file_hosts {
        hosts.push((
            h.clone(),
            mon.as_ref()
                .and_then(|c| c.from("CERTHOST"))
                .map(|s| {
                    // Point at the file; the first CERTHOST line is shown when there are several.
                    s.rsplit_once(':').map(|(f, _)| f.to_string()).unwrap_or(s)
                })
                .unwrap_or_default(),
        ));
    }
    for h in &sp.certhosts {
        if !hosts.iter().any(|(x, _)| x.same_target(h)) {
            hosts.push((h.clone(), store_src.clone()));
        }
    }
    for (h, src) in hosts {
        row(
            &mut out,
            &format!("CERTHOST {}", h.target()),
            &format!(
                "\"{}\" certverify={} forcessl={}",
                h.cert_name,
                u8::from(h.certverify),
                u8::from(h.forcessl)
            ),
            &src,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(
            parse_host_port("localhost").expect("p"),
            ("localhost".into(), None)
        );
        assert_eq!(
            parse_host_port("localhost:1234").expect("p"),
            ("localhost".into(), Some(1234))
        );
        assert_eq!(
            parse_host_port("[::1]:99").expect("p"),
            ("::1".into(), Some(99))
        );
        assert_eq!(parse_host_port("[::1]").expect("p"), ("::1".into(), None));
        assert!(parse_host_port("h:x").is_err());
    }

    #[test]
    fn directive_lines_are_found() {
        assert_eq!(
            directive_line("# c\nLISTEN 127.0.0.1\ncertverify 1\n", "CERTVERIFY"),
            Some(3)
        );
        assert_eq!(directive_line("LISTEN x\n", "CERTVERIFY"), None);
    }
}

/// `policy` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCmd {
    /// Set: certident upsd|upsmon NICK, certverify 0|1, forcessl 0|1, certrequest LEVEL,
    /// crl-stale refuse|warn, certhost HOST[:PORT] NAME CERTVERIFY FORCESSL.
    Set {
        /// Key and values.
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
    /// Remove a policy value or CERTHOST row.
    Unset {
        /// Key and values.
        #[arg(required = true, num_args = 1..)]
        words: Vec<String>,
    },
    /// Print the effective policy and where each value comes from.
    Show {
        /// upsd.conf (its directives win over the store).
        #[arg(long)]
        upsd_conf: Option<PathBuf>,
        /// upsmon.conf (its directives win over the store).
        #[arg(long)]
        upsmon_conf: Option<PathBuf>,
    },
}

/// The plain `policy` subcommands; `dir`: `-d` as given (`show` works without one).
pub fn plain(dir: Option<&str>, pw: &PasswordSource, cmd: PolicyCmd) -> Result<()> {
    let need_dir = || store_dir(dir);
    match cmd {
        // As `-M`: changing the policy needs the database password (rows carry its MAC).
        PolicyCmd::Set { words } => {
            let mut store = open(&need_dir()?)?;
            pw.unlock(&store)?;
            set(&mut store, &words)
        }
        PolicyCmd::Unset { words } => {
            let mut store = open(&need_dir()?)?;
            pw.unlock(&store)?;
            unset(&mut store, &words)
        }
        PolicyCmd::Show {
            upsd_conf,
            upsmon_conf,
        } => {
            let store = match dir {
                Some(_) => Some(open_ro(&need_dir()?)?),
                None => None,
            };
            // Given the password without a prompt, rows that do not verify are left out.
            if let Some(s) = &store {
                unlock_for_trust(s, pw)?;
            }
            print!(
                "{}",
                show(store.as_ref(), upsd_conf.as_deref(), upsmon_conf.as_deref())?
            );
            Ok(())
        }
    }
}
