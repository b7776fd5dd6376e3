//! String to sign.

use super::canonical_request::CanonicalRequest;
use super::encoding::hex_into;
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
        scope: &CredentialScope,
        canonical_request: &CanonicalRequest,
    ) -> StringToSign {
        let mut text =
            String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.as_str().len() + 67);
        text.push_str(ALGORITHM);
        text.push('\n');
        text.push_str(amz_date);
        text.push('\n');
        text.push_str(scope.as_str());
        text.push('\n');
        hex_into(&mut text, &Sha256::digest(canonical_request.as_bytes()));
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
