//! HID report descriptors (spec drivers.md 3.2): the items walked into data fields with
//! their usage path, report, bit offset and size, logical range and unit; and the value of a
//! field read out of a report buffer, as NUT's `GetValue` does.

/// The three report kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    /// Pushed on the interrupt endpoint (and readable with GET_REPORT type 1).
    Input,
    /// Written with SET_REPORT type 2.
    Output,
    /// Read and written with GET/SET_REPORT type 3.
    Feature,
}

impl ReportKind {
    /// The name NUT prints.
    pub fn name(self) -> &'static str {
        match self {
            ReportKind::Input => "Input",
            ReportKind::Output => "Output",
            ReportKind::Feature => "Feature",
        }
    }

    /// The report type of GET_REPORT / SET_REPORT.
    pub fn wvalue_type(self) -> u16 {
        match self {
            ReportKind::Input => 1,
            ReportKind::Output => 2,
            ReportKind::Feature => 3,
        }
    }
}

/// One data field of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Usages from the outermost collection to the field (page << 16 | id).
    pub path: Vec<u32>,
    pub kind: ReportKind,
    pub report_id: u8,
    /// Bit offset within the report, after the report-ID byte.
    pub offset: u32,
    /// Size in bits.
    pub size: u32,
    pub logical_min: i64,
    pub logical_max: i64,
    /// Physical Minimum and Maximum when both are declared (and not both 0): the logical
    /// range maps linearly onto this one (HID 1.11 6.2.2.7), e.g. a delay counted in minutes
    /// on the wire and in seconds physically.
    pub physical_range: Option<(i64, i64)>,
    pub unit: u32,
    pub unit_exponent: i8,
    /// The main item's flags (bit 1: variable, bit 2: relative, ...).
    pub flags: u32,
}

/// Why a descriptor could not be walked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DescriptorError {
    /// An item runs past the end.
    #[error("report descriptor truncated at byte {0}")]
    Truncated(usize),
    /// End Collection without a Collection, or Pop without Push.
    #[error("report descriptor unbalanced at byte {0}")]
    Unbalanced(usize),
    /// A report far larger than any UPS's (guards the offset arithmetic).
    #[error("report descriptor declares an oversized report at byte {0}")]
    Oversized(usize),
    /// More fields, or deeper collections, than any UPS has (guards memory).
    #[error("report descriptor declares too many fields or collections at byte {0}")]
    TooComplex(usize),
}

#[derive(Debug, Clone, Copy, Default)]
struct Globals {
    usage_page: u32,
    logical_min: i64,
    /// Logical Maximum as encoded (data, size): read signed or unsigned once the minimum
    /// is known.
    logical_max: (u32, usize),
    physical_min: Option<i64>,
    physical_max: Option<i64>,
    unit: u32,
    unit_exponent: i8,
    report_size: u32,
    report_id: u8,
    report_count: u32,
}

/// Largest report, in bits, accepted (USB control transfers carry at most 64 KiB).
const MAX_REPORT_BITS: u32 = 8 * 65_535;
/// Most data fields accepted in one descriptor (UPSes have a few hundred; C NUT stops at 500).
const MAX_FIELDS: usize = 4096;
/// Deepest collection nesting accepted (UPSes nest 3 to 5 deep).
const MAX_DEPTH: usize = 32;
/// Most usages one main item may declare.
const MAX_USAGES: usize = 1024;

fn signed(data: u32, size: usize) -> i64 {
    match size {
        0 => 0,
        1 => i64::from(data as u8 as i8),
        2 => i64::from(data as u16 as i16),
        _ => i64::from(data as i32),
    }
}

/// The logical maximum: signed, unless the minimum is not negative and the signed reading
/// would put the maximum under it (a common firmware slip, e.g. `25 ff` for 255, which NUT
/// reads as unsigned too).
fn logical_max(min: i64, (data, size): (u32, usize)) -> i64 {
    let s = signed(data, size);
    if min >= 0 && s < 0 {
        i64::from(data)
    } else {
        s
    }
}

