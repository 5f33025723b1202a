//! The HID parser and the variable mapping against real devices' recorded data
//! (`shared/fixtures/hid`): every field NUT's debug log printed is found at the same report,
//! offset and size with the same value, and replaying the recorded reports through the
//! driver gives the variables `upsc` showed for the same unit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nut_drivers::backend::{DeviceBackend, DriverContext};
use nut_drivers::config::DriverConfig;
use nut_drivers::dstate::Dstate;
use nut_drivers::usbhid::UsbHid;
use nut_drivers::usbhid::descriptor::{self, ReportKind};
use nut_drivers::usbhid::transport::{HidTransport, Matcher, TransportError, UsbError};
use nut_drivers::usbhid::usages::path_name;

/// The recorded descriptors in `shared/` beside the workspace (as in CI).
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/hid")
}

fn hex_bytes(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|h| u8::from_str_radix(h, 16).expect("hex byte"))
        .collect()
}

fn descriptor_of(device: &str) -> Vec<u8> {
    hex_bytes(
        &std::fs::read_to_string(fixtures().join(device).join("descriptor.hex"))
            .expect("descriptor"),
    )
}

const DEVICES: [&str; 4] = [
    "apc-back-ups-cs-500",
    "apc-back-ups-bk650m2-ch",
    "apc-smart-ups-x-750",
    "cyberpower-cst135uc2",
];

#[test]
fn every_recorded_descriptor_walks() {
    for dev in DEVICES {
        let fields =
            descriptor::parse(&descriptor_of(dev)).unwrap_or_else(|e| panic!("{dev}: {e}"));
        assert!(fields.len() > 20, "{dev}: {} fields", fields.len());
        assert!(
            fields
                .iter()
                .any(|f| path_name(&f.path).starts_with("UPS.")),
            "{dev}"
        );
    }
}

#[test]
fn fields_and_values_match_nuts_debug_log() {
    for dev in ["apc-back-ups-cs-500", "apc-back-ups-bk650m2-ch"] {
        let fields = descriptor::parse(&descriptor_of(dev)).expect("parses");
        let text = std::fs::read_to_string(fixtures().join(dev).join("paths.txt")).expect("paths");
        let mut checked_values = 0;
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            let [path, kind, rid, offset, size, value, report] = cols[..] else {
                panic!("{dev}: bad line {line:?}");
            };
            let kind = match kind {
                "Input" => ReportKind::Input,
                "Output" => ReportKind::Output,
                _ => ReportKind::Feature,
            };
            let rid = u8::from_str_radix(rid.trim_start_matches("0x"), 16).expect("report id");
            let offset: u32 = offset.parse().expect("offset");
            let size: u32 = size.parse().expect("size");
            let field = fields
                .iter()
                .find(|f| {
                    path_name(&f.path) == path
                        && f.kind == kind
                        && f.report_id == rid
                        && f.offset == offset
                })
                .unwrap_or_else(|| panic!("{dev}: no field {path} {kind:?} {rid:#x} @{offset}"));
            assert_eq!(field.size, size, "{dev}: {path}");
            if report != "-" {
                let bytes = hex_bytes(report);
                let raw = field.value(&bytes).expect("value");
                let want: f64 = value.parse().expect("number");
                let got = field.physical(raw);
                assert!(
                    (got - want).abs() < 1e-6 * want.abs().max(1.0),
                    "{dev}: {path} = {got}, NUT printed {want}"
                );
                checked_values += 1;
            }
        }
        assert!(
            checked_values > 30,
            "{dev}: {checked_values} values checked"
        );
    }
}

