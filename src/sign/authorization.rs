//! The `Authorization` header value of header mode.

use super::algorithm::Algorithm;
use super::headers::SignedHeaders;
use super::scope::CredentialScope;
use super::signature::Signature;
use std::fmt;

/// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization(String);

impl Authorization {
    /// Builds the header value.
    pub fn new(
        access_key_id: &str,
        scope: &CredentialScope<'_>,
        signed_headers: SignedHeaders<'_>,
        signature: &Signature,
    ) -> Authorization {
        Authorization::with_algorithm(
            Algorithm::HmacSha256,
            access_key_id,
            scope,
            signed_headers,
            signature,
        )
    }

    /// The header value of `algorithm` (SigV4a: `AWS4-ECDSA-P256-SHA256 Credential=...`).
    pub fn with_algorithm(
        algorithm: Algorithm,
        access_key_id: &str,
        scope: &CredentialScope<'_>,
        signed_headers: SignedHeaders<'_>,
        signature: &Signature,
    ) -> Authorization {
        let mut text = Vec::with_capacity(
            160 + access_key_id.len() + scope.len() + signed_headers.as_str().len(),
        );
        write_authorization(
            &mut text,
            algorithm,
            [access_key_id, "/"].into_iter().chain(scope.parts()),
            signed_headers.as_str(),
            signature.as_str(),
        );
        // Written from `&str` parts only.
        let text = String::from_utf8(text).unwrap_or_default();
        Authorization(text)
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Appends `ALGORITHM Credential=AKID/SCOPE, SignedHeaders=a;b, Signature=SIG`, the credential
/// given as the parts it is written from.
pub fn write_authorization<'a>(
    out: &mut Vec<u8>,
    algorithm: Algorithm,
    credential: impl IntoIterator<Item = &'a str>,
    signed_headers: &str,
    signature: &str,
) {
    out.extend_from_slice(algorithm.name().as_bytes());
    out.extend_from_slice(b" Credential=");
    for part in credential {
        out.extend_from_slice(part.as_bytes());
    }
    for part in [
        ", SignedHeaders=",
        signed_headers,
        ", Signature=",
        signature,
    ] {
        out.extend_from_slice(part.as_bytes());
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