/// Walk a report descriptor into its data fields (padding, a constant item without a usage,
/// is left out but advances the offsets).
pub fn parse(bytes: &[u8]) -> Result<Vec<Field>, DescriptorError> {
    let mut fields = Vec::new();
    let mut g = Globals::default();
    let mut stack: Vec<Globals> = Vec::new();
    let mut usages: Vec<u32> = Vec::new();
    let mut usage_min: Option<u32> = None;
    let mut path: Vec<u32> = Vec::new();
    let mut offsets: std::collections::HashMap<(ReportKind, u8), u32> =
        std::collections::HashMap::new();
    let mut i = 0;
    while i < bytes.len() {
        let at = i;
        let prefix = bytes[i];
        i += 1;
        // An item cut short at the end: refused when nothing came before it; after data
        // fields, the fields so far are kept (C NUT parses up to the end the same way).
        let (item_len, long) = if prefix == 0xFE {
            (bytes.get(i).map(|&n| 2 + usize::from(n)), true)
        } else {
            (
                Some(usize::from(prefix & 3) + usize::from(prefix & 3 == 3)),
                false,
            )
        };
        let Some(raw) = item_len.and_then(|n| bytes.get(i..i + n)) else {
            if fields.is_empty() {
                return Err(DescriptorError::Truncated(at));
            }
            tracing::warn!("HID report descriptor cut short at byte {at}: the rest is ignored");
            break;
        };
        i += raw.len();
        if long {
            // Long items (size, tag, data) define nothing NUT reads.
            continue;
        }
        let size = raw.len();
        let data = raw
            .iter()
            .rev()
            .fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
        let full_usage = |data: u32, page: u32| {
            if size == 4 {
                data
            } else {
                (page << 16) | (data & 0xFFFF)
            }
        };
        match prefix & 0xFC {
            // Main items.
            0x80 | 0x90 | 0xB0 => {
                let kind = match prefix & 0xFC {
                    0x80 => ReportKind::Input,
                    0x90 => ReportKind::Output,
                    _ => ReportKind::Feature,
                };
                let offset = offsets.entry((kind, g.report_id)).or_insert(0);
                // A Constant item without a usage is padding; with one (a read-only
                // value, e.g. CapacityMode) it is data, as NUT lists it.
                let padding = data & 1 == 1 && usages.is_empty();
                if padding {
                    // Padding only moves the offset: in one step, however large the count.
                    let bits = u64::from(g.report_size) * u64::from(g.report_count);
                    *offset = u32::try_from(u64::from(*offset) + bits)
                        .ok()
                        .filter(|o| *o <= MAX_REPORT_BITS)
                        .ok_or(DescriptorError::Oversized(at))?;
                } else {
                    // What every field of this item shares.
                    let logical_max = logical_max(g.logical_min, g.logical_max);
                    let physical_range = match (g.physical_min, g.physical_max) {
                        (Some(0), Some(0)) => None,
                        (Some(lo), Some(hi)) => Some((lo, hi)),
                        _ => None,
                    };
                    for n in 0..g.report_count {
                        // A zero-sized field holds nothing and moves nothing.
                        if g.report_size == 0 {
                            break;
                        }
                        if fields.len() >= MAX_FIELDS {
                            return Err(DescriptorError::TooComplex(at));
                        }
                        let usage = usages
                            .get(n as usize)
                            .or(usages.last())
                            .copied()
                            .unwrap_or(0);
                        let mut p = path.clone();
                        p.push(usage);
                        fields.push(Field {
                            path: p,
                            kind,
                            report_id: g.report_id,
                            offset: *offset,
                            size: g.report_size,
                            logical_min: g.logical_min,
                            logical_max,
                            physical_range,
                            unit: g.unit,
                            unit_exponent: g.unit_exponent,
                            flags: data,
                        });
                        *offset = offset
                            .checked_add(g.report_size)
                            .filter(|o| *o <= MAX_REPORT_BITS)
                            .ok_or(DescriptorError::Oversized(at))?;
                    }
                }
                usages.clear();
                usage_min = None;
            }
            0xA0 => {
                if path.len() >= MAX_DEPTH {
                    return Err(DescriptorError::TooComplex(at));
                }
                path.push(usages.first().copied().unwrap_or(0));
                usages.clear();
                usage_min = None;
            }
            0xC0 => {
                path.pop().ok_or(DescriptorError::Unbalanced(at))?;
                usages.clear();
                usage_min = None;
            }
            // Global items.
            0x04 => g.usage_page = data,
            0x14 => g.logical_min = signed(data, size),
            0x24 => g.logical_max = (data, size),
            0x34 => g.physical_min = Some(signed(data, size)),
            0x44 => g.physical_max = Some(signed(data, size)),
            0x54 => {
                let nibble = (data & 0x0F) as i8;
                g.unit_exponent = if nibble >= 8 { nibble - 16 } else { nibble };
            }
            0x64 => g.unit = data,
            // Sizes over 32 bits are kept (the offsets must move by them); such fields read
            // as unavailable.
            0x74 => g.report_size = data.min(MAX_REPORT_BITS),
            0x84 => g.report_id = data as u8,
            0x94 => g.report_count = data.min(MAX_REPORT_BITS),
            0xA4 => {
                if stack.len() >= MAX_DEPTH {
                    return Err(DescriptorError::TooComplex(at));
                }
                stack.push(g);
            }
            0xB4 => g = stack.pop().ok_or(DescriptorError::Unbalanced(at))?,
            // Local items.
            0x08 if usages.len() < MAX_USAGES => usages.push(full_usage(data, g.usage_page)),
            0x18 => usage_min = Some(full_usage(data, g.usage_page)),
            0x28 => {
                if let Some(min) = usage_min.take() {
                    let max = full_usage(data, g.usage_page);
                    // A range of at most a few hundred usages; more is not a UPS.
                    let room = MAX_USAGES.saturating_sub(usages.len());
                    usages.extend((min..=max).take(room));
                }
            }
            // String index, designators, delimiters: not needed.
            _ => {}
        }
    }
    Ok(fields)
}

