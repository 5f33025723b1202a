//! `blazer_ser`: UPSes speaking the Megatec / Q1 protocol on a serial line (C NUT's
//! `drivers/blazer.c` + `blazer_ser.c`, spec drivers.md section 2).
//!
//! - [`protocol`]: the replies and commands, pure and tested alone.
//! - [`port`]: the serial line (`serialport`).
//! - [`runtime`]: the `runtimecal` battery model (runtime estimate, charge by integration).
//!
//! At start the driver finds the protocol flavour (or takes `protocol`), reads the ratings
//! (`F`) and the vendor (`I`) unless `norating` / `novendor`, works out the number of battery
//! packs, and then polls the status (`Q1`) every cycle: three failed tries in a row make the
//! data stale until the UPS answers again.

mod error;
mod options;
pub mod port;
pub mod protocol;
pub mod runtime;

use std::time::Instant;

use nut_core::sock::{ResultCode, VarFlags};

use crate::backend::{BackendError, DeviceBackend, DriverContext, DriverOption, ReloadOutcome};
use crate::config::DriverConfig;
use crate::dstate::Dstate;
use crate::number::fixed;
pub use error::{MegatecError, QueryFailure};
use options::{OPTIONS, delays_of};
use port::{CablePower, Port};
use protocol::{CommandError, Delays, Flavour, ReplyError, Status};
use runtime::{Calibration, RuntimeModel};

/// The program name of the blazer flavour.
pub const DRIVER_NAME: &str = "blazer_ser";
/// The program name of the nutdrv_qx flavour (its Megatec subdrivers).
pub const QX_DRIVER_NAME: &str = "nutdrv_qx";

/// Which C driver this one stands in for: they read the same replies and publish them under
/// slightly different names (measured with Debian's 2.8.0 builds on the same simulated UPS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    /// `blazer_ser`: vendor data as `ups.mfr` / `ups.model` / `ups.firmware` (mirrored to
    /// `device.*`).
    Blazer,
    /// `nutdrv_qx`: vendor data as `device.mfr` / `device.model` / `ups.firmware`, and
    /// `driver.version.data`.
    Qx,
}

/// Tries per query before it counts as failed (C `MAXTRIES`).
const MAXTRIES: usize = 3;

/// The blazer_ser backend.
#[derive(Debug)]
pub struct Megatec {
    naming: Naming,
    port: Option<Port>,
    flavour: Flavour,
    delays: Delays,
    /// Multiplier of the battery voltage reading.
    packs: f64,
    /// The status read while detecting the protocol (used for the pack count).
    first_status: Option<Status>,
    /// `runtimecal` and friends, when configured.
    calibration: Option<Calibration>,
    /// The runtime estimate and when it was last advanced (from the end of init_info).
    runtime: Option<(RuntimeModel, Instant)>,
    /// Whether `battery.voltage.low` / `.high` were guessed rather than configured.
    span_guessed: bool,
}

impl Default for Megatec {
    fn default() -> Self {
        Megatec::new(Naming::Blazer)
    }
}

impl Megatec {
    /// A backend publishing under `naming`.
    pub fn new(naming: Naming) -> Megatec {
        Megatec {
            naming,
            port: None,
            flavour: Flavour::Megatec,
            delays: Delays::default(),
            packs: 1.0,
            first_status: None,
            calibration: None,
            runtime: None,
            span_guessed: false,
        }
    }
}

/// `battery.charge` and `battery.runtime` from the model, as C formats them.
fn publish_runtime(model: &RuntimeModel, d: &Dstate) {
    d.setinfo("battery.charge", &fixed(model.charge(), 0));
    d.setinfo("battery.runtime", &fixed(model.runtime(), 0));
}

