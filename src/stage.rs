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
    /// `chunk_string_to_sign`: an `aws-chunked` upload's chunk strings to sign, in order
    /// (header mode; [`crate::sign::chunked`]).
    ChunkStringToSign,
    /// `chunk_signatures`: its chunk signatures, in order, the final empty chunk's last.
    ChunkSignatures,
    /// `trailer_string_to_sign`: the string to sign of its trailing headers.
    TrailerStringToSign,
    /// `trailer_signature`: the trailing headers' signature.
    TrailerSignature,
    /// `encoded_body`: the `aws-chunked` body on the wire.
    EncodedBody,
    /// `event_string_to_sign`: an event stream's event strings to sign, in order, the final
    /// empty message's last (header mode; [`crate::sign::event_stream`]).
    EventStringToSign,
    /// `event_signatures`: its event signatures, in order, the final empty message's last.
    EventSignatures,
}

impl Stage {
    /// Every stage, in pipeline order.
    pub const ALL: [Stage; 15] = [
        Stage::CanonicalRequest,
        Stage::StringToSign,
        Stage::SigningKey,
        Stage::Signature,
        Stage::Authorization,
        Stage::PresignedUrl,
        Stage::SignedRequest,
        Stage::PublicKey,
        Stage::ChunkStringToSign,
        Stage::ChunkSignatures,
        Stage::TrailerStringToSign,
        Stage::TrailerSignature,
        Stage::EncodedBody,
        Stage::EventStringToSign,
        Stage::EventSignatures,
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
            Stage::ChunkStringToSign => "chunk_string_to_sign",
            Stage::ChunkSignatures => "chunk_signatures",
            Stage::TrailerStringToSign => "trailer_string_to_sign",
            Stage::TrailerSignature => "trailer_signature",
            Stage::EncodedBody => "encoded_body",
            Stage::EventStringToSign => "event_string_to_sign",
            Stage::EventSignatures => "event_signatures",
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
        let elsewhere = match mode {
            Mode::Header => *self == Stage::PresignedUrl,
            Mode::Query => *self == Stage::Authorization || self.is_streaming(),
        };
        !elsewhere
    }

    /// Whether the stage belongs to an `aws-chunked` upload or an event stream after its seed
    /// (header mode only).
    pub fn is_streaming(&self) -> bool {
        *self >= Stage::ChunkStringToSign
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
            Stage::ChunkStringToSign => "chunk-string-to-sign",
            Stage::ChunkSignatures => "chunk-signatures",
            Stage::TrailerStringToSign => "trailer-string-to-sign",
            Stage::TrailerSignature => "trailer-signature",
            Stage::EncodedBody => "encoded-body",
            Stage::EventStringToSign => "event-string-to-sign",
            Stage::EventSignatures => "event-signatures",
        };
        format!("{mode}-{stem}.txt")
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a check first stopped: a stage of the pipeline, or, for a verifier, a check made before
/// the signature is recomputed. Typed everywhere; a name only in the JSON reports and headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DivergencePoint {
    /// A stage diverged. For a verifier also: the signature was wrong at this stage, or
    /// ([`Stage::Authorization`]) the Authorization header or presigned parameters are malformed.
    Stage(Stage),
    /// `error`: the case expects a refusal and the signer signed.
    Refusal,
    /// `request`: a verifier found no signature at all, or could not read the request.
    Request,
    /// `credential`: a verifier rejected the access key, the scope or the session token.
    Credential,
    /// `request_time`: a verifier rejected the time (clock skew, expiry).
    RequestTime,
    /// `payload_hash`: a verifier rejected `x-amz-content-sha256` or the body's hash.
    PayloadHash,
}

impl DivergencePoint {
    /// The name in reports and headers: the stage's, or the check's.
    pub fn name(&self) -> &'static str {
        match self {
            DivergencePoint::Stage(stage) => stage.name(),
            DivergencePoint::Refusal => "error",
            DivergencePoint::Request => "request",
            DivergencePoint::Credential => "credential",
            DivergencePoint::RequestTime => "request_time",
            DivergencePoint::PayloadHash => "payload_hash",
        }
    }

    /// Parses a name written by [`DivergencePoint::name`].
    pub fn parse(name: &str) -> Option<DivergencePoint> {
        if let Some(stage) = Stage::parse(name) {
            return Some(DivergencePoint::Stage(stage));
        }
        [
            DivergencePoint::Refusal,
            DivergencePoint::Request,
            DivergencePoint::Credential,
            DivergencePoint::RequestTime,
            DivergencePoint::PayloadHash,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    /// The pipeline stage, if it is one.
    pub fn stage(&self) -> Option<Stage> {
        match self {
            DivergencePoint::Stage(stage) => Some(*stage),
            _ => None,
        }
    }
}

impl From<Stage> for DivergencePoint {
    fn from(stage: Stage) -> DivergencePoint {
        DivergencePoint::Stage(stage)
    }
}

impl fmt::Display for DivergencePoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for DivergencePoint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for DivergencePoint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        DivergencePoint::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{name:?} is neither a stage nor a check (error, request, credential, \
                 request_time, payload_hash)"
            ))
        })
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
        assert_eq!(
            Stage::ChunkSignatures.file_name(Mode::Header),
            "header-chunk-signatures.txt"
        );
        assert!(!Stage::ChunkSignatures.applies_to(Mode::Query));
        assert!(!Stage::SignedRequest.is_streaming() && Stage::EncodedBody.is_streaming());
        assert_eq!(
            Stage::EventSignatures.file_name(Mode::Header),
            "header-event-signatures.txt"
        );
        assert!(!Stage::EventStringToSign.applies_to(Mode::Query));
        for name in [
            "error",
            "request",
            "credential",
            "request_time",
            "payload_hash",
        ] {
            assert_eq!(DivergencePoint::parse(name).map(|p| p.name()), Some(name));
        }
        assert_eq!(
            DivergencePoint::parse("authorization"),
            Some(DivergencePoint::Stage(Stage::Authorization))
        );
        assert_eq!(DivergencePoint::parse("authorisation"), None);
        for mode in [Mode::Header, Mode::Query] {
            assert!(Stage::carrier(mode).applies_to(mode));
        }
    }
}
