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
        let mut hash = [0u8; 64];
        hex_fill(&mut hash, &Sha256::digest(canonical_request));
        write_string_to_sign(&mut text, name, amz_date, scope.parts(), &hash);
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

/// Appends the string to sign's four lines: the algorithm's name, the request time, the
/// credential scope (given as the parts it is written from) and the canonical request's hash in
/// hex, with no line end after it.
pub fn write_string_to_sign<'a>(
    out: &mut Vec<u8>,
    algorithm: &str,
    amz_date: &str,
    scope: impl IntoIterator<Item = &'a str>,
    hash_hex: &[u8],
) {
    for part in [algorithm, "\n", amz_date, "\n"] {
        out.extend_from_slice(part.as_bytes());
    }
    for part in scope {
        out.extend_from_slice(part.as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(hash_hex);
}

impl fmt::Display for StringToSign {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
