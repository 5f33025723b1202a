//! Fuzz target: a USB HID report descriptor and a report from a hostile device. The parser
//! returns fields or an error (bounded in number and depth); every field reads the report
//! within its logical range or declines; nothing panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nut_drivers::usbhid::descriptor::parse;

fuzz_target!(|data: &[u8]| {
    // First byte: where the descriptor ends and the report begins.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let cut = (split as usize * rest.len()) / 256;
    let (desc, report) = rest.split_at(cut);
    if let Ok(fields) = parse(desc) {
        assert!(fields.len() <= 4096);
        for f in &fields {
            if let Some(v) = f.value(report) {
                if f.logical_min <= f.logical_max {
                    assert!(v >= f.logical_min && v <= f.logical_max);
                }
                let _ = f.physical(v);
            }
        }
    }
});
