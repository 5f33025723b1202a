//! usbhid-ups as a process: on a machine without a USB bus (CI's), or without a matching
//! device, it stops at start with a clear error and serves nothing. (The parser and the
//! mapping are tested against recorded devices in nut-drivers/tests/usbhid_fixtures.rs.)

#[path = "drivers_support/mod.rs"]
mod support;

use rnut_tests::bin;
use support::NutTree;

#[test]
fn without_a_usable_device_it_stops_with_a_clear_error() {
    let tree = NutTree::new();
    tree.write(
        "ups.conf",
        "[ups]\n  driver = usbhid-ups\n  port = auto\n  vendorid = 051d\n",
    );
    let out = tree
        .command(&bin("usbhid-ups"))
        .args(["-a", "ups", "-F"])
        .output()
        .expect("run usbhid-ups");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("USB is not available here") || err.contains("no USB HID UPS found"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!tree.state.join("usbhid-ups-ups").exists());

    // Bad options are refused before any USB access.
    tree.write(
        "ups.conf",
        "[ups]\n  driver = usbhid-ups\n  port = auto\n  vendorid = xyz\n",
    );
    let out = tree
        .command(&bin("usbhid-ups"))
        .args(["-a", "ups", "-F"])
        .output()
        .expect("run usbhid-ups");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("vendorid = \"xyz\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