impl Field {
    /// The raw value in a report buffer whose first byte is the report ID (NUT `GetValue`):
    /// the bits, masked to the logical range's width, sign-extended when it is signed,
    /// clamped to the range. None when the buffer is too short.
    pub fn value(&self, report: &[u8]) -> Option<i64> {
        if self.size == 0 || self.size > 32 {
            return None;
        }
        let start = self.offset as usize + 8;
        let end = start + self.size as usize;
        if end > report.len() * 8 {
            return None;
        }
        let mut raw: u64 = 0;
        for (k, bit) in (start..end).enumerate() {
            if report[bit / 8] >> (bit % 8) & 1 == 1 {
                raw |= 1 << k;
            }
        }
        let (min, max) = (self.logical_min, self.logical_max);
        let magnitude = |v: i64| if v >= 0 { v } else { -(v + 1) };
        let top = magnitude(max).max(magnitude(min)) as u64;
        let bits = 64 - top.leading_zeros();
        let signbit: u64 = 1 << bits;
        let mask = (signbit - 1) | if min < 0 { signbit } else { 0 };
        let mut v = raw & mask;
        if min < 0 && v & signbit != 0 {
            v |= !mask;
        }
        let v = v as i64;
        Some(if min <= max { v.clamp(min, max) } else { v })
    }

    /// The physical value of a raw (logical) one, as NUT's `HIDGetDataValue`: mapped onto
    /// the physical range when there is one (clamped to it), then scaled by
    /// 10^(unit exponent), less 7 for the volt, volt-ampere and watt unit codes (HID's cgs
    /// convention, as NUT converts them).
    pub fn physical(&self, raw: i64) -> f64 {
        let v = match self.linear_map() {
            Some((lmin, pmin, pmax, factor)) => {
                ((raw - lmin) as f64 * factor + pmin as f64).clamp(pmin as f64, pmax as f64)
            }
            None => raw as f64,
        };
        v * self.scale()
    }

    /// The raw (logical) value to write for a physical one, as NUT's `HIDSetDataValue`: the
    /// inverse of [`Field::physical`]. `round_up` rounds a value between two logical steps up
    /// instead of to the nearest (a delay must never come out shorter than asked: a UPS
    /// counting in minutes gets 1 minute for 20 s, not 0). None for a value that is not finite
    /// or falls outside the field's range (C NUT clamps it silently).
    pub fn logical(&self, physical: f64, round_up: bool) -> Option<i64> {
        if !physical.is_finite() {
            return None;
        }
        let unscaled = physical / self.scale();
        let exact = match self.linear_map() {
            Some((lmin, pmin, _, factor)) => (unscaled - pmin as f64) / factor + lmin as f64,
            None => unscaled,
        };
        // Float noise (20 / 10^-1 ...) must not push an exact step up.
        let near = exact.round();
        let v = if round_up && exact - near > 1e-6 {
            exact.ceil()
        } else {
            near
        };
        let (lo, hi) = (self.logical_min, self.logical_max);
        if lo <= hi && (v < lo as f64 || v > hi as f64) {
            return None;
        }
        Some(v as i64)
    }

