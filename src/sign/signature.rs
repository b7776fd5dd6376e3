//! Signature: `Hex(HMAC(kSigning, StringToSign))`.

use super::encoding::hex_fill;
use super::signing_key::{hmac_sha256, SigningKey};
use super::string_to_sign::StringToSign;
use std::fmt;

/// The signature, 64 lower-case hex digits, kept inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature([u8; 64]);

impl Signature {
    /// `signature = Hex(HMAC-SHA256(kSigning, StringToSign))`.
    pub fn new(key: &SigningKey, string_to_sign: &StringToSign) -> Signature {
        Signature::from_mac(&hmac_sha256(key.as_bytes(), string_to_sign.as_bytes()))
    }

    /// The hex of an HMAC result.
    pub fn from_mac(mac: &[u8; 32]) -> Signature {
        let mut hex = [0u8; 64];
        hex_fill(&mut hex, mac);
        Signature(hex)
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        // Only hex digits were written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
