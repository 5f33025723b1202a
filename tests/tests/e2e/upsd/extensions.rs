//! rnut's protocol extensions of issue 17 items 2 and 3 (docs/PROTOCOL-EXTENSIONS.md), over
//! real processes: upsd's Unix-socket listener (`LISTEN /path`, its owner/group/mode and the
//! checks at start), our clients and upsmon over `ups@/path/to/upsd.sock`, and
//! `REQUIRE_LOGIN_FOR_READS` with its accept/refuse matrix; Debian's C upsc and C upsmon
//! against our upsd with each extension switched on.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rnut_tests::upsd::*;
use rnut_tests::{ChildGuard, bin, require_root, require_tool, write_file};

/// A line client over the Unix socket.
struct LocalClient {
    reader: BufReader<UnixStream>,
}

impl LocalClient {
    fn connect(path: &Path) -> LocalClient {
        let s = UnixStream::connect(path).expect("connect to the Unix socket");
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        LocalClient {
            reader: BufReader::new(s),
        }
    }
    fn cmd(&mut self, request: &str) -> String {
        self.reader
            .get_mut()
            .write_all(format!("{request}\n").as_bytes())
            .expect("write");
        let mut l = String::new();
        let n = self.reader.read_line(&mut l).expect("read reply");
        assert!(n > 0, "upsd closed the connection after {request:?}");
        l.trim_end_matches('\n').to_string()
    }
}

