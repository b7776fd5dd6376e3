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

/// What follows the canonical headers block (whose every line ends in `\n`): the `\n` that makes
/// the blank line before the signed headers.
pub const HEADERS_END: &[u8] = b"\n";

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
        if let Some(start) = self.starts.get_mut(index + 1) {
            *start = self.bytes.len();
        }
        if index == 2 {
            self.bytes.extend_from_slice(HEADERS_END);
        } else if index < 4 {
            self.bytes.push(b'\n');
        }
    }

    /// Ends the headers block (part 2) with `end` instead of the blank line's `\n`
    /// ([`HEADERS_END`]): for a signer that writes it another way (the mistake model).
    pub fn end_headers_with(&mut self, end: &[u8]) {
        if let Some(start) = self.starts.get_mut(3) {
            *start = self.bytes.len();
        }
        self.bytes.extend_from_slice(end);
    }

    /// The bytes written, without the typed views (which assume the reference's line ends).
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The finished canonical request.
    pub fn finish(self) -> CanonicalRequest {
        // `uri` is where the URI starts, each other the end of its part. Each part is followed
        // by one '\n' (the headers block by the blank line's '\n').
        let [uri, uri_end, query_end, headers_end, signed_headers_end, payload_end] = self.starts;
        CanonicalRequest {
            uri: uri..uri_end,
            query: uri_end + 1..query_end,
            headers: query_end + 1..headers_end,
            signed_headers: headers_end + 1..signed_headers_end,
            payload: signed_headers_end + 1..payload_end,
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
