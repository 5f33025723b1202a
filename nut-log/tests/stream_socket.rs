//! A stream-type syslog socket (syslog-ng's `unix-stream("/dev/log")`) gets every line,
//! each followed by a NUL byte, with the control characters of a record escaped. The logging side runs in a child process (this test binary
//! again), because the socket path is read from the environment once per process.

use std::io::Read;
use std::os::unix::net::UnixListener;
use std::process::Command;
use std::time::{Duration, Instant};

const CHILD: &str = "NUT_LOG_STREAM_TEST_CHILD";

#[test]
fn a_stream_socket_gets_nul_terminated_lines() {
    if std::env::var_os(CHILD).is_some() {
        nut_log::init(nut_log::LogSetup {
            ident: "stream-test",
            level: "info",
            env_var: "NUT_LOG_STREAM_TEST_FILTER",
            timestamps: false,
        });
        nut_log::syslog(nut_log::Severity::Notice, "first line\n");
        nut_log::switch_to_syslog();
        tracing::error!("second line");
        tracing::warn!("peer said {}", "x\n<28>upsd[1]: forged\x1b[0m");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("log");
    let listener = UnixListener::bind(&path).expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let status = Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "a_stream_socket_gets_nul_terminated_lines"])
        .env(CHILD, "1")
        .env("RNUT_SYSLOG_SOCKET", &path)
        .status()
        .expect("child");
    assert!(status.success());
    // The child connected and wrote before it exited: its stream waits in the backlog.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stream = loop {
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("the child never connected: {e}"),
        }
    };
    stream.set_nonblocking(false).expect("blocking");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut got = Vec::new();
    stream.read_to_end(&mut got).expect("read");
    let frames: Vec<String> = got
        .split(|&b| b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    // Three lines, each ended by a NUL (so the split leaves an empty tail).
    assert_eq!(frames.len(), 4, "{frames:?}");
    assert_eq!(frames[3], "");
    // daemon (3 << 3) + notice (5) = 29; + error (3) = 27.
    assert!(
        frames[0].starts_with("<29>stream-test[") && frames[0].ends_with("]: first line"),
        "{frames:?}"
    );
    assert!(
        frames[1].starts_with("<27>stream-test[") && frames[1].ends_with("]: second line"),
        "{frames:?}"
    );
    // A peer's newline and escape sequence are escaped: no second record, no raw ESC.
    assert!(
        frames[2].starts_with("<28>stream-test[")
            && frames[2].ends_with("]: peer said x\\n<28>upsd[1]: forged\\x1b[0m"),
        "{frames:?}"
    );
}