/// A number without trailing zeros (`12`, `0.5`).
fn short(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Publish a reading with `decimals` decimals; a field the UPS left unreadable is not touched.
fn set_number(d: &Dstate, var: &str, v: Option<f64>, decimals: usize) {
    if let Some(v) = v {
        d.setinfo(var, &fixed(v, decimals));
    }
}

impl Megatec {
    fn port(&mut self) -> Result<&mut Port, BackendError> {
        self.port
            .as_mut()
            .ok_or_else(|| BackendError::not_answering(MegatecError::PortClosed))
    }

    /// Send a query up to [`MAXTRIES`] times; the first reply `parse` accepts.
    fn query<T>(
        &mut self,
        command: &str,
        parse: fn(&str) -> Result<T, ReplyError>,
    ) -> Result<T, BackendError> {
        let mut last = QueryFailure::NoReply;
        for _ in 0..MAXTRIES {
            match self.port()?.exchange(command) {
                Ok(Some(reply)) => match parse(&reply) {
                    Ok(v) => return Ok(v),
                    Err(e) => {
                        tracing::debug!("{command}: {e}: {reply:?}");
                        last = e.into();
                    }
                },
                Ok(None) => {
                    tracing::debug!("{command}: no reply");
                    last = QueryFailure::NoReply;
                }
                Err(e) => {
                    tracing::debug!("{command}: {e}");
                    last = e.into();
                }
            }
        }
        Err(BackendError::not_answering(MegatecError::Query {
            command: command.to_string(),
            last,
        }))
    }

    /// Which flavour answers its status query (only the configured one, if any).
    fn detect(&mut self, configured: Option<Flavour>) -> Result<(), BackendError> {
        let candidates: Vec<Flavour> = match configured {
            Some(f) => vec![f],
            None => Flavour::ALL.to_vec(),
        };
        for f in candidates {
            if let Ok(status) = self.query(f.status_command(), protocol::parse_status) {
                tracing::info!("Supported UPS detected with {} protocol", f.name());
                self.flavour = f;
                self.first_status = Some(status);
                return Ok(());
            }
        }
        Err(BackendError::fatal(MegatecError::NotDetected))
    }

    fn publish_rating(&mut self, d: &Dstate) {
        match self.query(self.flavour.rating_command(), protocol::parse_rating) {
            Ok(r) => {
                let set =
                    |var: &str, v: Option<f64>, decimals: usize| set_number(d, var, v, decimals);
                set("input.voltage.nominal", r.voltage, 0);
                set("input.current.nominal", r.current, 1);
                set("battery.voltage.nominal", r.battery_voltage, 1);
                set("input.frequency.nominal", r.frequency, 0);
            }
            Err(e) => tracing::info!("Rating information unavailable ({e})"),
        }
    }

    fn publish_vendor(&mut self, d: &Dstate) {
        match self.query(self.flavour.vendor_command(), protocol::parse_vendor) {
            Ok(v) => {
                let (mfr, model) = match self.naming {
                    Naming::Blazer => ("ups.mfr", "ups.model"),
                    Naming::Qx => ("device.mfr", "device.model"),
                };
                for (var, value) in [
                    (mfr, &v.mfr),
                    (model, &v.model),
                    ("ups.firmware", &v.firmware),
                ] {
                    if !value.is_empty() {
                        d.setinfo(var, value);
                    }
                }
            }
            Err(e) => tracing::info!("Vendor information unavailable ({e})"),
        }
    }

    /// The pack count: `battery.packs` from ups.conf when given, else worked out from the
    /// nominal voltage and a reading (spec 2.4) and, as in C, not published.
    fn settle_packs(&mut self, d: &Dstate) {
        if let Some(p) = d
            .getinfo("battery.packs")
            .and_then(|v| v.parse::<f64>().ok())
        {
            if p > 0.0 {
                self.packs = p;
                return;
            }
        }
        let nominal = d
            .getinfo("battery.voltage.nominal")
            .and_then(|v| v.parse::<f64>().ok());
        let reading = self.first_status.as_ref().and_then(|s| s.battery_voltage);
        match (nominal, reading) {
            (Some(n), Some(r)) => match protocol::battery_packs(n, r) {
                Some(p) => {
                    tracing::debug!("battery packs: {}", short(p));
                    self.packs = p;
                }
                None => tracing::info!(
                    "Can't autodetect number of battery packs [{}/{}]",
                    short(n),
                    short(r)
                ),
            },
            _ => tracing::debug!("no battery voltage to count the packs with"),
        }
    }

    /// Without `battery.voltage.low` / `.high` from the configuration, guess them from the
    /// nominal battery voltage (as C does, and says so) so that `battery.charge` is known.
    fn settle_voltage_span(&mut self, d: &Dstate) {
        let have = |var: &str| d.getinfo(var).is_some_and(|v| v.parse::<f64>().is_ok());
        if have("battery.voltage.low") && have("battery.voltage.high") {
            return;
        }
        let Some(nominal) = d
            .getinfo("battery.voltage.nominal")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|n| *n > 0.0)
        else {
            return;
        };
        let (low, high) = protocol::guessed_voltage_span(nominal);
        tracing::info!(
            "No values provided for battery high/low voltages in ups.conf: guessing low {low:.2} V, high {high:.2} V"
        );
        d.setinfo("battery.voltage.low", &fixed(low, 2));
        d.setinfo("battery.voltage.high", &fixed(high, 2));
        self.span_guessed = true;
    }

    fn publish_delays(&self, d: &Dstate) {
        d.setinfo("ups.delay.start", &(self.delays.ondelay * 60).to_string());
        d.setflags("ups.delay.start", VarFlags::RW);
        d.addrange("ups.delay.start", 0, 599_940);
        d.setinfo("ups.delay.shutdown", &self.delays.offdelay.to_string());
        d.setflags("ups.delay.shutdown", VarFlags::RW);
        d.addrange(
            "ups.delay.shutdown",
            *protocol::OFFDELAY_RANGE.start() as i32,
            *protocol::OFFDELAY_RANGE.end() as i32,
        );
    }

    fn publish_status(&self, s: &Status, d: &Dstate) {
        let set = |var: &str, v: Option<f64>, decimals: usize| set_number(d, var, v, decimals);
        set("input.voltage", s.input_voltage, 1);
        set("input.voltage.fault", s.input_voltage_fault, 1);
        set("output.voltage", s.output_voltage, 1);
        set("ups.load", s.load, 0);
        set("input.frequency", s.input_frequency, 1);
        let battery = s.battery_voltage.map(|v| v * self.packs);
        set("battery.voltage", battery, 2);
        set("ups.temperature", s.temperature, 1);
        let report = s.report();
        d.setinfo("ups.type", report.ups_type);
        d.setinfo("ups.beeper.status", report.beeper);
        d.alarm_init();
        for a in &report.alarms {
            d.alarm_set(a);
        }
        d.alarm_commit();
        d.status_init();
        for t in &report.tokens {
            d.status_set(t);
        }
        d.status_commit();
        // battery.charge from the voltage when the battery's voltage span is configured, unless
        // the runtime model keeps the charge.
        if self.runtime.is_some() {
            return;
        }
        let volt = |var: &str| d.getinfo(var).and_then(|v| v.parse::<f64>().ok());
        if let (Some(v), Some(low), Some(high)) = (
            battery,
            volt("battery.voltage.low"),
            volt("battery.voltage.high"),
        ) {
            if let Some(c) = protocol::charge_from_voltage(v, low, high) {
                d.setinfo("battery.charge", &fixed(c, 0));
            }
        }
    }

    /// Start the runtime model from the charge just read off the battery voltage (C gives up
    /// the same way when there is none). As in C, the published (rounded) charge is the
    /// starting point. Without a charge, the first reading is taken against nominal ..
    /// 1.15 x nominal; blazer_ser also does that whenever the span was only guessed (C
    /// blazer guesses it after the first status, so it has no charge yet at that point).
    fn start_runtime(
        &mut self,
        cal: Calibration,
        first: Option<&Status>,
        d: &Dstate,
    ) -> Result<(), BackendError> {
        let nominal = d
            .getinfo("battery.voltage.nominal")
            .and_then(|v| v.parse::<f64>().ok());
        let reading = first
            .and_then(|s| s.battery_voltage)
            .map(|v| v * self.packs);
        let reread = match self.naming {
            Naming::Blazer => self.span_guessed || d.getinfo("battery.charge").is_none(),
            Naming::Qx => d.getinfo("battery.charge").is_none(),
        };
        if let (true, Some(n), Some(v)) = (reread, nominal, reading) {
            if let Some(c) = protocol::charge_from_voltage(v, n, 1.15 * n) {
                d.setinfo("battery.charge", &fixed(c, 0));
            }
        }
        let charge = d
            .getinfo("battery.charge")
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| BackendError::fatal(MegatecError::ChargeUnknown))?;
        let mut model = RuntimeModel::new(cal, charge);
        if let Some(load) = first.and_then(|s| s.load) {
            model.set_load(load);
        }
        tracing::debug!(
            "battery runtime: exponent {:.3}, nominal {:.1} s, estimate {:.1} s",
            cal.exponent,
            cal.nominal,
            model.runtime()
        );
        publish_runtime(&model, d);
        self.runtime = Some((model, Instant::now()));
        Ok(())
    }

    /// Integrate the time since the last status: drain on battery, refill on mains.
    fn advance_runtime(&mut self, s: &Status, d: &Dstate) {
        let Some((model, last)) = self.runtime.as_mut() else {
            return;
        };
        let now = Instant::now();
        if let Some(load) = s.load {
            model.set_load(load);
        }
        // Bit 7 (the first): utility fail.
        let online = !s.bits[0];
        model.advance(online, now.saturating_duration_since(*last));
        *last = now;
        publish_runtime(model, d);
    }

    /// Send a command; whether the UPS took it.
    fn command(&mut self, serial: &str) -> bool {
        match self.port().map(|p| p.exchange(serial)) {
            Ok(Ok(reply)) => {
                let ok = protocol::command_accepted(reply.as_deref());
                if !ok {
                    tracing::debug!("{serial}: refused ({reply:?})");
                }
                ok
            }
            Ok(Err(e)) => {
                tracing::warn!("{serial}: {e}");
                false
            }
            Err(e) => {
                tracing::warn!("{serial}: {e}");
                false
            }
        }
    }
}

