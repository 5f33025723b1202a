//! `usbhid-ups`: UPSes of the USB HID Power Device class (spec drivers.md section 3).
//!
//! - [`descriptor`]: the report descriptor walked into fields; values read out of reports.
//! - [`usages`]: usage names and NUT-style paths.
//! - [`model`]: reports to NUT variables, status flags, `ups.status`.
//! - [`transport`]: the device behind a trait; libusb (`rusb`) for real devices.
//!
//! At start the driver opens the first HID device of a known UPS vendor (or the one
//! `vendorid` / `productid` / `serial` name), walks its report descriptor, reads every
//! feature report and publishes the generic variables. Each cycle it takes the interrupt
//! reports the device pushed and reads the status reports again (every report every
//! `pollfreq` seconds). A transfer that fails makes the data stale; the device is opened
//! again on the next cycle.

mod commands;
pub mod descriptor;
mod error;
pub mod model;
pub mod transport;
pub mod usages;

use std::time::{Duration, Instant};

use nut_core::sock::{ResultCode, VarFlags};

use crate::backend::{BackendError, DeviceBackend, DriverContext, DriverOption};
use crate::dstate::Dstate;
use commands::Command;
use descriptor::ReportKind;
pub use error::UsbHidError;
use model::Model;
use transport::{HidTransport, Matcher, TransportError, UsbDevice};

/// The program name.
pub const DRIVER_NAME: &str = "usbhid-ups";

const OPTIONS: &[DriverOption] = &[
    DriverOption {
        name: "vendorid",
        takes_value: true,
        help: "USB vendor id to match (hex, e.g. 051d)",
    },
    DriverOption {
        name: "productid",
        takes_value: true,
        help: "USB product id to match (hex)",
    },
    DriverOption {
        name: "serial",
        takes_value: true,
        help: "USB serial number to match",
    },
    DriverOption {
        name: "pollfreq",
        takes_value: true,
        help: "seconds between full polls of every report (default 30)",
    },
    DriverOption {
        name: "offdelay",
        takes_value: true,
        help: "seconds before the load goes off on -k / load.off.delay (default 20)",
    },
    DriverOption {
        name: "ondelay",
        takes_value: true,
        help: "seconds before the load comes back on -k / load.on.delay (default 30)",
    },
];

/// Opens the device (a real one by default; tests give recorded ones).
pub type Opener = Box<dyn FnMut(&Matcher) -> Result<Box<dyn HidTransport>, TransportError> + Send>;

/// The usbhid-ups backend.
pub struct UsbHid {
    opener: Opener,
    matcher: Matcher,
    device: Option<Box<dyn HidTransport>>,
    model: Model,
    pollfreq: Duration,
    last_full: Option<Instant>,
    offdelay: i64,
    ondelay: i64,
    /// Whether the device has ever answered a feature report (a unit that only pushes input
    /// reports is never stale for its silence).
    features_answered: bool,
    /// Input reports pushed since the last full poll.
    pushed_since_full: usize,
}

impl std::fmt::Debug for UsbHid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsbHid")
            .field("matcher", &self.matcher)
            .field("open", &self.device.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for UsbHid {
    fn default() -> Self {
        UsbHid::with_opener(Box::new(|m: &Matcher| {
            UsbDevice::open(m).map(|d| Box::new(d) as Box<dyn HidTransport>)
        }))
    }
}

/// Paths of the status and battery fields read on every cycle.
const QUICK: &[&str] = &[
    "RemainingCapacity",
    "RunTimeToEmpty",
    "ACPresent",
    "Discharging",
    "Charging",
    "BelowRemainingCapacityLimit",
    "ShutdownImminent",
    "NeedReplacement",
    "Overload",
    "PresentStatus",
];

fn hex_option(v: Option<&str>, name: &'static str) -> Result<Option<u16>, BackendError> {
    v.map(|s| {
        u16::from_str_radix(s.trim().trim_start_matches("0x"), 16).map_err(|_| {
            BackendError::fatal(UsbHidError::BadHex {
                name,
                value: s.to_string(),
            })
        })
    })
    .transpose()
}

fn number_option(v: Option<&str>, name: &'static str, default: i64) -> Result<i64, BackendError> {
    match v {
        None => Ok(default),
        Some(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                BackendError::fatal(UsbHidError::BadSeconds {
                    name,
                    value: s.to_string(),
                })
            }),
    }
}