/// The standard layout plus `LISTEN <dir>/sock/upsd.sock` (the directory 0700, ours) and
/// `extra` upsd.conf lines.
fn with_socket(extra: &str) -> (NutTree, PathBuf) {
    let d = NutTree::standard("");
    let sock_dir = d.path().join("sock");
    std::fs::create_dir(&sock_dir).expect("mkdir");
    std::fs::set_permissions(&sock_dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let sock = sock_dir.join("upsd.sock");
    add_conf(&d, &format!("LISTEN {}\n{extra}", sock.display()));
    (d, sock)
}

fn add_conf(d: &NutTree, lines: &str) {
    let conf = std::fs::read_to_string(d.conf().join("upsd.conf")).expect("read");
    d.write_upsd_conf(&format!("{conf}{lines}"));
}

/// upsd with a fake driver serving UPS `test`, ready (asked with credentials, which every
/// configuration here accepts).
fn start(d: &NutTree) -> (FakeDriver, Upsd) {
    let drv = FakeDriver::start(&d.state(), "fake-test", sample_state());
    let u = Upsd::start(d);
    let ready = rnut_tests::wait_until(Duration::from_secs(15), || {
        let mut c = u.client();
        c.login("mons", "secpass");
        let reply = c.cmd("GET VAR test ups.status");
        reply.starts_with("VAR ") && !reply.ends_with("\"WAIT\"")
    });
    assert!(ready, "UPS test never became available: {}", u.log_text());
    (drv, u)
}

fn run(tool: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(tool);
    cmd.args(args)
        .env_remove("NUT_PASSWORD")
        .envs(env.iter().copied());
    rnut_tests::process::output(&mut cmd, "")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn the_unix_socket_serves_the_protocol_without_starttls() {
    let (d, sock) = with_socket("");
    let (_drv, u) = start(&d);
    assert!(
        u.wait_log("listening on unix:", Duration::from_secs(5)),
        "{}",
        u.log_text()
    );
    let meta = std::fs::symlink_metadata(&sock).expect("socket file");
    assert_eq!(meta.mode() & 0o7777, 0o660, "default mode");
    let mut c = LocalClient::connect(&sock);
    assert!(c.cmd("VER").contains("Network UPS Tools"));
    assert_eq!(
        c.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );
    // As C upsd answers when TLS is not configured.
    assert_eq!(c.cmd("STARTTLS"), "ERR FEATURE-NOT-CONFIGURED");
    assert_eq!(c.cmd("USERNAME monp"), "OK");
    assert_eq!(c.cmd("PASSWORD \"P@ss W0rd\""), "OK");
    assert_eq!(c.cmd("LOGIN test"), "OK");
    assert_eq!(c.cmd("GET NUMLOGINS test"), "NUMLOGINS test 1");
    // The log names the peer by its credentials.
    let uid = nix::unistd::Uid::effective().as_raw();
    assert!(
        u.wait_log(
            &format!("User monp@unix(uid={uid},pid="),
            Duration::from_secs(5)
        ),
        "{}",
        u.log_text()
    );
    // TCP goes on as before.
    assert_eq!(
        u.client().cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );
}

#[test]
fn starttls_is_refused_on_the_socket_even_with_tls_configured() {
    let pki = rnut_tests::upsd::pki::TestPki::new();
    let (d, sock) = with_socket("");
    let certfile = d.conf().join("upsd.pem");
    pki.write_certfile(&certfile);
    add_conf(&d, &format!("CERTFILE {}\n", certfile.display()));
    let (_drv, u) = start(&d);
    assert_eq!(
        LocalClient::connect(&sock).cmd("STARTTLS"),
        "ERR FEATURE-NOT-CONFIGURED"
    );
    assert_eq!(u.client().cmd("STARTTLS"), "OK STARTTLS");
}

#[test]
fn our_clients_and_upsmon_work_over_the_unix_socket() {
    let (d, sock) = with_socket("");
    let (drv, u) = start(&d);
    let system = format!("test@{}", sock.display());
    let o = run(&bin("upsc"), &[&system, "ups.status"], &[]);
    assert_eq!(out(&o), "OL\n", "{}", err(&o));
    let o = run(&bin("upsc"), &[&system], &[]);
    assert!(out(&o).contains("device.model: Dummy UPS\n"), "{}", err(&o));
    let o = run(&bin("upsc"), &["-l", &sock.display().to_string()], &[]);
    assert_eq!(out(&o), "test\nother\n", "{}", err(&o));
    let o = run(&bin("upscmd"), &["-l", &system], &[]);
    assert!(out(&o).contains("test.battery.start"), "{}", err(&o));
    let o = run(
        &bin("upscmd"),
        &["-u", "admin", "-p", "mypass", &system, "beeper.toggle"],
        &[],
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    assert!(drv.wait_received("INSTCMD beeper.toggle"));
    let o = run(&bin("upsrw"), &["-l", &system], &[]);
    assert!(out(&o).contains("[ups.id]"), "{}", err(&o));

    // upsmon with a MONITOR line naming the socket.
    let mon = d.path().join("mon");
    std::fs::create_dir(&mon).expect("mkdir");
    write_file(
        &mon.join("upsmon.conf"),
        &format!(
            "MONITOR {system} 1 monp \"P@ss W0rd\" primary\nMINSUPPLIES 1\n\
             SHUTDOWNCMD \"/bin/false\"\nPOLLFREQ 1\nPOWERDOWNFLAG {}/killpower\n",
            mon.display()
        ),
        0o600,
    );
    let mut cmd = Command::new(bin("upsmon"));
    cmd.args(["-F", "-f"])
        .arg(mon.join("upsmon.conf"))
        .args(rnut_tests::stay_root_args())
        .env("NUT_CONFPATH", &mon)
        .env("NUT_STATEPATH", &mon)
        .env("NUT_ALTPIDPATH", &mon)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let _upsmon = ChildGuard::spawn("upsmon", &mut cmd);
    assert!(
        u.wait_log("User monp@unix(uid=", Duration::from_secs(20))
            && u.wait_log("logged into UPS [test]", Duration::from_secs(1)),
        "our upsmon did not log in over the socket: {}",
        u.log_text()
    );
}

/// upsd refuses to start, naming the problem, when the socket could be replaced by someone
/// else or its settings do not resolve.
#[test]
fn unsafe_socket_places_are_refused_at_start() {
    if !require_root("chown of the socket directory to another user") {
        return;
    }
    let refused = |prepare: &dyn Fn(&Path) -> String, needle: &str| {
        let (d, sock) = with_socket("");
        add_conf(&d, &prepare(&sock));
        let (mut child, log) = spawn_upsd(&d, &[], |_| {});
        let status = child.wait_exit(Duration::from_secs(20));
        assert!(
            status.is_some_and(|s| !s.success()),
            "upsd started ({needle}): {:?}",
            log.lock().unwrap()
        );
        // The log is read by a thread of its own: wait for the line, not for the exit.
        let found = rnut_tests::wait_until(Duration::from_secs(5), || {
            log.lock().unwrap().iter().any(|l| l.contains(needle))
        });
        let text = log.lock().unwrap().join("\n");
        assert!(found, "expected {needle:?} in: {text}");
    };
    let chmod = |p: &Path, mode: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("chmod")
    };
    refused(
        &|s| {
            chmod(s.parent().unwrap(), 0o777);
            String::new()
        },
        "is writable by others",
    );
    refused(
        &|s| {
            chmod(s.parent().unwrap(), 0o1777);
            String::new()
        },
        "is writable by others",
    );
    refused(
        &|s| {
            let dir = s.parent().unwrap();
            chmod(dir, 0o770);
            nix::unistd::chown(dir, None, Some(nix::unistd::Gid::from_raw(65534))).expect("chgrp");
            String::new()
        },
        "writable by a group other than the socket's",
    );
    refused(
        &|s| {
            let dir = s.parent().unwrap();
            nix::unistd::chown(dir, Some(nix::unistd::Uid::from_raw(65534)), None).expect("chown");
            String::new()
        },
        "belongs to a user other than root and the socket's owner",
    );
    refused(
        &|s| {
            std::fs::write(s, b"not a socket").expect("write");
            String::new()
        },
        "a file that is not a socket is in the way",
    );
    refused(
        &|_| "UNIX_SOCKET_OWNER no-such-user-rnut\n".into(),
        "UNIX_SOCKET_OWNER: no user",
    );
    refused(
        &|_| "UNIX_SOCKET_GROUP no-such-group-rnut\n".into(),
        "UNIX_SOCKET_GROUP: no group",
    );
}

#[test]
fn the_socket_gets_its_configured_group_and_mode_and_a_live_one_is_not_taken_over() {
    if !require_root("a socket owned by another group") {
        return;
    }
    let (d, sock) = with_socket("UNIX_SOCKET_GROUP nogroup\nUNIX_SOCKET_MODE 0640\n");
    let (_drv, u) = start(&d);
    let meta = std::fs::symlink_metadata(&sock).expect("socket file");
    assert_eq!(meta.mode() & 0o7777, 0o640);
    let nogroup = nix::unistd::Group::from_name("nogroup")
        .expect("group lookup")
        .expect("nogroup exists")
        .gid;
    assert_eq!(meta.gid(), nogroup.as_raw());
    assert_eq!(meta.uid(), 0);
    // A second upsd (on another TCP port) on the same socket: refused, the first keeps
    // serving.
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {}\nLISTEN {}\n",
        rnut_tests::free_port(),
        sock.display()
    ));
    let (mut child, log) = spawn_upsd(&d, &[], |_| {});
    assert!(
        child
            .wait_exit(Duration::from_secs(20))
            .is_some_and(|s| !s.success())
    );
    assert!(
        rnut_tests::wait_until(Duration::from_secs(5), || log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("another server is listening on this socket"))),
        "{:?}",
        log.lock().unwrap()
    );
    assert_eq!(
        LocalClient::connect(&sock).cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );
    drop(u);
}

