//! The status page in headless Chromium (Debian's `chromium`): four UPSes in four states
//! (on line; on battery with a low battery; stale data; no driver), the DOM Chromium built
//! is checked for what a person sees, and a phone-sized screenshot is taken (copied to
//! docs/status-page.png when `RNUT_UPDATE_SCREENSHOT=1`).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use nut_core::sock::DriverMessage;
use rnut_tests::http::{get, http_addr};
use rnut_tests::upsd::{FakeDriver, NutTree, STANDARD_USERS, Upsd, sample_state, wait_ups_ready};
use rnut_tests::{ChildGuard, require_tool, wait_until};

fn state_with(values: &[(&str, &str)]) -> nut_core::sock::DriverState {
    let mut st = sample_state();
    for (var, value) in values {
        st.apply(&DriverMessage::SetInfo {
            var: (*var).into(),
            value: (*value).into(),
        });
    }
    st
}

/// Run chromium headless with `args` then `url`; its standard output, within a deadline.
fn chromium(args: &[&str], url: &str, profile: &Path) -> String {
    let out_file = profile.join("stdout.txt");
    let out = std::fs::File::create(&out_file).expect("stdout file");
    let mut cmd = Command::new("chromium");
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-dev-shm-usage",
    ])
    .arg(format!(
        "--user-data-dir={}",
        profile.join("profile").display()
    ))
    .args(args)
    .arg(url)
    .stdout(out)
    .stderr(Stdio::null());
    let mut child = ChildGuard::spawn("chromium", &mut cmd);
    let status = child.wait_exit(Duration::from_secs(90));
    assert!(status.is_some(), "chromium did not finish within 90 s");
    std::fs::read_to_string(&out_file).expect("chromium output")
}

/// The `<section>` of one UPS in the DOM.
fn card<'a>(dom: &'a str, ups: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"ups-{ups}\""))
        .unwrap_or_else(|| panic!("no card for {ups} in:\n{dom}"));
    let open = dom[..start].rfind("<section").expect("section start");
    let end = dom[start..].find("</section>").expect("section end") + start;
    &dom[open..end]
}

#[test]
fn the_status_page_shows_every_state_in_chromium() {
    if !require_tool("chromium") {
        return;
    }
    let d = NutTree::new();
    d.write_upsd_conf(&format!(
        "LISTEN 127.0.0.1 {}\nMAXAGE 15\n{}",
        rnut_tests::free_port(),
        rnut_tests::http::http_listen_line()
    ));
    d.write_ups_conf(
        "[rack-a]\n\tdriver = fake\n\tport = none\n\tdesc = \"Server rack A\"\n\
         [closet]\n\tdriver = fake\n\tport = none\n\tdesc = \"Network closet <2F>\"\n\
         [office]\n\tdriver = fake\n\tport = none\n\tdesc = \"Office\"\n\
         [lab]\n\tdriver = fake\n\tport = none\n\tdesc = \"Lab bench\"\n",
    );
    d.write_users(STANDARD_USERS);
    let _a = FakeDriver::start(
        &d.state(),
        "fake-rack-a",
        state_with(&[
            ("battery.runtime", "2710"),
            ("input.voltage", "231.4"),
            ("ups.load", "37"),
        ]),
    );
    let _b = FakeDriver::start(
        &d.state(),
        "fake-closet",
        state_with(&[
            ("ups.status", "OB DISCHRG LB"),
            ("battery.charge", "9"),
            ("battery.runtime", "95"),
            ("input.voltage", "0.0"),
        ]),
    );
    let office = FakeDriver::start(&d.state(), "fake-office", sample_state());
    let u = Upsd::start(&d);
    for ups in ["rack-a", "closet", "office"] {
        wait_ups_ready(&u, ups);
    }
    office.push(DriverMessage::DataStale);
    let http = http_addr(&u);
    assert!(
        wait_until(Duration::from_secs(10), || get(http, "/api/v1/ups/office")
            .status
            == 503),
        "office never went stale"
    );
    let page = get(http, "/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("Content-Security-Policy")
            .is_some_and(|c| c.starts_with("default-src 'none'")),
        "{}",
        page.head
    );

    let work = tempfile::tempdir().expect("tempdir");
    let url = format!("http://{http}/");
    let dom = chromium(&["--dump-dom"], &url, work.path());
    assert!(dom.contains("<title>UPS status</title>"), "{dom}");
    assert!(!dom.contains("<script"), "the page runs no script");
    assert!(
        dom.contains("http-equiv=\"refresh\""),
        "the page refreshes itself"
    );
    assert!(dom.contains("name=\"viewport\""), "phone viewport");

    let a = card(&dom, "rack-a");
    assert!(a.contains("class=\"ups online\""), "{a}");
    assert!(a.contains(">On line<"), "{a}");
    assert!(
        a.contains("<dd>100 %</dd>") && a.contains("<dd>45 min 10 s</dd>"),
        "{a}"
    );
    assert!(
        a.contains("<dd>37 %</dd>") && a.contains("<dd>231.4 V</dd>"),
        "{a}"
    );

    let b = card(&dom, "closet");
    assert!(b.contains("class=\"ups lowbatt\""), "{b}");
    assert!(b.contains("On battery, Discharging, Low battery"), "{b}");
    assert!(
        b.contains("Network closet &lt;2F&gt;"),
        "the description is text: {b}"
    );
    assert!(
        b.contains("<dd>9 %</dd>") && b.contains("<dd>1 min 35 s</dd>"),
        "{b}"
    );

    let o = card(&dom, "office");
    assert!(
        o.contains("class=\"ups stale\"") && o.contains("DATA STALE"),
        "{o}"
    );
    let l = card(&dom, "lab");
    assert!(
        l.contains("class=\"ups commlost\"") && l.contains("COMMUNICATION LOST"),
        "{l}"
    );

    // A phone-sized screenshot.
    let shot = work.path().join("status-page.png");
    chromium(
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=412,1100",
            "--hide-scrollbars",
        ],
        &url,
        work.path(),
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 5000,
        "not a PNG"
    );
    if std::env::var("RNUT_UPDATE_SCREENSHOT").is_ok_and(|v| v == "1") {
        let dest = rnut_tests::workspace_root().join("docs/status-page.png");
        std::fs::write(&dest, &png).expect("write docs/status-page.png");
    }
}
