//! The signed message envelope: the event-stream message that carries an event on the wire, with
//! its `:date` and `:chunk-signature` headers and the event's payload.
//!
//! ```text
//! Message   = u32_be(TotalLength) + u32_be(HeadersLength) + u32_be(CRC32(first 8 bytes))
//!           + Headers + Payload + u32_be(CRC32(everything before))
//! Headers   = DateHeader + u8(16) + ":chunk-signature" + u8(6 = bytes) + u16_be(32) + signature
//! ```
//!
//! The signature is carried as its 32 bytes, not as hex. Header order carries no meaning: the
//! AWS SDKs for Go v2 and JavaScript write `:date` first, as here; the aws-sigv4 crate writes
//! `:chunk-signature` first. That is why the suite compares strings to sign and signatures, not
//! envelopes.

use super::date_header::DateHeader;
use crate::sign::signature::Signature;
use std::fmt;

/// `:chunk-signature`, the header that carries the event's signature.
pub const SIGNATURE_HEADER_NAME: &str = ":chunk-signature";

/// The event-stream header value type of a byte array.
pub const BYTES_TYPE: u8 = 6;

/// The prelude (two lengths and its CRC) plus the message CRC: 16 bytes.
const FRAMING: usize = 16;

static CRC32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// An encoded, signed event-stream message. `Display` is its lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedMessage(Vec<u8>);

impl SignedMessage {
    /// Wraps `payload` with its `:date` header and `signature`. A signature that is not 64 hex
    /// digits is carried as its text's bytes (the reference only makes hex ones).
    pub fn new(date_header: &DateHeader, signature: &Signature, payload: &[u8]) -> SignedMessage {
        let signature_bytes =
            hex::decode(signature.as_str()).unwrap_or_else(|_| signature.as_str().into());
        let mut headers = Vec::with_capacity(64);
        headers.extend_from_slice(date_header.as_bytes());
        headers.push(SIGNATURE_HEADER_NAME.len() as u8);
        headers.extend_from_slice(SIGNATURE_HEADER_NAME.as_bytes());
        headers.push(BYTES_TYPE);
        headers.extend_from_slice(&(signature_bytes.len() as u16).to_be_bytes());
        headers.extend_from_slice(&signature_bytes);
        let total = FRAMING + headers.len() + payload.len();
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_be_bytes());
        out.extend_from_slice(&(headers.len() as u32).to_be_bytes());
        let prelude_crc = CRC32.checksum(&out);
        out.extend_from_slice(&prelude_crc.to_be_bytes());
        out.extend_from_slice(&headers);
        out.extend_from_slice(payload);
        let message_crc = CRC32.checksum(&out);
        out.extend_from_slice(&message_crc.to_be_bytes());
        SignedMessage(out)
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for SignedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timestamp::Timestamp;

    #[test]
    fn frames_the_payload_with_lengths_headers_and_crcs() {
        let signature = Signature::parse_hex(&"ab".repeat(32)).unwrap();
        let header = DateHeader::new(Timestamp::from_unix(0));
        let message = SignedMessage::new(&header, &signature, b"A");
        let bytes = message.as_bytes();
        // 15 (:date) + 1 + 16 + 1 + 2 + 32 (:chunk-signature) = 67 header bytes.
        assert_eq!(&bytes[..8], &[0, 0, 0, 84, 0, 0, 0, 67]);
        assert_eq!(bytes.len(), 84);
        assert_eq!(&bytes[12..27], header.as_bytes());
        assert_eq!(&bytes[27..45], b"\x10:chunk-signature\x06");
        assert_eq!(&bytes[45..47], &[0, 32]);
        assert_eq!(bytes[79], b'A');
        let crc = |b: &[u8]| CRC32.checksum(b).to_be_bytes();
        assert_eq!(&bytes[8..12], &crc(&bytes[..8]));
        assert_eq!(&bytes[80..], &crc(&bytes[..80]));
    }
}
