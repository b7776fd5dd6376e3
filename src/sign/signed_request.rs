//! The signed request, as written in the suite's `*-signed-request.txt` files.

use crate::request::Header;
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
        let mut out = Vec::with_capacity(256 + body.len());
        out.extend_from_slice(method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(target);
        out.push(b' ');
        out.extend_from_slice(version.as_bytes());
        out.push(b'\n');
        for header in headers {
            header.write_lines(&mut out);
        }
        out.push(b'\n');
        out.extend_from_slice(body);
        SignedRequest(out)
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
