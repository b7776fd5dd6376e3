//! The stages a signer can expose, in pipeline order, and the suite files that hold them.

use crate::sign::Mode;
use std::fmt;

/// One comparable stage. The order is the pipeline's: the first divergent stage is the first in
/// this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// `canonical_request`.
    CanonicalRequest,
    /// `string_to_sign`.
    StringToSign,
    /// `signing_key` (lower-case hex).
    SigningKey,
    /// `signature`.
    Signature,
    /// `authorization`: the Authorization header value (header mode).
    Authorization,
    /// `presigned_url` (query mode).
    PresignedUrl,
    /// `signed_request`.
    SignedRequest,
    /// `public_key` (SigV4a): the derived key pair's public key, `{"X":"<hex>","Y":"<hex>"}`,
    /// compared with the case's `public-key.json` by value.
    PublicKey,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 8] = [
        Stage::CanonicalRequest,
        Stage::StringToSign,
        Stage::SigningKey,
        Stage::Signature,
        Stage::Authorization,
        Stage::PresignedUrl,
        Stage::SignedRequest,
        Stage::PublicKey,
    ];

    /// The stage's name in the protocol and the reports.
    pub fn name(&self) -> &'static str {
        match self {
            Stage::CanonicalRequest => "canonical_request",
            Stage::StringToSign => "string_to_sign",
            Stage::SigningKey => "signing_key",
            Stage::Signature => "signature",
            Stage::Authorization => "authorization",
            Stage::PresignedUrl => "presigned_url",
            Stage::SignedRequest => "signed_request",
            Stage::PublicKey => "public_key",
        }
    }

    /// Parses a stage name.
    pub fn parse(name: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether the stage exists in `mode` (no Authorization header in query mode, no presigned
    /// URL in header mode). [`Stage::PublicKey`] exists only for SigV4a: see
    /// [`Stage::applies_to_algorithm`].
    pub fn applies_to(&self, mode: Mode) -> bool {
        !matches!(
            (self, mode),
            (Stage::Authorization, Mode::Query) | (Stage::PresignedUrl, Mode::Header)
        )
    }

    /// Whether the stage exists for `algorithm`: a public key only for SigV4a.
    pub fn applies_to_algorithm(&self, algorithm: crate::sign::Algorithm) -> bool {
        *self != Stage::PublicKey || algorithm.is_asymmetric()
    }

    /// Whether the stage carries the signature itself (SigV4a: verified, never compared).
    pub fn carries_signature(&self) -> bool {
        matches!(
            self,
            Stage::Signature | Stage::Authorization | Stage::PresignedUrl | Stage::SignedRequest
        )
    }

    /// The stage that carries the signature to the server in `mode`: the Authorization header,
    /// or the presigned URL.
    pub fn carrier(mode: Mode) -> Stage {
        match mode {
            Mode::Header => Stage::Authorization,
            Mode::Query => Stage::PresignedUrl,
        }
    }

    /// The expected file of this stage in the native layout, e.g. `header-string-to-sign.txt`.
    pub fn file_name(&self, mode: Mode) -> String {
        let stem = match self {
            Stage::CanonicalRequest => "canonical-request",
            Stage::StringToSign => "string-to-sign",
            Stage::SigningKey => "signing-key",
            Stage::Signature => "signature",
            Stage::Authorization => "authorization",
            Stage::PresignedUrl => "presigned-url",
            Stage::SignedRequest => "signed-request",
            // One key pair for both modes, in the official v4a layout's file.
            Stage::PublicKey => return "public-key.json".to_string(),
        };
        format!("{mode}-{stem}.txt")
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_files_follow_the_official_layout() {
        for stage in Stage::ALL {
            assert_eq!(Stage::parse(stage.name()), Some(stage));
        }
        assert_eq!(
            Stage::CanonicalRequest.file_name(Mode::Header),
            "header-canonical-request.txt"
        );
        assert_eq!(
            Stage::PresignedUrl.file_name(Mode::Query),
            "query-presigned-url.txt"
        );
        assert!(!Stage::Authorization.applies_to(Mode::Query));
        for mode in [Mode::Header, Mode::Query] {
            assert!(Stage::carrier(mode).applies_to(mode));
        }
    }
}
