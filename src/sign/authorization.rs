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
        let parts = [algorithm.name(), " Credential=", access_key_id, "/"]
            .into_iter()
            .chain(scope.parts())
            .chain([
                ", SignedHeaders=",
                signed_headers.as_str(),
                ", Signature=",
                signature.as_str(),
            ]);
        let mut text = String::with_capacity(
            160 + access_key_id.len() + scope.len() + signed_headers.as_str().len(),
        );
        for part in parts {
            text.push_str(part);
        }
        Authorization(text)
    }

    /// The exact text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
