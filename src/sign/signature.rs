//! Signature: `Hex(HMAC(kSigning, StringToSign))`.

use super::encoding::hex_lower;
use super::signing_key::{hmac_sha256, SigningKey};
use super::string_to_sign::StringToSign;
use std::fmt;

/// The signature, 64 lower-case hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(String);

impl Signature {
    /// `signature = Hex(HMAC-SHA256(kSigning, StringToSign))`.
    pub fn new(key: &SigningKey, string_to_sign: &StringToSign) -> Signature {
        Signature(hex_lower(&hmac_sha256(
            key.as_bytes(),
            string_to_sign.as_str().as_bytes(),
        )))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
