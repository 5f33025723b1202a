//! The exposition lines that depend only on one UPS's variables and description, made once
//! and kept while they stay the same: its `nut_ups_info` sample, its `nut_ups_status`
//! state set and one sample per numeric variable. A scrape then formats nothing for an
//! unchanged UPS; it only sorts the kept samples into families (ages, link state, client
//! counts and upsd's counters are written fresh at every scrape).
//!
//! A UPS's lines are reused while its view shares the variables of the view they were made
//! from ([`super::super::view::ViewCache`] gives the same `Arc` until the driver changes
//! something) and its description is the same. The cache is taken out for one render and
//! put back after it, like the view cache, and keeps the UPSes of the last render only.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::names::{is_number, metric_name, sanitize};
use super::{KNOWN_FLAGS, RESERVED, write_sample};
use crate::http::view::{UpsView, VarView};

/// One numeric variable's sample.
#[derive(Debug)]
pub struct VariableSample {
    /// The family: `nut_` + the variable's name + unit.
    pub family: String,
    /// The variable, for the family's help text.
    pub var: String,
    /// `family{ups="..."} value\n`.
    pub line: String,
}

/// What one UPS contributes to the families that depend on its variables.
#[derive(Debug)]
pub struct UpsLines {
    /// The `nut_ups_info` sample.
    pub info: String,
    /// The `nut_ups_status` samples (empty while the UPS is unavailable).
    pub status: String,
    /// One sample per numeric variable, one per family (the first variable mapping to a
    /// family wins).
    pub samples: Vec<VariableSample>,
}

impl UpsLines {
    /// Make the lines of `u` (an unavailable UPS has no variables, so only `info`).
    pub fn new(u: &UpsView) -> UpsLines {
        let mut info = String::new();
        let labels = info_labels(&u.vars);
        let mut refs: Vec<(&str, &str)> = vec![("ups", &u.name), ("description", &u.desc)];
        refs.extend(labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        write_sample(&mut info, "nut_ups_info", &refs, "1");
        let status = if u.available() {
            status_lines(u)
        } else {
            String::new()
        };
        UpsLines {
            info,
            status,
            samples: variable_samples(u),
        }
    }
}

/// The shared cache (one per HTTP listener set).
#[derive(Debug, Default)]
pub struct LineCache {
    slot: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug)]
struct Entry {
    vars: Arc<[VarView]>,
    desc: String,
    lines: Arc<UpsLines>,
}

impl LineCache {
    /// The lines of every UPS of the view, in its order: kept ones where the UPS's
    /// variables and description are the ones they were made from, new ones elsewhere.
    pub fn lines(&self, upses: &[UpsView]) -> Vec<Arc<UpsLines>> {
        let mut previous =
            std::mem::take(&mut *self.slot.lock().unwrap_or_else(|e| e.into_inner()));
        let mut current = HashMap::with_capacity(upses.len());
        let out = upses
            .iter()
            .map(|u| {
                let entry = match previous.remove(&u.name) {
                    Some(e) if Arc::ptr_eq(&e.vars, &u.vars) && e.desc == u.desc => e,
                    _ => Entry {
                        vars: u.vars.clone(),
                        desc: u.desc.clone(),
                        lines: Arc::new(UpsLines::new(u)),
                    },
                };
                let lines = entry.lines.clone();
                current.insert(u.name.clone(), entry);
                lines
            })
            .collect();
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = current;
        out
    }
}

/// `ups.status` as a state set: every known flag 0 or 1, then the others present as 1.
fn status_lines(u: &UpsView) -> String {
    let mut out = String::new();
    let status = u.value("ups.status").unwrap_or("");
    let present: Vec<&str> = status.split_whitespace().collect();
    for flag in KNOWN_FLAGS {
        let on = present.iter().any(|p| p.eq_ignore_ascii_case(flag));
        let value = if on { "1" } else { "0" };
        write_sample(
            &mut out,
            "nut_ups_status",
            &[("ups", &u.name), ("flag", flag)],
            value,
        );
    }
    for other in present
        .iter()
        .filter(|p| !KNOWN_FLAGS.iter().any(|k| k.eq_ignore_ascii_case(p)))
    {
        write_sample(
            &mut out,
            "nut_ups_status",
            &[("ups", &u.name), ("flag", other)],
            "1",
        );
    }
    out
}

/// The labels of `nut_ups_info`: non-numeric variables but the ones that change with the
/// UPS's state (status, alarms, test results), which would make a new series at each change.
fn info_labels(vars: &[VarView]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for v in vars {
        let lower = v.name.to_ascii_lowercase();
        let volatile = lower == "ups.status"
            || lower == "ups.alarm"
            || [".status", ".result", ".reason"]
                .iter()
                .any(|s| lower.ends_with(s));
        if volatile || is_number(&v.value) {
            continue;
        }
        let mut label = sanitize(&lower);
        if label.starts_with(|c: char| c.is_ascii_digit()) {
            label.insert_str(0, "v_");
        }
        if label == "ups" || label == "description" || out.iter().any(|(k, _)| *k == label) {
            continue;
        }
        out.push((label, v.value.clone()));
    }
    out
}

/// One sample per numeric variable whose family upsd does not write itself; two variables
/// mapping to one family (`a.b` and `a_b`): the first wins.
fn variable_samples(u: &UpsView) -> Vec<VariableSample> {
    let mut out: Vec<VariableSample> = Vec::new();
    for v in u.vars.iter().filter(|v| is_number(&v.value)) {
        let family = metric_name(&v.name);
        if RESERVED.contains(&family.as_str()) || out.iter().any(|s| s.family == family) {
            continue;
        }
        let mut line = String::new();
        write_sample(
            &mut line,
            &family,
            &[("ups", &u.name)],
            v.value.trim_start_matches('+'),
        );
        out.push(VariableSample {
            family,
            var: v.name.clone(),
            line,
        });
    }
    out
}
