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
mod writes;

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
}
