//! Tracking of `SET VAR` / `INSTCMD` results (protocol 1.3): the ids upsd hands out
//! (`OK TRACKING <id>`) and the status a `GET TRACKING <id>` reports.

use std::fmt;
use std::str::FromStr;

use super::error::ErrCode;
use super::reply::Reply;

/// A tracking id: a UUID, written upper case (`1BD31808-CB49-4AEC-9D75-D056E6F018D2`).
///
/// Stored as its 16 bytes, so two ids compare equal whatever the case of the hex digits they
/// were parsed from (upsd compares ids case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingId([u8; 16]);

/// A string that is not a UUID (`8-4-4-4-12` hex digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a tracking id (UUID expected)")]
pub struct TrackingIdError;

impl TrackingId {
    /// A version 4 UUID made from 16 random bytes the caller supplies (nut-core has no I/O;
    /// upsd reads them from the OS). The version and variant bits are forced.
    pub fn from_random(mut bytes: [u8; 16]) -> TrackingId {
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        TrackingId(bytes)
    }

    /// Parse a UUID in either case. Any UUID is accepted, not only version 4: a client should
    /// take whatever id the server issued.
    pub fn parse(text: &str) -> Result<TrackingId, TrackingIdError> {
        let raw = text.as_bytes();
        if raw.len() != 36 {
            return Err(TrackingIdError);
        }
        let mut bytes = [0u8; 16];
        let mut nibbles = 0usize;
        for (i, &c) in raw.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return Err(TrackingIdError);
                }
                continue;
            }
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err(TrackingIdError),
            };
            let byte = &mut bytes[nibbles / 2];
            *byte = (*byte << 4) | v;
            nibbles += 1;
        }
        Ok(TrackingId(bytes))
    }

    /// The 16 bytes of the UUID.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Whether `text` names this id (case-insensitive; a malformed string never matches).
    pub fn matches(&self, text: &str) -> bool {
        TrackingId::parse(text).is_ok_and(|other| other == *self)
    }
}

impl FromStr for TrackingId {
    type Err = TrackingIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TrackingId::parse(s)
    }
}

impl fmt::Display for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

/// What `GET TRACKING <id>` reports for an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackingStatus {
    /// The driver has not answered yet: `PENDING`.
    Pending,
    /// Driver result 0: `SUCCESS`.
    Success,
    /// Driver result 1 (command unknown to the driver), any other result (4, "conversion
    /// failed", included: Debian's upsd 2.8.0 answers it so, measured), or an id that was
    /// never issued or has expired: `ERR UNKNOWN`.
    Unknown,
    /// Driver result 2 (invalid argument): `ERR INVALID-ARGUMENT`.
    InvalidArgument,
    /// Driver result 3: `ERR FAILED`.
    Failed,
}

impl TrackingStatus {
    /// Map a driver's `TRACKING <id> <code>` result code (C `STAT_INSTCMD_*`).
    pub fn from_driver_code(code: i32) -> TrackingStatus {
        match code {
            0 => TrackingStatus::Success,
            2 => TrackingStatus::InvalidArgument,
            3 => TrackingStatus::Failed,
            _ => TrackingStatus::Unknown,
        }
    }

    /// The reply line upsd sends for this status.
    pub fn reply(self) -> Reply {
        match self {
            TrackingStatus::Pending => Reply::Pending,
            TrackingStatus::Success => Reply::Success,
            TrackingStatus::Unknown => Reply::Err(ErrCode::Unknown, None),
            TrackingStatus::InvalidArgument => Reply::Err(ErrCode::InvalidArgument, None),
            TrackingStatus::Failed => Reply::Err(ErrCode::Failed, None),
        }
    }

    /// The status a `GET TRACKING <id>` reply means, for clients (`upscmd -w`). `None` for a
    /// reply that is no tracking status (e.g. `ERR FEATURE-NOT-CONFIGURED`).
    pub fn from_reply(reply: &Reply) -> Option<TrackingStatus> {
        match reply {
            Reply::Pending => Some(TrackingStatus::Pending),
            Reply::Success => Some(TrackingStatus::Success),
            Reply::Err(ErrCode::Unknown, _) => Some(TrackingStatus::Unknown),
            Reply::Err(ErrCode::InvalidArgument, _) => Some(TrackingStatus::InvalidArgument),
            Reply::Err(ErrCode::Failed, _) => Some(TrackingStatus::Failed),
            _ => None,
        }
    }
}

