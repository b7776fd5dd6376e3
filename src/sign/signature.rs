//! Signature: `Hex(HMAC(kSigning, StringToSign))` (SigV4), or the hex of a DER ECDSA signature
//! (SigV4a, [`super::sigv4a::ecdsa`]).

use super::encoding::hex_fill;
use super::scope::CredentialScope;
use super::signing_key::{hmac_sha256, SigningKey};
use super::string_to_sign::StringToSign;
use crate::context::Context;
use std::fmt;

/// The signature: 64 lower-case hex digits kept inline (SigV4), or the hex of a DER ECDSA
/// signature (SigV4a).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(Hex);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Hex {
    Mac([u8; 64]),
    Der(String),
}

impl Signature {
    /// `signature = Hex(HMAC-SHA256(kSigning, StringToSign))`.
    pub fn new(key: &SigningKey, string_to_sign: &StringToSign) -> Signature {
        Signature::from_mac(&hmac_sha256(key.as_bytes(), string_to_sign.as_bytes()))
    }

    /// The signature of `string_to_sign` under the key derived from the context's secret, date,
    /// region and service: the reference's answer for a string to sign written by anyone.
    pub fn for_context(context: &Context, string_to_sign: &[u8]) -> Signature {
        let scope_date = context.timestamp.scope_date();
        let scope = CredentialScope::new(&scope_date, &context.region, &context.service);
        let key = SigningKey::derive(&context.credentials.secret_access_key, &scope);
        Signature::from_mac(&hmac_sha256(key.as_bytes(), string_to_sign))
    }

    /// A signature as a request carries it: 64 lower-case hex digits, else `None`.
    pub fn parse_hex(text: &str) -> Option<Signature> {
        let bytes: [u8; 64] = text.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
            .then_some(Signature(Hex::Mac(bytes)))
    }

    /// The hex of an HMAC result.
    pub fn from_mac(mac: &[u8; 32]) -> Signature {
        let mut hex = [0u8; 64];
        hex_fill(&mut hex, mac);
        Signature(Hex::Mac(hex))
    }

    /// A SigV4a signature: the hex of its DER encoding.
    pub fn from_der_hex(hex: String) -> Signature {
        Signature(Hex::Der(hex))
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // Only hex digits were written.
            Hex::Mac(hex) => std::str::from_utf8(hex).unwrap_or_default(),
            Hex::Der(hex) => hex,
        }
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
