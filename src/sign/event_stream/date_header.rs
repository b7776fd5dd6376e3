//! The `:date` header of an event message, in event-stream binary encoding: the bytes whose
//! SHA-256 is the fifth line of the event's string to sign.
//!
//! ```text
//! DateHeader = u8(len(":date")) + ":date" + u8(8 = timestamp) + i64_be(milliseconds since 1970)
//! ```
//!
//! (`aws-c-event-stream`'s header encoding; the `:date` value is a timestamp in milliseconds, so a
//! signer that writes seconds hashes other bytes.)

use crate::timestamp::Timestamp;
use std::fmt;

/// `:date`, the header that carries the event's signing time.
pub const DATE_HEADER_NAME: &str = ":date";

/// The event-stream header value type of a timestamp.
pub const TIMESTAMP_TYPE: u8 = 8;

/// The encoded `:date` header: 15 bytes. `Display` is its lower-case hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateHeader([u8; 15]);

impl DateHeader {
    /// The header of a signing time (whole seconds, written as milliseconds).
    pub fn new(time: Timestamp) -> DateHeader {
        DateHeader::from_millis(time.unix_seconds().saturating_mul(1000))
    }

    /// The header of a time given in milliseconds since 1970.
    pub fn from_millis(millis: i64) -> DateHeader {
        let mut bytes = [0u8; 15];
        bytes[0] = DATE_HEADER_NAME.len() as u8;
        bytes[1..6].copy_from_slice(DATE_HEADER_NAME.as_bytes());
        bytes[6] = TIMESTAMP_TYPE;
        bytes[7..].copy_from_slice(&millis.to_be_bytes());
        DateHeader(bytes)
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8; 15] {
        &self.0
    }
}

impl fmt::Display for DateHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_name_type_and_big_endian_milliseconds() {
        // 1981-01-16T06:30:01Z = 348474601 s.
        let header = DateHeader::new(Timestamp::from_unix(348_474_601));
        assert_eq!(
            header.as_bytes(),
            &[5, b':', b'd', b'a', b't', b'e', 8, 0, 0, 0, 0x51, 0x22, 0xb4, 0x6e, 0x28]
        );
        assert_eq!(header.to_string(), "053a64617465080000005122b46e28");
    }
}
