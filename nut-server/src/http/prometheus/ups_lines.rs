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
use std::ops::Range;
use std::sync::{Arc, Mutex};

use super::names::{is_number, metric_name, sanitize};
use super::{KNOWN_FLAGS, RESERVED, write_sample};
use crate::http::view::{UpsView, VarView};

/// Distinct variable names remembered with their family; past this the next render starts
/// from an empty cache (only drivers inventing names without end get there).
pub const MAX_NAMES: usize = 16_384;

/// One numeric variable's sample.
#[derive(Debug)]
pub struct VariableSample {
    /// The family: `nut_` + the variable's name + unit (one `Arc` per family name, so
    /// samples of one family share it).
    pub family: Arc<str>,
    /// The variable, for the family's help text.
    pub var: Arc<str>,
    /// `family{ups="..."} value\n` in [`UpsLines::text`].
    line: Range<usize>,
}

/// What one UPS contributes to the families that depend on its variables.
#[derive(Debug)]
pub struct UpsLines {
    /// The `nut_ups_info` sample.
    pub info: String,
    /// The `nut_ups_status` samples (empty while the UPS is unavailable).
    pub status: String,
    /// The variable sample lines, one after the other.
    text: String,
    /// One sample per numeric variable, one per family (the first variable mapping to a
    /// family wins).
    samples: Vec<VariableSample>,
}

/// Family names by variable name, each family name once: a variable's family is worked out
/// the first time any UPS reports it, and every sample of a family holds the same `Arc`.
#[derive(Debug, Default)]
pub struct Names {
    by_var: HashMap<String, (Arc<str>, Arc<str>)>,
    families: HashMap<String, Arc<str>>,
}

impl Names {
    /// `(family, variable)` of `var`.
    fn of(&mut self, var: &str) -> (Arc<str>, Arc<str>) {
        if let Some(found) = self.by_var.get(var) {
            return found.clone();
        }
        let name = metric_name(var);
        let family = self
            .families
            .entry(name)
            .or_insert_with_key(|k| Arc::from(k.as_str()))
            .clone();
        let pair = (family, Arc::from(var));
        self.by_var.insert(var.to_string(), pair.clone());
        pair
    }
}

impl UpsLines {
    /// The variable samples with their lines.
    pub fn samples(&self) -> impl Iterator<Item = (&VariableSample, &str)> {
        self.samples.iter().map(|s| (s, &self.text[s.line.clone()]))
    }

    /// Bytes of the variable sample lines.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Make the lines of `u` (an unavailable UPS has no variables, so only `info`).
    pub fn new(u: &UpsView, names: &mut Names) -> UpsLines {
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
        let (text, samples) = variable_samples(u, names);
        UpsLines {
            info,
            status,
            text,
            samples,
        }
    }
}

/// The shared cache (one per HTTP listener set).
#[derive(Debug, Default)]
pub struct LineCache {
    slot: Mutex<Kept>,
}

/// What a render takes out of the cache and puts back.
#[derive(Debug, Default)]
struct Kept {
    by_ups: HashMap<String, Entry>,
    names: Names,
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
        let mut kept = std::mem::take(&mut *self.slot.lock().unwrap_or_else(|e| e.into_inner()));
        // All the lines of one render share one name table (the families are grouped by
        // the address of their name): a new table means making every UPS's lines again.
        if kept.names.by_var.len() >= MAX_NAMES {
            kept = Kept::default();
        }
        let mut current = HashMap::with_capacity(upses.len());
        let out = upses
            .iter()
            .map(|u| {
                let entry = match kept.by_ups.remove(&u.name) {
                    Some(e) if Arc::ptr_eq(&e.vars, &u.vars) && e.desc == u.desc => e,
                    _ => Entry {
                        vars: u.vars.clone(),
                        desc: u.desc.clone(),
                        lines: Arc::new(UpsLines::new(u, &mut kept.names)),
                    },
                };
                let lines = entry.lines.clone();
                current.insert(u.name.clone(), entry);
                lines
            })
            .collect();
        kept.by_ups = current;
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = kept;
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
/// mapping to one family (`a.b` and `a_b`): the first wins. The lines go into one string.
fn variable_samples(u: &UpsView, names: &mut Names) -> (String, Vec<VariableSample>) {
    let mut label = String::new();
    write_sample(&mut label, "", &[("ups", &u.name)], "");
    // `{ups="name"} ` without the newline: every line is family + label + value.
    label.pop();
    let mut text = String::new();
    let mut out: Vec<VariableSample> = Vec::new();
    for v in u.vars.iter().filter(|v| is_number(&v.value)) {
        let (family, var) = names.of(&v.name);
        if RESERVED.contains(&&*family) || out.iter().any(|s| Arc::ptr_eq(&s.family, &family)) {
            continue;
        }
        let start = text.len();
        text.push_str(&family);
        text.push_str(&label);
        text.push_str(v.value.trim_start_matches('+'));
        text.push('\n');
        out.push(VariableSample {
            family,
            var,
            line: start..text.len(),
        });
    }
    (text, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ups(name: &str, vars: &[(&str, &str)]) -> UpsView {
        UpsView {
            name: name.into(),
            desc: "d".into(),
            connected: true,
            stale: false,
            age: None,
            vars: vars
                .iter()
                .map(|(n, v)| VarView {
                    name: (*n).into(),
                    value: (*v).into(),
                    rw: false,
                    has_enums: false,
                    has_ranges: false,
                    string_len: None,
                })
                .collect(),
            commands: Arc::from(Vec::new()),
            clients: Vec::new(),
        }
    }

    #[test]
    fn lines_are_kept_while_the_variables_are_the_same_arc() {
        let cache = LineCache::default();
        let a = ups("a", &[("battery.charge", "90"), ("ups.status", "OL")]);
        let b = ups("b", &[("battery.charge", "80"), ("x.y", "1"), ("x_y", "2")]);
        let first = cache.lines(&[a.clone(), b.clone()]);
        let second = cache.lines(&[a.clone(), b]);
        assert!(Arc::ptr_eq(&first[0], &second[0]));
        // Both UPSes' samples hold the one name of the family.
        let fa = first[0]
            .samples()
            .next()
            .expect("a sample")
            .0
            .family
            .clone();
        let fb = first[1]
            .samples()
            .next()
            .expect("b sample")
            .0
            .family
            .clone();
        assert!(Arc::ptr_eq(&fa, &fb));
        // `x_y` maps to the family of `x.y`: the first wins.
        let b_lines: Vec<&str> = first[1].samples().map(|(_, l)| l).collect();
        assert_eq!(
            b_lines,
            [
                "nut_battery_charge_percent{ups=\"b\"} 80\n",
                "nut_x_y{ups=\"b\"} 1\n"
            ]
        );
        // New variables (another Arc): made again.
        let a2 = ups("a", &[("battery.charge", "90"), ("ups.status", "OL")]);
        let third = cache.lines(&[a2]);
        assert!(!Arc::ptr_eq(&first[0], &third[0]));
    }

    #[test]
    fn a_full_name_table_starts_the_cache_again() {
        let cache = LineCache::default();
        let a = ups("a", &[("battery.charge", "90")]);
        let first = cache.lines(std::slice::from_ref(&a));
        {
            let mut kept = cache.slot.lock().expect("lock");
            for i in 0..MAX_NAMES {
                kept.names.of(&format!("x.{i}"));
            }
        }
        let second = cache.lines(std::slice::from_ref(&a));
        assert!(!Arc::ptr_eq(&first[0], &second[0]));
        assert!(cache.slot.lock().expect("lock").names.by_var.len() < 10);
    }
}