    /// 10^(unit exponent), with NUT's correction for the electrical units.
    fn scale(&self) -> f64 {
        let base = match self.unit {
            0x00F0_D121 | 0x0000_D121 => 7,
            _ => 0,
        };
        10f64.powi(i32::from(self.unit_exponent) - base)
    }

    /// (logical min, physical min, physical max, physical units per logical step) when the
    /// field maps its logical range onto a physical one; None where NUT takes the values as
    /// they are (no physical range, or a range that is empty or reversed).
    fn linear_map(&self) -> Option<(i64, i64, i64, f64)> {
        let (pmin, pmax) = self.physical_range?;
        let (lmin, lmax) = (self.logical_min, self.logical_max);
        if pmax <= pmin || lmax <= lmin {
            return None;
        }
        Some((
            lmin,
            pmin,
            pmax,
            (pmax - pmin) as f64 / (lmax - lmin) as f64,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(offset: u32, size: u32, min: i64, max: i64) -> Field {
        Field {
            path: vec![],
            kind: ReportKind::Feature,
            report_id: 0,
            offset,
            size,
            logical_min: min,
            logical_max: max,
            physical_range: None,
            unit: 0,
            unit_exponent: 0,
            flags: 2,
        }
    }

    /// (report buffer, offset, size, logical min, logical max, expected value).
    type Case = (&'static [u8], u32, u32, i64, i64, i64);

    /// The vectors of NUT's tests/getvaluetest.c (spec 3.2).
    #[test]
    fn get_value_matches_nut() {
        let cases: &[Case] = &[
            (&[0x00, 0xff, 0xff, 0xff, 0xff], 0, 32, -1, 2147483647, -1),
            (&[0x00, 0xff], 0, 8, -1, 127, -1),
            (&[0x00, 0xff], 0, 8, 0, 127, 127),
            (&[0x00, 0xff], 0, 8, 0, 255, 255),
            (&[0x33, 0x00, 0x0a, 0x08, 0x80], 0, 32, 0, 65535, 2560),
            (&[0x00, 0x00, 0x08, 0x00, 0x00], 0, 32, 0, 65535, 2048),
            (&[0x06, 0x00, 0x00, 0x08], 16, 8, 0, 255, 8),
            (&[0x16, 0x0c, 0x00, 0x00, 0x00], 2, 1, 0, 1, 1),
            (&[0x16, 0x0c, 0x00, 0x00, 0x00], 3, 1, 0, 1, 1),
        ];
        for (buf, off, size, min, max, want) in cases {
            assert_eq!(
                field(*off, *size, *min, *max).value(buf),
                Some(*want),
                "{buf:02x?} {off} {size}"
            );
        }
        for off in (0..=10).filter(|o| *o != 2 && *o != 3) {
            assert_eq!(
                field(off, 1, 0, 1).value(&[0x16, 0x0c, 0x00, 0x00, 0x00]),
                Some(0),
                "offset {off}"
            );
        }
        assert_eq!(field(0, 16, 0, 255).value(&[0x01, 0x02]), None, "too short");
    }

    #[test]
    fn truncated_and_unbalanced_descriptors_are_errors() {
        assert_eq!(parse(&[0x05]), Err(DescriptorError::Truncated(0)));
        assert_eq!(parse(&[0xc0]), Err(DescriptorError::Unbalanced(0)));
        assert_eq!(parse(&[0xb4]), Err(DescriptorError::Unbalanced(0)));
        assert_eq!(
            parse(&[0xfe, 0x05, 0x00]),
            Err(DescriptorError::Truncated(0))
        );
        assert!(parse(&[]).expect("empty").is_empty());
        // Cut short after a data field: the fields so far are kept, as NUT does.
        let tail = [0x75, 0x08, 0x95, 0x01, 0x09, 0x30, 0xb1, 0x02, 0x26];
        let fields = parse(&tail).expect("kept");
        assert_eq!(fields.len(), 1);
    }

    /// A hostile descriptor must not make the parser allocate without bound.
    #[test]
    fn hostile_descriptors_are_bounded() {
        // Push after push: refused past the nesting limit, not a growing stack.
        assert_eq!(
            parse(&[0xa4; 100]),
            Err(DescriptorError::TooComplex(MAX_DEPTH))
        );
        // A huge padding item moves the offset in one step (or is refused as oversized).
        assert!(matches!(
            parse(&[
                0x75, 0x01, 0x97, 0xff, 0xff, 0x07, 0x00, 0xb1, 0x01, 0xb1, 0x01
            ]),
            Err(DescriptorError::Oversized(_))
        ));
        // Report Size 0 with a huge count, then many Feature items: no fields, no hang.
        let mut d = vec![0x75, 0x00, 0x97, 0xf8, 0xff, 0x07, 0x00, 0x09, 0x01];
        for _ in 0..1000 {
            d.extend([0xb1, 0x02]);
        }
        assert!(parse(&d).expect("parses").is_empty());
        // Report Size 8, count 65535, many items: stops at the field cap.
        let mut d = vec![0x75, 0x08, 0x96, 0xff, 0xff, 0x09, 0x01];
        for _ in 0..10 {
            d.extend([0xb1, 0x02]);
        }
        assert!(matches!(
            parse(&d),
            Err(DescriptorError::TooComplex(_) | DescriptorError::Oversized(_))
        ));
        // Collections nested without end.
        let d: Vec<u8> = std::iter::repeat_n([0xa1, 0x00], 1000).flatten().collect();
        assert!(matches!(parse(&d), Err(DescriptorError::TooComplex(_))));
        // Endless usage ranges are capped per item.
        let mut d = Vec::new();
        for _ in 0..5000 {
            d.extend([0x19, 0x00, 0x2a, 0xff, 0xff]);
        }
        d.extend([0x75, 0x08, 0x95, 0x01, 0xb1, 0x02]);
        assert_eq!(parse(&d).expect("parses").len(), 1);
    }

    #[test]
    fn an_oversized_field_keeps_the_offsets_of_the_next_ones() {
        // Report Size 40 (over 32 bits), count 1, then a Size 8 field.
        let d = [
            0x05, 0x84, 0x75, 0x28, 0x95, 0x01, 0x09, 0x30, 0xb1, 0x02, 0x75, 0x08, 0x09, 0x31,
            0xb1, 0x02,
        ];
        let f = parse(&d).expect("parses");
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].value(&[0; 8]), None, "over 32 bits: unavailable");
        assert_eq!(f[1].offset, 40);
    }

    #[test]
    fn a_negative_maximum_over_a_non_negative_minimum_reads_unsigned() {
        assert_eq!(logical_max(0, (0xff, 1)), 255);
        assert_eq!(logical_max(-1, (0xff, 1)), -1);
        assert_eq!(logical_max(0, (0x7f, 1)), 127);
        assert_eq!(logical_max(0, (0xffff_ffff, 4)), 4_294_967_295);
    }

    #[test]
    fn the_spec_example_walks() {
        // Usage Page (Power Device), Usage (UPS), Collection (Application), Usage
        // (PowerSummary), Collection (Physical), Report ID 1, Usage (iProduct), String Index
        // 1, Report Size 8, Report Count 1, Logical Min 0, Logical Max 255, Feature.
        let d = [
            0x05, 0x84, 0x09, 0x04, 0xa1, 0x01, 0x09, 0x24, 0xa1, 0x00, 0x85, 0x01, 0x09, 0xfe,
            0x79, 0x01, 0x75, 0x08, 0x95, 0x01, 0x15, 0x00, 0x26, 0xff, 0x00, 0xb1, 0x02, 0xc0,
            0xc0,
        ];
        let f = parse(&d).expect("parses");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].path, [0x0084_0004, 0x0084_0024, 0x0084_00fe]);
        assert_eq!((f[0].report_id, f[0].offset, f[0].size), (1, 0, 8));
        assert_eq!((f[0].logical_min, f[0].logical_max), (0, 255));
        assert_eq!(f[0].kind, ReportKind::Feature);
    }

    proptest::proptest! {
        /// Any bytes from a device: a parse result or an error, never a panic, and every
        /// field reads (or declines to read) any report without panicking.
        #[test]
        fn any_descriptor_and_report_are_handled(
            desc in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            report in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
        ) {
            if let Ok(fields) = parse(&desc) {
                proptest::prop_assert!(fields.len() <= MAX_FIELDS);
                for f in &fields {
                    proptest::prop_assert!(f.path.len() <= MAX_DEPTH + 1);
                    if let Some(v) = f.value(&report) {
                        if f.logical_min <= f.logical_max {
                            proptest::prop_assert!(v >= f.logical_min && v <= f.logical_max);
                        }
                        let _ = f.physical(v);
                    }
                }
            }
        }
    }
}
