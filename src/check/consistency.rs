//! Carried forward or independent? When a stage diverged, feed the signer's own earlier output
//! to the next step of the reference pipeline: if the signer's later stage then agrees, the
//! first mistake was only carried forward; if not, there is a second, independent mistake.
//!
//! The next step reads what it needs from the signer's own earlier output, as a verifier does:
//! the time from the canonical request's `x-amz-date` header or `X-Amz-Date` parameter, the
//! scope from its `X-Amz-Credential` parameter, the signing key from the string to sign's scope.
//! So one mistake that shows in several stages (a local time written as UTC changes the
//! canonical request, the string to sign and the key) is one mistake, carried forward.

use super::asymmetric::SignatureCheck;
use super::{StageLine, StageStatus};
use crate::implementation::StageOutputs;
use crate::sign::encoding::percent_decode;
use crate::sign::query::split_query;
use crate::sign::signing_key::hmac_sha256;
use crate::sign::{CredentialScope, Signature, SigningKey, StringToSign};
use crate::stage::Stage;
use crate::suite::Fixture;

/// The time and the credential scope a canonical request carries: the value of its
/// `x-amz-date` header line or `X-Amz-Date` parameter, and the scope of its `X-Amz-Credential`
/// parameter (without the access key).
fn carried_time_and_scope(canonical_request: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(canonical_request);
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let query = lines.nth(2).unwrap_or_default();
    let mut date = None;
    let mut scope = None;
    for piece in split_query(query.as_bytes()) {
        let value = || String::from_utf8_lossy(&percent_decode(piece.value)).into_owned();
        match &*percent_decode(piece.key) {
            b"X-Amz-Date" => date = Some(value()),
            b"X-Amz-Credential" => scope = value().split_once('/').map(|(_, s)| s.to_string()),
            _ => {}
        }
    }
    if date.is_none() {
        date = lines
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-date"))
            .map(|(_, value)| value.trim().to_string());
    }
    (date, scope)
}

/// The string to sign the reference derives from a canonical request: its hash, with the time
/// and scope the canonical request carries (the context's when it carries none).
fn string_to_sign_from(fixture: &Fixture, canonical_request: &[u8]) -> Vec<u8> {
    let context = &fixture.input.context;
    let (date, scope) = carried_time_and_scope(canonical_request);
    let amz = date.unwrap_or_else(|| context.timestamp.amz_date());
    let algorithm = context.algorithm();
    let carried = scope
        .as_deref()
        .and_then(|s| scope_parts(s, algorithm.is_asymmetric()));
    let (scope_date, region, service) = carried.unwrap_or((
        amz.get(..8).unwrap_or_default(),
        &context.region,
        &context.service,
    ));
    let scope = if algorithm.is_asymmetric() {
        CredentialScope::without_region(scope_date, region, service)
    } else {
        CredentialScope::new(scope_date, region, service)
    };
    StringToSign::over_with(algorithm, &amz, &scope, canonical_request)
        .as_bytes()
        .to_vec()
}

/// `date/region/service/aws4_request` (SigV4a: `date/service/aws4_request`) -> date, region
/// (empty for SigV4a) and service.
fn scope_parts(scope: &str, regionless: bool) -> Option<(&str, &str, &str)> {
    let rest = scope.strip_suffix("/aws4_request")?;
    if regionless {
        let (date, service) = rest.split_once('/')?;
        return Some((date, "", service));
    }
    let mut parts = rest.splitn(3, '/');
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// The signature the reference computes over a string to sign, with the key derived from the
/// scope that string to sign names (the context's when it names none).
fn signature_from(fixture: &Fixture, string_to_sign: &[u8]) -> Vec<u8> {
    let context = &fixture.input.context;
    let text = String::from_utf8_lossy(string_to_sign);
    let named = text.split('\n').nth(2).and_then(|s| scope_parts(s, false));
    let signature = match named {
        Some((date, region, service)) => {
            let scope = CredentialScope::new(date, region, service);
            let key = SigningKey::derive(&context.credentials.secret_access_key, &scope);
            Signature::from_mac(&hmac_sha256(key.as_bytes(), string_to_sign))
        }
        None => Signature::for_context(context, string_to_sign),
    };
    signature.as_str().as_bytes().to_vec()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Adds a note to each divergent stage after the first that says whether it follows from the
/// signer's own previous stage.
pub fn annotate(lines: &mut [StageLine], fixture: &Fixture, outputs: &StageOutputs) {
    let mut seen_failure = false;
    for line in lines.iter_mut() {
        if line.status != StageStatus::Fail {
            continue;
        }
        if !seen_failure {
            seen_failure = true;
            continue;
        }
        let derived: Option<(bool, &str)> = match line.stage {
            Stage::StringToSign => outputs.get(&Stage::CanonicalRequest).map(|creq| {
                let own = outputs.get(&Stage::StringToSign);
                (
                    own.map(|s| *s == string_to_sign_from(fixture, creq))
                        .unwrap_or(false),
                    "canonical request",
                )
            }),
            Stage::Signature => outputs.get(&Stage::StringToSign).map(|sts| {
                let own = outputs.get(&Stage::Signature);
                let consistent = match SignatureCheck::for_fixture(fixture) {
                    // SigV4a: the signer's signature verifies over its own string to sign.
                    Some(check) => {
                        let own_check = SignatureCheck {
                            message: sts.clone(),
                            ..check
                        };
                        own.is_some_and(|s| own_check.verify(Stage::Signature, s).is_ok())
                    }
                    None => own.is_some_and(|s| *s == signature_from(fixture, sts)),
                };
                (consistent, "string to sign")
            }),
            Stage::Authorization | Stage::PresignedUrl | Stage::SignedRequest => {
                outputs.get(&Stage::Signature).map(|sig| {
                    let own = outputs.get(&line.stage);
                    (
                        own.map(|text| contains(text, sig)).unwrap_or(false),
                        "signature",
                    )
                })
            }
            Stage::CanonicalRequest | Stage::SigningKey | Stage::PublicKey => None,
            // A chain is compared link by link (`check::chain`).
            Stage::ChunkStringToSign
            | Stage::ChunkSignatures
            | Stage::TrailerStringToSign
            | Stage::TrailerSignature
            | Stage::EncodedBody
            | Stage::EventStringToSign
            | Stage::EventSignatures => None,
        };
        line.note = derived.map(|(consistent, from)| {
            if consistent {
                format!("consistent with the signer's own {from}: the earlier error was carried forward")
            } else {
                format!("wrong even given the signer's own {from}: a second, independent mistake")
            }
        });
    }
}