/// A recorded device: its descriptor, the GET_REPORT answers and the interrupt reports of
/// its log, and the SET_REPORTs it receives.
struct Recorded {
    descriptor: Vec<u8>,
    feature: BTreeMap<u8, Vec<u8>>,
    interrupts: Vec<Vec<u8>>,
    written: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl HidTransport for Recorded {
    fn ids(&self) -> (u16, u16) {
        (0x051d, 0x0002)
    }
    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError> {
        Ok(self.descriptor.clone())
    }
    fn get_report(
        &mut self,
        _k: ReportKind,
        id: u8,
        _len: usize,
    ) -> Result<Vec<u8>, TransportError> {
        // Reports the log does not hold are refused, as a device stalls an unsupported one.
        self.feature
            .get(&id)
            .cloned()
            .ok_or(TransportError::Refused(UsbError::Pipe))
    }
    fn set_report(&mut self, _k: ReportKind, report: &[u8]) -> Result<(), TransportError> {
        self.written.lock().unwrap().push(report.to_vec());
        self.feature.insert(report[0], report.to_vec());
        Ok(())
    }
    fn interrupt(&mut self, _t: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        Ok(if self.interrupts.is_empty() {
            None
        } else {
            Some(self.interrupts.remove(0))
        })
    }
    fn string(&mut self, _index: u8) -> Option<String> {
        None
    }
}

fn recorded(dev: &str, written: Arc<Mutex<Vec<Vec<u8>>>>) -> Recorded {
    let mut feature = BTreeMap::new();
    let mut interrupts = Vec::new();
    let text = std::fs::read_to_string(fixtures().join(dev).join("reports.hex")).expect("reports");
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (kind, bytes) = line.split_once(' ').expect("kind and bytes");
        let bytes = hex_bytes(bytes);
        match kind {
            "int" => interrupts.push(bytes),
            _ => {
                feature.insert(bytes[0], bytes);
            }
        }
    }
    Recorded {
        descriptor: descriptor_of(dev),
        feature,
        interrupts,
        written,
    }
}

