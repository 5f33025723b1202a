//! Interoperability with Debian's C NUT 2.8: C upsd and upsc read our dummy-ups; our socket
//! reader (`nut_drivers::socket_reader::SocketReader`) reads C dummy-ups; both dummy-ups dump the
//! same data files identically; our repeater mirrors a UPS served by C upsd.
//! Each test skips (with a printed reason) only when the Debian binaries are absent.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use nut_core::sock::ServerMessage;
use nut_drivers::socket_reader::SocketReader;
use rnut_tests::drivers::{NutTree, RawReader, dump_value};
use rnut_tests::{
    ChildGuard, free_port, is_root, require_tool, shared_dir, wait_for_tcp, wait_for_unix,
    wait_until,
};

const C_UPSD: &str = "/lib/nut/upsd";
const C_DUMMY: &str = "/lib/nut/dummy-ups";
const C_UPSC: &str = "/bin/upsc";
const T: Duration = Duration::from_secs(10);

/// Every fixture data file, sorted.
fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![shared_dir().join("fixtures/nut-ddl")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("fixtures") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "dev") {
                out.push(p);
            }
        }
    }
    out.sort();
    assert!(out.len() >= 150, "fixtures found: {}", out.len());
    out
}

/// The variables a .dev file sets, as dummy-ups reads them (driver.* skipped), last wins.
fn dev_vars(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read(path).expect("read fixture");
    let mut out = BTreeMap::new();
    for (_, words) in nut_core::words::tokenize_text(&text) {
        let Ok(words) = words else { continue };
        let Some(first) = words.first() else { continue };
        let Some((name, _)) = first.split_once(':') else {
            continue;
        };
        if name.starts_with("driver.") {
            continue;
        }
        out.insert(name.to_string(), words[1..].join(" "));
    }
    out
}

/// Run C dummy-ups in the foreground for a section (as root it needs `-u root`); does not wait.
fn spawn_c_dummy(tree: &NutTree, ups: &str) -> ChildGuard {
    let mut cmd = tree.command(Path::new(C_DUMMY));
    cmd.args(["-a", ups, "-F"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if is_root() {
        cmd.args(["-u", "root"]);
    }
    ChildGuard::spawn("C dummy-ups", &mut cmd)
}

/// Run C dummy-ups and wait for its socket (C sleeps a second before serving).
fn start_c_dummy(tree: &NutTree, ups: &str) -> ChildGuard {
    let child = spawn_c_dummy(tree, ups);
    assert!(
        wait_for_unix(&tree.socket(ups), T),
        "C dummy-ups socket for {ups}"
    );
    child
}

fn start_c_upsd(tree: &NutTree) -> (ChildGuard, SocketAddr) {
    let port = free_port();
    tree.write(
        "upsd.conf",
        &format!("LISTEN 127.0.0.1 {port}\nMAXAGE 15\n"),
    );
    tree.write("upsd.users", "");
    let mut cmd = tree.command(Path::new(C_UPSD));
    cmd.arg("-F")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    if is_root() {
        cmd.args(["-u", "root"]);
    }
    let child = ChildGuard::spawn("C upsd", &mut cmd);
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
    assert!(wait_for_tcp(addr, T), "C upsd listens on {addr}");
    (child, addr)
}

/// `upsc ups@127.0.0.1:port` as a map (stdout only: Debian's upsc prints NSS notes on stderr).
fn upsc(ups: &str, addr: SocketAddr) -> BTreeMap<String, String> {
    let out = Command::new(C_UPSC)
        .arg(format!("{ups}@{addr}"))
        .output()
        .expect("run upsc");
    assert!(
        out.status.success(),
        "upsc {ups}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            l.split_once(": ")
                .map(|(k, v)| (k.to_string(), v.to_string()))
        })
        .collect()
}

fn have_c_nut() -> bool {
    require_tool(C_UPSD) && require_tool(C_DUMMY) && require_tool(C_UPSC)
}

/// Dump lines that are not about the driver core (`driver.*` variables and commands, which
/// differ between implementations by design), nor about `skip` variables.
fn device_lines(lines: &[String], skip: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            !(w.len() > 1 && (w[1].starts_with("driver.") || skip.iter().any(|s| s == w[1])))
        })
        .cloned()
        .collect()
}

/// Variables a data file leaves empty, with their device.* mirrors: C 2.8.0 fills them with
/// the previous line's value (a stale buffer), rnut deletes them as documented.
fn empty_vars(file: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for (var, value) in dev_vars(file) {
        if value.is_empty() {
            if let Some(base) = var.strip_prefix("ups.") {
                out.push(format!("device.{base}"));
            }
            out.push(var);
        }
    }
    out
}

