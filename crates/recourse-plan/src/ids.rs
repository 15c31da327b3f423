//! Identifiers and time. Ids are 128-bit values the caller draws from a secure random source;
//! time is seconds since the Unix epoch, passed in (this crate has no clock).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An id that is not 32 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind} id `{text}`: expected 32 lowercase hex digits")]
pub struct InvalidId {
    /// `plan` or `approval`.
    pub kind: &'static str,
    /// The text given.
    pub text: String,
}

macro_rules! id_type {
    ($name:ident, $kind:literal, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 16]);

        impl $name {
            /// From 16 random bytes.
            pub const fn from_bytes(b: [u8; 16]) -> Self {
                $name(b)
            }
            /// The raw bytes.
            pub const fn as_bytes(&self) -> &[u8; 16] {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                for b in self.0 {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                let err = || InvalidId {
                    kind: $kind,
                    text: s.chars().take(80).collect(),
                };
                let b = s.as_bytes();
                if b.len() != 32 || !b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
                    return Err(err());
                }
                let mut out = [0u8; 16];
                for (i, pair) in b.chunks_exact(2).enumerate() {
                    let hex = std::str::from_utf8(pair).map_err(|_| err())?;
                    out[i] = u8::from_str_radix(hex, 16).map_err(|_| err())?;
                }
                Ok($name(out))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

id_type!(PlanId, "plan", "A stored plan's id.");
id_type!(ApprovalId, "approval", "An approval's id.");

/// Seconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// `self + secs`, saturating.
    #[must_use]
    pub fn plus(self, secs: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(secs))
    }

    /// RFC 3339 text, e.g. `2026-11-21T09:30:00Z`.
    pub fn to_rfc3339(self) -> String {
        // Civil-from-days (H. Hinnant), valid for the whole u64 range we use.
        let secs = self.0;
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = if m <= 2 { y + 1 } else { y };
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_reject_junk() {
        let id = PlanId::from_bytes([0xab; 16]);
        let s = id.to_string();
        assert_eq!(s.len(), 32);
        assert_eq!(s.parse::<PlanId>().unwrap(), id);
        for bad in [
            "",
            "xyz",
            &"A".repeat(32),
            &"a".repeat(31),
            &"a".repeat(33),
            "--all",
        ] {
            assert!(bad.parse::<PlanId>().is_err(), "{bad}");
            assert!(bad.parse::<ApprovalId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rfc3339() {
        assert_eq!(Timestamp(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Timestamp(1_795_253_400).to_rfc3339(),
            "2026-11-21T09:30:00Z"
        );
        assert_eq!(Timestamp(951_782_400).to_rfc3339(), "2000-02-29T00:00:00Z");
    }
}