impl DeviceBackend for Megatec {
    fn description(&self) -> &'static str {
        match self.naming {
            Naming::Blazer => "Megatec/Q1 protocol serial driver",
            Naming::Qx => "Generic Q* Serial driver (Megatec family)",
        }
    }

    fn version(&self) -> &'static str {
        match self.naming {
            Naming::Blazer => "1.57",
            Naming::Qx => "0.32",
        }
    }

    fn options(&self) -> &'static [DriverOption] {
        OPTIONS
    }

    fn open(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let cfg = &ctx.config;
        let cable = match cfg.option("cablepower") {
            None => CablePower::Normal,
            Some(v) => CablePower::from_name(v)
                .ok_or_else(|| BackendError::fatal(MegatecError::BadCablePower(v.to_string())))?,
        };
        let flavour = match cfg.option("protocol") {
            None => None,
            Some(v) => Some(
                Flavour::from_name(v)
                    .ok_or_else(|| BackendError::fatal(MegatecError::BadProtocol(v.to_string())))?,
            ),
        };
        self.delays = delays_of(cfg)?;
        self.calibration = match cfg.option("runtimecal") {
            None => {
                tracing::info!("Battery runtime will not be calculated (runtimecal not set)");
                None
            }
            Some(v) => Some(
                Calibration::parse(v, cfg.option("chargetime"), cfg.option("idleload"))
                    .map_err(|e| BackendError::fatal(MegatecError::from(e)))?,
            ),
        };
        let port = Port::open(&cfg.port, cable).map_err(|source| {
            BackendError::fatal(MegatecError::Open {
                port: cfg.port.clone(),
                source,
            })
        })?;
        self.port = Some(port);
        self.detect(flavour)
    }

    fn init_info(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let d = &ctx.dstate;
        let cfg = &ctx.config;
        if self.naming == Naming::Qx {
            d.setinfo("driver.version.data", "Megatec 0.06");
        }
        if !cfg.has_flag("novendor") {
            self.publish_vendor(d);
        }
        if !cfg.has_flag("norating") {
            self.publish_rating(d);
        }
        self.settle_packs(d);
        self.settle_voltage_span(d);
        self.publish_delays(d);
        for cmd in protocol::COMMANDS {
            d.addcmd(cmd);
        }
        let first = self.first_status.take();
        if let Some(s) = &first {
            self.publish_status(s, d);
        }
        if let Some(cal) = self.calibration {
            self.start_runtime(cal, first.as_ref(), d)?;
        }
        d.dataok();
        Ok(())
    }

    fn update(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let status = self
            .query(self.flavour.status_command(), protocol::parse_status)
            .map_err(|_| BackendError::not_answering(MegatecError::StatusLost))?;
        self.publish_status(&status, &ctx.dstate);
        self.advance_runtime(&status, &ctx.dstate);
        Ok(())
    }

    fn instcmd(&mut self, _ctx: &DriverContext, cmd: &str, param: Option<&str>) -> ResultCode {
        let serial = match protocol::serial_command(cmd, param, self.delays) {
            Ok(s) => s,
            Err(CommandError::Unknown) => return ResultCode::Unknown,
            Err(CommandError::Invalid) => {
                tracing::info!("instcmd {cmd}: invalid parameter {param:?}");
                return ResultCode::Invalid;
            }
        };
        if self.command(&serial) {
            tracing::info!("instant command {cmd}: sent {serial}");
            ResultCode::Handled
        } else {
            tracing::info!("instant command {cmd}: the UPS refused {serial}");
            ResultCode::Failed
        }
    }

    fn setvar(&mut self, ctx: &DriverContext, var: &str, value: &str) -> ResultCode {
        let Ok(v) = value.trim().parse::<u32>() else {
            return match var {
                "ups.delay.start" | "ups.delay.shutdown" => ResultCode::Invalid,
                _ => ResultCode::Unknown,
            };
        };
        match var {
            "ups.delay.shutdown" if protocol::OFFDELAY_RANGE.contains(&v) => {
                self.delays.offdelay = protocol::settable_offdelay(v);
            }
            "ups.delay.start" if v % 60 == 0 && protocol::ONDELAY_RANGE.contains(&(v / 60)) => {
                self.delays.ondelay = v / 60;
            }
            "ups.delay.start" | "ups.delay.shutdown" => return ResultCode::Invalid,
            _ => return ResultCode::Unknown,
        }
        self.publish_delays(&ctx.dstate);
        ResultCode::Handled
    }

    fn shutdown(&mut self, ctx: &DriverContext) -> Result<(), BackendError> {
        let serial = if ctx.config.has_flag("stayoff") {
            self.delays.shutdown_stayoff()
        } else {
            self.delays.shutdown_return()
        };
        // A pending shutdown is cancelled first, so the new timers start from now.
        let _ = self.command("C");
        for _ in 0..MAXTRIES {
            if self.command(&serial) {
                tracing::info!(
                    "Shutting down in {} seconds ({serial})",
                    self.delays.offdelay
                );
                return Ok(());
            }
        }
        Err(BackendError::fatal(MegatecError::ShutdownRefused(serial)))
    }

    fn reload(&mut self, ctx: &DriverContext, old: &DriverConfig) -> ReloadOutcome {
        let changed = |k: &str| ctx.config.option(k) != old.option(k);
        if ctx.config.port != old.port || changed("cablepower") || changed("protocol") {
            return ReloadOutcome::NeedsRestart("port, cablepower or protocol changed".into());
        }
        // The battery model starts from the charge at start: a new calibration needs one.
        if changed("runtimecal") || changed("chargetime") || changed("idleload") {
            return ReloadOutcome::NeedsRestart(
                "runtimecal, chargetime or idleload changed".into(),
            );
        }
        match delays_of(&ctx.config) {
            Ok(d) => {
                self.delays = d;
                self.publish_delays(&ctx.dstate);
                ReloadOutcome::Applied
            }
            Err(e) => ReloadOutcome::NeedsRestart(e.to_string()),
        }
    }

    fn cleanup(&mut self, _ctx: &DriverContext) {
        self.port = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_numbers_drop_trailing_zeros() {
        assert_eq!(short(12.0), "12");
        assert_eq!(short(0.5), "0.5");
    }
}