#[test]
fn c_upsd_and_upsc_read_our_dummy_ups_variable_for_variable() {
    if !have_c_nut() {
        return;
    }
    let tree = NutTree::new();
    let files: Vec<PathBuf> = fixtures().into_iter().step_by(15).collect();
    let mut sections = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let name = format!("u{i}");
        std::fs::copy(f, tree.conf().join(format!("{name}.dev"))).expect("copy fixture");
        sections.push((name.clone(), format!("{name}.dev")));
    }
    let refs: Vec<(&str, &str)> = sections
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    tree.ups_conf(&refs);
    let _drivers: Vec<ChildGuard> = sections
        .iter()
        .map(|(n, _)| tree.start_dummy(n, &[]))
        .collect();
    let (_upsd, addr) = start_c_upsd(&tree);
    let startup: &[&str] = &[
        "ups.mfr",
        "ups.model",
        "ups.status",
        "device.mfr",
        "device.model",
        "device.type",
    ];
    for ((name, _), file) in sections.iter().zip(&files) {
        let want = dev_vars(file);
        let mut got = BTreeMap::new();
        wait_until(Duration::from_secs(5), || {
            got = upsc(name, addr);
            got.get("ups.status").is_some_and(|s| s != "WAIT")
        });
        for (var, value) in &want {
            if value.is_empty() {
                // An empty value deletes the variable (C 2.8.0 instead reuses the previous
                // line's value: a bug not copied), unless the device.* mirror refills it.
                if !var.starts_with("device.") {
                    assert_eq!(got.get(var), None, "{}: {var} is deleted", file.display());
                }
                continue;
            }
            if let Some(base) = var.strip_prefix("device.") {
                if let Some(ups_value) = got.get(&format!("ups.{base}")) {
                    if ["mfr", "model", "serial"].contains(&base) {
                        // The core copies ups.* over device.* after the first update, as C does.
                        assert_eq!(
                            got.get(var),
                            Some(ups_value),
                            "{}: {var} mirrors ups.{base}",
                            file.display()
                        );
                        continue;
                    }
                }
            }
            assert_eq!(got.get(var), Some(value), "{}: {var}", file.display());
        }
        for var in got.keys() {
            let mirror = var
                .strip_prefix("device.")
                .is_some_and(|b| want.contains_key(&format!("ups.{b}")));
            assert!(
                want.contains_key(var)
                    || mirror
                    || var.starts_with("driver.")
                    || startup.contains(&var.as_str()),
                "{}: unexpected {var}",
                file.display()
            );
        }
        assert_eq!(
            got.get("driver.name").map(String::as_str),
            Some("dummy-ups")
        );
    }
}

#[test]
fn our_and_c_dummy_ups_dump_every_fixture_identically() {
    if !have_c_nut() {
        return;
    }
    let files = fixtures();
    let tree = NutTree::new();
    let mut compared = 0;
    for chunk in files.chunks(25) {
        let mut sections = Vec::new();
        for (i, f) in chunk.iter().enumerate() {
            std::fs::copy(f, tree.conf().join(format!("f{i}.dev"))).expect("copy");
            sections.push((format!("c{i}"), format!("f{i}.dev")));
            sections.push((format!("r{i}"), format!("f{i}.dev")));
        }
        // Blocking writes for C: with its default (non-blocking) mode, C 2.8.0 loses the rest
        // of a large dump when the reader is slower than the socket buffer.
        let mut text = String::new();
        for (name, port) in &sections {
            text.push_str(&format!(
                "[{name}]\n  driver = dummy-ups\n  port = {port}\n  synchronous = yes\n"
            ));
        }
        tree.write("ups.conf", &text);
        // C dummy-ups needs a second to start: start a whole chunk at once.
        let c_drivers: Vec<ChildGuard> = (0..chunk.len())
            .map(|i| spawn_c_dummy(&tree, &format!("c{i}")))
            .collect();
        let r_drivers: Vec<ChildGuard> = (0..chunk.len())
            .map(|i| tree.start_dummy(&format!("r{i}"), &[]))
            .collect();
        for (i, f) in chunk.iter().enumerate() {
            assert!(
                wait_for_unix(&tree.socket(&format!("c{i}")), T),
                "C dummy-ups socket c{i}"
            );
            let mut c_reader = RawReader::connect(&tree.socket(&format!("c{i}")));
            let c_dump = c_reader.dump_all();
            let r_dump = RawReader::connect(&tree.socket(&format!("r{i}"))).dump_all();
            let skip = empty_vars(f);
            assert_eq!(
                device_lines(&r_dump, &skip),
                device_lines(&c_dump, &skip),
                "{}",
                f.display()
            );
            compared += 1;
        }
        drop((c_drivers, r_drivers));
    }
    assert_eq!(compared, files.len());
}

