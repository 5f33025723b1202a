//! The `runtimecal` battery model of blazer_ser / nutdrv_qx (spec drivers.md 2.7): Megatec
//! units report no runtime, so the driver estimates it from two calibration points and keeps
//! the charge by integration instead of reading it off the battery voltage.
//!
//! `runtimecal = t1,l1,t2,l2`: the battery lasts `t1` seconds at `l1` % load and `t2` at
//! `l2` % (`l1 > l2`). Runtime follows a power law of the load, `t = nominal / (load/100)^exp`,
//! with `exp = ln(t2/t1) / ln(l1/l2)` and `nominal` the runtime at 100 % load. The estimate is
//! kept in "seconds at 100 % load": on battery it drains by the effective load
//! (`(load/100)^exp`, at least `idleload`) every second; on mains it refills at
//! `nominal / chargetime` per second. `battery.charge` = estimate / nominal,
//! `battery.runtime` = estimate / effective load.
//!
//! Time is taken from a monotonic clock, so a wall-clock step does not drain or fill the
//! battery (C uses `time()`).

use std::time::Duration;

/// Default `chargetime`: 12 hours from empty to full.
pub const DEFAULT_CHARGE_TIME: f64 = 43_200.0;
/// Default `idleload`: 10 %.
pub const DEFAULT_IDLE_LOAD: f64 = 0.10;

/// The calibration from ups.conf.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// Power-law exponent.
    pub exponent: f64,
    /// Runtime at 100 % load, seconds.
    pub nominal: f64,
    /// Seconds to recharge from empty to full.
    pub charge_time: f64,
    /// Smallest effective load (fraction of 1).
    pub idle_load: f64,
}

/// What is wrong with the runtimecal options (the messages C gives, made specific).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalibrationError {
    #[error(
        "runtimecal = {0:?}: expected four numbers t1,l1,t2,l2 (runtime t1 s at load l1 %, t2 s at l2 %)"
    )]
    Format(String),
    #[error(
        "runtimecal = {0:?}: parameter out of range (runtime): t1 must be above 0 and t2 at least t1"
    )]
    Runtime(String),
    #[error("runtimecal = {0:?}: parameter out of range (load): need 0 < l2 < l1 <= 100")]
    Load(String),
    #[error(
        "runtimecal = {0:?}: these points give no usable runtime curve (the exponent or the runtime at full load is out of range)"
    )]
    Degenerate(String),
    #[error("chargetime = {0:?}: charge time out of range [1..s]")]
    ChargeTime(String),
    #[error("idleload = {0:?}: idle load out of range (0..100]")]
    IdleLoad(String),
}

impl Calibration {
    /// From the `runtimecal`, `chargetime` and `idleload` option values.
    pub fn parse(
        runtimecal: &str,
        chargetime: Option<&str>,
        idleload: Option<&str>,
    ) -> Result<Calibration, CalibrationError> {
        let nums: Vec<f64> = runtimecal
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| CalibrationError::Format(runtimecal.into()))?;
        let [t1, l1, t2, l2] = nums[..] else {
            return Err(CalibrationError::Format(runtimecal.into()));
        };
        if !nums.iter().all(|n| n.is_finite()) {
            return Err(CalibrationError::Format(runtimecal.into()));
        }
        if t1 <= 0.0 || t2 < t1 {
            return Err(CalibrationError::Runtime(runtimecal.into()));
        }
        // C lets l2 == l1 through (then the exponent is a division by zero); refused here.
        if l1 > 100.0 || l2 >= l1 || l2 <= 0.0 {
            return Err(CalibrationError::Load(runtimecal.into()));
        }
        let exponent = (t2 / t1).ln() / (l1 / l2).ln();
        let nominal = t1 * (l1 / 100.0).powf(exponent);
        // Extreme but finite points can overflow the exponent or underflow the nominal
        // runtime to 0 (then the charge would be 0/0).
        if !exponent.is_finite() || !nominal.is_finite() || nominal <= 0.0 {
            return Err(CalibrationError::Degenerate(runtimecal.into()));
        }
        let charge_time = match chargetime {
            None => DEFAULT_CHARGE_TIME,
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|t| *t > 0)
                .map(|t| t as f64)
                .ok_or_else(|| CalibrationError::ChargeTime(v.into()))?,
        };
        let idle_load = match idleload {
            None => DEFAULT_IDLE_LOAD,
            Some(v) => v
                .trim()
                .parse::<f64>()
                .ok()
                .map(|p| p / 100.0)
                .filter(|f| *f > 0.0 && *f <= 1.0)
                .ok_or_else(|| CalibrationError::IdleLoad(v.into()))?,
        };
        Ok(Calibration {
            exponent,
            nominal,
            charge_time,
            idle_load,
        })
    }

    /// The effective load for a reported load in %: `(load/100)^exp`, at least the idle load.
    pub fn effective_load(&self, load_percent: f64) -> f64 {
        (load_percent / 100.0)
            .powf(self.exponent)
            .max(self.idle_load)
    }
}

/// The running estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeModel {
    cal: Calibration,
    /// Energy left, in seconds at 100 % load (0..=nominal).
    estimate: f64,
    /// Effective load of the last reading.
    load: f64,
}

impl RuntimeModel {
    /// Start from a known charge (%), as read off the battery voltage at start.
    pub fn new(cal: Calibration, charge_percent: f64) -> RuntimeModel {
        RuntimeModel {
            estimate: cal.nominal * charge_percent.clamp(0.0, 100.0) / 100.0,
            load: cal.idle_load,
            cal,
        }
    }

