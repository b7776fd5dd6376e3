//! The `Authorization` header value of header mode.

use super::headers::SignedHeaders;
use super::scope::CredentialScope;
use super::signature::Signature;
use super::string_to_sign::ALGORITHM;
use std::fmt;

/// `AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=a;b, Signature=hex`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization(String);

impl Authorization {
    /// Builds the header value.
    pub fn new(
        access_key_id: &str,
        scope: &CredentialScope,
        signed_headers: &SignedHeaders,
        signature: &Signature,
    ) -> Authorization {
        let parts = [
            ALGORITHM,
            " Credential=",
            access_key_id,
            "/",
            scope.as_str(),
            ", SignedHeaders=",
            signed_headers.as_str(),
            ", Signature=",
            signature.as_str(),
        ];
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
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