impl UsbHid {
    /// A backend that opens devices with `opener`.
    pub fn with_opener(opener: Opener) -> UsbHid {
        UsbHid {
            opener,
            matcher: Matcher::default(),
            device: None,
            model: Model::default(),
            pollfreq: Duration::from_secs(30),
            last_full: None,
            offdelay: 20,
            ondelay: 30,
            features_answered: false,
            pushed_since_full: 0,
        }
    }

    fn device(&mut self) -> Result<&mut Box<dyn HidTransport>, BackendError> {
        if self.device.is_none() {
            let d = (self.opener)(&self.matcher)
                .map_err(|e| BackendError::not_answering(UsbHidError::from(e)))?;
            self.attach(d);
        }
        self.device
            .as_mut()
            .ok_or_else(|| BackendError::not_answering(UsbHidError::NoDevice))
    }

    /// Read reports of one kind (all of them, or those holding a quick-poll field).
    /// Returns how many reports the device answered (and notes that it ever did).
    fn read_reports(&mut self, quick_only: bool) -> Result<usize, BackendError> {
        let ids: Vec<u8> = self
            .model
            .report_ids(ReportKind::Feature)
            .into_iter()
            .filter(|id| {
                !quick_only
                    || self.model.fields().iter().any(|(p, f)| {
                        f.report_id == *id
                            && f.kind == ReportKind::Feature
                            && QUICK.iter().any(|q| p.contains(q))
                    })
            })
            .collect();
        let (mut asked, mut answered, mut last_refusal) = (0usize, 0usize, None::<String>);
        for id in ids {
            let len = self.model.report_len(ReportKind::Feature, id);
            asked += 1;
            let got = self.device()?.get_report(ReportKind::Feature, id, len);
            match got {
                Ok(r) => {
                    answered += 1;
                    self.model.store(ReportKind::Feature, &r);
                }
                // A report the device declares but does not serve (or missed this time):
                // skip it, as NUT does.
                Err(TransportError::Refused(e)) => {
                    tracing::debug!("feature report {id:#04x}: {e}");
                    last_refusal = Some(e.to_string());
                }
                Err(e) => {
                    self.drop_device();
                    return Err(BackendError::not_answering(UsbHidError::from(e)));
                }
            }
        }
        self.features_answered |= answered > 0;
        if asked > 0 && answered == 0 {
            tracing::debug!(
                "no feature report answered ({})",
                last_refusal.unwrap_or_default()
            );
        }
        Ok(answered)
    }

    /// Take the interrupt reports the device has pushed.
    /// Returns how many reports arrived.
    fn drain_interrupts(&mut self) -> Result<usize, BackendError> {
        let mut got = 0;
        for _ in 0..32 {
            match self.device()?.interrupt(Duration::from_millis(20)) {
                Ok(Some(mut r)) => {
                    // Without report IDs the device sends none: the model expects one.
                    if !self.model.uses_report_ids() {
                        r.insert(0, 0);
                    }
                    self.model.store(ReportKind::Input, &r);
                    got += 1;
                }
                Ok(None) => break,
                // A failed read of the interrupt endpoint (overflow, ...): the poll goes on.
                Err(TransportError::Refused(e)) => {
                    tracing::debug!("interrupt read: {e}");
                    break;
                }
                Err(e) => {
                    self.drop_device();
                    return Err(BackendError::not_answering(UsbHidError::from(e)));
                }
            }
        }
        Ok(got)
    }

    fn publish(&self, d: &Dstate) {
        for (var, value) in self.model.variables() {
            d.setinfo(var, &value);
        }
        let flags = self.model.flags();
        let charge = model::VARS
            .iter()
            .find(|s| s.var == "battery.charge")
            .and_then(|s| self.model.var_value(s));
        let (tokens, alarms) = model::status(&flags, charge);
        match model::transfer_reason(&flags) {
            Some(r) => d.setinfo("input.transfer.reason", r),
            None => d.delinfo("input.transfer.reason"),
        };
        d.alarm_init();
        for a in alarms {
            d.alarm_set(a);
        }
        d.alarm_commit();
        d.status_init();
        for t in tokens {
            d.status_set(t);
        }
        d.status_commit();
    }

