//! String to sign.

use super::canonical_request::CanonicalRequest;
use super::encoding::hex_fill;
use super::scope::CredentialScope;
use sha2::{Digest, Sha256};
use std::fmt;

/// `ALGORITHM`, the first line of the string to sign and of the Authorization header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// ```text
/// StringToSign = "AWS4-HMAC-SHA256" + '\n' + RequestDateTime + '\n' + CredentialScope + '\n'
///              + Lowercase(HexEncode(SHA256(CanonicalRequest)))
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringToSign(String);

impl StringToSign {
    /// Builds the string to sign; `amz_date` is the request time as `YYYYMMDD'T'HHMMSS'Z'`.
    pub fn new(
        amz_date: &str,
        scope: &CredentialScope<'_>,
        canonical_request: &CanonicalRequest,
    ) -> StringToSign {
        let mut text = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 67);
        for part in [ALGORITHM, "\n", amz_date, "\n"]
            .into_iter()
            .chain(scope.parts())
            .chain(["\n"])
        {
            text.push_str(part);
        }
        let mut hash = [0u8; 64];
        hex_fill(&mut hash, &Sha256::digest(canonical_request.as_bytes()));
        // Only hex digits were written.
        text.push_str(std::str::from_utf8(&hash).unwrap_or_default());
        StringToSign(text)
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