/// Every command but the listed ones needs valid credentials under the switch, on TCP and
/// on the socket alike; the refusals are C upsd's own words, in C's order.
#[test]
fn login_for_reads_accept_and_refuse_matrix() {
    let (d, sock) = with_socket("REQUIRE_LOGIN_FOR_READS yes\n");
    let (_drv, u) = start(&d);
    let mut c = u.client();
    assert!(c.cmd("VER").contains("Network UPS Tools"));
    assert_eq!(c.cmd("NETVER"), "1.3");
    assert_eq!(c.cmd("PROTVER"), "1.3");
    assert!(c.cmd("HELP").starts_with("Commands:"));
    assert_eq!(c.cmd("STARTTLS"), "ERR FEATURE-NOT-CONFIGURED");
    for read in [
        "GET VAR test ups.status",
        "GET UPSDESC test",
        "GET NUMLOGINS test",
        "GET TYPE test ups.id",
        "GET DESC test ups.status",
        "GET VAR nosuch ups.status",
    ] {
        assert_eq!(c.cmd(read), "ERR USERNAME-REQUIRED", "{read}");
    }
    for list in [
        "LIST UPS",
        "LIST VAR test",
        "LIST CLIENT test",
        "LIST CMD test",
    ] {
        assert_eq!(c.list(list), ["ERR USERNAME-REQUIRED"], "{list}");
    }
    assert_eq!(c.cmd("USERNAME monp"), "OK");
    assert_eq!(c.cmd("GET VAR test ups.status"), "ERR PASSWORD-REQUIRED");
    assert_eq!(c.cmd("PASSWORD \"P@ss W0rd\""), "OK");
    assert_eq!(
        c.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );
    assert_eq!(c.list("LIST UPS")[1], "UPS test \"Test UPS\"");
    assert_eq!(c.cmd("GET VAR nosuch ups.status"), "ERR UNKNOWN-UPS");
    assert_eq!(c.cmd("LOGOUT"), "OK Goodbye");

    // A wrong password reads nothing.
    let mut w = u.client();
    w.login("monp", "wrong");
    assert_eq!(w.cmd("GET VAR test ups.status"), "ERR ACCESS-DENIED");
    assert_eq!(w.list("LIST UPS"), ["ERR ACCESS-DENIED"]);

    // The socket applies the same rule.
    let mut l = LocalClient::connect(&sock);
    assert_eq!(l.cmd("GET VAR test ups.status"), "ERR USERNAME-REQUIRED");
    assert_eq!(l.cmd("USERNAME mons"), "OK");
    assert_eq!(l.cmd("PASSWORD secpass"), "OK");
    assert_eq!(
        l.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );

    // Our upsc: refused without credentials, served with them from the environment or a
    // private file, and a file others may read is refused before anything is sent.
    let system = format!("test@{}", u.addr);
    let o = run(&bin("upsc"), &[&system, "ups.status"], &[]);
    assert_eq!(err(&o).trim_end(), "Error: Username required");
    assert!(!o.status.success());
    let o = run(
        &bin("upsc"),
        &["--user", "monp", &system, "ups.status"],
        &[("NUT_PASSWORD", "P@ss W0rd")],
    );
    assert_eq!(out(&o), "OL\n", "{}", err(&o));
    let o = run(
        &bin("upsc"),
        &["--user", "monp", &system, "ups.status"],
        &[],
    );
    assert!(err(&o).contains("no password for user monp"), "{}", err(&o));
    let creds = d.path().join("creds");
    write_file(&creds, "USERNAME monp\nPASSWORD \"P@ss W0rd\"\n", 0o600);
    let file = creds.display().to_string();
    let o = run(
        &bin("upsc"),
        &["--credentials-file", &file, &system, "ups.status"],
        &[],
    );
    assert_eq!(out(&o), "OL\n", "{}", err(&o));
    let o = run(
        &bin("upsc"),
        &["--credentials-file", &file, "-l", &u.addr.to_string()],
        &[],
    );
    assert_eq!(out(&o), "test\nother\n", "{}", err(&o));
    let o = run(
        &bin("upsc"),
        &[
            "--credentials-file",
            &file,
            &format!("test@{}", sock.display()),
            "ups.status",
        ],
        &[],
    );
    assert_eq!(out(&o), "OL\n", "{}", err(&o));
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let o = run(
        &bin("upsc"),
        &["--credentials-file", &file, &system, "ups.status"],
        &[],
    );
    assert!(err(&o).contains("chmod 600"), "{}", err(&o));
    assert!(!o.status.success());
    let o = run(
        &bin("upsc"),
        &["--user", "monp", &system, "ups.status"],
        &[("NUT_PASSWORD", "wrong")],
    );
    assert_eq!(err(&o).trim_end(), "Error: Access denied");
    // upscmd: read credentials log in once, for the listing and the command.
    let o = run(
        &bin("upscmd"),
        &["--user", "admin", &system, "beeper.toggle"],
        &[("NUT_PASSWORD", "mypass")],
    );
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let o = run(&bin("upscmd"), &["-l", &system], &[]);
    assert_eq!(err(&o).trim_end(), "Error: Username required");
}

