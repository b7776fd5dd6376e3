//! Canonical request: the six lines that are hashed into the string to sign.

use super::headers::{CanonicalHeaders, SignedHeaders};
use super::payload::PayloadHash;
use super::query::CanonicalQuery;
use super::uri::CanonicalUri;
use std::fmt;

/// ```text
/// CanonicalRequest = HTTPMethod + '\n' + CanonicalURI + '\n' + CanonicalQueryString + '\n'
///                  + CanonicalHeaders + '\n' + SignedHeaders + '\n' + HashedPayload
/// ```
/// where `CanonicalHeaders` ends each line with `\n`, so a blank line follows the block.
/// Kept as bytes: header values may hold any byte, and the hash is over the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest(Vec<u8>);

impl CanonicalRequest {
    /// Assembles the canonical request from its parts.
    pub fn new(
        method: &str,
        uri: &CanonicalUri,
        query: &CanonicalQuery,
        headers: &CanonicalHeaders,
        signed_headers: &SignedHeaders,
        payload: &PayloadHash,
    ) -> CanonicalRequest {
        let mut out = Vec::with_capacity(256);
        for line in [method, uri.as_str(), query.as_str()] {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        headers.write_to(&mut out);
        out.push(b'\n');
        out.extend_from_slice(signed_headers.as_str().as_bytes());
        out.push(b'\n');
        out.extend_from_slice(payload.as_str().as_bytes());
        CanonicalRequest(out)
    }

    /// The exact bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}
