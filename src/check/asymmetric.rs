//! SigV4a stages: a signature is **verified** under the case's public key, never compared.
//!
//! ECDSA signers pick a random nonce, so two right signatures of one string to sign differ. A
//! stage that carries a signature (`signature`, and the one inside `authorization`,
//! `presigned_url` and `signed_request`) passes when its signature verifies over the case's
//! expected string to sign under the case's `public-key.json` (or, when the case has none, the
//! key derived from its context, which the stage line says) and the rest of the stage is
//! what the case expects: the signature is swapped for the expected one before the usual
//! comparison, so a diff shows only what else differs.

use crate::implementation::{Implementation, Reference, SignOutcome};
use crate::sign::sigv4a::ecdsa::{self, VerifyError};
use crate::sign::sigv4a::{KeyPairCache, PublicKey};
use crate::stage::Stage;
use crate::suite::Fixture;

/// Where the public key a signature is verified under came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The case's `public-key.json`.
    CaseFile,
    /// Derived from the case's credentials (the case has no `public-key.json`).
    Derived,
}

/// What verifying a SigV4a case's signatures needs.
#[derive(Debug, Clone)]
pub struct SignatureCheck {
    /// The key signatures must verify under.
    pub public_key: PublicKey,
    /// Where it came from.
    pub key_source: KeySource,
    /// The string to sign they must verify over: the case's expected one, else the reference's.
    pub message: Vec<u8>,
}

/// The signature a stage's text carries: the whole text for `signature`, else the hex digits
/// after the last `Signature=` (the Authorization header's field or `X-Amz-Signature`).
pub fn signature_in(stage: Stage, text: &[u8]) -> Option<&[u8]> {
    if stage == Stage::Signature {
        return Some(text.trim_ascii());
    }
    let marker = b"Signature=";
    let at = text.windows(marker.len()).rposition(|w| w == marker)? + marker.len();
    let rest = text.get(at..)?;
    let end = rest
        .iter()
        .position(|b| !b.is_ascii_hexdigit())
        .unwrap_or(rest.len());
    rest.get(..end).filter(|s| !s.is_empty())
}

fn replace_all(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while !needle.is_empty() {
        match rest.windows(needle.len()).position(|w| w == needle) {
            Some(at) => {
                out.extend_from_slice(rest.get(..at).unwrap_or_default());
                out.extend_from_slice(with);
                rest = rest.get(at + needle.len()..).unwrap_or_default();
            }
            None => break,
        }
    }
    out.extend_from_slice(rest);
    out
}

impl SignatureCheck {
    /// The check of a SigV4a case; `None` for SigV4 (or when no key can be had).
    pub fn for_fixture(fixture: &Fixture) -> Option<SignatureCheck> {
        let context = &fixture.input.context;
        if !context.algorithm().is_asymmetric() {
            return None;
        }
        let from_file = fixture
            .expected
            .stages
            .get(&Stage::PublicKey)
            .and_then(|file| PublicKey::from_json(&file.bytes).ok());
        let (public_key, key_source) = match from_file {
            Some(key) => (key, KeySource::CaseFile),
            None => {
                let pair = KeyPairCache::disabled().get(
                    &context.credentials.secret_access_key,
                    &context.credentials.access_key_id,
                )?;
                (*pair.public_key(), KeySource::Derived)
            }
        };
        let message = match fixture.expected.stages.get(&Stage::StringToSign) {
            Some(file) => file.bytes.clone(),
            None => match Reference::new().sign(&fixture.input) {
                SignOutcome::Signed(outputs) => outputs.get(&Stage::StringToSign)?.clone(),
                _ => return None,
            },
        };
        Some(SignatureCheck {
            public_key,
            key_source,
            message,
        })
    }

    /// Verifies the signature a stage's output carries.
    pub fn verify(&self, stage: Stage, actual: &[u8]) -> Result<(), VerifyError> {
        let signature = signature_in(stage, actual).ok_or(VerifyError::NotHex)?;
        ecdsa::verify(&self.public_key, &self.message, signature)
    }

    /// The output with its signature swapped for the one in `expected` when it verifies, so
    /// that the usual comparison judges the rest; the output as it is otherwise.
    pub fn masked(&self, stage: Stage, expected: &[u8], actual: &[u8]) -> Vec<u8> {
        match (
            self.verify(stage, actual),
            signature_in(stage, expected),
            signature_in(stage, actual),
        ) {
            (Ok(()), Some(want), Some(got)) => replace_all(actual, got, want),
            _ => actual.to_vec(),
        }
    }

    /// The note on a stage line that carries a signature.
    pub fn note(&self, stage: Stage, actual: &[u8]) -> String {
        let key = match self.key_source {
            KeySource::CaseFile => "public-key.json",
            KeySource::Derived => {
                "the key derived from context.json (the case has no public-key.json)"
            }
        };
        match self.verify(stage, actual) {
            Ok(()) => format!("signature verified under {key}"),
            Err(e) => format!("{e}: verified under {key}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_signature_each_stage_carries() {
        let cases: &[(Stage, &str, Option<&str>)] = &[
            (Stage::Signature, "3045ab\n", Some("3045ab")),
            (
                Stage::Authorization,
                "AWS4-ECDSA-P256-SHA256 Credential=A/20150830/s/aws4_request, SignedHeaders=host, Signature=30450a",
                Some("30450a"),
            ),
            (
                Stage::PresignedUrl,
                "https://h/?X-Amz-Signature=3046ff&b=1",
                Some("3046ff"),
            ),
            (Stage::SignedRequest, "GET / HTTP/1.1\nHost:h\n\n", None),
        ];
        for (stage, text, want) in cases {
            assert_eq!(
                signature_in(*stage, text.as_bytes()),
                want.map(str::as_bytes),
                "{text}"
            );
        }
        assert_eq!(replace_all(b"a-xy-b-xy", b"xy", b"Z"), b"a-Z-b-Z");
    }
}
