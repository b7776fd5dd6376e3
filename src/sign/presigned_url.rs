//! The presigned URL of query mode.

use std::fmt;

/// `https://host/path?query`: the path as it goes on the wire (not the canonical URI), the
/// request's own parameters in their order, then the `X-Amz-*` parameters, `X-Amz-Signature`
/// after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedUrl(String);

impl PresignedUrl {
    /// Assembles the URL from the host, the wire path and the full query string.
    pub fn new(host: &str, wire_path: &str, query: &str) -> PresignedUrl {
        PresignedUrl(format!("https://{host}{wire_path}?{query}"))
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PresignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
