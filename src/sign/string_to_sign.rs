//! String to sign.

use super::algorithm::Algorithm;
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
///
/// Kept as bytes, all ASCII or UTF-8 from its `&str` parts, so that hashing it needs no check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StringToSign(Vec<u8>);

impl StringToSign {
    /// Builds the string to sign; `amz_date` is the request time as `YYYYMMDD'T'HHMMSS'Z'`.
    pub fn new(
        amz_date: &str,
        scope: &CredentialScope<'_>,
        canonical_request: &CanonicalRequest,
    ) -> StringToSign {
        StringToSign::with_algorithm(Algorithm::HmacSha256, amz_date, scope, canonical_request)
    }

    /// The string to sign of `algorithm`: its name on the first line (SigV4a:
    /// `AWS4-ECDSA-P256-SHA256`, with a scope without region).
    pub fn with_algorithm(
        algorithm: Algorithm,
        amz_date: &str,
        scope: &CredentialScope<'_>,
        canonical_request: &CanonicalRequest,
    ) -> StringToSign {
        StringToSign::over_with(algorithm, amz_date, scope, canonical_request.as_bytes())
    }

    /// Builds the string to sign over any canonical request bytes: a signer's own, for checking
    /// its later stages against the reference's next step (`check::consistency`).
    pub fn over(
        amz_date: &str,
        scope: &CredentialScope<'_>,
        canonical_request: &[u8],
    ) -> StringToSign {
        StringToSign::over_with(Algorithm::HmacSha256, amz_date, scope, canonical_request)
    }

    /// [`StringToSign::over`] for `algorithm`.
    pub fn over_with(
        algorithm: Algorithm,
        amz_date: &str,
        scope: &CredentialScope<'_>,
        canonical_request: &[u8],
    ) -> StringToSign {
        let name = algorithm.name();
        let mut text = Vec::with_capacity(name.len() + amz_date.len() + scope.len() + 67);
        let [date, slash, region, slash2, service, terminator] = scope.parts();
        for part in [
            name, "\n", amz_date, "\n", date, slash, region, slash2, service, terminator, "\n",
        ] {
            text.extend_from_slice(part.as_bytes());
        }
        let mut hash = [0u8; 64];
        hex_fill(&mut hash, &Sha256::digest(canonical_request));
        text.extend_from_slice(&hash);
        StringToSign(text)
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        // Written from `&str` parts and hex digits only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The exact bytes: what the signature's HMAC is computed over.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