    /// Write a logical value into a field (read-modify-write of its report).
    fn write_field(&mut self, path: &str, value: i64) -> ResultCode {
        let Some(field) = self.model.field(path).cloned() else {
            return ResultCode::Unknown;
        };
        // -1 cancels a delay (`shutdown.stop`): written as all ones, as C NUT masks it, even
        // where the descriptor's range starts at 0.
        let cancel = value == -1 && is_delay(path);
        if !cancel && (value < field.logical_min || value > field.logical_max) {
            return ResultCode::Invalid;
        }
        let len = self.model.report_len(field.kind, field.report_id);
        let Ok(dev) = self.device() else {
            return ResultCode::Failed;
        };
        // Read-modify-write: the other fields of the report keep their values. Without a
        // fresh copy, only a field that fills the whole report may be written (a zero-filled
        // report could, say, zero a shutdown delay sharing it).
        let whole = field.offset == 0 && field.size as usize == (len - 1) * 8;
        let mut report = match dev.get_report(field.kind, field.report_id, len) {
            Ok(r) if r.len() >= len => r,
            _ if whole => vec![0u8; len],
            other => {
                tracing::warn!(
                    "{path}: cannot read report {:#04x} before writing it ({other:?})",
                    field.report_id
                );
                return ResultCode::Failed;
            }
        };
        // The write goes to this field's report whatever ID the device echoed.
        report[0] = field.report_id;
        if !model::put(&field, &mut report, value) {
            return ResultCode::Failed;
        }
        match dev.set_report(field.kind, &report) {
            Ok(()) => {
                self.model.store(field.kind, &report);
                ResultCode::Handled
            }
            Err(e) => {
                tracing::warn!("{path}: {e}");
                ResultCode::Failed
            }
        }
    }
}

