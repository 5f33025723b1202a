//! usbhid-ups as a process: on a machine without a USB bus (CI's), or without a matching
//! device, it stops at start with a clear error and serves nothing. (The parser and the
//! mapping are tested against recorded devices in nut-drivers/tests/usbhid_fixtures.rs.)

use rnut_tests::bin;
use rnut_tests::drivers::NutTree;

/// Run usbhid-ups in the foreground for a section with this `vendorid`; its stderr, after
/// checking that it failed.
fn failing_run(tree: &NutTree, vendorid: &str) -> String {
    tree.write(
        "ups.conf",
        &format!("[ups]\n  driver = usbhid-ups\n  port = auto\n  vendorid = {vendorid}\n"),
    );
    let out = tree
        .driver(&bin("usbhid-ups"))
        .args(["-a", "ups", "-F"])
        .output()
        .expect("run usbhid-ups");
    assert!(!out.status.success());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn without_a_usable_device_it_stops_with_a_clear_error() {
    let tree = NutTree::new();
    let err = failing_run(&tree, "051d");
    assert!(
        err.contains("USB is not available here") || err.contains("no USB HID UPS found"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!tree.state().join("usbhid-ups-ups").exists());

    // Bad options are refused before any USB access.
    let err = failing_run(&tree, "xyz");
    assert!(err.contains("vendorid = \"xyz\""), "{err}");
}