#[tokio::test]
async fn our_driver_client_reads_c_dummy_ups_identically() {
    if !have_c_nut() {
        return;
    }
    let tree = NutTree::new();
    let fixture = &fixtures()[0];
    std::fs::copy(fixture, tree.conf().join("t.dev")).expect("copy");
    tree.ups_conf(&[("t", "t.dev")]);
    let _c = start_c_dummy(&tree, "t");
    let sock = tree.socket("t");

    // The raw reader stays connected: C 2.8.0 dummy-ups aborts when it broadcasts to a reader
    // that has gone away (rnut's driver drops such readers instead).
    let (mut raw_reader, raw) = tokio::task::spawn_blocking({
        let sock = sock.clone();
        move || {
            let mut r = RawReader::connect(&sock);
            let d = r.dump_all();
            (r, d)
        }
    })
    .await
    .expect("raw dump");
    let mut client = SocketReader::connect(&sock).await.expect("connect");
    let state = client.dump_all(T).await.expect("dump").clone();
    let ours: Vec<String> = state.dump_all().iter().map(ToString::to_string).collect();
    assert_eq!(
        ours, raw,
        "the mirrored state dumps byte-for-byte what C sent"
    );
    assert_eq!(client.ignored_lines, 0);
    for (var, value) in dev_vars(fixture) {
        assert_eq!(state.value(&var), Some(value.as_str()), "{var}");
    }

    client.ping(T).await.expect("PONG");
    // Unknown to C 2.8.0: it must not break the conversation.
    client.send(&ServerMessage::GetPid).await.expect("send");
    client.ping(T).await.expect("PONG after an unknown command");
    // A plain value: C 2.8.0 broadcasts SETINFO values unescaped (only its dumps escape), so
    // a quote or '#' in a broadcast value would reach every reader cut short.
    let code = client
        .set("ups.mfr", "Shelf A3", "t-1", T)
        .await
        .expect("tracked SET");
    assert_eq!(code, 0);
    // The broadcast came before the TRACKING answer and is already applied.
    assert_eq!(client.state().value("ups.mfr"), Some("Shelf A3"));
    let code = client
        .instcmd("load.off", None, "t-2", T)
        .await
        .expect("tracked INSTCMD");
    assert_eq!(code, 1, "C dummy-ups answers STAT_INSTCMD_UNKNOWN");
    // C 2.8.0 knows neither GETPID nor LOGOUT (later releases do); PING still answers.
    client.ping(T).await.expect("PONG");

    let raw_after = tokio::task::spawn_blocking(move || raw_reader.dump_all())
        .await
        .expect("raw dump");
    assert_eq!(
        dump_value(&raw_after, "ups.mfr").as_deref(),
        Some("Shelf A3")
    );
    drop(sock);
}

#[test]
fn our_repeater_mirrors_a_ups_served_by_c_upsd() {
    if !have_c_nut() {
        return;
    }
    let tree = NutTree::new();
    let fixture = &fixtures()[40];
    std::fs::copy(fixture, tree.conf().join("src.dev")).expect("copy");
    // C upsd serves C dummy-ups; our dummy-ups repeats it.
    tree.ups_conf(&[("src", "src.dev")]);
    let _c = start_c_dummy(&tree, "src");
    let (_upsd, addr) = start_c_upsd(&tree);
    assert!(
        rnut_tests::wait_until(T, || upsc("src", addr)
            .get("ups.status")
            .is_some_and(|s| s != "WAIT")),
        "C upsd has the source data"
    );
    let mut conf = std::fs::read_to_string(tree.conf().join("ups.conf")).expect("read");
    conf.push_str(&format!(
        "[rep]\n  driver = dummy-ups\n  port = src@{addr}\n"
    ));
    tree.write("ups.conf", &conf);
    let _rep = tree.start_dummy("rep", &[]);
    let mut r = RawReader::connect(&tree.socket("rep"));
    let dump = r.dump_all();
    assert_eq!(
        dump_value(&dump, "driver.parameter.mode").as_deref(),
        Some("repeater")
    );
    let source = upsc("src", addr);
    for (var, value) in source.iter().filter(|(k, _)| !k.starts_with("driver.")) {
        assert_eq!(
            dump_value(&dump, var).as_deref(),
            Some(value.as_str()),
            "{var}"
        );
    }
    // A change at the source reaches the repeater's readers.
    let mut src = RawReader::connect(&tree.socket("src"));
    src.send("SET ups.status \"OB LB\"\n");
    assert_eq!(
        r.wait_line(Duration::from_secs(15), |l| l
            .starts_with("SETINFO ups.status"))
            .as_deref(),
        Some(r#"SETINFO ups.status "OB LB""#)
    );
}
