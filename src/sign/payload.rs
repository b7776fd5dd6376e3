//! Payload hash: the canonical request's last line.

use super::encoding::hex_lower;
use super::settings::PayloadHashSource;
use sha2::{Digest, Sha256};
use std::fmt;

/// Hex SHA-256 of the body, or a literal such as `UNSIGNED-PAYLOAD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadHash(String);

impl PayloadHash {
    /// `HashedPayload = Lowercase(HexEncode(Hash(payload)))`, or the configured literal.
    pub fn new(source: &PayloadHashSource, body: &[u8]) -> PayloadHash {
        match source {
            PayloadHashSource::BodySha256 => PayloadHash(hex_lower(&Sha256::digest(body))),
            PayloadHashSource::Literal(literal) => PayloadHash(literal.clone()),
        }
    }

    /// The text of the line.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PayloadHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_or_passes_literals() {
        let empty = PayloadHash::new(&PayloadHashSource::BodySha256, b"");
        assert_eq!(
            empty.as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let body = PayloadHash::new(&PayloadHashSource::BodySha256, b"Welcome to Amazon S3.");
        assert_eq!(
            body.as_str(),
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        );
        let literal =
            PayloadHash::new(&PayloadHashSource::Literal("UNSIGNED-PAYLOAD".into()), b"x");
        assert_eq!(literal.as_str(), "UNSIGNED-PAYLOAD");
    }
}
