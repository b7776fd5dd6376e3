//! Payload hash: the canonical request's last line.

use super::encoding::hex_fill;
use super::settings::PayloadHashSource;
use sha2::{Digest, Sha256};
use std::fmt;

/// Hex SHA-256 of the body, or a literal such as `UNSIGNED-PAYLOAD`: a view into the canonical
/// request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadHash<'a>(pub(crate) &'a str);

impl PayloadHash<'_> {
    /// The text of the line.
    pub fn as_str(&self) -> &str {
        self.0
    }
}

impl fmt::Display for PayloadHash<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A payload hash before it is written into the canonical request: hex kept on the stack.
#[derive(Debug, Clone, Copy)]
pub enum PayloadText<'a> {
    /// Hex SHA-256 of the body.
    Hex([u8; 64]),
    /// A configured literal.
    Literal(&'a str),
}

impl PayloadText<'_> {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only hex digits were written.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text's bytes (what the canonical request is written from).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PayloadText::Hex(hex) => hex,
            PayloadText::Literal(text) => text.as_bytes(),
        }
    }
}

/// Hex SHA-256 of the empty string: the payload hash of every request without a body, which is
/// most of them, so it is not recomputed (botocore keeps it as `EMPTY_SHA256_HASH`).
pub const EMPTY_SHA256: &[u8; 64] =
    b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// `HashedPayload = Lowercase(HexEncode(Hash(payload)))`, or the configured literal.
pub fn payload_hash<'a>(source: &'a PayloadHashSource, body: &[u8]) -> PayloadText<'a> {
    match source {
        PayloadHashSource::BodySha256 if body.is_empty() => PayloadText::Hex(*EMPTY_SHA256),
        PayloadHashSource::BodySha256 => {
            let mut hex = [0u8; 64];
            hex_fill(&mut hex, &Sha256::digest(body));
            PayloadText::Hex(hex)
        }
        PayloadHashSource::Literal(literal) => PayloadText::Literal(literal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_body_constant_is_the_hash_of_nothing() {
        let mut hex = [0u8; 64];
        hex_fill(&mut hex, &Sha256::digest(b""));
        assert_eq!(&hex, EMPTY_SHA256);
    }

    #[test]
    fn hashes_or_passes_literals() {
        let cases: &[(PayloadHashSource, &[u8], &str)] = &[
            (
                PayloadHashSource::BodySha256,
                b"",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                PayloadHashSource::BodySha256,
                b"Welcome to Amazon S3.",
                "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
            ),
            (
                PayloadHashSource::Literal("UNSIGNED-PAYLOAD".into()),
                b"x",
                "UNSIGNED-PAYLOAD",
            ),
        ];
        for (source, body, want) in cases {
            assert_eq!(payload_hash(source, body).as_str(), *want);
        }
    }
}