impl DeviceBackend for UsbHid {
    fn description(&self) -> &'static str {
        "Generic HID driver"
    }

    fn version(&self) -> &'static str {
        "0.53"
    }

    fn options(&self) -> &'static [DriverOption] {
        OPTIONS
    }

    fn open(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let cfg = &ctx.config;
        self.matcher = Matcher {
            vendor_id: hex_option(cfg.option("vendorid"), "vendorid")?,
            product_id: hex_option(cfg.option("productid"), "productid")?,
            serial: cfg.option("serial").map(str::to_string),
        };
        self.pollfreq = Duration::from_secs(
            number_option(cfg.option("pollfreq"), "pollfreq", 30)?.max(1) as u64,
        );
        self.offdelay = number_option(cfg.option("offdelay"), "offdelay", 20)?;
        self.ondelay = number_option(cfg.option("ondelay"), "ondelay", 30)?;
        if self.ondelay <= self.offdelay {
            return Err(BackendError::fatal(UsbHidError::DelayOrder {
                ondelay: self.ondelay,
                offdelay: self.offdelay,
            }));
        }
        let dev =
            (self.opener)(&self.matcher).map_err(|e| BackendError::fatal(UsbHidError::from(e)))?;
        self.attach(dev);
        let bytes = self
            .device()?
            .report_descriptor()
            .map_err(|e| BackendError::fatal(UsbHidError::DescriptorRead(e)))?;
        let fields =
            descriptor::parse(&bytes).map_err(|e| BackendError::fatal(UsbHidError::from(e)))?;
        if fields.is_empty() {
            return Err(BackendError::fatal(UsbHidError::NoData));
        }
        tracing::info!(
            "report descriptor: {} bytes, {} fields",
            bytes.len(),
            fields.len()
        );
        self.model = Model::new(fields);
        Ok(())
    }

    fn init_info(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let d = &ctx.dstate;
        self.read_reports(false)?;
        self.last_full = Some(Instant::now());
        let (vid, pid) = self.device()?.ids();
        d.setinfo("ups.vendorid", &format!("{vid:04x}"));
        d.setinfo("ups.productid", &format!("{pid:04x}"));
        for (vars, paths) in [
            (
                &["ups.mfr", "device.mfr"][..],
                &["UPS.PowerSummary.iManufacturer", "UPS.iManufacturer"][..],
            ),
            (
                &["ups.model", "device.model"][..],
                &["UPS.PowerSummary.iProduct", "UPS.iProduct"][..],
            ),
            (
                &["ups.serial", "device.serial"][..],
                &["UPS.PowerSummary.iSerialNumber", "UPS.iSerialNumber"][..],
            ),
            (
                &["battery.type"][..],
                &["UPS.PowerSummary.iDeviceChemistry"][..],
            ),
        ] {
            // The field holds a string index (its logical value: no unit scaling).
            let index = paths.iter().find_map(|p| {
                let (_, raw) = self.model.raw_of(p)?;
                u8::try_from(raw).ok().filter(|i| *i > 0)
            });
            if let Some(i) = index {
                if let Some(s) = self.device()?.string(i).filter(|s| !s.is_empty()) {
                    for v in vars {
                        d.setinfo(v, &s);
                    }
                }
            }
        }
        for spec in model::VARS.iter().filter(|s| s.writable) {
            if spec.paths.iter().any(|p| self.model.field(p).is_some()) {
                d.setflags(spec.var, VarFlags::RW);
            }
        }
        d.setinfo("ups.delay.shutdown", &self.offdelay.to_string());
        d.setinfo("ups.delay.start", &self.ondelay.to_string());
        let commands = self.commands();
        for c in &commands {
            d.addcmd(c.name);
        }
        let has = |name: &str| commands.iter().any(|c| c.name == name);
        if has("load.off.delay") && has("load.on.delay") {
            d.addcmd("shutdown.return");
        }
        self.publish(d);
        d.dataok();
        Ok(())
    }

    fn update(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        self.pushed_since_full += self.drain_interrupts()?;
        let full = self.last_full.is_none_or(|t| t.elapsed() >= self.pollfreq);
        let answered = self.read_reports(!full)?;
        if full {
            // A unit that used to answer and now, over a whole poll interval, answered no
            // report and pushed none leaves no fresh data: stale (each report failing on its
            // own is skipped, as C does, but C would never notice the silence).
            let silent = answered == 0 && self.pushed_since_full == 0;
            self.pushed_since_full = 0;
            self.last_full = Some(Instant::now());
            if silent && self.features_answered {
                return Err(BackendError::not_answering(UsbHidError::Silent));
            }
        }
        self.publish(&ctx.dstate);
        Ok(())
    }

    fn instcmd(&mut self, _ctx: &DriverContext, cmd: &str, param: Option<&str>) -> ResultCode {
        if cmd == "shutdown.return" {
            return self.shutdown_sequence();
        }
        let Some(Command {
            path,
            value: default,
            ..
        }) = self.commands().into_iter().find(|c| c.name == cmd)
        else {
            return ResultCode::Unknown;
        };
        let code = if cmd == "shutdown.stop" {
            // -1 cancels a countdown: written as is (all ones), never mapped.
            self.write_field(path, -1)
        } else {
            // A value given with the command replaces the default, as in C NUT
            // (`upscmd ups load.off.delay 120`).
            let value = match param.map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => match p.parse::<f64>() {
                    Ok(v) if v.is_finite() => v,
                    _ => return ResultCode::Invalid,
                },
                None => default as f64,
            };
            self.write_physical(path, value)
        };
        tracing::info!("instant command {cmd}: {path}: {code:?}");
        code
    }

    fn setvar(&mut self, ctx: &DriverContext, var: &str, value: &str) -> ResultCode {
        let Some(spec) = model::VARS.iter().find(|s| s.var == var && s.writable) else {
            return ResultCode::Unknown;
        };
        let Some(path) = commands::first_path(&self.model, spec.paths) else {
            return ResultCode::Unknown;
        };
        if self.model.field(path).is_none() {
            return ResultCode::Unknown;
        }
        let Some(x) = value.trim().parse::<f64>().ok().filter(|x| x.is_finite()) else {
            return ResultCode::Invalid;
        };
        let code = self.write_physical(path, x);
        if code == ResultCode::Handled {
            self.publish(&ctx.dstate);
        }
        code
    }

    fn shutdown(&mut self, _ctx: &DriverContext) -> Result<(), BackendError> {
        match self.shutdown_sequence() {
            ResultCode::Handled => Ok(()),
            other => Err(BackendError::fatal(UsbHidError::Shutdown(other))),
        }
    }

    fn cleanup(&mut self, _ctx: &DriverContext) {
        self.drop_device();
    }
}

