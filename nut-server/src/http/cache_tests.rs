//! The render caches against a real driver link: a fake driver on a Unix socket in a
//! temporary STATEPATH feeds the registry as a driver would, and every scrape made from the
//! warm caches must be byte for byte the scrape made from empty ones. A changed value shows
//! in the next scrape, a deleted variable disappears, the FSD latch shows, and a reload (a
//! new registry generation) copies every UPS again.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

use super::view::{ServerView, ViewCache};
use super::{RenderCaches, route};
use crate::context::ServerContext;
use crate::http::request::{Method, RequestHead};
use crate::registry::{Ups, UpsRegistry};
use crate::shutdown::{Shutdown, ShutdownTrigger};

const WAIT: Duration = Duration::from_secs(10);

struct World {
    _dir: tempfile::TempDir,
    dir: std::path::PathBuf,
    ctx: Arc<ServerContext>,
    ups: Arc<Ups>,
    driver: UnixStream,
    shutdown: Shutdown,
    _trigger: ShutdownTrigger,
}

fn ups_conf(desc: &str) -> nut_core::config::UpsConf {
    nut_core::config::UpsConf::parse(
        &format!("[u]\n\tdriver = fake\n\tport = none\n\tdesc = \"{desc}\"\n[v]\n\tdriver = fake\n\tport = none\n"),
        std::path::Path::new("ups.conf"),
    )
    .expect("ups.conf")
}

/// upsd's registry with UPSes `u` (served by the returned driver socket) and `v` (no
/// driver), `u` fed its dump and fresh.
async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    let listener = UnixListener::bind(path.join("fake-u")).expect("bind driver socket");
    let registry = UpsRegistry::new(&path, Duration::from_secs(15), Duration::from_secs(3600));
    let (trigger, shutdown) = crate::shutdown::channel();
    registry.sync_sections(&ups_conf("first").sections, &path, &shutdown);
    let ups = registry.get("u").expect("ups u");
    let (mut driver, _) = tokio::time::timeout(WAIT, listener.accept())
        .await
        .expect("the link connects in time")
        .expect("accept");
    let mut dumpall = [0u8; 8];
    tokio::time::timeout(WAIT, driver.read_exact(&mut dumpall))
        .await
        .expect("DUMPALL in time")
        .expect("read");
    assert_eq!(&dumpall, b"DUMPALL\n");
    let ctx = ServerContext::for_tests(registry);
    let mut w = World {
        _dir: dir,
        dir: path,
        ctx,
        ups,
        driver,
        shutdown,
        _trigger: trigger,
    };
    w.send(
        "SETINFO ups.status \"OL\"\nSETINFO battery.charge \"90\"\nSETINFO x.y \"5\"\n\
         SETINFO device.model \"Box\"\nADDCMD test.battery.start\nDATAOK\nDUMPDONE\n",
        |v| v.value("x.y") == Some("5"),
    )
    .await;
    w
}

impl World {
    /// Send driver lines and wait (on the UPS's change signal, within [`WAIT`]) until the
    /// view of `u` satisfies `done`.
    async fn send(&mut self, lines: &str, done: impl Fn(&super::view::UpsView) -> bool) {
        let mut changes = self.ups.change_signal();
        self.driver
            .write_all(lines.as_bytes())
            .await
            .expect("driver write");
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let view = ServerView::read(&self.ctx, &ViewCache::default());
            if view.ups("u").is_some_and(&done) {
                return;
            }
            tokio::time::timeout_at(deadline, changes.changed())
                .await
                .expect("the driver's lines arrive in time")
                .expect("change signal");
        }
    }

    /// `/metrics` (the Prometheus format) through `caches`.
    fn scrape(&self, caches: &RenderCaches) -> String {
        let head = RequestHead {
            method: Method::Get,
            path: "/metrics".into(),
            accept: String::new(),
            close: false,
        };
        let r = route(&self.ctx, &[], caches, &head);
        assert_eq!(r.status, 200);
        String::from_utf8(r.body).expect("utf8")
    }

    /// A scrape through the warm `caches`, checked against one from empty caches.
    fn scrape_checked(&self, caches: &RenderCaches) -> String {
        let warm = self.scrape(caches);
        let cold = self.scrape(&RenderCaches::default());
        assert_eq!(
            without_ages(&warm),
            without_ages(&cold),
            "a warm scrape differs from a cold one"
        );
        warm
    }
}