fn context(options: &[(&str, &str)]) -> DriverContext {
    let tmp = std::env::temp_dir();
    DriverContext {
        dstate: Dstate::new(),
        config: DriverConfig {
            driver: "usbhid-ups".into(),
            upsname: "ups".into(),
            port: "auto".into(),
            pollinterval: Duration::from_secs(2),
            synchronous: "auto".into(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect(),
            defaults: vec![],
            overrides: vec![],
            allow_killpower: false,
            ignorelb: false,
            user: None,
            group: None,
            chroot: None,
            statepath: tmp.clone(),
            pidpath: tmp.clone(),
            confdir: tmp,
            upsconf: None,
        },
    }
}

fn run_driver(dev: &'static str) -> (DriverContext, UsbHid, Arc<Mutex<Vec<Vec<u8>>>>) {
    let written = Arc::new(Mutex::new(Vec::new()));
    let w = written.clone();
    let mut drv = UsbHid::with_opener(Box::new(move |_m: &Matcher| {
        Ok(Box::new(recorded(dev, w.clone())) as Box<dyn HidTransport>)
    }));
    let ctx = context(&[]);
    drv.open(&ctx).expect("open");
    drv.init_info(&ctx).expect("init");
    drv.update(&ctx).expect("update");
    (ctx, drv, written)
}

#[test]
fn replayed_reports_give_the_variables_upsc_showed() {
    for dev in ["apc-back-ups-cs-500", "apc-back-ups-bk650m2-ch"] {
        let (ctx, _drv, _) = run_driver(dev);
        let expected: BTreeMap<String, String> =
            std::fs::read_to_string(fixtures().join(dev).join("expected.upsc"))
                .expect("upsc")
                .lines()
                .filter_map(|l| l.split_once(": "))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let mut compared = Vec::new();
        let snapshot = ctx.dstate.snapshot();
        for node in snapshot.vars() {
            let var = node.name.as_str();
            // The time-dependent load is not comparable with a later upsc run.
            if var.starts_with("driver.") || var == "ups.load" {
                continue;
            }
            if let Some(want) = expected.get(var) {
                assert_eq!(&node.value, want, "{dev}: {var}");
                compared.push(var.to_string());
            }
        }
        // What the recorded reports hold for each unit (the BK650M2 log has no battery
        // voltage report).
        let musts: &[&str] = match dev {
            "apc-back-ups-cs-500" => &[
                "battery.charge",
                "battery.runtime",
                "battery.voltage",
                "battery.voltage.nominal",
                "battery.mfr.date",
                "battery.charge.low",
                "battery.charge.warning",
                "ups.mfr.date",
                "ups.status",
                "ups.vendorid",
                "ups.productid",
            ],
            _ => &[
                "battery.charge",
                "battery.runtime",
                "battery.runtime.low",
                "battery.mfr.date",
                "battery.charge.low",
                "ups.mfr.date",
                "ups.status",
                "ups.beeper.status",
                "ups.test.result",
                "ups.timer.shutdown",
                "ups.vendorid",
                "ups.productid",
            ],
        };
        for must in musts {
            assert!(
                compared.iter().any(|c| c == must),
                "{dev}: {must} not produced ({compared:?})"
            );
        }
    }
}

#[test]
fn commands_write_the_fields_and_bad_values_are_refused() {
    let (ctx, mut drv, written) = run_driver("apc-back-ups-bk650m2-ch");
    use nut_core::sock::ResultCode;
    for cmd in [
        "beeper.disable",
        "beeper.enable",
        "test.battery.start.quick",
        "load.off.delay",
    ] {
        assert!(ctx.dstate.has_cmd(cmd), "{cmd}");
    }
    assert_eq!(
        drv.instcmd(&ctx, "beeper.enable", None),
        ResultCode::Handled
    );
    let last = written
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("a SET_REPORT");
    // AudibleAlarmControl is report 0x18 in this unit: value 2 = enabled.
    assert_eq!(last, [0x18, 0x02]);
    drv.update(&ctx).expect("update");
    assert_eq!(
        ctx.dstate.getinfo("ups.beeper.status").as_deref(),
        Some("enabled")
    );
    assert_eq!(drv.instcmd(&ctx, "outlet.1.off", None), ResultCode::Unknown);
    // Settable variable within the field's logical range, and one outside it.
    assert_eq!(
        drv.setvar(&ctx, "battery.charge.low", "40"),
        ResultCode::Handled
    );
    assert_eq!(
        ctx.dstate.getinfo("battery.charge.low").as_deref(),
        Some("40")
    );
    assert_eq!(
        drv.setvar(&ctx, "battery.charge.low", "100000"),
        ResultCode::Invalid
    );
    assert_eq!(
        drv.setvar(&ctx, "battery.charge.low", "x"),
        ResultCode::Invalid
    );
    assert_eq!(drv.setvar(&ctx, "ups.mfr", "x"), ResultCode::Unknown);
}

/// CyberPower declares its delays as Logical -1..32767 over Physical -60..1966020: the wire
/// counts minutes, the physical value is seconds (NUT's `logical_to_physical`). Written
/// delays are rounded up to whole minutes, never down to an earlier power-off.
#[test]
fn cyberpower_delays_map_minutes_to_seconds() {
    let fields = descriptor::parse(&descriptor_of("cyberpower-cst135uc2")).expect("parses");
    for name in [
        "UPS.Output.DelayBeforeShutdown",
        "UPS.Output.DelayBeforeStartup",
    ] {
        let f = fields
            .iter()
            .find(|f| path_name(&f.path) == name && f.kind == ReportKind::Feature)
            .unwrap_or_else(|| panic!("no {name}"));
        assert_eq!(f.physical_range, Some((-60, 1_966_020)), "{name}");
        assert_eq!((f.logical_min, f.logical_max), (-1, 32767), "{name}");
        assert_eq!(f.physical(1), 60.0, "{name}: one minute");
        assert_eq!(
            f.physical(-1),
            -60.0,
            "{name}: no countdown, as NUT prints it"
        );
        assert_eq!(f.logical(60.0, true), Some(1), "{name}");
        assert_eq!(f.logical(120.0, true), Some(2), "{name}");
        assert_eq!(
            f.logical(20.0, true),
            Some(1),
            "{name}: 20 s is a whole minute"
        );
        assert_eq!(f.logical(20.0, false), Some(0), "{name}: nearest");
        assert_eq!(f.logical(0.0, true), Some(0), "{name}");
        assert_eq!(f.logical(1e12, true), None, "{name}: out of range");
    }
}

/// A value carried by both an input and a feature report comes from whichever arrived last:
/// an interrupt saying "on battery" followed by a poll saying "on mains" is on mains (the
/// old interrupt used to win for good, e.g. after a USB reset during an outage).
#[test]
fn a_poll_after_an_old_interrupt_wins() {
    let written = Arc::new(Mutex::new(Vec::new()));
    let mut drv = UsbHid::with_opener(Box::new(move |_m: &Matcher| {
        let mut dev = recorded("apc-back-ups-cs-500", written.clone());
        // ACPresent is report 0x13 in this unit, as both Input and Feature.
        assert_eq!(
            dev.feature.get(&0x13).map(Vec::as_slice),
            Some(&[0x13, 0x01][..])
        );
        dev.interrupts = vec![vec![0x13, 0x00]];
        Ok(Box::new(dev) as Box<dyn HidTransport>)
    }));
    let ctx = context(&[]);
    drv.open(&ctx).expect("open");
    drv.init_info(&ctx).expect("init");
    // The update takes the interrupt first, then polls the feature reports.
    drv.update(&ctx).expect("update");
    let status = ctx.dstate.getinfo("ups.status").unwrap_or_default();
    assert!(
        status.split(' ').any(|t| t == "OL") && !status.contains("OB"),
        "status {status:?}"
    );
}

/// CyberPower counts its delays in minutes: commands and the shutdown write whole minutes,
/// rounded up, and `shutdown.stop` writes -1 unmapped.
#[test]
fn cyberpower_commands_write_minutes() {
    use nut_core::sock::ResultCode;
    let (mut drv, fields, written) = zero_filled_driver("cyberpower-cst135uc2");
    let off = fields
        .iter()
        .find(|f| path_name(&f.path) == "UPS.Output.DelayBeforeShutdown")
        .expect("shutdown delay")
        .clone();
    let ctx = context(&[]);
    drv.open(&ctx).expect("open");
    drv.init_info(&ctx).expect("init");
    drv.update(&ctx).expect("update");
    let last_off = |written: &Arc<Mutex<Vec<Vec<u8>>>>| {
        let w = written.lock().unwrap();
        let r = w
            .iter()
            .rev()
            .find(|r| r[0] == off.report_id)
            .expect("a write of the shutdown delay")
            .clone();
        off.value(&r).expect("value")
    };
    assert_eq!(
        drv.instcmd(&ctx, "load.off.delay", Some("120")),
        ResultCode::Handled
    );
    assert_eq!(last_off(&written), 2, "120 s is 2 minutes on the wire");
    assert_eq!(
        drv.instcmd(&ctx, "load.off.delay", Some("20")),
        ResultCode::Handled
    );
    assert_eq!(
        last_off(&written),
        1,
        "20 s is rounded up to a minute, not down to 0"
    );
    // A negative delay cancels; mapped, -1 s would round to 0 minutes: off at once.
    for cancel in ["-1", "-0.5"] {
        assert_eq!(
            drv.instcmd(&ctx, "load.off.delay", Some(cancel)),
            ResultCode::Handled
        );
        assert_eq!(last_off(&written), -1, "{cancel} cancels");
    }
    assert_eq!(
        drv.instcmd(&ctx, "shutdown.stop", None),
        ResultCode::Handled
    );
    assert_eq!(last_off(&written), -1, "cancel");
    assert_eq!(
        drv.instcmd(&ctx, "load.off.delay", Some("soon")),
        ResultCode::Invalid
    );
    let before = written.lock().unwrap().len();
    assert_eq!(
        drv.instcmd(&ctx, "shutdown.return", None),
        ResultCode::Handled
    );
    assert_eq!(
        last_off(&written),
        1,
        "the default offdelay (20 s) as a whole minute"
    );
    // The startup delay (ondelay 30 s) went first, and one minute past the shutdown's.
    let on = fields
        .iter()
        .find(|f| path_name(&f.path) == "UPS.Output.DelayBeforeStartup")
        .expect("startup delay");
    let w = written.lock().unwrap();
    let on_write = w[before..]
        .iter()
        .find(|r| r[0] == on.report_id)
        .expect("a write of the startup delay");
    assert_eq!(
        on.value(on_write),
        Some(2),
        "2 minutes, after the 1-minute shutdown"
    );
}

/// After the device is lost, the driver reconnects to the same unit (its vendor and product
/// ids, and serial when it has one), not to the first UPS of a known maker.
#[test]
fn a_reconnect_looks_for_the_same_unit() {
    let fault = Arc::new(Mutex::new(Fault::None));
    let asked: Arc<Mutex<Vec<Matcher>>> = Arc::default();
    let (f, a) = (fault.clone(), asked.clone());
    let mut drv = UsbHid::with_opener(Box::new(move |m: &Matcher| {
        a.lock().unwrap().push(m.clone());
        let inner = recorded("apc-back-ups-cs-500", Arc::default());
        Ok(Box::new(Faulty {
            inner,
            fault: f.clone(),
            serial: Some("3B1234X56789".into()),
        }) as Box<dyn HidTransport>)
    }));
    let ctx = context(&[]);
    drv.open(&ctx).expect("open");
    drv.init_info(&ctx).expect("init");
    drv.update(&ctx).expect("update");
    *fault.lock().unwrap() = Fault::GoneOnce;
    assert!(drv.update(&ctx).is_err(), "the lost device is an error");
    drv.update(&ctx).expect("reconnected");
    let asked = asked.lock().unwrap();
    assert_eq!(asked.len(), 2, "opened, then reopened once");
    assert_eq!(
        asked[0].vendor_id, None,
        "the first open takes any known maker"
    );
    let again = &asked[1];
    assert_eq!(
        (again.vendor_id, again.product_id),
        (Some(0x051d), Some(0x0002))
    );
    assert_eq!(again.serial.as_deref(), Some("3B1234X56789"));
}

/// A unit that stalls every feature report still starts (C does) and is served from what it
/// pushes; a unit that used to answer and then, over a whole poll interval, answers nothing
/// and pushes nothing is stale.
#[test]
fn refused_reports_are_skipped_and_silence_is_stale() {
    // Interrupt-only: never stale for its silence.
    let mut drv = UsbHid::with_opener(Box::new(move |_m: &Matcher| {
        let mut dev = recorded("apc-back-ups-cs-500", Arc::default());
        dev.feature.clear();
        dev.interrupts = vec![vec![0x13, 0x01]];
        Ok(Box::new(dev) as Box<dyn HidTransport>)
    }));
    let ctx = context(&[("pollfreq", "1")]);
    drv.open(&ctx).expect("open");
    drv.init_info(&ctx).expect("init despite refused reports");
    drv.update(&ctx).expect("an interrupt arrived: fresh");
    assert_eq!(ctx.dstate.getinfo("ups.status").as_deref(), Some("OL"));
    std::thread::sleep(Duration::from_millis(1100));
    drv.update(&ctx)
        .expect("an interrupt-only unit is quiet, not stale");

    // A unit that answered at first, then goes silent.
    let fault = Arc::new(Mutex::new(Fault::None));
    let f = fault.clone();
    let mut drv = UsbHid::with_opener(Box::new(move |_m: &Matcher| {
        let mut inner = recorded("apc-back-ups-cs-500", Arc::default());
        inner.interrupts.clear();
        Ok(Box::new(Faulty {
            inner,
            fault: f.clone(),
            serial: None,
        }) as Box<dyn HidTransport>)
    }));
    drv.open(&ctx).expect("open");
    drv.init_info(&ctx).expect("init");
    drv.update(&ctx).expect("update");
    *fault.lock().unwrap() = Fault::TimingOut;
    drv.update(&ctx)
        .expect("a quick poll that misses is skipped");
    std::thread::sleep(Duration::from_millis(1100));
    assert!(
        drv.update(&ctx).is_err(),
        "a whole poll interval without an answer is stale"
    );
}

/// A driver over a recorded descriptor whose feature reports all read as zeros, with the
/// descriptor's fields and the SET_REPORTs it writes.
#[allow(clippy::type_complexity)]
fn zero_filled_driver(dev: &str) -> (UsbHid, Vec<descriptor::Field>, Arc<Mutex<Vec<Vec<u8>>>>) {
    let descriptor = descriptor_of(dev);
    let fields = descriptor::parse(&descriptor).expect("parses");
    let feature = zero_filled_features(&fields);
    let written = Arc::new(Mutex::new(Vec::new()));
    let w = written.clone();
    let drv = UsbHid::with_opener(Box::new(move |_m: &Matcher| {
        Ok(Box::new(Recorded {
            descriptor: descriptor.clone(),
            feature: feature.clone(),
            interrupts: Vec::new(),
            written: w.clone(),
        }) as Box<dyn HidTransport>)
    }));
    (drv, fields, written)
}

/// Every feature report of a descriptor, zero-filled, at the length the descriptor gives it
/// (for recorded descriptors without recorded reports).
fn zero_filled_features(fields: &[descriptor::Field]) -> BTreeMap<u8, Vec<u8>> {
    let mut feature = BTreeMap::new();
    for f in fields.iter().filter(|f| f.kind == ReportKind::Feature) {
        let len = fields
            .iter()
            .filter(|g| g.kind == ReportKind::Feature && g.report_id == f.report_id)
            .map(|g| (g.offset + g.size).div_ceil(8) as usize + 1)
            .max()
            .unwrap_or(1);
        let mut r = vec![0u8; len];
        r[0] = f.report_id;
        feature.insert(f.report_id, r);
    }
    feature
}

/// The APC Smart-UPS X has a reboot delay and no startup delay: `-k` sets the reboot delay
/// to offdelay, C NUT's `shutdown.reboot` fallback.
#[test]
fn a_ups_without_a_startup_delay_is_shut_down_with_its_reboot_delay() {
    let (mut drv, fields, written) = zero_filled_driver("apc-smart-ups-x-750");
    let has = |name: &str| fields.iter().any(|f| path_name(&f.path).ends_with(name));
    assert!(has("DelayBeforeReboot") && !has("DelayBeforeStartup"));
    let reboot = fields
        .iter()
        .find(|f| {
            path_name(&f.path).ends_with("DelayBeforeReboot") && f.kind == ReportKind::Feature
        })
        .expect("reboot delay")
        .clone();
    let ctx = context(&[("offdelay", "45"), ("ondelay", "90")]);
    drv.open(&ctx).expect("open");
    drv.init_info(&ctx).expect("init");
    assert!(ctx.dstate.has_cmd("shutdown.reboot"));
    drv.shutdown(&ctx).expect("shutdown");
    let w = written.lock().unwrap();
    let last = w.last().expect("a write");
    assert_eq!(last[0], reboot.report_id);
    assert_eq!(reboot.value(last).map(|v| reboot.physical(v)), Some(45.0));
}

/// How a [`Faulty`] device misbehaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    None,
    /// The next GET_REPORT finds the device gone.
    GoneOnce,
    /// Every GET_REPORT times out.
    TimingOut,
}