impl fmt::Display for TrackingStatus {
    /// The reply text, e.g. `PENDING` or `ERR FAILED`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.reply().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_make_a_v4_uuid_in_upper_case() {
        let id = TrackingId::from_random([0xff; 16]);
        assert_eq!(id.to_string(), "FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF");
        let id = TrackingId::from_random([0; 16]);
        assert_eq!(id.to_string(), "00000000-0000-4000-8000-000000000000");
        let id = TrackingId::from_random([
            0x1b, 0xd3, 0x18, 0x08, 0xcb, 0x49, 0x0a, 0xec, 0x1d, 0x75, 0xd0, 0x56, 0xe6, 0xf0,
            0x18, 0xd2,
        ]);
        assert_eq!(id.to_string(), "1BD31808-CB49-4AEC-9D75-D056E6F018D2");
    }

    #[test]
    fn ids_parse_in_any_case_and_compare_case_insensitively() {
        let id = TrackingId::parse("1BD31808-CB49-4AEC-9D75-D056E6F018D2").unwrap();
        assert_eq!(id.to_string(), "1BD31808-CB49-4AEC-9D75-D056E6F018D2");
        let lower = TrackingId::parse("1bd31808-cb49-4aec-9d75-d056e6f018d2").unwrap();
        assert_eq!(id, lower);
        assert!(id.matches("1bd31808-CB49-4aec-9D75-d056e6f018d2"));
        assert!(!id.matches("1bd31808-CB49-4aec-9D75-d056e6f018d3"));
        assert!(!id.matches("garbage"));
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "",
            "1BD31808CB494AEC9D75D056E6F018D2",
            "1BD31808-CB49-4AEC-9D75-D056E6F018D",
            "1BD31808-CB49-4AEC-9D75-D056E6F018D22",
            "1BD31808+CB49-4AEC-9D75-D056E6F018D2",
            "GBD31808-CB49-4AEC-9D75-D056E6F018D2",
            "1BD31808-CB49-4AEC-9D75-D056E6F018\u{e9}",
        ] {
            assert_eq!(TrackingId::parse(bad), Err(TrackingIdError), "{bad:?}");
        }
    }

    #[test]
    fn driver_codes_map_as_upsd_does() {
        assert_eq!(TrackingStatus::from_driver_code(0), TrackingStatus::Success);
        assert_eq!(TrackingStatus::from_driver_code(1), TrackingStatus::Unknown);
        assert_eq!(
            TrackingStatus::from_driver_code(2),
            TrackingStatus::InvalidArgument
        );
        assert_eq!(TrackingStatus::from_driver_code(3), TrackingStatus::Failed);
        // The spec says INVALID-ARGUMENT; C upsd 2.8.0 answers ERR UNKNOWN.
        assert_eq!(TrackingStatus::from_driver_code(4), TrackingStatus::Unknown);
        assert_eq!(
            TrackingStatus::from_driver_code(-7),
            TrackingStatus::Unknown
        );
        let texts: Vec<String> = [
            TrackingStatus::Pending,
            TrackingStatus::Success,
            TrackingStatus::Unknown,
            TrackingStatus::InvalidArgument,
            TrackingStatus::Failed,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            texts,
            [
                "PENDING",
                "SUCCESS",
                "ERR UNKNOWN",
                "ERR INVALID-ARGUMENT",
                "ERR FAILED"
            ]
        );
    }

    #[test]
    fn statuses_come_back_from_their_replies() {
        for s in [
            TrackingStatus::Pending,
            TrackingStatus::Success,
            TrackingStatus::Unknown,
            TrackingStatus::InvalidArgument,
            TrackingStatus::Failed,
        ] {
            assert_eq!(TrackingStatus::from_reply(&s.reply()), Some(s));
        }
        assert_eq!(
            TrackingStatus::from_reply(&Reply::Err(ErrCode::FeatureNotConfigured, None)),
            None
        );
    }

    proptest::proptest! {
        #[test]
        fn generated_ids_display_and_parse_back(bytes in proptest::array::uniform16(proptest::num::u8::ANY)) {
            let id = TrackingId::from_random(bytes);
            let text = id.to_string();
            proptest::prop_assert_eq!(text.len(), 36);
            proptest::prop_assert_eq!(&text[14..15], "4");
            proptest::prop_assert!(matches!(&text[19..20], "8" | "9" | "A" | "B"));
            proptest::prop_assert!(!text.bytes().any(|b| b.is_ascii_lowercase()));
            proptest::prop_assert_eq!(TrackingId::parse(&text), Ok(id));
            proptest::prop_assert_eq!(TrackingId::parse(&text.to_ascii_lowercase()), Ok(id));
        }
    }
}
