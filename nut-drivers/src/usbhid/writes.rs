//! Writing to the UPS: one field (read-modify-write of its report), a physical value
//! converted to the field's units, and the shutdown sequence of delays.

use nut_core::sock::ResultCode;

use super::{UsbHid, model};

impl UsbHid {
    /// Write a logical value into a field (read-modify-write of its report).
    pub(super) fn write_field(&mut self, path: &str, value: i64) -> ResultCode {
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

    /// `shutdown.return` and `-k`: DelayBeforeStartup = ondelay, then DelayBeforeShutdown =
    /// offdelay (the load goes off after offdelay and comes back ondelay later with power).
    ///
    /// A UPS without a startup delay gets C NUT's fallbacks: its reboot delay set to offdelay
    /// (`shutdown.reboot`: off, then back on by itself), else the shutdown delay alone
    /// (`load.off.delay`: the load goes off, and comes back as the UPS decides).
    pub(super) fn shutdown_sequence(&mut self) -> ResultCode {
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
    pub(super) fn write_physical(&mut self, path: &str, value: f64) -> ResultCode {
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