    /// The load the UPS reported (%).
    pub fn set_load(&mut self, load_percent: f64) {
        if load_percent.is_finite() && load_percent >= 0.0 {
            self.load = self.cal.effective_load(load_percent);
        }
    }

    /// Let `elapsed` pass on mains (`online`) or on battery.
    pub fn advance(&mut self, online: bool, elapsed: Duration) {
        let dt = elapsed.as_secs_f64();
        self.estimate = if online {
            (self.estimate + self.cal.nominal * dt / self.cal.charge_time).min(self.cal.nominal)
        } else {
            (self.estimate - self.load * dt).max(0.0)
        };
    }

    /// `battery.charge`, %.
    pub fn charge(&self) -> f64 {
        100.0 * self.estimate / self.cal.nominal
    }

    /// `battery.runtime`, seconds at the current load.
    pub fn runtime(&self) -> f64 {
        self.estimate / self.load
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cal(s: &str) -> Calibration {
        Calibration::parse(s, None, None).expect("calibration")
    }

    #[test]
    fn two_points_give_the_power_law() {
        // 600 s at 50 %, 1200 s at 25 %: runtime inversely proportional to the load.
        let c = cal("600,50,1200,25");
        assert!((c.exponent - 1.0).abs() < 1e-12);
        assert!((c.nominal - 300.0).abs() < 1e-9);
        // The curve goes through both points.
        let at = |load: f64| c.nominal / c.effective_load(load);
        assert!((at(50.0) - 600.0).abs() < 1e-9);
        assert!((at(25.0) - 1200.0).abs() < 1e-9);
        // A steeper battery (Peukert-like): 300 s at 100 %, 1800 s at 20 %.
        let c = cal("300,100,1800,20");
        assert!((c.nominal - 300.0).abs() < 1e-9);
        assert!((c.nominal / c.effective_load(20.0) - 1800.0).abs() < 1e-6);
        assert_eq!(c.charge_time, DEFAULT_CHARGE_TIME);
        assert_eq!(c.idle_load, DEFAULT_IDLE_LOAD);
    }

    #[test]
    fn out_of_range_calibrations_are_refused_with_the_reason() {
        use CalibrationError::*;
        let err = |s: &str| Calibration::parse(s, None, None).unwrap_err();
        assert!(matches!(err("600,50,1200"), Format(_)));
        assert!(matches!(err("600,50,1200,25,1"), Format(_)));
        assert!(matches!(err("a,b,c,d"), Format(_)));
        assert!(matches!(err("inf,50,1200,25"), Format(_)));
        assert!(matches!(err("0,50,1200,25"), Runtime(_)));
        assert!(matches!(err("1200,50,600,25"), Runtime(_)));
        assert!(matches!(err("600,150,1200,25"), Load(_)));
        assert!(matches!(err("600,25,1200,50"), Load(_)));
        assert!(matches!(err("600,50,1200,50"), Load(_)));
        assert!(matches!(err("600,50,1200,0"), Load(_)));
        assert!(matches!(err("1e-300,50,1e300,25"), Degenerate(_)));
        assert!(matches!(err("300,50,3000,49.9"), Degenerate(_)));
        let with = |t: Option<&str>, i: Option<&str>| Calibration::parse("600,50,1200,25", t, i);
        assert!(matches!(with(Some("0"), None), Err(ChargeTime(_))));
        assert!(matches!(with(Some("x"), None), Err(ChargeTime(_))));
        assert!(matches!(with(None, Some("0")), Err(IdleLoad(_))));
        assert!(matches!(with(None, Some("101")), Err(IdleLoad(_))));
        let c = with(Some("3600"), Some("5")).expect("ok");
        assert_eq!(c.charge_time, 3600.0);
        assert!((c.idle_load - 0.05).abs() < 1e-12);
    }

    #[test]
    fn on_battery_the_runtime_drains_in_real_time_and_mains_refills_it() {
        let c = cal("600,50,1200,25");
        let mut m = RuntimeModel::new(c, 100.0);
        m.set_load(25.0);
        assert!((m.runtime() - 1200.0).abs() < 1e-9);
        m.advance(false, Duration::from_secs(60));
        assert!((m.runtime() - 1140.0).abs() < 1e-9, "{}", m.runtime());
        assert!((m.charge() - 95.0).abs() < 1e-9, "{}", m.charge());
        // Twice the load: half the runtime left.
        m.set_load(50.0);
        assert!((m.runtime() - 570.0).abs() < 1e-9);
        // Below the idle load, the idle load counts.
        m.set_load(1.0);
        assert!((m.runtime() - 285.0 / 0.1).abs() < 1e-9);
        // Never below empty.
        m.advance(false, Duration::from_secs(100_000));
        assert_eq!(m.charge(), 0.0);
        assert_eq!(m.runtime(), 0.0);
        // Mains: nominal / chargetime per second, capped at full.
        m.advance(true, Duration::from_secs(21_600));
        assert!((m.charge() - 50.0).abs() < 1e-9);
        m.advance(true, Duration::from_secs(100_000));
        assert_eq!(m.charge(), 100.0);
        // A nonsense load reading changes nothing.
        let before = m.runtime();
        m.set_load(f64::NAN);
        m.set_load(-5.0);
        assert_eq!(m.runtime(), before);
    }
}