#[test]
fn without_the_switch_reads_stay_anonymous() {
    let (d, _sock) = with_socket("REQUIRE_LOGIN_FOR_READS no\n");
    let (_drv, u) = start(&d);
    assert_eq!(
        u.client().cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );
}

/// C upsc and C upsmon against our upsd with the socket on (they use TCP and see no change)
/// and with login for reads on (upsc gets the documented error; upsmon, which always logs
/// in, keeps monitoring).
#[test]
fn c_upsc_and_c_upsmon_against_our_upsd_with_each_extension_on() {
    if !require_tool("/bin/upsc") || !require_tool("/lib/nut/upsmon") {
        return;
    }
    let _machine = rnut_tests::system_lock();
    for (extra, upsc_sees) in [
        ("", Ok("OL")),
        (
            "REQUIRE_LOGIN_FOR_READS yes\n",
            Err("Error: Username required"),
        ),
    ] {
        let (d, _sock) = with_socket(extra);
        let (_drv, u) = start(&d);
        let system = format!("test@127.0.0.1:{}", u.addr.port());
        let o = run(Path::new("/bin/upsc"), &[&system, "ups.status"], &[]);
        match upsc_sees {
            Ok(v) => assert_eq!(out(&o).trim_end(), v, "{extra}: {}", err(&o)),
            Err(e) => {
                assert!(!o.status.success());
                assert_eq!(
                    err(&o).lines().rev().find(|l| l.starts_with("Error:")),
                    Some(e),
                    "{extra}: {}",
                    err(&o)
                );
            }
        }
        let mon = d.path().join("cmon");
        std::fs::create_dir(&mon).expect("mkdir");
        write_file(
            &mon.join("upsmon.conf"),
            &format!(
                "MONITOR {system} 1 monitor P@ssW0rd primary\nMINSUPPLIES 1\n\
                 SHUTDOWNCMD \"/bin/false\"\nPOLLFREQ 1\nPOWERDOWNFLAG {}/killpower\n\
                 NOTIFYCMD /bin/true\n",
                mon.display()
            ),
            0o640,
        );
        let upsmon = rnut_tests::monitor::spawn_c_upsmon(&mon, "-DD");
        assert!(
            u.wait_log(
                "User monitor@127.0.0.1 logged into UPS [test]",
                Duration::from_secs(30)
            ),
            "{extra}: C upsmon did not log in: {}",
            u.log_text()
        );
        // It polls and reads the status: a refused GET VAR would make it log a failure.
        let polled = rnut_tests::wait_until(Duration::from_secs(20), || {
            upsmon
                .lines()
                .iter()
                .filter(|l| l.contains("pollups") || l.contains("get_var"))
                .count()
                >= 3
        });
        let text = upsmon.text();
        assert!(polled, "{extra}: C upsmon did not poll: {text}");
        assert!(
            !text.contains("failed")
                && !text.contains("COMMBAD")
                && !text.contains("Username required"),
            "{extra}: C upsmon reported a failure: {text}"
        );
    }
}

