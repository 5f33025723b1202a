//! One consistent read of what the HTTP side shows: every UPS (as `LIST UPS` / `LIST VAR` /
//! `LIST CMD` / `LIST CLIENT` would answer), its link and freshness, and upsd's counters.
//! Each UPS's state is copied under its read lock and the lock let go at once: a render
//! never holds a lock a driver link or a NUT session waits for. A UPS whose state did not
//! change since the previous read is not copied again ([`ViewCache`]).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use nut_core::net::VarType;
use nut_core::sock::VarFlags;

use crate::context::{SERVER_VERSION, ServerContext};
use crate::counters::CounterValues;
use crate::descriptions::UNAVAILABLE;
use crate::registry::Unavailable;
use crate::registry::ups::{Live, Ups};

pub use super::view_cache::ViewCache;

/// One variable as a client sees it.
#[derive(Debug, Clone)]
pub struct VarView {
    /// The name as the driver wrote it.
    pub name: String,
    /// The value `GET VAR` answers (`ups.status` with the FSD prefix while latched).
    pub value: String,
    /// RW flag.
    pub rw: bool,
    /// Has enum values.
    pub has_enums: bool,
    /// Has ranges.
    pub has_ranges: bool,
    /// STRING with its maximum length.
    pub string_len: Option<i64>,
}

impl VarView {
    /// The words `GET TYPE` answers (`RW`, `ENUM`, `RANGE`, `STRING:n`, `NUMBER`).
    pub fn types(&self) -> Vec<String> {
        VarType::for_variable(self.rw, self.has_enums, self.has_ranges, self.string_len)
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

/// One UPS at the moment of the read.
#[derive(Debug, Clone)]
pub struct UpsView {
    /// The ups.conf section name.
    pub name: String,
    /// ups.conf `desc` (or NUT's "Unavailable").
    pub desc: String,
    /// A driver socket is connected.
    pub connected: bool,
    /// Connected, but the data is stale (DATASTALE, or silent past MAXAGE).
    pub stale: bool,
    /// Time since the driver last said anything (`None` when never connected).
    pub age: Option<Duration>,
    /// Variables; empty unless the UPS is available (as `LIST VAR` answers an error then).
    /// Shared with the other views taken while the UPS's state did not change.
    pub vars: Arc<[VarView]>,
    /// Instant commands (empty unless available).
    pub commands: Arc<[String]>,
    /// Logged-in clients, most recent first.
    pub clients: Vec<IpAddr>,
}

impl UpsView {
    /// Connected and fresh: what `upsc` can read.
    pub fn available(&self) -> bool {
        self.connected && !self.stale
    }

    /// A variable's value.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name))
            .map(|v| v.value.as_str())
    }
}

/// Everything one response shows.
#[derive(Debug, Clone)]
pub struct ServerView {
    /// upsd's version.
    pub version: &'static str,
    /// MAXAGE.
    pub maxage: Duration,
    /// The UPSes in ups.conf order.
    pub upses: Vec<UpsView>,
    /// upsd's counters.
    pub counters: CounterValues,
    /// When the view was taken.
    pub taken: SystemTime,
}

impl ServerView {
    /// Read everything now; variables of a UPS that did not change since the read that
    /// filled `cache` are shared with it rather than copied.
    pub fn read(ctx: &ServerContext, cache: &ViewCache) -> ServerView {
        let maxage = ctx.registry.maxage();
        let (generation, table) = ctx.registry.snapshot();
        let mut copies = cache.take(generation);
        let now = Instant::now();
        let upses = table
            .iter()
            .map(|u| {
                let (connected, stale, age, data) = {
                    let live = u.live();
                    let check = live.check(maxage, now);
                    let age = live
                        .connected
                        .then(|| now.saturating_duration_since(live.last_heard));
                    let data = if check.is_ok() {
                        copies.get_or_insert(u, &live, copy_data)
                    } else {
                        UpsData::default()
                    };
                    (live.connected, check == Err(Unavailable::Stale), age, data)
                };
                UpsView {
                    name: u.name.clone(),
                    desc: u.desc().unwrap_or_else(|| UNAVAILABLE.to_string()),
                    connected,
                    stale,
                    age,
                    vars: data.vars,
                    commands: data.commands,
                    clients: u.client_addrs(),
                }
            })
            .collect();
        cache.put(copies);
        ServerView {
            version: SERVER_VERSION,
            maxage,
            upses,
            counters: ctx.counters.snapshot(),
            taken: SystemTime::now(),
        }
    }

    /// A UPS by name, case-insensitively (as upsd looks names up).
    pub fn ups(&self, name: &str) -> Option<&UpsView> {
        self.upses
            .iter()
            .find(|u| u.name.eq_ignore_ascii_case(name))
    }
}

/// A UPS's variables and commands as one read copied them.
#[derive(Debug, Clone, Default)]
pub struct UpsData {
    /// The variables in `LIST VAR` order.
    pub vars: Arc<[VarView]>,
    /// The instant commands in `LIST CMD` order.
    pub commands: Arc<[String]>,
}

/// Copy a UPS's state (under its read lock, held by the caller).
fn copy_data(u: &Ups, live: &Live) -> UpsData {
    let vars = live
        .state
        .vars()
        .map(|n| VarView {
            name: n.name.clone(),
            value: u.status_value(&n.name, &n.value).into_owned(),
            rw: n.flags.contains(VarFlags::RW),
            has_enums: !n.enums.is_empty(),
            has_ranges: !n.ranges.is_empty(),
            string_len: n.flags.contains(VarFlags::STRING).then_some(n.aux),
        })
        .collect();
    let commands = live.state.commands().map(str::to_string).collect();
    UpsData { vars, commands }
}