impl UsbHid {
    /// `shutdown.return` and `-k`: DelayBeforeStartup = ondelay, then DelayBeforeShutdown =
    /// offdelay (the load goes off after offdelay and comes back ondelay later with power).
    ///
    /// A UPS without a startup delay gets C NUT's fallbacks: its reboot delay set to offdelay
    /// (`shutdown.reboot`: off, then back on by itself), else the shutdown delay alone
    /// (`load.off.delay`: the load goes off, and comes back as the UPS decides).
    fn shutdown_sequence(&mut self) -> ResultCode {
        let cmds = self.commands();
        let find = |name: &str| cmds.iter().find(|c| c.name == name).copied();
        let (on, off) = (find("load.on.delay"), find("load.off.delay"));
        // Without a startup delay, C NUT's next choice is the reboot delay (APC Smart-UPS).
        if on.is_none() {
            if let Some(reboot) = find("shutdown.reboot") {
                return self.write_physical(reboot.path, reboot.value as f64);
            }
        }
        let Some(off) = off else {
            return ResultCode::Unknown;
        };
        if let Some(on) = on {
            let first = match self.startup_after_shutdown(on.path, on.value, off.path, off.value) {
                Some(logical) => self.write_field(on.path, logical),
                None => ResultCode::Invalid,
            };
            if first != ResultCode::Handled {
                return first;
            }
            // Some units (Tripp Lite) miss a second SET_REPORT sent at once; C waits too.
            std::thread::sleep(std::time::Duration::from_millis(125));
        }
        self.write_physical(off.path, off.value as f64)
    }

    /// Take an opened device. Reconnects must find this very unit again, not the first UPS
    /// of a known maker (the parsed descriptor and the published data are this one's): its
    /// ids, and its serial number when it has one, join the matcher.
    fn attach(&mut self, d: Box<dyn HidTransport>) {
        let (vid, pid) = d.ids();
        self.matcher.vendor_id.get_or_insert(vid);
        self.matcher.product_id.get_or_insert(pid);
        if self.matcher.serial.is_none() {
            self.matcher.serial = d.serial().filter(|s| !s.trim().is_empty());
        }
        self.device = Some(d);
    }

    /// The instant commands this device supports.
    fn commands(&self) -> Vec<Command> {
        commands::supported(&self.model, self.offdelay, self.ondelay)
    }

    /// Close the device and forget what it said: after a reconnect, only fresh reports count.
    fn drop_device(&mut self) {
        self.device = None;
        self.model.forget_reports();
        // The first poll after a reconnect reads every report again.
        self.last_full = None;
    }

    /// The logical startup delay to write: `ondelay` rounded up to the device's step, and
    /// at least one step past the rounded shutdown delay (on a unit counting minutes, the
    /// defaults 20 s and 30 s would both be one minute: the UPS could count down to
    /// startup together with the shutdown).
    fn startup_after_shutdown(
        &self,
        on_path: &str,
        ondelay: i64,
        off_path: &str,
        offdelay: i64,
    ) -> Option<i64> {
        let on = self.model.field(on_path)?;
        let off = self.model.field(off_path)?;
        let off_secs = off.physical(off.logical(offdelay as f64, true)?);
        let mut logical = on.logical(ondelay as f64, true)?;
        while on.physical(logical) <= off_secs && logical < on.logical_max {
            logical += 1;
        }
        if on.physical(logical) != ondelay as f64 {
            tracing::info!(
                "{on_path}: ondelay {ondelay} s is written as {} s",
                on.physical(logical)
            );
        }
        Some(logical)
    }

    /// Write a physical value (seconds, volts, per cent...) to a field, converted to its
    /// logical value as NUT's `HIDSetDataValue` does. Delays are rounded up to the device's
    /// step. A value outside the field's range is refused.
    fn write_physical(&mut self, path: &str, value: f64) -> ResultCode {
        let Some(field) = self.model.field(path) else {
            return ResultCode::Unknown;
        };
        let delay = is_delay(path);
        // A negative delay cancels the countdown (-1 on the wire, as `shutdown.stop`): mapped,
        // a value just under 0 would round to 0 on a unit counting minutes and switch the
        // load off at once.
        if delay && value < 0.0 {
            return self.write_field(path, -1);
        }
        let Some(logical) = field.logical(value, delay) else {
            return ResultCode::Invalid;
        };
        let actual = field.physical(logical);
        if (actual - value).abs() > 1e-9 * value.abs().max(1.0) {
            tracing::info!("{path}: {value} is written as {actual} (the device's step)");
        }
        self.write_field(path, logical)
    }
}

/// Whether a HID path names a delay (`DelayBeforeShutdown`, `...Startup`, `...Reboot`): its
/// value is seconds, rounded up when written, and -1 cancels it.
fn is_delay(path: &str) -> bool {
    path.rsplit('.')
        .next()
        .is_some_and(|u| u.starts_with("DelayBefore"))
}
