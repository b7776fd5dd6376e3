//! One chunk's string to sign and signature.
//!
//! ```text
//! StringToSign = "AWS4-HMAC-SHA256-PAYLOAD" + '\n' + RequestDateTime + '\n' + CredentialScope + '\n'
//!              + PreviousSignature + '\n' + Hex(SHA256("")) + '\n' + Hex(SHA256(ChunkData))
//! ChunkSignature = Hex(HMAC-SHA256(kSigning, StringToSign))
//! ```
//!
//! The previous signature is the seed's for the first chunk, and the previous chunk's after it;
//! the final chunk is empty and signed like any other
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html>).
//!
//! SigV4a's is the same with `AWS4-ECDSA-P256-SHA256-PAYLOAD` first, the scope without region
//! (`20130524/s3/aws4_request`) and the previous signature without its `*` padding; it is signed
//! with ECDSA P-256 over `SHA-256(StringToSign)` (aws-c-auth `source/aws_signing.c`,
//! `s_build_canonical_request_body_chunk`).

use crate::sign::encoding::hex_fill;
use crate::sign::payload::EMPTY_SHA256;
use std::fmt;

/// `AWS4-HMAC-SHA256-PAYLOAD`, the first line of a chunk's string to sign.
pub const CHUNK_ALGORITHM: &str = "AWS4-HMAC-SHA256-PAYLOAD";

/// `AWS4-ECDSA-P256-SHA256-PAYLOAD`, the first line of a SigV4a chunk's string to sign.
pub const ECDSA_CHUNK_ALGORITHM: &str = "AWS4-ECDSA-P256-SHA256-PAYLOAD";

/// A chunk's string to sign (see the module's formula).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkStringToSign(String);

impl ChunkStringToSign {
    /// Builds it from the chunk data's SHA-256 (so a chunk arriving in pieces is hashed as it
    /// comes); `scope` is the credential scope's text.
    pub fn from_hash(
        amz_date: &str,
        scope: &str,
        previous: &str,
        chunk_sha256: &[u8; 32],
    ) -> ChunkStringToSign {
        ChunkStringToSign::with_algorithm(CHUNK_ALGORITHM, amz_date, scope, previous, chunk_sha256)
    }

    /// Builds it with `algorithm` as its first line ([`CHUNK_ALGORITHM`] or
    /// [`ECDSA_CHUNK_ALGORITHM`]).
    pub fn with_algorithm(
        algorithm: &str,
        amz_date: &str,
        scope: &str,
        previous: &str,
        chunk_sha256: &[u8; 32],
    ) -> ChunkStringToSign {
        let mut hash = [0u8; 64];
        hex_fill(&mut hash, chunk_sha256);
        let mut text = String::with_capacity(
            algorithm.len() + amz_date.len() + scope.len() + previous.len() + 133,
        );
        for part in [algorithm, "\n", amz_date, "\n", scope, "\n", previous, "\n"] {
            text.push_str(part);
        }
        text.push_str(std::str::from_utf8(EMPTY_SHA256).unwrap_or_default());
        text.push('\n');
        text.push_str(std::str::from_utf8(&hash).unwrap_or_default());
        ChunkStringToSign(text)
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChunkStringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
