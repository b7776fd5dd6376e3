//! The SigV4a signature: ECDSA P-256 over `SHA-256(StringToSign)`, DER-encoded, lower-case hex.
//!
//! ECDSA takes a random nonce in most signers, so a signature is checked by **verifying** it
//! under the public key, never by comparing it. The reference signs deterministically
//! (RFC 6979), which keeps this project's fixtures stable.

use super::key_derivation::{KeyPair, PublicKey};
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::ecdsa::Signature as EcdsaSignature;
use std::fmt;

/// `Hex(DER(ECDSA-P256-SHA256(d, StringToSign)))`, with the RFC 6979 nonce.
pub fn sign(key: &KeyPair, string_to_sign: &[u8]) -> String {
    let signature: EcdsaSignature = key.signing_key().sign(string_to_sign);
    hex::encode(signature.to_der().as_bytes())
}

/// Why a SigV4a signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The text is not hex digits.
    NotHex,
    /// The bytes are not a DER `SEQUENCE { r INTEGER, s INTEGER }` (a raw `r || s` is 64 bytes).
    NotDer {
        /// How many bytes it decodes to.
        length: usize,
    },
    /// A well-formed signature that does not verify under the key.
    Mismatch,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::NotHex => f.write_str("the signature is not hex"),
            VerifyError::NotDer { length: 64 } => f.write_str(
                "the signature is 64 bytes, not DER: a raw r || s pair where SigV4a sends DER",
            ),
            VerifyError::NotDer { length } => {
                write!(
                    f,
                    "the signature ({length} bytes) is not a DER ECDSA signature"
                )
            }
            VerifyError::Mismatch => {
                f.write_str("the signature does not verify under the public key")
            }
        }
    }
}

impl std::error::Error for VerifyError {}

/// Verifies a hex DER signature of `message` (the string to sign) under `public`.
pub fn verify(public: &PublicKey, message: &[u8], signature_hex: &[u8]) -> Result<(), VerifyError> {
    let text = std::str::from_utf8(signature_hex).map_err(|_| VerifyError::NotHex)?;
    let der = hex::decode(text.trim()).map_err(|_| VerifyError::NotHex)?;
    let signature =
        EcdsaSignature::from_der(&der).map_err(|_| VerifyError::NotDer { length: der.len() })?;
    let key = public.verifying_key().map_err(|_| VerifyError::Mismatch)?;
    key.verify(message, &signature)
        .map_err(|_| VerifyError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::super::key_derivation::Kdf;
    use super::*;
    use crate::context::SecretKey;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// The official suite's `v4a/get-vanilla` header mode: its string to sign and the signature
    /// aws-c-auth wrote for it (a random nonce: only verification can check it).
    const STS: &str = "AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\ncf59db423e841c8b7e3444158185aa261b724a5c27cbe762676f3eed19f4dc02";
    const OFFICIAL: &str = "3045022018b4e277d0281864beb51d3600e23f88510ea5031d68ddfbb68614b82a5eb7d2022100effb9c5f22ed9ef3ae0ab243d21f06bce82365bbb79529a07b6888c343ae5f8c";

    #[test]
    fn verifies_the_official_signature_and_our_own() {
        let pair = Kdf::SPEC
            .derive(&SecretKey::new(SECRET), "AKIDEXAMPLE")
            .unwrap();
        let public = pair.public_key();
        assert_eq!(verify(public, STS.as_bytes(), OFFICIAL.as_bytes()), Ok(()));
        let ours = sign(&pair, STS.as_bytes());
        assert_eq!(
            ours,
            sign(&pair, STS.as_bytes()),
            "RFC 6979 is deterministic"
        );
        assert_eq!(verify(public, STS.as_bytes(), ours.as_bytes()), Ok(()));
        let other = STS.replace("service", "servicf");
        assert_eq!(
            verify(public, other.as_bytes(), OFFICIAL.as_bytes()),
            Err(VerifyError::Mismatch)
        );
        let wrong_key = Kdf::SPEC
            .derive(&SecretKey::new("other"), "AKIDEXAMPLE")
            .unwrap();
        assert_eq!(
            verify(wrong_key.public_key(), STS.as_bytes(), OFFICIAL.as_bytes()),
            Err(VerifyError::Mismatch)
        );
    }

    #[test]
    fn malformed_signatures_say_why() {
        let pair = Kdf::SPEC
            .derive(&SecretKey::new(SECRET), "AKIDEXAMPLE")
            .unwrap();
        let signature: EcdsaSignature = pair.signing_key().sign(STS.as_bytes());
        let raw = hex::encode(signature.to_bytes());
        let err = verify(pair.public_key(), STS.as_bytes(), raw.as_bytes()).unwrap_err();
        assert_eq!(err, VerifyError::NotDer { length: 64 });
        assert!(err.to_string().contains("raw r || s"));
        assert_eq!(
            verify(pair.public_key(), STS.as_bytes(), b"xyz"),
            Err(VerifyError::NotHex)
        );
    }
}
