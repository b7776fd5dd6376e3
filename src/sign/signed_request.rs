//! The signed request, as written in the suite's `*-signed-request.txt` files.

use crate::request::{write_request, Header};
use std::fmt;

/// The request line, the original headers followed by the ones signing added, a blank line and
/// the body. Header mode keeps the request target as written; query mode's target carries the
/// presigned query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest(Vec<u8>);

impl SignedRequest {
    /// Writes `method target version`, every header (with its continuation lines), a blank line
    /// and the body.
    pub fn new<'a>(
        method: &str,
        target: &[u8],
        version: &str,
        headers: impl IntoIterator<Item = &'a Header>,
        body: &[u8],
    ) -> SignedRequest {
        SignedRequest(write_request(method, target, version, headers, body))
    }

    /// The exact bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}
