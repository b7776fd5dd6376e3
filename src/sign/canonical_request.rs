//! Canonical request: the six lines that are hashed into the string to sign.

use super::headers::{CanonicalHeaders, SignedHeaders};
use super::payload::PayloadHash;
use super::query::CanonicalQuery;
use super::uri::CanonicalUri;
use std::fmt;
use std::ops::Range;

/// ```text
/// CanonicalRequest = HTTPMethod + '\n' + CanonicalURI + '\n' + CanonicalQueryString + '\n'
///                  + CanonicalHeaders + '\n' + SignedHeaders + '\n' + HashedPayload
/// ```
/// where `CanonicalHeaders` ends each line with `\n`, so a blank line follows the block.
/// Kept as bytes in one buffer (header values may hold any byte, and the hash is over the
/// bytes); each part is a typed view into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    bytes: Vec<u8>,
    uri: Range<usize>,
    query: Range<usize>,
    headers: Range<usize>,
    signed_headers: Range<usize>,
    payload: Range<usize>,
}

/// Writes a canonical request part by part, remembering where each part is.
pub struct CanonicalRequestWriter {
    bytes: Vec<u8>,
    starts: [usize; 6],
}

impl CanonicalRequestWriter {
    /// Starts with the method line.
    pub fn new(method: &str, capacity: usize) -> CanonicalRequestWriter {
        let mut bytes = Vec::with_capacity(capacity);
        bytes.extend_from_slice(method.as_bytes());
        bytes.push(b'\n');
        let start = bytes.len();
        CanonicalRequestWriter {
            bytes,
            starts: [start; 6],
        }
    }

    /// The buffer to append the next part to.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Ends part `index` (0 URI, 1 query, 2 headers block, 3 signed headers, 4 payload hash) and
    /// its line (the headers block ends with a blank line).
    pub fn end_part(&mut self, index: usize) {
        self.starts[index + 1] = self.bytes.len();
        if index < 4 {
            self.bytes.push(b'\n');
        }
    }

    /// The finished canonical request.
    pub fn finish(self) -> CanonicalRequest {
        let s = self.starts;
        // Each part is followed by one '\n' (the headers block by the blank line's '\n').
        let range = |i: usize| s[i] + usize::from(i > 0)..s[i + 1];
        CanonicalRequest {
            uri: range(0),
            query: range(1),
            headers: range(2),
            signed_headers: range(3),
            payload: range(4),
            bytes: self.bytes,
        }
    }
}

impl CanonicalRequest {
    /// The exact bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn text(&self, range: &Range<usize>) -> &str {
        // These parts are written from strings (encoded ASCII, header names, literals).
        std::str::from_utf8(self.bytes.get(range.clone()).unwrap_or_default()).unwrap_or_default()
    }

    /// The canonical URI line.
    pub fn uri(&self) -> CanonicalUri<'_> {
        CanonicalUri(self.text(&self.uri))
    }

    /// The canonical query line.
    pub fn query(&self) -> CanonicalQuery<'_> {
        CanonicalQuery(self.text(&self.query))
    }

    /// The canonical headers block.
    pub fn headers(&self) -> CanonicalHeaders<'_> {
        CanonicalHeaders(self.bytes.get(self.headers.clone()).unwrap_or_default())
    }

    /// The signed headers line.
    pub fn signed_headers(&self) -> SignedHeaders<'_> {
        SignedHeaders(self.text(&self.signed_headers))
    }

    /// The payload hash line.
    pub fn payload_hash(&self) -> PayloadHash<'_> {
        PayloadHash(self.text(&self.payload))
    }
}

impl fmt::Display for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.bytes))
    }
}
