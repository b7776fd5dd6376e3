//! String to sign.

use super::canonical_request::CanonicalRequest;
use super::scope::CredentialScope;
use crate::timestamp::Timestamp;
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
    /// Builds the string to sign.
    pub fn new(
        time: &Timestamp,
        scope: &CredentialScope,
        canonical_request: &CanonicalRequest,
    ) -> StringToSign {
        let hash = hex::encode(Sha256::digest(canonical_request.as_bytes()));
        StringToSign(format!("{ALGORITHM}\n{time}\n{scope}\n{hash}"))
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
