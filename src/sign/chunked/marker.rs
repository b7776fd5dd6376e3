//! The streaming payload markers: the literal payload hash of an `aws-chunked` upload's seed
//! request, which says how its chunks and trailers are signed.

use std::fmt;

/// How an `aws-chunked` body is sent, from the seed request's payload hash
/// (`x-amz-content-sha256`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamingMarker {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: every chunk signed, chained from the seed; no trailers.
    SignedPayload,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: every chunk signed, then trailing headers
    /// signed with `AWS4-HMAC-SHA256-TRAILER`, chained from the final chunk.
    SignedPayloadTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: chunks unsigned (`hex-size` alone), a trailing
    /// checksum header that the server checks against the payload; only the seed is signed.
    /// What the AWS SDKs send by default since 2025.
    UnsignedPayloadTrailer,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD`: SigV4a's [`SignedPayload`](Self::SignedPayload):
    /// every chunk signed with ECDSA (`AWS4-ECDSA-P256-SHA256-PAYLOAD`), its signature padded
    /// with `*` to 144 characters on the wire ([`super::sigv4a`]).
    EcdsaSignedPayload,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER`: SigV4a's
    /// [`SignedPayloadTrailer`](Self::SignedPayloadTrailer), the trailers signed with
    /// `AWS4-ECDSA-P256-SHA256-TRAILER`.
    EcdsaSignedPayloadTrailer,
}

impl StreamingMarker {
    /// Every marker.
    pub const ALL: [StreamingMarker; 5] = [
        StreamingMarker::SignedPayload,
        StreamingMarker::SignedPayloadTrailer,
        StreamingMarker::UnsignedPayloadTrailer,
        StreamingMarker::EcdsaSignedPayload,
        StreamingMarker::EcdsaSignedPayloadTrailer,
    ];

    /// The literal, as it appears in `x-amz-content-sha256` and the canonical request.
    pub fn as_str(&self) -> &'static str {
        match self {
            StreamingMarker::SignedPayload => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            StreamingMarker::SignedPayloadTrailer => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            StreamingMarker::UnsignedPayloadTrailer => "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            StreamingMarker::EcdsaSignedPayload => "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
            StreamingMarker::EcdsaSignedPayloadTrailer => {
                "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"
            }
        }
    }

    /// The marker a payload hash names, if it is a streaming marker (SigV4's or SigV4a's).
    pub fn parse(text: &str) -> Option<StreamingMarker> {
        StreamingMarker::ALL
            .into_iter()
            .find(|m| m.as_str() == text)
    }

    /// Whether each chunk carries a `chunk-signature`.
    pub fn signs_chunks(&self) -> bool {
        !matches!(self, StreamingMarker::UnsignedPayloadTrailer)
    }

    /// Whether trailing headers follow the final chunk.
    pub fn has_trailer(&self) -> bool {
        !matches!(
            self,
            StreamingMarker::SignedPayload | StreamingMarker::EcdsaSignedPayload
        )
    }

    /// Whether the trailing headers carry an `x-amz-trailer-signature`.
    pub fn signs_trailer(&self) -> bool {
        matches!(
            self,
            StreamingMarker::SignedPayloadTrailer | StreamingMarker::EcdsaSignedPayloadTrailer
        )
    }

    /// Whether the chunks and trailers are signed with ECDSA (SigV4a): a SigV4a seed request
    /// (`AWS4-ECDSA-P256-SHA256`) chains only these, a SigV4 one only the others.
    pub fn is_asymmetric(&self) -> bool {
        matches!(
            self,
            StreamingMarker::EcdsaSignedPayload | StreamingMarker::EcdsaSignedPayloadTrailer
        )
    }
}

impl fmt::Display for StreamingMarker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_say_what_is_signed() {
        for marker in StreamingMarker::ALL {
            assert_eq!(StreamingMarker::parse(marker.as_str()), Some(marker));
        }
        assert_eq!(StreamingMarker::parse("UNSIGNED-PAYLOAD"), None);
        // aws-c-auth include/aws/auth/signing_config.h's SigV4a markers.
        assert_eq!(
            StreamingMarker::parse("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"),
            Some(StreamingMarker::EcdsaSignedPayload)
        );
        assert_eq!(
            StreamingMarker::parse("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER"),
            Some(StreamingMarker::EcdsaSignedPayloadTrailer)
        );
        let table = [
            (StreamingMarker::SignedPayload, true, false, false, false),
            (
                StreamingMarker::SignedPayloadTrailer,
                true,
                true,
                true,
                false,
            ),
            (
                StreamingMarker::UnsignedPayloadTrailer,
                false,
                true,
                false,
                false,
            ),
            (
                StreamingMarker::EcdsaSignedPayload,
                true,
                false,
                false,
                true,
            ),
            (
                StreamingMarker::EcdsaSignedPayloadTrailer,
                true,
                true,
                true,
                true,
            ),
        ];
        for (marker, chunks, trailer, signed_trailer, ecdsa) in table {
            assert_eq!(marker.signs_chunks(), chunks, "{marker}");
            assert_eq!(marker.has_trailer(), trailer, "{marker}");
            assert_eq!(marker.signs_trailer(), signed_trailer, "{marker}");
            assert_eq!(marker.is_asymmetric(), ecdsa, "{marker}");
        }
    }
}