/// The switch follows a reload both ways; sessions that logged in keep reading.
#[test]
fn a_reload_turns_login_for_reads_on_and_off() {
    let (d, sock) = with_socket("");
    let (_drv, u) = start(&d);
    let mut anon = u.client();
    assert_eq!(
        anon.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );
    let mut known = LocalClient::connect(&sock);
    assert_eq!(known.cmd("USERNAME mons"), "OK");
    assert_eq!(known.cmd("PASSWORD secpass"), "OK");
    // On the socket too, the uid is no login: LOGIN still needs the password's check.
    let mut l = LocalClient::connect(&sock);
    assert_eq!(l.cmd("LOGIN test"), "ERR USERNAME-REQUIRED");

    add_conf(&d, "REQUIRE_LOGIN_FOR_READS yes\n");
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    assert!(
        u.wait_log("Configuration reloaded", Duration::from_secs(10)),
        "{}",
        u.log_text()
    );
    assert_eq!(anon.cmd("GET VAR test ups.status"), "ERR USERNAME-REQUIRED");
    assert_eq!(
        known.cmd("GET VAR test ups.status"),
        "VAR test ups.status \"OL\""
    );

    let conf = std::fs::read_to_string(d.conf().join("upsd.conf")).expect("read");
    d.write_upsd_conf(&conf.replace("REQUIRE_LOGIN_FOR_READS yes", "REQUIRE_LOGIN_FOR_READS no"));
    u.child.signal(nix::sys::signal::Signal::SIGHUP);
    let reopened = rnut_tests::wait_until(Duration::from_secs(10), || {
        anon.cmd("GET VAR test ups.status") == "VAR test ups.status \"OL\""
    });
    assert!(reopened, "{}", u.log_text());
}
