//! From HID reports to NUT variables (spec drivers.md 3.4): the latest bytes of every
//! report, the fields that read from them, the generic HID path -> variable table, the status
//! flags and the `ups.status` derived from them.
//!
//! ## Layout
//! - this file: [`Model`], the latest bytes of every report and the fields reading them;
//!   [`put`] for writes;
//! - `vars`: the HID path -> variable table ([`VARS`]) and the value formats;
//! - `status`: the status flags and what they derive ([`status`], [`transfer_reason`]).

use std::collections::HashMap;

use super::descriptor::{Field, ReportKind};
use super::usages::path_name;

mod status;
mod vars;

pub use status::{status, transfer_reason};
pub use vars::{Format, VARS, VarSpec, format_value};

/// The device as last read: report bytes by (kind, id), each with the order it arrived in,
/// and the fields by path name.
#[derive(Debug, Default)]
pub struct Model {
    fields: Vec<(String, Field)>,
    reports: HashMap<(ReportKind, u8), (u64, Vec<u8>)>,
    /// Arrival counter of the reports stored.
    arrivals: u64,
}

impl Model {
    /// A model over a descriptor's fields.
    pub fn new(fields: Vec<Field>) -> Model {
        Model {
            fields: fields
                .into_iter()
                .map(|f| (path_name(&f.path), f))
                .collect(),
            reports: HashMap::new(),
            arrivals: 0,
        }
    }

    /// Every field with its path name.
    pub fn fields(&self) -> &[(String, Field)] {
        &self.fields
    }

    /// Whether the descriptor numbers its reports (otherwise reports carry no ID byte).
    pub fn uses_report_ids(&self) -> bool {
        self.fields.iter().any(|(_, f)| f.report_id != 0)
    }

    /// Report IDs of one kind, each once, in descriptor order.
    pub fn report_ids(&self, kind: ReportKind) -> Vec<u8> {
        let mut out = Vec::new();
        for (_, f) in &self.fields {
            if f.kind == kind && !out.contains(&f.report_id) {
                out.push(f.report_id);
            }
        }
        out
    }

    /// Size in bytes of a report (with its ID byte).
    pub fn report_len(&self, kind: ReportKind, id: u8) -> usize {
        let bits = self
            .fields
            .iter()
            .filter(|(_, f)| f.kind == kind && f.report_id == id)
            .map(|(_, f)| f.offset + f.size)
            .max()
            .unwrap_or(0);
        1 + (bits as usize).div_ceil(8)
    }

    /// Remember a report's bytes (first byte: its ID), by kind: an interrupt (input) report
    /// and a feature report of the same ID are kept apart, as their fields are.
    pub fn store(&mut self, kind: ReportKind, report: &[u8]) {
        if let Some(&id) = report.first() {
            self.arrivals += 1;
            self.reports
                .insert((kind, id), (self.arrivals, report.to_vec()));
        }
    }

    /// Forget every report read so far (the device went away: what comes after a reconnect
    /// must not be mixed with what it said before).
    pub fn forget_reports(&mut self) {
        self.reports.clear();
    }

    /// The field for a path (Feature preferred, then Input: the order NUT reads them).
    pub fn field(&self, path: &str) -> Option<&Field> {
        let mut found = None;
        for (p, f) in &self.fields {
            if p == path {
                match f.kind {
                    ReportKind::Feature => return Some(f),
                    ReportKind::Input => found = found.or(Some(f)),
                    ReportKind::Output => {}
                }
            }
        }
        found
    }

    /// The logical value of a field and the field it came from, from the newest report that
    /// holds it: a value both an input and a feature report carry comes from whichever
    /// arrived last (an interrupt after the poll is the device's latest word, and so is a
    /// poll after an old interrupt).
    pub fn raw_of(&self, path: &str) -> Option<(&Field, i64)> {
        let mut best: Option<(u64, &Field, i64)> = None;
        for kind in [ReportKind::Feature, ReportKind::Input] {
            // The first field of that path (a report may repeat a usage: NUT names the
            // first).
            let Some((_, f)) = self
                .fields
                .iter()
                .find(|(p, f)| p == path && f.kind == kind)
            else {
                continue;
            };
            let Some((arrived, report)) = self.reports.get(&(kind, f.report_id)) else {
                continue;
            };
            if let Some(raw) = f.value(report) {
                if best.is_none_or(|(b, _, _)| *arrived > b) {
                    best = Some((*arrived, f, raw));
                }
            }
        }
        best.map(|(_, f, raw)| (f, raw))
    }

    /// The physical value of a field (see [`Model::raw_of`]).
    pub fn value_of(&self, path: &str) -> Option<f64> {
        self.raw_of(path).map(|(f, raw)| f.physical(raw))
    }

    /// The physical value behind a variable of the generic table (its first present path).
    pub fn var_value(&self, spec: &VarSpec) -> Option<f64> {
        spec.paths.iter().find_map(|p| self.value_of(p))
    }

    /// The variables of the generic table that the device provides, formatted.
    pub fn variables(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for spec in VARS {
            if let Some(x) = self.var_value(spec) {
                if let Some(text) = format_value(spec.format, x) {
                    out.push((spec.var, text));
                }
            }
        }
        out
    }
}

/// Put a logical value into a field's bits of a report buffer (for SET_REPORT).
pub fn put(field: &Field, report: &mut [u8], value: i64) -> bool {
    let start = field.offset as usize + 8;
    let end = start + field.size as usize;
    if field.size == 0 || field.size > 32 || end > report.len() * 8 {
        return false;
    }
    let v = value as u64;
    for (k, bit) in (start..end).enumerate() {
        let byte = &mut report[bit / 8];
        let mask = 1u8 << (bit % 8);
        if v >> k & 1 == 1 {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
    }
    true
}

#[cfg(test)]
mod tests;