/// A recorded device that fails on demand, with a serial number.
struct Faulty {
    inner: Recorded,
    fault: Arc<Mutex<Fault>>,
    serial: Option<String>,
}

impl HidTransport for Faulty {
    fn ids(&self) -> (u16, u16) {
        self.inner.ids()
    }
    fn report_descriptor(&mut self) -> Result<Vec<u8>, TransportError> {
        self.inner.report_descriptor()
    }
    fn get_report(&mut self, k: ReportKind, id: u8, len: usize) -> Result<Vec<u8>, TransportError> {
        let mut fault = self.fault.lock().unwrap();
        match *fault {
            Fault::None => self.inner.get_report(k, id, len),
            Fault::GoneOnce => {
                *fault = Fault::None;
                Err(TransportError::Transfer(UsbError::NoDevice))
            }
            Fault::TimingOut => Err(TransportError::Refused(UsbError::Timeout)),
        }
    }
    fn set_report(&mut self, k: ReportKind, report: &[u8]) -> Result<(), TransportError> {
        self.inner.set_report(k, report)
    }
    fn interrupt(&mut self, t: Duration) -> Result<Option<Vec<u8>>, TransportError> {
        self.inner.interrupt(t)
    }
    fn string(&mut self, index: u8) -> Option<String> {
        self.inner.string(index)
    }
    fn serial(&self) -> Option<String> {
        self.serial.clone()
    }
}