/// A scrape without its `nut_ups_last_update_age_seconds` samples: the only lines that
/// differ between two scrapes of an unchanged world.
fn without_ages(scrape: &str) -> String {
    scrape
        .lines()
        .filter(|l| !l.starts_with("nut_ups_last_update_age_seconds{"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn an_unchanged_ups_is_shared_and_a_changed_one_copied_again() {
    let mut w = world().await;
    let cache = ViewCache::default();
    let first = ServerView::read(&w.ctx, &cache);
    let second = ServerView::read(&w.ctx, &cache);
    let (a, b) = (first.ups("u").expect("u"), second.ups("u").expect("u"));
    assert!(
        Arc::ptr_eq(&a.vars, &b.vars),
        "an unchanged UPS is copied again"
    );
    assert!(Arc::ptr_eq(&a.commands, &b.commands));

    w.send("SETINFO battery.charge \"80\"\n", |u| {
        u.value("battery.charge") == Some("80")
    })
    .await;
    let third = ServerView::read(&w.ctx, &cache);
    let c = third.ups("u").expect("u");
    assert_eq!(c.value("battery.charge"), Some("80"));
    assert!(!Arc::ptr_eq(&b.vars, &c.vars));

    // The FSD latch is not a driver change, but it shows in ups.status.
    w.ups.set_fsd();
    let fourth = ServerView::read(&w.ctx, &cache);
    assert_eq!(
        fourth.ups("u").expect("u").value("ups.status"),
        Some("FSD OL")
    );
}

#[tokio::test]
async fn a_reload_makes_a_new_generation_and_every_ups_is_copied_again() {
    let w = world().await;
    let cache = ViewCache::default();
    let before = ServerView::read(&w.ctx, &cache);
    let generation = w.ctx.registry.generation();
    w.ctx
        .registry
        .sync_sections(&ups_conf("second").sections, &w.dir, &w.shutdown);
    assert_ne!(w.ctx.registry.generation(), generation);
    let after = ServerView::read(&w.ctx, &cache);
    let (a, b) = (before.ups("u").expect("u"), after.ups("u").expect("u"));
    assert!(!Arc::ptr_eq(&a.vars, &b.vars), "a reload must copy again");
    assert_eq!(b.desc, "second");
}

#[tokio::test]
async fn metrics_from_the_caches_follow_every_change() {
    let mut w = world().await;
    let caches = RenderCaches::default();
    let first = w.scrape_checked(&caches);
    assert!(
        first.contains("nut_battery_charge_percent{ups=\"u\"} 90\n"),
        "{first}"
    );
    assert!(first.contains("nut_x_y{ups=\"u\"} 5\n"));
    assert!(first.contains("nut_ups_status{ups=\"u\",flag=\"OL\"} 1\n"));
    assert!(first.contains("description=\"first\",device_model=\"Box\""));
    assert_eq!(
        without_ages(&first),
        without_ages(&w.scrape_checked(&caches)),
        "nothing changed"
    );

    w.send(
        "SETINFO battery.charge \"80\"\nDELINFO x.y\nSETINFO ups.status \"OB\"\n",
        |u| u.value("x.y").is_none(),
    )
    .await;
    let second = w.scrape_checked(&caches);
    assert!(
        second.contains("nut_battery_charge_percent{ups=\"u\"} 80\n"),
        "{second}"
    );
    assert!(
        !second.contains("nut_x_y"),
        "a deleted variable stays: {second}"
    );
    assert!(second.contains("nut_ups_status{ups=\"u\",flag=\"OL\"} 0\n"));
    assert!(second.contains("nut_ups_status{ups=\"u\",flag=\"OB\"} 1\n"));

    // A reload that only changes the description.
    w.ctx
        .registry
        .sync_sections(&ups_conf("second").sections, &w.dir, &w.shutdown);
    let third = w.scrape_checked(&caches);
    assert!(third.contains("description=\"second\""), "{third}");

    // The driver goes away: its variables leave the scrape.
    w.driver.shutdown().await.expect("driver shutdown");
    let deadline = tokio::time::Instant::now() + WAIT;
    let mut changes = w.ups.change_signal();
    while w.ups.live().connected {
        tokio::time::timeout_at(deadline, changes.changed())
            .await
            .expect("the link notices the driver is gone")
            .expect("change signal");
    }
    let gone = w.scrape(&caches);
    assert!(!gone.contains("nut_battery_charge_percent"), "{gone}");
    assert!(gone.contains("nut_ups_driver_connected{ups=\"u\"} 0\n"));
}
