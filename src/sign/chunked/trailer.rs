//! The trailing headers of an `aws-chunked` upload: their canonical form, string to sign and
//! signature.
//!
//! ```text
//! CanonicalTrailers = for each trailer, sorted by lower-case name:
//!                     Lowercase(Name) + ':' + Trim(Value) + '\n'
//! StringToSign      = "AWS4-HMAC-SHA256-TRAILER" + '\n' + RequestDateTime + '\n' + CredentialScope
//!                   + '\n' + FinalChunkSignature + '\n' + Hex(SHA256(CanonicalTrailers))
//! ```
//!
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html>; aws-c-auth's
//! trailer test hashes `first:1st\nsecond:2nd\nthird:3rd\n` to `83d8f190...`.) On the wire each
//! trailer is `name:value` ended by CRLF, and the signature follows as
//! `x-amz-trailer-signature:<hex>`.
//!
//! SigV4a's begins `AWS4-ECDSA-P256-SHA256-TRAILER`, with the scope without region and the final
//! chunk's signature without its padding; its signature is padded on the wire like a chunk's.

use crate::sign::encoding::hex_fill;
use sha2::{Digest, Sha256};
use std::fmt;

/// `AWS4-HMAC-SHA256-TRAILER`, the first line of the trailer's string to sign.
pub const TRAILER_ALGORITHM: &str = "AWS4-HMAC-SHA256-TRAILER";

/// `AWS4-ECDSA-P256-SHA256-TRAILER`, the first line of a SigV4a trailer's string to sign.
pub const ECDSA_TRAILER_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256-TRAILER";

/// The trailer that carries the trailer signature on the wire.
pub const TRAILER_SIGNATURE_NAME: &str = "x-amz-trailer-signature";

/// The canonical trailers (see the module's formula).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalTrailers(String);

impl CanonicalTrailers {
    /// Canonicalises `trailers` (`[name, value]` pairs as sent, in any order).
    pub fn new<'a>(trailers: impl IntoIterator<Item = (&'a str, &'a str)>) -> CanonicalTrailers {
        let mut lines: Vec<(String, &str)> = trailers
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.trim_matches([' ', '\t'])))
            .collect();
        lines.sort_by(|a, b| a.0.cmp(&b.0));
        let mut text = String::new();
        for (name, value) in lines {
            text.push_str(&name);
            text.push(':');
            text.push_str(value);
            text.push('\n');
        }
        CanonicalTrailers(text)
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The trailer's string to sign (see the module's formula).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailerStringToSign(String);

impl TrailerStringToSign {
    /// Builds it; `previous` is the final (empty) chunk's signature.
    pub fn new(
        amz_date: &str,
        scope: &str,
        previous: &str,
        trailers: &CanonicalTrailers,
    ) -> TrailerStringToSign {
        TrailerStringToSign::with_algorithm(TRAILER_ALGORITHM, amz_date, scope, previous, trailers)
    }

    /// Builds it with `algorithm` as its first line ([`TRAILER_ALGORITHM`] or
    /// [`ECDSA_TRAILER_ALGORITHM`]).
    pub fn with_algorithm(
        algorithm: &str,
        amz_date: &str,
        scope: &str,
        previous: &str,
        trailers: &CanonicalTrailers,
    ) -> TrailerStringToSign {
        let mut hash = [0u8; 64];
        hex_fill(&mut hash, &Sha256::digest(trailers.as_str().as_bytes()));
        let mut text = String::new();
        for part in [algorithm, "\n", amz_date, "\n", scope, "\n", previous, "\n"] {
            text.push_str(part);
        }
        text.push_str(std::str::from_utf8(&hash).unwrap_or_default());
        TrailerStringToSign(text)
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrailerStringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_trailers_are_lowercased_trimmed_and_sorted() {
        let canonical =
            CanonicalTrailers::new([("Third", " 3rd "), ("first", "1st"), ("SECOND", "\t2nd")]);
        assert_eq!(canonical.as_str(), "first:1st\nsecond:2nd\nthird:3rd\n");
        // aws-c-auth tests/test_chunked_signing.c, the SigV4a trailer string to sign's last line.
        assert_eq!(
            hex::encode(Sha256::digest(canonical.as_str().as_bytes())),
            "83d8f190334fb741bc8daf73c891689d320bd8017756bc730c540021ed48001f"
        );
        assert_eq!(CanonicalTrailers::new([]).as_str(), "");
    }
}
