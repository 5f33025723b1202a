//! Loading the configuration files upsd reads: upsd.conf, ups.conf, upsd.users (refused when
//! readable by others), hosts.allow/hosts.deny, cmdvartab. Paths follow C NUT's environment
//! (`NUT_CONFPATH`, `NUT_STATEPATH`, `NUT_ALTPIDPATH`, `NUT_DATAPATH`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use nut_core::config::file::{Writers, read_config};
use nut_core::config::paths::{conf_file, effective_state_dir, process_env};
use nut_core::config::{UpsConf, UpsdConf, UpsdUsers};

use crate::auth::hosts_access::HostsAccess;
use crate::cli::Cli;
use crate::context::Reloadable;
use crate::descriptions::Descriptions;

/// Where Debian keeps cmdvartab.
pub const DEFAULT_DATAPATH: &str = "/usr/share/nut";

/// A config file through the bounded reader (regular files, 4 MiB), refused when users
/// other than `writers` may change it: upsd.conf, ups.conf and upsd.users decide who may
/// log in, what is listened on and which drivers upsdrvctl runs as root.
fn read_text(path: &Path, writers: Writers) -> anyhow::Result<String> {
    let contents =
        read_config(path, writers).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(contents.into_text())
}

/// Read and parse upsd.conf (missing is fatal, as in C upsd), with the environment overrides.
pub fn load_upsd_conf() -> anyhow::Result<UpsdConf> {
    let path = conf_file(process_env, "upsd.conf");
    let text = read_text(&path, Writers::NotOthers)?;
    let mut conf = UpsdConf::parse(&text, &path).map_err(anyhow::Error::new)?;
    conf.apply_env(process_env);
    for w in &conf.warnings {
        tracing::warn!("{w}");
    }
    Ok(conf)
}

/// Read and parse ups.conf.
pub fn load_ups_conf() -> anyhow::Result<UpsConf> {
    let path = conf_file(process_env, "ups.conf");
    let text = read_text(&path, Writers::NotOthers)?;
    let conf = UpsConf::parse(&text, &path).map_err(anyhow::Error::new)?;
    for w in &conf.warnings {
        tracing::warn!("{w}");
    }
    Ok(conf)
}

/// The driver socket directory.
pub fn state_path(ups: &UpsConf, upsd: &UpsdConf) -> PathBuf {
    let sd = effective_state_dir(
        process_env,
        ups.globals.statepath.as_deref(),
        upsd.statepath.as_deref(),
    );
    if sd.conflict {
        tracing::warn!(
            "ups.conf statepath and upsd.conf STATEPATH differ; using {}",
            sd.path.display()
        );
    }
    sd.path
}

/// Read upsd.users: refused when readable by others; a missing file means no users (C upsd
/// only warns).
pub fn load_users() -> anyhow::Result<UpsdUsers> {
    let path = conf_file(process_env, "upsd.users");
    if !path.exists() {
        tracing::warn!("{} does not exist: no user can log in", path.display());
        return UpsdUsers::parse("", &path).map_err(anyhow::Error::new);
    }
    crate::privileges::check_users_file(&path)?;
    let text = read_text(&path, Writers::NotOthers)?;
    let users = UpsdUsers::parse(&text, &path).map_err(anyhow::Error::new)?;
    for w in &users.warnings {
        tracing::warn!("{w}");
    }
    Ok(users)
}

/// hosts.allow / hosts.deny: the command line wins over upsd.conf.
pub fn load_hosts(cli: &Cli, conf: &UpsdConf) -> anyhow::Result<HostsAccess> {
    let allow = cli.hosts_allow.clone().or_else(|| conf.hosts_allow.clone());
    let deny = cli.hosts_deny.clone().or_else(|| conf.hosts_deny.clone());
    HostsAccess::load(allow.as_deref(), deny.as_deref()).map_err(anyhow::Error::new)
}

/// cmdvartab from DATAPATH (upsd.conf), `NUT_DATAPATH`, or the Debian default.
pub fn load_descriptions(conf: &UpsdConf) -> Descriptions {
    let dir = process_env("NUT_DATAPATH")
        .map(PathBuf::from)
        .or_else(|| conf.datapath.clone())
        .unwrap_or_else(|| Path::new(DEFAULT_DATAPATH).to_path_buf());
    Descriptions::load(&dir)
}

/// Everything a reload replaces on the session side.
pub fn load_reloadable(cli: &Cli, conf: &UpsdConf) -> anyhow::Result<Reloadable> {
    let tls = crate::tls::acceptor_from(conf)?;
    Ok(Reloadable {
        users: Arc::new(load_users()?),
        hosts: Arc::new(load_hosts(cli, conf)?),
        descriptions: Arc::new(load_descriptions(conf)),
        cert_expiry: tls.as_ref().map(|t| t.expiry.clone()),
        tls: tls.map(|t| t.acceptor),
        require_login_for_reads: conf.require_login_for_reads,
    })
}
