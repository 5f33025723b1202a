//! The one temporary NUT tree of the tests: `conf/` (NUT_CONFPATH: upsd.conf, ups.conf,
//! upsd.users, upsmon.conf, .dev files), `state/` (NUT_STATEPATH, 0770: driver sockets) and
//! `run/` (NUT_ALTPIDPATH: PID files), in a private directory removed on drop. Commands get
//! the three paths in their environment; each area adds what it needs on top (upsd's standard
//! layout in [`crate::upsd`], upsmon's notify scripts in [`crate::monitor`]).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::{ChildGuard, bin, private_tempdir, wait_for_unix, write_file};

#[derive(Debug)]
pub struct NutTree {
    dir: tempfile::TempDir,
}

impl NutTree {
    /// A new tree in a private temporary directory.
    pub fn new() -> NutTree {
        Self::from_dir(private_tempdir())
    }

    /// A new tree inside `parent` (removed with the tree).
    pub fn new_in(parent: &Path) -> NutTree {
        Self::from_dir(tempfile::tempdir_in(parent).expect("tempdir"))
    }

    fn from_dir(dir: tempfile::TempDir) -> NutTree {
        let tree = NutTree { dir };
        for d in [tree.conf(), tree.state(), tree.run()] {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::set_permissions(tree.state(), std::fs::Permissions::from_mode(0o770))
            .expect("chmod");
        tree
    }

    /// The tree's root.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    /// NUT_CONFPATH.
    pub fn conf(&self) -> PathBuf {
        self.path().join("conf")
    }
    /// NUT_STATEPATH.
    pub fn state(&self) -> PathBuf {
        self.path().join("state")
    }
    /// NUT_ALTPIDPATH.
    pub fn run(&self) -> PathBuf {
        self.path().join("run")
    }

    /// Write `conf/name` (mode 0640) and return its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.conf().join(name);
        write_file(&p, text, 0o640);
        p
    }
    pub fn write_upsd_conf(&self, text: &str) {
        self.write("upsd.conf", text);
    }
    pub fn write_ups_conf(&self, text: &str) {
        self.write("ups.conf", text);
    }
    pub fn write_users(&self, text: &str) {
        self.write("upsd.users", text);
    }

    /// ups.conf with one dummy-ups section per (name, port).
    pub fn ups_conf(&self, sections: &[(&str, &str)]) {
        let mut text = String::new();
        for (name, port) in sections {
            text.push_str(&format!(
                "[{name}]\n  driver = dummy-ups\n  port = {port}\n  desc = \"test {name}\"\n"
            ));
        }
        self.write_ups_conf(&text);
    }

    /// `program` with the tree's NUT_CONFPATH, NUT_STATEPATH and NUT_ALTPIDPATH (not started).
    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("NUT_CONFPATH", self.conf())
            .env("NUT_STATEPATH", self.state())
            .env("NUT_ALTPIDPATH", self.run())
            .env_remove("NUT_IGNORE_NOWAIT");
        c
    }

    /// [`Self::command`] for a driver (or upsdrvctl starting drivers) that must stay root
    /// when the tests run as root (`-u root`): started as root without a user, drivers become
    /// `nut` (as C's do), which cannot enter this private tree.
    pub fn driver(&self, program: &Path) -> Command {
        let mut c = self.command(program);
        c.args(crate::stay_root_args());
        c
    }

    /// The socket of dummy-ups for section `ups`.
    pub fn socket(&self, ups: &str) -> PathBuf {
        self.state().join(format!("dummy-ups-{ups}"))
    }

    /// Start our dummy-ups for a section in the foreground and wait for its socket.
    pub fn start_dummy(&self, ups: &str, extra: &[&str]) -> ChildGuard {
        let mut cmd = if extra.contains(&"-u") {
            self.command(&bin("dummy-ups"))
        } else {
            self.driver(&bin("dummy-ups"))
        };
        cmd.args(["-a", ups, "-F"]).args(extra);
        let child = ChildGuard::spawn("dummy-ups", &mut cmd);
        assert!(
            wait_for_unix(&self.socket(ups), Duration::from_secs(10)),
            "dummy-ups socket for {ups} did not appear"
        );
        child
    }
}

impl Default for NutTree {
    fn default() -> Self {
        Self::new()
    }
}
